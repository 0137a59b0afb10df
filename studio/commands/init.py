"""CLI: ``studio init DIR [--from-plan PLAN]``: a new campaign folder, from the province's plan
document (``studio.planfile`` → ``studio.scaffold``) or as a commented template."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import console, err


def init(folder: Path = typer.Argument(..., help="Thư mục chiến dịch mới (tạo nếu chưa có)"),
         from_plan: Optional[Path] = typer.Option(None, "--from-plan",
                                                  help="Văn bản kế hoạch của tỉnh (.docx, .txt, .md): đọc các đợt, "
                                                       "hình thức, nội dung và cơ quan thực hiện")):
    """Tạo chiến dịch mới: từ văn bản kế hoạch (--from-plan) hoặc một campaign.yaml mẫu có chú thích.

    Ghi campaign.yaml, briefs/*.yaml (mỗi dòng nội dung của kế hoạch một tin bài nháp) và TODO.md: những gì
    kế hoạch chưa nêu rõ (ngày chưa có, giả định cần xác nhận, dòng không đọc được), kèm dòng nguồn.
    Không tự đặt ra điều kế hoạch không nói: ngày chưa xác định được để trống.
    """
    from ..planfile import PlanError, parse_plan
    from ..scaffold import TODO_FILE, campaign_id, draft, minimal, todo_lines, write

    if folder.exists() and not folder.is_dir():
        err.print(f"{folder} là một tệp, không phải thư mục: chọn tên thư mục khác.", markup=False)
        raise typer.Exit(2)
    existing = [p for p in (folder / "campaign.yaml", folder / TODO_FILE) if p.exists()]
    existing += sorted((folder / "briefs").glob("*.y*ml")) if (folder / "briefs").is_dir() else []
    if existing:
        err.print(f"{folder} đã có chiến dịch ({', '.join(p.name for p in existing[:3])}): chọn thư mục mới, "
                  "hoặc xóa các tệp này nếu muốn tạo lại.", markup=False)
        raise typer.Exit(2)
    cid = campaign_id(folder)
    if from_plan is None:
        d = minimal(cid)
    else:
        try:
            plan = parse_plan(from_plan)
        except PlanError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(2) from None
        if plan.empty():
            err.print(f"{from_plan}: không thấy các mục của kế hoạch (I, II, III, IV… với Thời gian, Hình thức, "
                      "Nội dung, Tổ chức thực hiện): đây có phải văn bản kế hoạch không? Xem docs/init.md về cách "
                      "trình bày được đọc.", markup=False)
            raise typer.Exit(2)
        d = draft(plan, cid)
    write(d, folder)
    phases = sum(1 + len(p.subphases) for p in d.phases)
    console.print(f"Đã tạo {folder}: {phases} giai đoạn, {len(d.channels)} kênh, {len(d.audiences)} đối tượng, "
                  f"{len(d.briefs)} tin bài nháp.", markup=False)
    for group, heading in (("date", "Ngày kế hoạch chưa nêu (để trống, phải điền)"),
                           ("assume", "Giả định cần xác nhận"), ("unread", "Chưa đọc được, hoặc Studio không làm")):
        lines = todo_lines(d, group)
        if lines:
            console.print(f"\n{heading}:", style="bold", markup=False)
            for line in lines:
                console.print(line.replace("- [ ] ", "- ", 1), markup=False, highlight=False)
    designer = len(todo_lines(d, "designer"))
    console.print(f"\nViệc của người thiết kế: {designer} mục. Danh sách đầy đủ: {folder / TODO_FILE}", markup=False)
    console.print(f"Tiếp theo: tạo units.yaml bằng studio units import, điền các trường để trống, rồi chạy "
                  f"studio validate {folder}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
