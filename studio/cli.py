"""The ``studio`` command line.

Core commands live here; each subsystem (visual, deck, radio, video, publish,
jobs, web) adds its own in ``studio/commands/<name>.py`` through ``register(app)``.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Optional

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .build import DEFAULT_OUT, build as run_build, dumps
from .formats import FORMATS
from .loader import CampaignError, load_campaign
from .plan import expand

app = typer.Typer(help="Studio: từ kế hoạch tuyên truyền đến mọi sản phẩm cho từng kênh.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

COMMAND_MODULES = ("visual", "deck", "radio", "video", "publish", "jobs", "web")

CampaignArg = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)")


def load_or_exit(folder: Path):
    """Load a campaign, or print every problem and exit with code 2."""
    try:
        return load_campaign(folder)
    except CampaignError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"{len(exc.problems)} lỗi. Sửa các lỗi trên rồi chạy lại.", style="bold red")
        raise typer.Exit(2)


@app.command()
def validate(campaign: Path = CampaignArg):
    """Kiểm tra chiến dịch và mọi tin bài; báo tất cả lỗi cùng lúc (mã thoát 2 nếu có lỗi)."""
    c = load_or_exit(campaign)
    console.print(f"Hợp lệ: {c.title} — {len(c.all_phases())} giai đoạn, {len(c.briefs)} tin bài, "
                  f"{len(c.units)} đơn vị, {len(c.channels)} kênh.")


@app.command()
def plan(campaign: Path = CampaignArg,
         phase: Optional[str] = typer.Option(None, help="Chỉ một giai đoạn (và các giai đoạn con)"),
         as_json: bool = typer.Option(False, "--json", help="In danh sách máy đọc được")):
    """Liệt kê mọi sản phẩm mà lệnh build sẽ tạo (tin bài × định dạng × đơn vị)."""
    c = load_or_exit(campaign)
    jobs = expand(c, phase_ids(c, phase))
    if as_json:
        typer.echo(dumps([{**j.to_dict(), "id": j.id} for j in jobs]))
        return
    table = Table(title=f"Kế hoạch sản phẩm: {c.title}")
    for col in ("Giai đoạn", "Kênh", "Định dạng", "Số sản phẩm"):
        table.add_column(col)
    counts: dict[tuple, int] = {}
    for j in jobs:
        counts[(j.phase, j.channel, j.format)] = counts.get((j.phase, j.channel, j.format), 0) + 1
    for (ph, ch, fm), n in counts.items():
        table.add_row(ph, c.channel(ch).name, FORMATS[fm].name, str(n))
    console.print(table)
    console.print(f"Tổng: {len(jobs)} sản phẩm.")


def phase_ids(c, phase: str | None) -> list[str] | None:
    if phase is None:
        return None
    try:
        return c.phase_with_children(phase)
    except KeyError:
        err.print(f"Không có giai đoạn {phase!r}. Các giai đoạn: {', '.join(p.id for p in c.all_phases())}")
        raise typer.Exit(2)


@app.command()
def build(campaign: Path = CampaignArg,
          phase: Optional[str] = typer.Option(None, help="Chỉ một giai đoạn (và các giai đoạn con)"),
          out: Path = typer.Option(Path(DEFAULT_OUT), help="Thư mục đầu ra"),
          workers: int = typer.Option(0, help="Số tiến trình (0 = số lõi CPU)"),
          engine: Optional[str] = typer.Option(None, help="Bộ đọc TTS cho bản tin (espeak-ng, gtts, auto, piper)"),
          cmyk: bool = typer.Option(False, "--cmyk", help="PDF in ấn hệ màu CMYK"),
          bleed: Optional[float] = typer.Option(None, "--bleed", help="Lề xén (bleed) của PDF in ấn, mm (mặc định 3)"),
          deck_pdf: bool = typer.Option(False, "--deck-pdf", help="Xuất thêm PDF cho bài trình chiếu (cần LibreOffice)"),
          music: Optional[Path] = typer.Option(None, "--music", help="Tệp nhạc nền cho video (tự giảm khi có lời đọc)"),
          celery: bool = typer.Option(False, "--celery", help="Gửi lô việc tới Celery worker thay vì chạy tại chỗ")):
    """Tạo mọi sản phẩm theo kế hoạch (chạy tại chỗ, không cần máy chủ) và ghi manifest.json cho từng giai đoạn."""
    c = load_or_exit(campaign)
    ids = phase_ids(c, phase)
    if music is not None and not music.is_file():
        err.print(f"--music: không có tệp {music}")
        raise typer.Exit(2)
    options = build_options(engine=engine, cmyk=cmyk, bleed=bleed, deck_pdf=deck_pdf, music=music)
    if celery:
        from jobs.submit import submit_and_wait

        raise typer.Exit(submit_and_wait(c, out, ids, options, console))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        task = progress.add_task("Đang tạo sản phẩm", total=None)
        report = run_build(c, out, ids, workers or None, options,
                           on_start=lambda n: progress.update(task, total=n),
                           on_progress=lambda job, ok: progress.advance(task))
    for fmt, n in sorted(report.unsupported.items()):
        err.print(f"Chưa có trình kết xuất cho định dạng {fmt} ({FORMATS[fmt].name}): bỏ qua {n} sản phẩm.",
                  style="yellow")
    for note in engine_notes(report.manifests):
        err.print(note, style="yellow", markup=False)
    for f in report.failures:
        err.print(f"LỖI {f['job']} (tin bài {f['brief'] or '—'}, định dạng {f['format']}, đơn vị {f['unit']}): "
                  f"{f['error']}", style="red", markup=False)
    console.print(f"Đã tạo {report.rendered}, giữ nguyên {report.reused}, lỗi {len(report.failures)}, "
                  f"trong {report.seconds:.1f} giây. Manifest: {', '.join(str(m) for m in report.manifests)}",
                  markup=False)
    if report.failures:
        raise typer.Exit(1)


def engine_notes(manifests: list[Path]) -> list[str]:
    """What a TTS engine said about itself (e.g. ``auto`` fell back to espeak-ng), once each."""
    notes: list[str] = []
    for path in manifests:
        for art in json.loads(Path(path).read_text(encoding="utf-8"))["artifacts"]:
            note = art.get("meta", {}).get("engine_note")
            if note and note not in notes:
                notes.append(note)
    return notes


def build_options(engine: str | None = None, cmyk: bool = False, bleed: float | None = None,
                  deck_pdf: bool = False, music: Path | None = None) -> dict:
    """Renderer options by kind; only what differs from the defaults, so inputs hashes stay stable."""
    options: dict = {}
    if engine:
        options["bulletin"] = {"engine": engine}
    visual: dict = {"cmyk": True} if cmyk else {}
    if bleed is not None:
        visual["bleed_mm"] = bleed
    if visual:
        options["visual"] = visual
    if deck_pdf:
        options["deck"] = {"pdf": True}
    if music:
        options["video"] = {"music": str(music.resolve())}
    return options


BRIEF_TEMPLATE = """\
# Tin bài mới — điền các trường rồi chạy: studio validate {campaign}
id: {id}                     # mã: chữ thường không dấu, số, dấu gạch ngang
phase: {phase}               # giai đoạn: {phases}
title: "Tiêu đề tin bài"
headline: "Thông điệp chính, ngắn gọn"
key_messages:                # các ý chính (mỗi ý một dòng)
  - "Ý chính thứ nhất"
body: |
  Nội dung đầy đủ của tin bài (dùng cho bản tin truyền thanh và ghi chú người trình bày).
stats:                       # số liệu; số không lấy từ kế hoạch phải ghi illustrative: true
  - label: "Tên số liệu"
    value: 0
    unit: ""
    source: ""
    illustrative: true
slogans:
  - "Khẩu hiệu"
channels: [{channels}]
targets: []                  # để trống = toàn tỉnh; hoặc mã huyện/xã trong {units}
priority: normal             # normal | priority | emergency
approval:
  status: draft              # draft | approved (kèm by, at)
"""


@app.command("new-brief")
def new_brief(campaign: Path = CampaignArg,
              phase: str = typer.Option(..., help="Mã giai đoạn của tin bài"),
              brief_id: str = typer.Option("tin-bai-moi", "--id", help="Mã tin bài (tên tệp)")):
    """Tạo tệp tin bài mẫu có chú thích trong briefs/."""
    from .artifacts import atomic_write_text
    from .text import is_slug

    c = load_or_exit(campaign)
    phase_ids(c, phase)
    if not is_slug(brief_id):
        err.print(f"Mã tin bài {brief_id!r} không hợp lệ: chỉ dùng chữ thường không dấu, số và dấu gạch ngang.")
        raise typer.Exit(2)
    target = Path(campaign) / "briefs" / f"{brief_id}.yaml"
    if target.exists():
        err.print(f"{target} đã có; chọn mã khác bằng --id.")
        raise typer.Exit(2)
    atomic_write_text(target, BRIEF_TEMPLATE.format(
        campaign=campaign, id=brief_id, phase=phase, phases=", ".join(p.id for p in c.all_phases()),
        channels=", ".join(ch.id for ch in c.channels), units=c.units_file))
    console.print(f"Đã tạo {target}")


units_app = typer.Typer(help="Danh sách đơn vị hành chính.", no_args_is_help=True)
app.add_typer(units_app, name="units")


@units_app.command("import")
def units_import(csv_path: Path = typer.Argument(..., help="Tệp CSV đơn vị (định dạng ninh-thuan-units-2024.csv)"),
                 out: Path = typer.Option(..., "--out", help="Tệp units.yaml cần ghi"),
                 province_id: str = typer.Option("ninh-thuan"), province_name: str = typer.Option("Tỉnh Ninh Thuận"),
                 province_code: str = typer.Option("58")):
    """Nhập danh sách đơn vị từ CSV (kèm sáp nhập 2024, 2025) thành units.yaml."""
    from .artifacts import atomic_write_text
    from .units import import_units_csv

    try:
        units = import_units_csv(csv_path, province_id, province_name, province_code)
    except (OSError, ValueError, KeyError) as exc:
        err.print(f"{csv_path}: không nhập được: {exc}")
        raise typer.Exit(2)
    data = [u.model_dump(mode="json", exclude_defaults=True) for u in units]
    header = f"# Sinh bởi: studio units import {csv_path.name} — đừng sửa tay, hãy nhập lại.\n"
    atomic_write_text(out, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    console.print(f"Đã ghi {len(units)} đơn vị vào {out}")


def _load_command_modules() -> None:
    for name in COMMAND_MODULES:
        module = f"studio.commands.{name}"
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        mod.register(app)


_load_command_modules()


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
