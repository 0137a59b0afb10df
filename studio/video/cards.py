"""Opening and closing cards from the brand kit, drawn once per brief and size.

Brand colours and fonts only; every text is fitted by the shared layout module
(``fit_text``), so a long headline shrinks or wraps (between words, keeping the
campaign's phrases whole) but is never clipped.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .. import vi
from ..context import keep_phrases
from ..text import typeset
from ..visual.fonts import resolve
from ..visual.layout import FitResult, fit_text


def fit_block(block: tuple, text: str | None = None) -> FitResult:
    """How one of ``blocks`` lays out (with ``text`` in place of its own, when given); no drawing."""
    own, font, (_, _, w, h), _, min_size, max_size, max_lines, keep = block
    return fit_text(own if text is None else text, font, w, h, min_size, max_size, line_height=1.2,
                    max_lines=max_lines, balance=True, keep=keep)


def _draw_block(draw: ImageDraw.ImageDraw, block: tuple) -> float:
    """Fit the block's text in its box, draw it centred; return the bottom of the text."""
    _, font, (x, y, w, h), color, *_ = block
    fit = fit_block(block)
    pil = ImageFont.truetype(str(font), round(fit.size), layout_engine=ImageFont.Layout.RAQM)
    top = y + (h - fit.height) / 2
    for line, base in zip(fit.lines, fit.baselines(top)):
        draw.text((x + w / 2, base), line, font=pil, fill=color, anchor="ms")
    return top + fit.height


def blocks(kind: str, campaign, brief, width: int, height: int) -> list[tuple]:
    """The texts an ``opening`` (headline) or ``closing`` (slogan, issuer) card draws, in order:
    ``(text, font, (x, y, w, h), colour, min size, max size, max lines, phrases kept whole)``.
    ``studio validate`` fits the same list without drawing (``fit_block``)."""
    fonts = campaign.brand.fonts
    _, _, accent, ink = palette(campaign, brief)
    heading, body = resolve("heading", fonts), resolve("body", fonts)
    unit = min(width, height)
    margin = round(width * 0.08)
    inner = width - 2 * margin
    keep = keep_phrases(campaign)
    if kind == "opening":
        return [(vi.upper(typeset(campaign.issuer)), body, (margin, height * 0.08, inner, height * 0.1),
                 accent, unit * 0.02, unit * 0.032, 2, keep),
                (typeset(brief.headline), heading, (margin, height * 0.25, inner, height * 0.4),
                 ink, unit * 0.04, unit * 0.085, None, keep),
                (typeset(brief.title), body, (margin, height * 0.7, inner, height * 0.17),
                 ink, unit * 0.024, unit * 0.04, 3, keep)]
    slogan = typeset(brief.slogans[0] if brief.slogans else brief.headline)
    return [(slogan, heading, (margin, height * 0.18, inner, height * 0.5), accent, unit * 0.04, unit * 0.08, None,
             keep),
            (typeset(campaign.issuer), body, (margin, height * 0.74, inner, height * 0.08),
             ink, unit * 0.02, unit * 0.034, 2, keep),
            (typeset(campaign.title), body, (margin, height * 0.82, inner, height * 0.1),
             ink, unit * 0.016, unit * 0.026, 3, keep)]


DRAFT = "DỰ THẢO · CHƯA DUYỆT, KHÔNG PHÁT HÀNH"


def _draft_band(draw: ImageDraw.ImageDraw, campaign, width: int, height: int) -> None:
    """The draft mark of a brief not yet approved: the visuals' band (templates/infographic/_draft.yaml)."""
    colors = campaign.brand.colors
    unit = min(width, height)
    band = round(unit * 0.05)
    draw.rectangle((0, 0, width, band), fill=colors.get("ink", "#1A1A1A"))
    block = (DRAFT, resolve("BeVietnamPro-ExtraBold", {}), (width * 0.05, band * 0.2, width * 0.9, band * 0.6),
             colors.get("paper", "#FFFFFF"), unit * 0.012, unit * 0.024, 1, ())
    _draw_block(draw, block)


def palette(campaign, brief) -> tuple[str, str, str, str]:
    """A card's ``(ground, bars, accent text, text)`` colours: the brand's, or for an emergency brief the
    notice colours its stills are drawn in (``emergency-ground``, ``emergency``, dark ink: the notice
    template's)."""
    colors = campaign.brand.colors
    if brief.priority == "emergency":
        return colors["emergency-ground"], colors["emergency"], colors["emergency"], colors.get("ink", "#1A1A1A")
    accent = colors.get("accent", "#FFCD00")
    return colors.get("primary", "#C8102E"), accent, accent, colors.get("paper", "#FFFFFF")


def card(kind: str, campaign, brief, width: int, height: int, target: Path) -> Path:
    """Draw the ``opening`` (headline) or ``closing`` (slogan, issuer) card as a PNG; a draft's carries
    the draft mark."""
    ground, accent, *_ = palette(campaign, brief)
    image = Image.new("RGB", (width, height), ground)
    draw = ImageDraw.Draw(image)
    unit = min(width, height)
    bar = round(unit * 0.012)
    draw.rectangle((0, 0, width, bar), fill=accent)
    draw.rectangle((0, height - bar, width, height), fill=accent)
    bottoms = [_draw_block(draw, block) for block in blocks(kind, campaign, brief, width, height)]
    if kind == "opening":  # a short accent rule under the headline
        draw.rectangle((width / 2 - unit * 0.06, bottoms[1] + unit * 0.03, width / 2 + unit * 0.06,
                        bottoms[1] + unit * 0.03 + bar), fill=accent)
    if not brief.approved:
        _draft_band(draw, campaign, width, height)
    image.save(target, format="PNG", compress_level=1)
    return target
