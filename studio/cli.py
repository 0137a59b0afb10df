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
from .plan import grouped, lineup, survey

app = typer.Typer(help="Studio: từ kế hoạch tuyên truyền đến mọi sản phẩm cho từng kênh.", no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None)

COMMAND_MODULES = ("init", "schema", "briefs", "visual", "deck", "radio", "video", "publish", "jobs", "web")


@app.command()
def validate(campaign: Path = CampaignArg,
             fit: bool = typer.Option(True, "--fit/--no-fit",
                                      help="Dàn trang thử mọi sản phẩm để tìm chữ không vừa khung (mặc định có)")):
    """Kiểm tra chiến dịch, tin bài và mọi thứ lệnh build sẽ vẽ (không kết xuất); báo tất cả lỗi cùng lúc
    (mã thoát 2 nếu có lỗi); cảnh báo và lưu ý (nội dung một mẫu không thể hiện hết) không chặn lệnh build."""
    from .check import dry_run, plan_warnings

    c = load_or_exit(campaign)
    for warning in plan_warnings(c):  # what the briefs ask for and will not get: said, never fatal
        err.print(f"cảnh báo: {warning}", markup=False, highlight=False, style="yellow")
    notes: list = []
    problems = dry_run(c, fit=fit, notes=notes)
    for note in notes:  # what a template cannot show, a layout that collides: said, never fatal
        err.print(f"lưu ý: {note}", markup=False, highlight=False)
    if problems:
        for problem in problems:
            err.print(str(problem), markup=False, highlight=False)
        err.print(f"{len(problems)} lỗi: lệnh build sẽ không tạo được các sản phẩm này. Sửa các lỗi trên rồi chạy lại.",
                  style="bold red")
        raise typer.Exit(2)
    console.print(f"Hợp lệ: {c.title} — {len(c.all_phases())} giai đoạn, {len(c.briefs)} tin bài, "
                  f"{len(c.units)} đơn vị, {len(c.channels)} kênh.")


@app.command()
def plan(campaign: Path = CampaignArg,
         phase: Optional[str] = typer.Option(None, help="Chỉ một giai đoạn (và các giai đoạn con)"),
         as_json: bool = typer.Option(False, "--json", help="In danh sách máy đọc được")):
    """Liệt kê mọi sản phẩm mà lệnh build sẽ tạo (tin bài × định dạng × đơn vị), tin bài trong từng bản tin
    hằng ngày, và những gì tin bài yêu cầu mà sẽ không được làm (kèm lý do)."""
    c = load_or_exit(campaign)
    made = survey(c, phase_ids(c, phase))
    daily = lineup(c, made.jobs)
    if as_json:
        typer.echo(dumps({"jobs": [{**j.to_dict(), "id": j.id} for j in made.jobs], "daily": daily,
                          "not_planned": [g.to_dict() for g in made.not_planned],
                          "notes": [g.to_dict() for g in made.notes]}))
        return
    table = Table(title=f"Kế hoạch sản phẩm: {c.title}")
    for col in ("Giai đoạn", "Kênh", "Định dạng", "Số sản phẩm"):
        table.add_column(col)
    counts: dict[tuple, int] = {}
    for j in made.jobs:
        counts[(j.phase, j.channel, j.format)] = counts.get((j.phase, j.channel, j.format), 0) + 1
    for (ph, ch, fm), n in counts.items():
        table.add_row(ph, c.channel(ch).name, FORMATS[fm].name, str(n))
    console.print(table)
    console.print(f"Tổng: {len(made.jobs)} sản phẩm.")
    show_lineup(c, daily)
    for title, gaps in (("Sẽ không làm", made.not_planned), ("Ghi chú", made.notes)):
        if gaps:
            console.print(f"\n{title} ({len(gaps)}):", style="bold yellow" if title == "Ghi chú" else "bold red")
            for gap, formats in grouped(gaps):
                console.print(f"  {gap_text(c, gap, formats)}", markup=False, highlight=False)


def show_lineup(c, daily: list[dict]) -> None:
    """Per day, the briefs each daily bulletin carries, in reading order, and who gets that bulletin."""
    from . import vi

    if not daily:
        return
    console.print("\nBản tin hằng ngày (tin bài theo thứ tự đọc):", style="bold")
    tree, last = c.unit_tree(), None
    for group in daily:
        if (group["phase"], group["channel"]) != last:
            last = (group["phase"], group["channel"])
            console.print(f"  {group['phase']} — {c.channel(group['channel']).name}", markup=False, highlight=False)
        slots = ", ".join(f"{vi.part_of_day(s)} {s}" for s in group["slots"])
        units = group["units"]
        who = ", ".join(tree[u].display_name for u in units) if len(units) <= 3 else f"{len(units)} đơn vị"
        briefs = "; ".join(f"{n}. {'[KHẨN] ' if c.brief(b).priority == 'emergency' else ''}{c.brief(b).title}"
                           for n, b in enumerate(group["briefs"], 1))
        console.print(f"    {vi.date(group['day'])}{f' ({slots})' if slots else ''} — {who}: {briefs}",
                      markup=False, highlight=False)


def gap_text(c, gap, formats: list[str]) -> str:
    """One line for a gap: where, which brief and formats, why."""
    where = [gap.phase, f"kênh {gap.channel}"]
    if gap.brief:
        where.append(f"tin bài {gap.brief}")
    if formats:
        where.append(", ".join(formats))
    return f"{' · '.join(where)}: {gap.reason}"


@app.command()
def build(campaign: Path = CampaignArg,
          phase: Optional[str] = typer.Option(None, help="Chỉ một giai đoạn (và các giai đoạn con)"),
          out: Path = typer.Option(Path(DEFAULT_OUT), help="Thư mục đầu ra"),
          workers: int = typer.Option(0, help="Số tiến trình (0 = số lõi CPU)"),
          engine: Optional[str] = typer.Option(None, help="Bộ đọc TTS cho bản tin (espeak-ng, gtts, auto, piper)"),
          cmyk: bool = typer.Option(False, "--cmyk", help="PDF in ấn hệ màu CMYK"),
          bleed: Optional[float] = typer.Option(None, "--bleed",
                                                help="Lề xén của PDF in ấn, mm (mặc định: khổ A 3, pa nô 50)"),
          deck_pdf: bool = typer.Option(True, "--deck-pdf/--no-deck-pdf",
                                        help="Xuất kèm PDF cho bài trình chiếu (cần LibreOffice; mặc định có)"),
          music: Optional[Path] = typer.Option(None, "--music", help="Tệp nhạc nền cho video (tự giảm khi có lời đọc)"),
          celery: bool = typer.Option(False, "--celery", help="Gửi lô việc tới Celery worker thay vì chạy tại chỗ"),
          storage: Optional[str] = typer.Option(None, help="Kho giữ lô việc (s3://bucket/tiền-tố hoặc thư mục): "
                                                           "sản phẩm, nhật ký việc và phần dùng chung; việc đã có "
                                                           "trong kho không tạo lại, dù --out trống")):
    """Tạo mọi sản phẩm theo kế hoạch (chạy tại chỗ, không cần máy chủ) và ghi manifest.json cho từng giai đoạn."""
    c = load_or_exit(campaign)
    ids = phase_ids(c, phase)
    check_music(music)
    check_engine(engine)
    options = build_options(engine=engine, cmyk=cmyk, bleed=bleed, deck_pdf=deck_pdf, music=music)
    if celery:
        from jobs.submit import submit_and_wait

        raise typer.Exit(submit_and_wait(c, out, ids, options, console, storage))
    run_build(c, out, ids, options, workers, storage=storage)


@app.command("new-brief")
def new_brief(campaign: Path = CampaignArg,
              phase: str = typer.Option(..., help="Mã giai đoạn của tin bài"),
              brief_id: str = typer.Option("tin-bai-moi", "--id", help="Mã tin bài (tên tệp)")):
    """Tạo tệp tin bài mẫu có chú thích trong briefs/."""
    from .artifacts import atomic_write_text
    from .scaffold import BriefDraft, brief_yaml
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
    atomic_write_text(target, brief_yaml(BriefDraft(brief_id, phase, "", "", None), [ch.id for ch in c.channels],
                                         [a.id for a in c.audiences], "# Tin bài mới (studio new-brief).",
                                         [p.id for p in c.all_phases()]))
    console.print(f"Đã tạo {target}: điền các trường để trống rồi chạy studio validate {campaign}")


units_app = typer.Typer(help="Danh sách đơn vị hành chính.", no_args_is_help=True)
app.add_typer(units_app, name="units")


@units_app.command("import")
def units_import(csv_path: Path = typer.Argument(..., help="Tệp CSV đơn vị cấp xã (định dạng: docs/init.md)"),
                 out: Path = typer.Option(..., "--out", help="Tệp units.yaml cần ghi"),
                 province: str = typer.Option(..., "--province", help="Tên tỉnh kèm loại, ví dụ \"Tỉnh Hà Tĩnh\" "
                                                                    "(mã tỉnh là tên bỏ chữ “Tỉnh”: ha-tinh)"),
                 province_code: str = typer.Option("", "--province-code", help="Mã tỉnh của Cục Thống kê, ví dụ 42")):
    """Nhập danh sách đơn vị cấp xã (kèm huyện và các lần sáp nhập) từ CSV thành units.yaml.

    Mã đơn vị là tên bỏ chữ chỉ loại (xã Phước Hà → phuoc-ha); đơn vị lập từ 1/7/2025 thêm -2025; hai đơn vị
    trùng mã thì thêm mã Cục Thống kê (thanh-hai-22774).
    """
    from .artifacts import atomic_write_text
    from .units import import_units_csv

    try:
        units = import_units_csv(csv_path, province, province_code)
    except FileNotFoundError:
        err.print(f"{csv_path}: không tìm thấy tệp CSV", markup=False)
        raise typer.Exit(2) from None
    except (OSError, ValueError) as exc:
        err.print(f"Không nhập được đơn vị: {exc}", markup=False)
        raise typer.Exit(2) from None
    data = [u.model_dump(mode="json", exclude_defaults=True) for u in units]
    code = f" --province-code {province_code}" if province_code else ""
    header = (f"# Sinh bởi: studio units import {csv_path.name} --province \"{province}\"{code}"
              " — đừng sửa tay, hãy nhập lại.\n")
    atomic_write_text(out, header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    console.print(f"Đã ghi {len(units)} đơn vị vào {out}", markup=False)


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
