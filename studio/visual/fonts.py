"""Font registry: the TTFs shipped in ``assets/fonts``, never a system font lookup.

A font is named by its file stem (``BeVietnamPro-Bold``); templates may also
name a brand role (``heading``, ``body``, ``serif``) that the campaign's brand
kit maps to a stem, so one change in campaign.yaml restyles every template.
Metrics come from fontTools (advances, the widths reportlab uses) and raqm (the shaped
width Pillow draws, kerning included): a line measured here never overflows in any backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"


class FontError(LookupError):
    """A font name that is not in assets/fonts, or a character no font can draw."""


def available() -> list[str]:
    return sorted(p.stem for p in FONT_DIR.glob("*.ttf"))


def font_path(name: str) -> Path:
    """Path of a shipped font by stem; a clear error listing the choices otherwise."""
    path = FONT_DIR / f"{name}.ttf"
    if "/" in name or not path.is_file():
        raise FontError(f"không có phông chữ {name!r} trong {FONT_DIR}; các phông có sẵn: {', '.join(available())}")
    return path


def resolve(name: str, brand_fonts: dict[str, str] | None = None) -> Path:
    """A brand role (``heading``) or a font stem → the TTF path."""
    if brand_fonts and name in brand_fonts:
        name = brand_fonts[name]
    return font_path(name)


def fonts_named(text: str, brand_fonts: dict[str, str]) -> list[Path]:
    """Shipped fonts a template source may use: named by stem in its text, or by the brand kit."""
    wanted = set(brand_fonts.values())
    return [p for p in sorted(FONT_DIR.glob("*.ttf")) if p.stem in text or p.stem in wanted]


@dataclass(frozen=True)
class FontMetrics:
    path: str
    upm: int
    ascent: float  # ink-safe ascent in em (covers stacked Vietnamese marks on capitals)
    descent: float  # positive, in em
    family: str
    bold: bool
    italic: bool
    advances: dict[int, float]  # code point → advance in em

    def covers(self, char: str) -> bool:
        return ord(char) in self.advances

    def ink(self, text: str) -> tuple[float, float]:
        """(ascent, descent) in em of the glyphs actually in ``text``: the tight, clip-free box."""
        bounds = [glyph_bounds(self.path, c) for c in set(text) if not c.isspace()]
        if not bounds:
            return self.ascent, self.descent
        return max(0.0, max(b[1] for b in bounds)), max(0.0, -min(b[0] for b in bounds))

    def width(self, text: str) -> float:
        """Width of ``text`` in em, an upper bound for every backend: the larger of the unkerned
        advances (what reportlab draws) and the width raqm shapes with its overhanging ink (what
        Pillow draws: Be Vietnam Pro and Noto add space after the horned ư, ơ, as in "ươ", "ữn")."""
        adv = self.advances
        return max(sum(adv.get(ord(c), 0.0) for c in text), shaped_width(self.path, text))


@lru_cache(maxsize=None)
def metrics(path: str | Path) -> FontMetrics:
    font = TTFont(str(path), lazy=True)
    upm = font["head"].unitsPerEm
    hhea, os2 = font["hhea"], font["OS/2"]
    hmtx = font["hmtx"].metrics
    advances = {cp: hmtx[g][0] / upm for cp, g in font.getBestCmap().items()}
    names = font["name"]
    # Legacy (nameID 1/2) family and style: how office apps address a face.
    family = str(names.getDebugName(1))
    sub = str(names.getDebugName(2) or "Regular")
    return FontMetrics(
        path=str(path), upm=upm,
        ascent=max(hhea.ascent, os2.usWinAscent) / upm,
        descent=max(-hhea.descent, os2.usWinDescent) / upm,
        family=family, bold=sub.startswith("Bold"),
        italic="Italic" in sub, advances=advances,
    )


SHAPE_PX = 1000  # size text is shaped at for its width (FreeType rounds advances to 1/64 px)


@lru_cache(maxsize=None)
def _shaper(path: str):
    from PIL import ImageFont

    return ImageFont.truetype(path, SHAPE_PX, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=65536)
def shaped_width(path: str, text: str) -> float:
    """Width of ``text`` in em as raqm shapes it (kerning included), plus twice the ink that
    overhangs the first or last glyph's advance (the horn of a final "ư" in "sự", "thư":
    0.03–0.06 em), so centred and left-aligned lines keep their ink inside the box. Layout
    measures syllables, which recur across a build, so this cache stays small and warm."""
    advance = _shaper(path).getlength(text) / SHAPE_PX
    ink = text.strip()
    if not ink:
        return advance
    right = glyph_x(path, ink[-1])[1]
    left = -glyph_x(path, ink[0])[0]
    return advance + 2 * max(0.0, right, left)


@lru_cache(maxsize=None)
def glyph_x(path: str, char: str) -> tuple[float, float]:
    """How far a character's ink reaches left of its origin (xMin, negative when it does) and right
    of its advance (xMax − advance), in em."""
    found = _glyph(path, char)
    if found is None:
        return 0.0, 0.0
    glyph, upm, advance = found
    return getattr(glyph, "xMin", 0) / upm, (getattr(glyph, "xMax", 0) - advance) / upm


def _glyph(path: str, char: str):
    """A character's glyph with its bounds computed (composites resolved), units per em and advance."""
    font = _ttfont(path)
    name = font.getBestCmap().get(ord(char))
    if name is None:
        return None
    glyph = font["glyf"][name]
    glyph.recalcBounds(font["glyf"])
    return glyph, font["head"].unitsPerEm, font["hmtx"][name][0]


@lru_cache(maxsize=None)
def _ttfont(path: str) -> TTFont:
    return TTFont(path, lazy=True)


@lru_cache(maxsize=None)
def glyph_bounds(path: str, char: str) -> tuple[float, float]:
    """(yMin, yMax) of a character's glyph in em, composites resolved by fontTools."""
    found = _glyph(path, char)
    if found is None:
        return 0.0, 0.0
    glyph, upm, _ = found
    return getattr(glyph, "yMin", 0) / upm, getattr(glyph, "yMax", 0) / upm
