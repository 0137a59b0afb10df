"""The ``studio`` command line.

Core commands live here; each subsystem (visual, deck, radio, video, publish,
jobs, web) adds its own in ``studio/commands/<name>.py`` through ``register(app)``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

import typer
import yaml
from rich.table import Table

from .build import DEFAULT_OUT, dumps
from .commands.common import (
    CampaignArg,
    build_options,
    check_engine,
    check_music,
    console,
    err,
    load_or_exit,
    phase_ids,
    run_build,
)
from .formats import FORMATS
from .plan import expand

app = typer.Typer(help="Studio: từ kế hoạch tuyên truyền đến mọi sản phẩm cho từng kênh.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)

COMMAND_MODULES = ("visual", "deck", "radio", "video", "publish", "jobs", "web")


@app.command()
def validate(campaign: Path = CampaignArg,
             fit: bool = typer.Option(True, "--fit/--no-fit",
                                      help="Dàn trang thử mọi sản phẩm để tìm chữ không vừa khung (mặc định có)")):
    """Kiểm tra chiến dịch, tin bài và mọi thứ lệnh build sẽ vẽ (không kết xuất); báo tất cả lỗi cùng lúc
    (mã thoát 2 nếu có lỗi)."""
    from .check import dry_run

    c = load_or_exit(campaign)
    found = dry_run(c, fit=fit, layout=True)
    problems = [p for p in found if not p.warning]
    for warning in (p for p in found if p.warning):
        err.print(f"CẢNH BÁO: {warning}", style="yellow", markup=False, highlight=False)
    if problems:
        for problem in problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"{len(problems)} lỗi: lệnh build sẽ không tạo được các sản phẩm này. Sửa các lỗi trên rồi chạy lại.",
                  style="bold red")
        raise typer.Exit(2)
    console.print(f"Hợp lệ: {c.title} — {len(c.all_phases())} giai đoạn, {len(c.briefs)} tin bài, "
                  f"{len(c.units)} đơn vị, {len(c.channels)} kênh"
                  + (f"; {len(found)} cảnh báo bố cục (sản phẩm vẫn được tạo)." if found else "."))


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


@app.command()
def build(campaign: Path = CampaignArg,
          phase: Optional[str] = typer.Option(None, help="Chỉ một giai đoạn (và các giai đoạn con)"),
          out: Path = typer.Option(Path(DEFAULT_OUT), help="Thư mục đầu ra"),
          workers: int = typer.Option(0, help="Số tiến trình (0 = số lõi CPU)"),
          engine: Optional[str] = typer.Option(None, help="Bộ đọc TTS cho bản tin (espeak-ng, gtts, auto, piper)"),
          cmyk: bool = typer.Option(False, "--cmyk", help="PDF in ấn hệ màu CMYK"),
          bleed: Optional[float] = typer.Option(None, "--bleed", help="Lề xén (bleed) của PDF in ấn, mm (mặc định 3)"),
          deck_pdf: bool = typer.Option(False, "--deck-pdf",
                                        help="Xuất thêm PDF cho bài trình chiếu (cần LibreOffice)"),
          music: Optional[Path] = typer.Option(None, "--music", help="Tệp nhạc nền cho video (tự giảm khi có lời đọc)"),
          celery: bool = typer.Option(False, "--celery", help="Gửi lô việc tới Celery worker thay vì chạy tại chỗ")):
    """Tạo mọi sản phẩm theo kế hoạch (chạy tại chỗ, không cần máy chủ) và ghi manifest.json cho từng giai đoạn."""
    c = load_or_exit(campaign)
    ids = phase_ids(c, phase)
    check_music(music)
    check_engine(engine)
    options = build_options(engine=engine, cmyk=cmyk, bleed=bleed, deck_pdf=deck_pdf, music=music)
    if celery:
        from jobs.submit import submit_and_wait

        raise typer.Exit(submit_and_wait(c, out, ids, options, console))
    run_build(c, out, ids, options, workers)


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
        raise typer.Exit(2) from None
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


def main(argv: list[str] | None = None) -> int:
    """The ``studio`` command. A problem in what the user wrote is a Vietnamese message (exit 2);
    anything unexpected is one line with a hint, and its traceback only with ``--debug``."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    try:
        app(args=args, prog_name="studio")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        err.print("Đã dừng theo yêu cầu. Tệp đã tạo xong được giữ nguyên; chạy lại lệnh để làm tiếp.")
        return 130
    except OSError as exc:  # a full disk, a read-only folder, a missing file: the user can fix these
        if debug:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        err.print(f"Lỗi hệ thống tệp{where}: {exc.strerror or exc}. Kiểm tra chỗ trống trên đĩa, quyền ghi và "
                  f"đường dẫn rồi chạy lại.", markup=False)
        return 2
    except Exception as exc:
        if debug:
            raise
        err.print(f"Lỗi không mong đợi: {type(exc).__name__}: {exc}. Có thể đây là lỗi của Studio: chạy lại với "
                  f"--debug để xem chi tiết và gửi cho nhóm phát triển.", markup=False)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
