"""CLI: ``studio briefs export|import``: the campaign's briefs as a spreadsheet a designer edits in Excel
or LibreOffice, and back (``studio.briefsheet``; layout in docs/briefs-sheet.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import CampaignArg, console, err, load_or_exit

app = typer.Typer(help="Tin bài dạng bảng tính (Excel, LibreOffice): xuất ra và nhập vào.", no_args_is_help=True)


def _print_problems(problems) -> None:
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)


@app.command("export")
def export(campaign: Path = CampaignArg,
           out: Path = typer.Argument(..., help="Tệp cần ghi: .xlsx (Excel, LibreOffice) hoặc .csv (UTF-8)")):
    """Xuất mọi tin bài ra bảng tính: mỗi dòng một tin bài, cột theo docs/briefs-sheet.md (trang Hướng dẫn)."""
    from ..briefsheet import export_sheet

    if out.suffix.lower() not in (".xlsx", ".csv"):
        err.print(f"{out}: chỉ xuất được .xlsx hoặc .csv (LibreOffice mở được .xlsx).", markup=False)
        raise typer.Exit(2)
    c = load_or_exit(campaign)
    for warning in export_sheet(c, out):
        err.print(f"Cảnh báo: {warning}", style="yellow", markup=False)
    console.print(f"Đã ghi {len(c.briefs)} tin bài vào {out}", markup=False)


@app.command("import")
def import_(campaign: Path = CampaignArg,
            sheet_file: Path = typer.Argument(..., metavar="FILE", help="Bảng tính tin bài: .xlsx, .ods hoặc .csv"),
            sheet: Optional[str] = typer.Option(None, "--sheet", help="Tên trang tính (mặc định: “Tin bài”, nếu "
                                                                      "không có thì trang đầu)"),
            dry_run: bool = typer.Option(False, "--dry-run", help="Chỉ kiểm tra, không ghi tệp nào")):
    """Nhập tin bài từ bảng tính: kiểm tra mọi dòng như studio validate; có lỗi thì không ghi gì.

    Tin bài đã có (cùng mã) được sửa ngay trong tệp của nó, giữ chú thích; chỉ trường đổi giá trị được viết lại.
    Tin bài mới thành briefs/<mã>.yaml. Tin bài không có trong bảng giữ nguyên. Cột vắng mặt: giữ giá trị cũ.
    """
    from ..briefsheet import import_sheet
    from ..loader import CampaignError, load_campaign

    c = load_or_exit(campaign)
    try:
        updated, created, rows = import_sheet(sheet_file, c, sheet, dry_run)
    except CampaignError as exc:
        _print_problems(exc.problems)
        err.print(f"{len(exc.problems)} lỗi; chưa ghi tệp nào. Sửa bảng tính rồi nhập lại.", style="bold red")
        raise typer.Exit(2) from None
    if dry_run:
        console.print(f"{rows} tin bài hợp lệ; chưa ghi gì (--dry-run).", markup=False)
        return
    for path in updated:
        console.print(f"Đã sửa {path}", markup=False)
    for path in created:
        console.print(f"Đã tạo {path}", markup=False)
    console.print(f"{rows} tin bài: sửa {len(updated)}, tạo mới {len(created)}, "
                  f"giữ nguyên {rows - len(updated) - len(created)}.", markup=False)
    try:
        load_campaign(campaign)
    except CampaignError as exc:  # every row was checked; a problem here is one between briefs and the rest
        _print_problems(exc.problems)
        err.print("Chiến dịch sau khi nhập còn lỗi ở trên: sửa rồi chạy studio validate.", style="bold red")
        raise typer.Exit(2) from None


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="briefs")
