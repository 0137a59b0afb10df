"""CLI: ``studio deck CAMPAIGN --phase ID [--no-pdf] [--out DIR]`` (the planned deck, through the build
pipeline) and ``--brief ID`` (an ad-hoc deck of one brief, a preview outside the plan)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from ..build import DEFAULT_OUT
from .common import (
    PREVIEW,
    build_options,
    console,
    err,
    load_or_exit,
    phase_ids,
    run_build,
)


def deck(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
         phase: str = typer.Option(..., help="Mã giai đoạn (và các giai đoạn con), ví dụ dot-1"),
         brief: Optional[str] = typer.Option(None, help="Bản xem thử của một tin bài (không thuộc kế hoạch, "
                                                        "ghi vào <out>/preview/)"),
         pdf: bool = typer.Option(True, "--pdf/--no-pdf",
                                  help="Xuất kèm PDF qua LibreOffice (mặc định có, như studio build)"),
         out: Path = typer.Option(Path(DEFAULT_OUT), help="Thư mục đầu ra (như studio build)")):
    """Bài trình chiếu 16:9 (.pptx) cho hội nghị phổ biến, quán triệt của một giai đoạn.

    Tạo qua cùng quy trình với studio build: cùng thư mục, cùng manifest; bài đã có và không đổi được giữ nguyên.
    """
    from ..plan import Selection, expand

    c = load_or_exit(campaign)
    ids = phase_ids(c, phase)
    if brief:
        _brief_preview(c, phase, brief, pdf, out)
        return
    select = Selection(kinds={"deck"})
    if not any(select.matches(j) for j in expand(c, ids)):
        have = sorted({j.phase for j in expand(c) if select.matches(j)})
        err.print(f"Giai đoạn {phase} không có bài trình chiếu trong kế hoạch (cần tin bài có kênh hội nghị và định "
                  f"dạng deck-16x9). Các giai đoạn có: {', '.join(have) or '(không có)'}.")
        raise typer.Exit(2)
    made = run_build(c, out, ids, build_options(deck_pdf=pdf), select=select)
    for art in made:
        slides = art["meta"].get("slides")
        console.print(f"{out / c.id / art['path']}" + (f": {slides} trang" if slides else ""),
                      markup=False, highlight=False)


def _brief_preview(c, phase: str, brief: str, pdf: bool, out: Path) -> None:
    """A deck of one brief is no planned job (decks are made per phase): a preview, in no manifest."""
    from ..deck.builder import DeckError, build_deck
    from ..deck.convert import ConvertError, to_pdf

    chosen = [b for b in c.briefs if b.id == brief]
    if not chosen:
        err.print(f"Không có tin bài {brief!r}. Các tin bài của {phase}: "
                  f"{', '.join(b.id for b in c.briefs if b.phase == phase) or '(không có)'}")
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        built = build_deck(c, c.phase(phase), chosen, pdf=pdf)
    except DeckError as exc:
        err.print(f"Không tạo được bài trình chiếu: {exc}", markup=False)
        raise typer.Exit(2) from None
    target = built.save(out / PREVIEW / c.id / f"{brief}--deck-16x9.pptx")
    console.print(f"Bản xem thử (không thuộc kế hoạch, không ghi manifest): {target}: {len(built.slides)} trang, "
                  f"{time.perf_counter() - started:.2f} giây.", markup=False)
    if pdf:
        started = time.perf_counter()
        try:
            made = to_pdf(target, target.with_suffix(".pdf"))
        except ConvertError as exc:
            err.print(f"Không xuất được PDF: {exc}", markup=False)
            raise typer.Exit(1) from None
        console.print(f"Đã xuất {made} ({time.perf_counter() - started:.1f} giây).", markup=False)


def register(app: typer.Typer) -> None:
    app.command("deck")(deck)
