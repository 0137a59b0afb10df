"""Podcast cover art per unit: 3000×3000 JPEG from the brand colours and the unit's name.

Apple Podcasts asks for square art of 1400–3000 px (JPEG or PNG, RGB); Google wants an image too.
The same drawing, scaled down to ``APIC_PX``, is the bulletin MP3's ID3 front cover (``APIC``): players
show a thumbnail, and the full 3000 px JPEG (about 530 KB) would add a quarter to a two-minute 128 kbit/s
bulletin, where the 600 px one adds about 35 KB (under 2 %).
The same inputs give the same bytes (no timestamps, fixed encoder settings), so publish rewrites a
unit's cover only when its name or the brand changed, and renders each one once per process.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from ..visual.raster import _rgb, pillow_font
from ..visual.words import groups

COVER_PX = 3000
APIC_PX = 600  # the MP3's embedded cover: what players show, small enough to ride in every bulletin
COVER_NAME = "cover.jpg"
FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
#: The fonts the cover is drawn with (inputs of every file that carries it).
COVER_FONTS = tuple(FONTS / f"BeVietnamPro-{weight}.ttf" for weight in ("SemiBold", "ExtraBold", "Regular"))


def _lines(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """Greedy line breaks that never split a Vietnamese phrase group (``visual.words``)."""
    lines: list[str] = []
    for group in (" ".join(g) for g in groups(text)):
        candidate = f"{lines[-1]} {group}" if lines else group
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(group)
    return lines


@lru_cache(maxsize=512)
def cover_jpeg(unit_name: str, campaign_title: str, primary: str, accent: str, paper: str,
               logo: str | None = None, px: int = COVER_PX) -> bytes:
    """The unit's cover: its name large on the primary colour, an accent band, the campaign below; drawn at
    ``COVER_PX`` and scaled down to ``px`` (the feed's art and the MP3's are one picture)."""
    size, margin = COVER_PX, 240
    img = Image.new("RGB", (size, size), _rgb(primary))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, size - 420, size, size - 380), fill=_rgb(accent))
    top = margin
    if logo and Path(logo).is_file():
        with Image.open(logo) as mark:
            mark = mark.convert("RGBA")
            mark.thumbnail((520, 520))
            img.paste(mark, (margin, top), mark)
            top += mark.height + 80
    label = pillow_font(str(COVER_FONTS[0]), 150)
    draw.text((margin, top), "BẢN TIN TRUYỀN THANH", font=label, fill=_rgb(accent), anchor="lt")
    top += 300
    for font_size in (330, 270, 220, 180):  # the largest size at which the name fits in four lines
        font = pillow_font(str(COVER_FONTS[1]), font_size)
        lines = _lines(draw, unit_name, font, size - 2 * margin)
        if len(lines) <= 4 and all(draw.textlength(line, font=font) <= size - 2 * margin for line in lines):
            break
    for line in lines:
        draw.text((margin, top), line, font=font, fill=_rgb(paper), anchor="lt")
        top += int(font_size * 1.2)
    small = pillow_font(str(COVER_FONTS[2]), 110)
    y = size - 340
    for line in _lines(draw, campaign_title, small, size - 2 * margin)[:2]:
        draw.text((margin, y + 60), line, font=small, fill=_rgb(paper), anchor="lt")
        y += 140
    out = io.BytesIO()
    if px == COVER_PX:
        img.save(out, "JPEG", quality=88, subsampling=0)
    else:
        # averaged down by a whole factor first (3000 → 600: 5×5 boxes), not LANCZOS over 9 MP (0.2–1 s a unit)
        img.resize((px, px), Image.Resampling.LANCZOS, reducing_gap=1.0).save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def cover_logo(campaign) -> Path | None:
    """The brand's logo file the cover draws (an input of the cover: its bytes, not its name)."""
    return Path(campaign.root) / campaign.brand.logo if campaign.brand.logo else None


def cover_files(campaign) -> dict[str, str]:
    """The files a unit's cover is drawn from, by logical name (a renderer's declared inputs)."""
    logo = cover_logo(campaign)
    return {**{f"font:{p.name}": str(p) for p in COVER_FONTS}, **({"image:cover-logo": str(logo)} if logo else {})}


def unit_cover(campaign, unit_name: str, px: int = COVER_PX) -> bytes:
    """``cover_jpeg`` for a unit of ``campaign`` (its brand colours and logo), ``px`` square."""
    colors = campaign.brand.colors
    logo = str(cover_logo(campaign)) if campaign.brand.logo else None
    return cover_jpeg(unit_name, campaign.title, colors.get("primary", "#C8102E"), colors.get("accent", "#FFCD00"),
                      colors.get("paper", "#FFFFFF"), logo, px)
