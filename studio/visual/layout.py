"""Text layout shared by every backend: glyph check, wrapping and auto-fit.

Sizes and boxes are in scene units (px or mm); widths come from the font's own
advances (``fonts.metrics``), so the raster, PDF and slide backends all draw the
lines decided here. Lines break between words (``words.groups``: a word of
several space-separated syllables, a number with its unit, a date, a campaign
phrase stays on one line) and at explicit newlines.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..text import NO_BREAK_SPACE, nfc
from . import words
from .fonts import FontError, FontMetrics, metrics


class FitError(ValueError):
    """Text that cannot fit its box even at the smallest allowed size."""


class MissingGlyphError(FontError):
    """A character that neither the font nor its declared fallbacks can draw (``char``: the first one)."""

    def __init__(self, message: str, char: str = ""):  # a default keeps it picklable
        super().__init__(message)
        self.char = char


@dataclass(frozen=True)
class FitResult:
    size: float  # font size (em) in scene units
    lines: tuple[str, ...]
    line_height: float = 1.2  # baseline distance in em
    ascent: float = 1.0  # ink-safe ascent in em: first baseline sits at top + ascent × size
    descent: float = 0.3
    keep: tuple[str, ...] = ()  # the campaign phrases the lines were kept from splitting (``words.bind``)

    @property
    def height(self) -> float:
        """Height of the text block, from the top of the tallest mark to the lowest descender."""
        if not self.lines:
            return 0.0
        return self.size * ((len(self.lines) - 1) * self.line_height + self.ascent + self.descent)

    def baselines(self, top: float) -> list[float]:
        return [top + self.size * (self.ascent + i * self.line_height) for i in range(len(self.lines))]


def describe_char(char: str) -> str:
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'không tên')})"


def pick_font(text: str, candidates: list[Path]) -> Path:
    """The first font that has every character of ``text``; an error naming the first missing one otherwise.

    A no-break space is drawn as a glyph (backends and office apps need it to keep ``312,5 mm`` together)."""
    needed = {c for c in nfc(text) if not c.isspace() or c == NO_BREAK_SPACE}
    for path in candidates:
        m = metrics(path)
        if all(m.covers(c) for c in needed):
            return path
    m = metrics(candidates[0])
    missing = sorted(c for c in needed if not any(metrics(p).covers(c) for p in candidates)) or \
        sorted(c for c in needed if not m.covers(c))
    names = ", ".join(Path(p).stem for p in candidates)
    raise MissingGlyphError(f"ký tự {describe_char(missing[0])} không có trong phông {names}"
                            + (f" (cùng {len(missing) - 1} ký tự khác)" if len(missing) > 1 else "")
                            + "; thay ký tự đó hoặc khai báo phông dự phòng (fallback) có ký tự này", missing[0])


# A word: its text, its width in em and its syllables with theirs (what it breaks into when too wide).
Word = tuple[str, float, tuple[tuple[str, float], ...]]


def _paragraph_words(text: str, m: FontMetrics, keep: tuple[str, ...] = ()) -> list[list[Word]]:
    space = m.width(" ")
    out = []
    for para in text.split("\n"):
        row = []
        for group in words.groups(para, keep):
            syllables = tuple((s, m.width(s)) for s in group)
            row.append((" ".join(group), sum(w for _, w in syllables) + space * (len(group) - 1), syllables))
        out.append(row)
    return out


def _wrap(paragraphs: list[list[Word]], space: float, width_em: float, split: bool = True) -> list[str] | None:
    """Greedy wrap between words at a width given in em; None when a single syllable is wider than the box.

    A word wider than the box breaks between its syllables (the only way it fits; None
    instead when ``split`` is false); a last line of one syllable takes the previous
    line's last word when that fits.
    """
    lines: list[str] = []
    for paragraph in paragraphs:
        rows: list[list[Word]] = [[]]
        widths = [0.0]
        for word in paragraph:
            if word[1] <= width_em:
                parts = (word,)
            elif split:
                parts = tuple((s, w, ((s, w),)) for s, w in word[2])
            else:
                return None
            for part in parts:
                w = part[1]
                if w > width_em:
                    return None
                if rows[-1] and widths[-1] + space + w > width_em:
                    rows.append([part])
                    widths.append(w)
                else:
                    widths[-1] = widths[-1] + space + w if rows[-1] else w
                    rows[-1].append(part)
        if len(rows) > 1 and len(rows[-2]) > 1 and len(rows[-1]) == 1 and len(rows[-1][0][2]) == 1 \
                and rows[-2][-1][1] + space + widths[-1] <= width_em:
            rows[-1].insert(0, rows[-2].pop())
        lines.extend(" ".join(word[0] for word in row) for row in rows)
    return lines


def wrapper(text: str, font_path: str | Path, size: float,
            keep: tuple[str, ...] = ()) -> Callable[[float], list[str] | None]:
    """Greedy wrapping of one text between words, as a function of the box width (lines are balanced by
    trying narrower boxes): the words are grouped and measured once."""
    m = metrics(font_path)
    paragraphs, space = _paragraph_words(nfc(text), m, keep), m.width(" ")
    return lambda box_w: _wrap(paragraphs, space, box_w / size)


@lru_cache(maxsize=8192)
def fit_text(text: str, font_path: str | Path, box_w: float, box_h: float, min_size: float, max_size: float,
             line_height: float = 1.2, max_lines: int | None = None, step: float = 1.0,
             balance: bool = False, keep: tuple[str, ...] = ()) -> FitResult:
    """Largest size in [min_size, max_size] (on a ``step`` grid) at which ``text`` fits the box.

    Raises ``FitError`` (Vietnamese message) when even ``min_size`` overflows; a
    missing glyph raises ``MissingGlyphError`` before any measuring. Results are cached
    per arguments (a pure function of them and the shipped font): a build lays out the
    same headline for every unit, and ``studio validate`` lays out the whole plan.
    Lines break between words (``words.groups``); ``keep`` adds the campaign's phrases.
    """
    text = nfc(text).strip()
    font_path = pick_font(text, [Path(font_path)])
    m = metrics(font_path)
    paragraphs = _paragraph_words(text, m, keep)
    space = m.width(" ")
    ascent, descent = m.ink(text)  # the marks actually present: Ể reaches higher than E
    block = ascent + descent

    split = False  # a word is broken between its syllables only when no size keeps every word whole

    def attempt(size: float) -> list[str] | None:
        lines = _wrap(paragraphs, space, box_w / size, split)
        if lines is None or (max_lines and len(lines) > max_lines):
            return None
        if size * ((len(lines) - 1) * line_height + block) > box_h + 1e-9:
            return None
        return lines

    steps = max(0, int((max_size - min_size) / step + 1e-9))
    lines = attempt(min_size)
    if lines is None:
        split = True
        lines = attempt(min_size)
    if lines is None:
        longest = max((s for para in paragraphs for word in para for s in word[2]), key=lambda item: item[1],
                      default=("", 0.0))
        if longest[1] * min_size > box_w:
            why = f"từ {longest[0]!r} rộng hơn khung"
        else:
            need = len(_wrap(paragraphs, space, box_w / min_size) or [])
            why = f"cần {need} dòng" + (f", tối đa {max_lines}" if max_lines else "")
        raise FitError(f"chữ không vừa khung {box_w:g}×{box_h:g} ngay cả ở cỡ nhỏ nhất {min_size:g} ({why}; "
                       f"{len(text)} ký tự): rút gọn nội dung hoặc chọn mẫu khác")
    lo, hi = 0, steps  # invariant: size(lo) fits
    best = lines
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = attempt(min_size + mid * step)
        if found is None:
            hi = mid - 1
        else:
            lo, best = mid, found
    size = min_size + lo * step
    if balance and len(best) > 1:
        best = _balanced(paragraphs, space, box_w / size, len(best))
    return FitResult(size=size, lines=tuple(best), line_height=line_height, ascent=ascent, descent=descent,
                     keep=keep)


def _balanced(paragraphs, space: float, width_em: float, count: int) -> list[str]:
    """Narrowest wrap with the same number of lines: no lonely last word in a headline.

    Narrowing never breaks a word that the full width kept whole.
    """
    lo, hi = 0.0, width_em
    best = _wrap(paragraphs, space, width_em)
    for _ in range(12):
        mid = (lo + hi) / 2
        lines = _wrap(paragraphs, space, mid, split=False)
        if lines is not None and len(lines) <= count:
            hi, best = mid, lines
        else:
            lo = mid
    return best
