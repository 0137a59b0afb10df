"""CLI: ``studio deck CAMPAIGN --phase ID [--brief ID] [--pdf] [--out DIR]``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer


def deck(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
         phase: str = typer.Option(..., help="Mã giai đoạn (ví dụ dot-1)"),
         brief: Optional[str] = typer.Option(None, help="Chỉ một tin bài (mã tin bài)"),
         pdf: bool = typer.Option(False, "--pdf", help="Xuất thêm PDF qua LibreOffice (dùng phông chữ của chiến dịch)"),
         out: Path = typer.Option(Path("outputs/decks"), help="Thư mục ghi tệp")):
    """Tạo bài trình chiếu 16:9 (.pptx) cho hội nghị phổ biến, quán triệt của một giai đoạn."""
    from studio.cli import console, err, load_or_exit
    from studio.deck.builder import DeckError, build_deck
    from studio.deck.convert import ConvertError, to_pdf
    from studio.plan import briefs_for, expand

    c = load_or_exit(campaign)
    try:
        ph = c.phase(phase)
    except KeyError:
        err.print(f"Không có giai đoạn {phase!r}. Các giai đoạn: {', '.join(p.id for p in c.all_phases())}")
        raise typer.Exit(2)
    if brief:
        chosen = [b for b in c.briefs if b.id == brief]
        if not chosen:
            err.print(f"Không có tin bài {brief!r}. Các tin bài của {phase}: "
                      f"{', '.join(b.id for b in c.briefs if b.phase == phase) or '(không có)'}")
            raise typer.Exit(2)
    else:
        jobs = [j for j in expand(c, [phase]) if j.kind == "deck" and j.phase == phase]
        chosen = [b for j in jobs for b in briefs_for(c, j)]
        if not chosen:
            err.print(f"Giai đoạn {phase} không có tin bài nào cho bài trình chiếu: thêm định dạng deck-16x9 "
                      "(kênh hội nghị) vào tin bài, hoặc chọn một tin bài bằng --brief.")
            raise typer.Exit(2)
    started = time.perf_counter()
    try:
        built = build_deck(c, ph, chosen)
    except DeckError as exc:
        err.print(f"Không tạo được bài trình chiếu: {exc}", markup=False)
        raise typer.Exit(2)
    target = out / f"{c.id}--{phase}" / (f"{brief}.pptx" if brief else "deck-16x9.pptx")
    built.save(target)
    console.print(f"Đã tạo {target}: {len(built.slides)} trang, {time.perf_counter() - started:.2f} giây.",
                  markup=False)
    if pdf:
        started = time.perf_counter()
        try:
            made = to_pdf(target, target.with_suffix(".pdf"))
        except ConvertError as exc:
            err.print(f"Không xuất được PDF: {exc}", markup=False)
            raise typer.Exit(1)
        console.print(f"Đã xuất {made} ({time.perf_counter() - started:.1f} giây).", markup=False)


def register(app: typer.Typer) -> None:
    app.command("deck")(deck)
