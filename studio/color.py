"""A colour as a value: parsed from ``#RRGGBB`` once, then converted where it is drawn.

Brand kits and templates write colours as ``#RRGGBB``; renderers need RGB bytes (Pillow,
PowerPoint), 0–1 RGB or CMYK (PDF), and shades of the brand colours (templates, deck).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

    @property
    def cmyk(self) -> tuple[float, float, float, float]:
        """Naive device CMYK (0–1), black generated from the darkest channel: what print PDFs use."""
        r, g, b = (c / 255 for c in self.rgb)
        k = 1 - max(r, g, b)
        if k >= 1:
            return 0.0, 0.0, 0.0, 1.0
        return (1 - r - k) / (1 - k), (1 - g - k) / (1 - k), (1 - b - k) / (1 - k), k

    def mix(self, other: Color, t: float) -> Color:
        """``t`` of the way from this colour to ``other`` (0: this one, 1: the other)."""
        return Color(*(min(255, max(0, round(x + (y - x) * t))) for x, y in zip(self.rgb, other.rgb)))

    def shade(self, factor: float) -> Color:
        """Darker (``factor`` < 1: towards black) or lighter (> 1: towards white by ``factor - 1``)."""
        if factor <= 1:
            return Color(*(min(255, max(0, round(c * factor))) for c in self.rgb))
        return self.mix(WHITE, factor - 1)


WHITE = Color(255, 255, 255)
