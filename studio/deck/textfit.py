"""Fill a slide text frame so nothing overflows, measured by the shared layout module.

Every text frame in a deck goes through ``fill``: it asks
``studio.visual.layout.fit_text`` (the wrapper every visual backend uses) how
each paragraph wraps, finds the largest size at which the block fits the box,
then writes the paragraphs with that size, the font, the exact line spacing and
paragraph gaps that were measured, and no autofit, so PowerPoint and
LibreOffice have nothing left to shrink or overflow. The text is written with
no-break spaces inside words (``words.bind``), so the office app, which wraps it
again, breaks only between words, as the layout did. ``block_height`` is the one
formula, used again by the tests on the finished file.
"""

from __future__ import annotations

from dataclasses import dataclass

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from .. import vi
from ..text import typeset
from ..visual.fonts import metrics
from ..visual.layout import FitError, fit_text
from ..visual.words import bind
from .master import BULLET_INDENT, EMU_PER_PT, Box, Face, Text, emu

ALIGN = {"l": PP_ALIGN.LEFT, "ctr": PP_ALIGN.CENTER, "r": PP_ALIGN.RIGHT}
ANCHOR = {"t": MSO_ANCHOR.TOP, "ctr": MSO_ANCHOR.MIDDLE, "b": MSO_ANCHOR.BOTTOM}
LEAD_EM = 1.8  # hanging indent for lead numbers ("01"), in em
SAFETY = 0.97  # keep 3 % of the width free: office apps kern and hint differently
UNBOUNDED = 1e9


def block_height(paragraphs: list[tuple[str, str]], width: float, size: float, line: float, gap: float,
                 indent: float = 0.0, keep: tuple[str, ...] = ()) -> float | None:
    """Height in points of ``(text, font path)`` paragraphs wrapped at ``width``; None if a word is too wide.

    Same model as ``FitResult.height``: (lines − 1) line pitches plus the tallest
    ascent and descent, plus the gaps between paragraphs.
    """
    lines = 0
    ascent = descent = 0.0
    for text, path in paragraphs:
        try:
            result = _wrapped(text, path, width, size, line, indent, keep)
        except FitError:
            return None
        lines += len(result.lines)
        m = metrics(path)
        ascent, descent = max(ascent, m.ascent), max(descent, m.descent)
    if not lines:
        return 0.0
    return size * ((lines - 1) * line + ascent + descent + gap * (len(paragraphs) - 1))


def _wrapped(text: str, path: str, width: float, size: float, line: float, indent: float, keep: tuple[str, ...]):
    return fit_text(text, path, (width - indent) * SAFETY, UNBOUNDED, size, size, line_height=line, keep=keep)


def hang(style: Text, size: float, leads: bool) -> float:
    """Hanging indent in points: room for the bullet, or for a lead number such as ``01``."""
    return BULLET_INDENT if style.bullet else LEAD_EM * size if leads else 0.0


def fit_size(paragraphs: list[tuple[str, str]], box: Box, style: Text, max_size: float | None = None,
             leads: bool = False, keep: tuple[str, ...] = ()) -> float:
    """Largest size (0.5 pt grid) in [style.min, max] at which the paragraphs fit; FitError otherwise."""
    _, _, w, h = box

    def fits(size: float) -> bool:
        height = block_height(paragraphs, w, size, style.line, style.gap, hang(style, size, leads), keep)
        return height is not None and height <= h + 1e-6

    lo, hi = style.min, max(style.min, max_size or style.size)
    if not fits(lo):
        chars = sum(len(p) for p, _ in paragraphs)
        w_pt, h_pt, lo_pt = (vi.number(round(x, 1)) for x in (w, h, lo))
        raise FitError(f"nội dung ({len(paragraphs)} đoạn, {chars} ký tự) không vừa khung {w_pt}×{h_pt} pt "
                       f"ngay cả ở cỡ chữ {lo_pt} pt: rút gọn hoặc tách ý")
    a, b = 0, int((hi - lo) * 2)
    while a < b:
        mid = (a + b + 1) // 2
        if fits(lo + mid / 2):
            a = mid
        else:
            b = mid - 1
    return lo + a / 2


@dataclass(frozen=True)
class Lead:
    """A paragraph that starts with a highlighted run in the hanging indent (an agenda number).

    With ``text`` the lead sits in the indent (a tab jumps to the text); without,
    the lead is the whole paragraph in its own face and colour.
    """

    lead: str
    text: str
    font: Face
    colour: str


def fill(shape, paragraphs: list[str | Lead] | str, style: Text, font: Face, colour: str,
         box: Box | None = None, max_size: float | None = None, keep: tuple[str, ...] = ()) -> float:
    """Fit and write ``paragraphs`` into ``shape`` (placeholder or text box); returns the size used.

    ``keep``: the campaign's phrases no line may split (``studio.context.keep_phrases``)."""
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    items = [p for p in paragraphs if (p.lead if isinstance(p, Lead) else p or "").strip()]
    measured = [(typeset(p.text or p.lead).strip(), (p.font if not p.text else font).path) if isinstance(p, Lead)
                else (typeset(p).strip(), font.path) for p in items]
    leads = any(isinstance(p, Lead) and p.text for p in items)
    box = box or (shape.left / EMU_PER_PT, shape.top / EMU_PER_PT, shape.width / EMU_PER_PT, shape.height / EMU_PER_PT)
    size = fit_size(measured, box, style, max_size, leads, keep)

    def bound(text: str, path: str) -> str:  # the lines as measured, each word unbreakable
        return bind(text, _wrapped(text, path, box[2], size, style.line, hang(style, size, leads), keep).lines, keep)

    tf = shape.text_frame
    tf.clear()
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = Emu(0)
    tf.vertical_anchor = ANCHOR[style.anchor]
    indent = emu(hang(style, size, leads))
    for i, item in enumerate(items):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.alignment = ALIGN[style.align]
        p.line_spacing = Pt(style.line * size)
        p.space_before = Pt(style.gap * size if i else 0)
        p._pPr.set("marL", str(indent))
        p._pPr.set("indent", str(-indent))
        if not style.bullet:
            p._pPr.append(p._pPr.makeelement(qn("a:buNone"), {}))
        text, path = measured[i]
        if isinstance(item, Lead) and item.text:
            _run(p, typeset(item.lead) + "\t", size, item.font, item.colour)
            _run(p, bound(text, path), size, font, colour)
        elif isinstance(item, Lead):
            _run(p, bound(text, path), size, item.font, item.colour)
        else:
            _run(p, bound(text, path), size, font, colour)
    return size


def _run(paragraph, text: str, size: float, font: Face, colour: str) -> None:
    run = paragraph.add_run()
    run.text = text
    f = run.font
    f.size = Pt(size)
    f.name = font.family
    f.bold = font.bold
    f.italic = font.italic
    f.color.rgb = RGBColor.from_string(colour)
    run._r.get_or_add_rPr().set("lang", "vi-VN")
