"""A colour as a value: parsed from ``#RRGGBB`` once, then converted where it is drawn.

Brand kits and templates write colours as ``#RRGGBB``; renderers need RGB bytes (Pillow,
PowerPoint), 0–1 RGB or CMYK (PDF), and shades of the brand colours (templates, deck).

CMYK has one definition, ``Separation``: sRGB → the print profile (LittleCMS through Pillow's
ImageCms, relative colorimetric with black point compensation), except that a designer's values
from the brand kit win, and neutral greys are printed with black ink only (no colour cast, no
misregistration on text). Vector colours and flattened pictures both go through it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageCms

ICC_DIR = Path(__file__).resolve().parent.parent / "assets" / "icc"
#: The output profile of print PDFs: Coated FOGRA39 (ISO 12647-2 offset, coated paper), built with ArgyllCMS
#: from Fogra's characterisation data (Debian icc-profiles-free), 300 % total ink (scripts/make-icc).
PRINT_PROFILE = ICC_DIR / "FOGRA39L-300.icc"
#: What the ``#RRGGBB`` of brand kits and templates mean (icc-profiles-free's sRGB.icc).
SRGB_PROFILE = ICC_DIR / "sRGB.icc"
#: The press condition the profile characterises (the PDF/X OutputIntent's identifier).
PRINT_CONDITION = ("FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004/Amd 1, offset, coated paper, 115 g/m2)")
RICH_BLACK = (0.6, 0.4, 0.4, 1.0)  # large black type and areas: deeper than black ink alone, 240 % total ink

_HEX = re.compile(r"#?([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})")


class ColorError(ValueError):
    """A colour that is not ``#RRGGBB``; the message names where it was written."""


@dataclass(frozen=True)
class Color:
    r: int
    g: int
    b: int

    @classmethod
    def parse(cls, text: str, where: str = "mã màu") -> Color:
        """``#C8102E`` (the ``#`` may be left out); ``where`` names the file and field for the error."""
        match = _HEX.fullmatch(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ColorError(f"{where}: {text!r} không phải mã màu dạng #RRGGBB (ví dụ #C8102E); "
                             f"hãy viết sáu chữ số hệ 16 sau dấu #")
        return cls(*(int(part, 16) for part in match.groups()))

    @property
    def rgb(self) -> tuple[int, int, int]:
        return self.r, self.g, self.b

    @property
    def hex(self) -> str:
        return f"#{self.r:02X}{self.g:02X}{self.b:02X}"

    def mix(self, other: Color, t: float) -> Color:
        """``t`` of the way from this colour to ``other`` (0: this one, 1: the other)."""
        return Color(*(min(255, max(0, round(x + (y - x) * t))) for x, y in zip(self.rgb, other.rgb)))

    def shade(self, factor: float) -> Color:
        """Darker (``factor`` < 1: towards black) or lighter (> 1: towards white by ``factor - 1``)."""
        if factor <= 1:
            return Color(*(min(255, max(0, round(c * factor))) for c in self.rgb))
        return self.mix(WHITE, factor - 1)


WHITE = Color(255, 255, 255)


CMYK = tuple[float, float, float, float]


def _open(path: str) -> ImageCms.ImageCmsProfile:
    """A profile read into memory: LittleCMS reads a profile opened from a file lazily through its
    file handle, which forked build workers would share (and seek under each other)."""
    return ImageCms.ImageCmsProfile(io.BytesIO(Path(path).read_bytes()))


@lru_cache(maxsize=4)
def _transform(source: str, profile: str) -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(_open(source), _open(profile), "RGB", "CMYK",
                                   renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                   flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)


@lru_cache(maxsize=4)
def _black_ramp(source: str, profile: str) -> tuple[float, ...]:
    """Lightness (L*, 0–100) of black ink alone at 0…255 in the profile, and of sRGB greys 0…255."""
    lab = ImageCms.createProfile("LAB")
    ink = ImageCms.buildTransform(_open(profile), lab, "CMYK", "LAB")
    grey = ImageCms.buildTransform(_open(source), lab, "RGB", "LAB")
    ramp = Image.frombytes("CMYK", (256, 1), bytes(b for k in range(256) for b in (0, 0, 0, k)))
    greys = Image.frombytes("RGB", (256, 1), bytes(v for v in range(256) for _ in range(3)))
    return tuple(ImageCms.applyTransform(img, t).getpixel((i, 0))[0] / 2.55
                 for img, t in ((ramp, ink), (greys, grey)) for i in range(256))


@dataclass(frozen=True)
class Separation:
    """How RGB becomes CMYK for one print job: ``spots`` (``#RRGGBB`` → the designer's C, M, Y, K
    in 0–1) win; greys are black ink of the same lightness; the rest is converted with ``profile``."""

    spots: dict[str, CMYK] = field(default_factory=dict)
    profile: Path = PRINT_PROFILE
    source: Path = SRGB_PROFILE

    def cmyk(self, color: Color) -> CMYK:
        if color.hex in self.spots:
            return self.spots[color.hex]
        if color.r == color.g == color.b:
            return 0.0, 0.0, 0.0, self._grey_k(color.r) / 255
        pixel = Image.new("RGB", (1, 1), color.rgb)
        c, m, y, k = ImageCms.applyTransform(pixel, self._transform()).getpixel((0, 0))
        return c / 255, m / 255, y / 255, k / 255

    def _transform(self) -> ImageCms.ImageCmsTransform:
        return _transform(str(self.source), str(self.profile))

    def _grey_k(self, value: int) -> int:
        ramp = _black_ramp(str(self.source), str(self.profile))
        ink, target = ramp[:256], ramp[256 + value]
        return 255 - value if value in (0, 255) else min(range(256), key=lambda k: abs(ink[k] - target))

    def image(self, rgb: Image.Image, exact: set[str] = frozenset()) -> Image.Image:
        """RGB pixels → CMYK; pixels of exactly one of the ``exact`` colours (the shapes a flattened picture
        lies on) get that colour's vector value, so the picture's background matches the shapes around it."""
        out = ImageCms.applyTransform(rgb.convert("RGB"), self._transform())
        for hex_color in sorted(exact):
            color = Color.parse(hex_color)
            r, g, b = ImageChops.difference(rgb.convert("RGB"), Image.new("RGB", rgb.size, color.rgb)).split()
            mask = ImageChops.lighter(ImageChops.lighter(r, g), b).point(lambda v: 255 if v == 0 else 0)
            if mask.getbbox():
                out.paste(tuple(round(v * 255) for v in self.cmyk(color)), mask=mask)
        return out
