"""Subtitles: narration sentences → readable cues → ``.srt`` and burned-in PNGs.

Cues are drawn by Pillow (raqm shaping, so Vietnamese stacked marks are right)
and overlaid by ffmpeg, which avoids libass and its font lookup entirely. Lines are
wrapped by the shared layout module (``studio.visual.layout``) with the font's own
advances, which are an upper bound of what Pillow draws: a line never overflows
its box. Cues keep to the common broadcast limits (``MAX_LINES`` lines of at most
``MAX_CHARS`` characters, at most ``MAX_CUE_S`` on screen, a reading speed of at most
``MAX_CPS`` characters a second): a sentence too long for one cue becomes several,
timed in proportion to their length within the sentence's speech, and a cue read
too fast stays on into the pause after it (or starts in the pause before). Lines and
cues break only between words (``studio.visual.words``, with the campaign's phrases),
and the ``.srt`` holds the same lines as the picture, as plain text: markup a brief
may carry (``<b>``) is dropped and character references (``&amp;``) are read.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..artifacts import atomic_write_text, file_digest
from ..text import MARKUP, nfc, split_words, typeset
from ..visual import words
from ..visual.fonts import metrics, resolve
from ..visual.layout import pick_font, wrapper
from .timeline import Cue, Overlay, snap

LINE_HEIGHT = 1.25
#: The cue pictures' own version in the cache's keys (with ``words.VERSION``): bump it with any change to ``wrap``
#: or ``cue_image``. 5: lines break where phrases meet.
CUE_VERSION = 5
#: The common limits for subtitles (EBU-TT-D practice, streaming platforms' style guides): two lines of at most
#: 42 characters, at most 7 s on screen, at most 17 characters a second (spaces and punctuation counted).
MAX_LINES, MAX_CHARS, MAX_CUE_S, MAX_CPS = 2, 42, 7.0, 17.0


def plain(text: str) -> str:
    """A brief's text as subtitle text: character references read, markup dropped (``studio validate``
    reports both in a brief; a build that goes ahead anyway shows no tag)."""
    return MARKUP.sub("", html.unescape(text))


@dataclass(frozen=True)
class Style:
    """Where and how big subtitles are for one frame size."""

    width: int
    height: int
    font: Path
    size: int
    max_lines: int
    box_w: int  # widest line allowed, px (lines also hold at most ``MAX_CHARS`` characters)
    bottom: int  # gap between the cue box and the bottom edge, px
    pad: int
    keep: tuple[str, ...] = ()  # the campaign's phrases no line or cue may split

    @classmethod
    def for_frame(cls, width: int, height: int, font: Path, keep: tuple[str, ...] = ()) -> Style:
        portrait = height > width
        size = round(min(width, height) * (0.05 if portrait else 0.046))
        margin = round(width * 0.07)
        # Short-form apps cover the bottom fifth of a portrait video with their own buttons.
        bottom = round(height * (0.2 if portrait else 0.07))
        return cls(width, height, font, size, MAX_LINES, width - 2 * margin, bottom, round(size * 0.35), keep)

    def box_height(self, lines: int) -> int:
        """Height of a cue box of ``lines`` lines (``cue_image`` draws exactly this)."""
        m = metrics(self.font)
        h = math.ceil(self.size * ((lines - 1) * LINE_HEIGHT + m.ascent + m.descent) + 2 * self.pad * 0.6)
        return h + h % 2

    def band(self) -> int:
        """Height kept free at the bottom of the frame so no cue covers the picture."""
        return self.bottom + self.box_height(self.max_lines) + self.pad


@lru_cache(maxsize=4096)
def wrap(text: str, style: Style) -> list[str]:
    """``text``'s lines between words: each fits the frame and holds at most ``MAX_CHARS`` characters (the
    box narrows until it does; a word group longer than that keeps its own line), then balanced: the box
    narrows while the text keeps as many lines, so a cue reads as even lines, not a full one and a word."""
    box, fitted, count = style.box_w, None, None
    lines_at = wrapper(text, style.font, style.size, style.keep)
    while True:
        lines = lines_at(box)
        if lines is None or (count is not None and len(lines) > count):
            if fitted is None:
                raise ValueError(f"một từ trong phụ đề rộng hơn khung hình: {text!r}")
            return fitted
        fitted = lines
        if count is None and all(len(line) <= MAX_CHARS for line in lines):
            count = len(lines)
            if count == 1:
                return lines
            if count == 2 and (two := _two_lines(text, style)):
                return two
        box -= style.size / 4


def _two_lines(text: str, style: Style) -> list[str] | None:
    """A two-line cue broken where its phrases meet, lines about even (the cut costs of ``split_cues``),
    each line within ``MAX_CHARS`` and the box; None if no break between word groups gives that."""
    tokens = [" ".join(group) for group in words.groups(text, style.keep)]
    m = metrics(style.font)
    space, limit = m.width(" "), style.box_w / style.size

    def fits(line: str) -> bool:
        syllables = line.split(" ")
        return len(line) <= MAX_CHARS and sum(map(m.width, syllables)) + space * (len(syllables) - 1) <= limit

    options = []
    for i in range(1, len(tokens)):
        top, bottom = " ".join(tokens[:i]), " ".join(tokens[i:])
        if fits(top) and fits(bottom):
            average = (len(top) + len(bottom)) / 2
            options.append((_cut_cost(tokens[i - 1], tokens[i]) + LINE_BALANCE * abs(len(top) - average) / average, i))
    if not options:
        return None
    i = min(options)[1]
    return [" ".join(tokens[:i]), " ".join(tokens[i:])]


def split_cues(segments: list[tuple[float, float, str]], style: Style, offset: float = 0.0,
               until: float | None = None) -> list[Cue]:
    """Sentence timings (narration time) → cues in video time within the limits, none after ``until``."""
    cues: list[Cue] = []
    for start, end, text in segments:
        text = " ".join(split_words(typeset(plain(text))))
        if not text:
            continue
        parts = _split_sentence(text, end - start, style)
        total = sum(len(p) for p in parts)
        t = start
        for part in parts:
            share = (end - start) * len(part) / total
            cues.append(Cue(offset + t, offset + t + share, part))
            t += share
    return _readable(_monotonic(cues), until)


# A subtitler breaks a sentence (into cues, a cue into lines) where its phrases meet: after a comma, or
# before the word that opens the next phrase; not after such a word ("của / toàn Đảng bộ"), nor after a
# word that introduces a name or a number ("tỉnh / Ninh Thuận", "lần thứ / XV"), nor at a dash that joins
# two words ("kinh tế - / xã hội").
LINKING = frozenset("""là của và với trong qua để cho tại từ đến nhằm khi nhưng hoặc thì mà theo về trên
dưới sau trước các những nên vì do bởi như đã đang sẽ cùng""".split())
INTRODUCING = words.BEFORE_NUMBER | frozenset(
    "lần thứ tỉnh huyện xã phường thị_trấn thôn bản ấp đồng_chí ông bà".split())
CUT_AFTER_PUNCTUATION, CUT_BEFORE_LINK, CUT_ELSEWHERE, CUT_AFTER_LINK, CUT_INSIDE = 0.0, 1.0, 3.0, 5.0, 12.0
BALANCE = 2.0  # cost of a piece as long again as the average (or empty), against the cuts' costs
SHORTEST = 0.4  # of the average: shorter pieces are not considered
LINE_BALANCE = 4.0  # the two lines of a cue are seen together: a lone word over a long line shows


def _cut_cost(before: str, after: str) -> float:
    """The cost of a break between two word groups (``groups`` joins a compound's syllables with a space)."""
    if before[-1] in ",;:.!?":
        return CUT_AFTER_PUNCTUATION
    last = before.lower().replace(" ", "_")
    if before in words.DASH or after in words.DASH or last in INTRODUCING:
        return CUT_INSIDE
    if last in LINKING:
        return CUT_AFTER_LINK
    if after.split(" ", 1)[0].lower() in LINKING:
        return CUT_BEFORE_LINK
    return CUT_ELSEWHERE


def _split_sentence(text: str, seconds: float, style: Style) -> list[str]:
    """The sentence in the fewest cues that keep to the limits (lines, characters, seconds on screen),
    cut where its phrases meet and of about even length (the cheapest cuts, by dynamic programming over
    the word groups, which are never split); a sentence no cut brings within the limits is cut at every
    group."""
    tokens = [" ".join(group) for group in words.groups(text, style.keep)]
    if len(wrap(text, style)) <= style.max_lines and seconds <= MAX_CUE_S:
        return [text]
    n = len(tokens)
    longest = style.max_lines * (MAX_CHARS + 1)

    def piece(a: int, b: int) -> str:
        return " ".join(tokens[a:b])

    @lru_cache(maxsize=None)
    def fits(a: int, b: int, total: int) -> bool:
        text_ab = piece(a, b)
        if not SHORTEST * total / pieces <= len(text_ab) <= longest or seconds * len(text_ab) / total > MAX_CUE_S:
            return False  # a piece far shorter than the others is never the cheapest: not laid out to know
        return len(wrap(text_ab, style)) <= style.max_lines

    def lines_cost(a: int, b: int) -> float:
        """Half the cost of the break between the piece's lines: a cue also reads by its lines."""
        lines = wrap(piece(a, b), style)
        return sum(_cut_cost(top.rsplit(" ", 1)[-1], bottom.split(" ", 1)[0]) / 2
                   for top, bottom in zip(lines, lines[1:]))

    first = max(2, math.ceil(len(text) / longest), math.ceil(seconds / MAX_CUE_S))
    for pieces in range(first, n + 1):
        total = len(text) - (pieces - 1)
        average = total / pieces
        # best[k][b]: the cheapest cut of tokens[:b] into k pieces that each fit, and where its last piece starts
        best: list[dict[int, tuple[float, int]]] = [{0: (0.0, -1)}] + [{} for _ in range(pieces)]
        for k in range(1, pieces + 1):
            for b in range(k, n - (pieces - k) + 1):
                options = []
                for a, (cost, _) in best[k - 1].items():
                    if a < b and fits(a, b, total):
                        cut = _cut_cost(tokens[a - 1], tokens[a]) if a else 0.0
                        options.append((cost + cut + lines_cost(a, b)
                                        + BALANCE * abs(len(piece(a, b)) - average) / average, a))
                if options:
                    best[k][b] = min(options)
        if n in best[pieces]:
            bounds, b = [], n
            for k in range(pieces, 0, -1):
                a = best[k][b][1]
                bounds.append((a, b))
                b = a
            return [piece(a, b) for a, b in reversed(bounds)]
    return tokens


def _monotonic(cues: list[Cue], bridge: float = 0.6) -> list[Cue]:
    """Snap to frames, sort, never let a cue run into the next one, bridge short pauses (no flicker)."""
    cues = sorted((Cue(snap(c.start), snap(c.end), c.text) for c in cues), key=lambda c: c.start)
    out = []
    for i, cue in enumerate(cues):
        end = cue.end
        if i + 1 < len(cues):
            following = cues[i + 1].start
            end = following if following - end < bridge else min(end, following)
        end = min(end, snap(cue.start + MAX_CUE_S))
        if end > cue.start:
            out.append(Cue(cue.start, end, cue.text))
    return out


def _readable(cues: list[Cue], until: float | None = None) -> list[Cue]:
    """A cue read faster than ``MAX_CPS`` stays on into the pause after it, then starts in the pause before
    it, as far as the neighbouring cues, ``MAX_CUE_S`` and ``until`` allow."""
    out = list(cues)
    for i, cue in enumerate(out):
        need = len(cue.text) / MAX_CPS
        if cue.end - cue.start >= need:
            continue
        after = out[i + 1].start if i + 1 < len(out) else (until if until is not None else cue.end)
        end = max(cue.end, min(after, snap(cue.start + need + 0.02), snap(cue.start + MAX_CUE_S)))
        before = out[i - 1].end if i else 0.0
        start = min(cue.start, max(before, snap(end - need - 0.02)))
        out[i] = Cue(start, end, cue.text)
    return out


def srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def srt_text(cues: list[Cue], style: Style) -> str:
    """SubRip text: each cue on the lines it is drawn on, so a player does not wrap it inside a word."""
    blocks = [f"{i}\n{srt_time(c.start)} --> {srt_time(c.end)}\n" + "\n".join(wrap(nfc(c.text), style)) + "\n"
              for i, c in enumerate(cues, 1)]
    return "\n".join(blocks)


def write_srt(cues: list[Cue], target: str | Path, style: Style) -> Path:
    return atomic_write_text(target, srt_text(cues, style))


def cue_image(text: str, style: Style) -> Image.Image:
    """White text on a translucent dark box, cropped to the box (cheap to overlay)."""
    lines = wrap(text, style)
    m = metrics(style.font)
    size, pad = style.size, style.pad
    font = ImageFont.truetype(str(style.font), size, layout_engine=ImageFont.Layout.RAQM)
    widths = [font.getlength(line) for line in lines]
    box_w = math.ceil(max(widths) + 2 * pad)
    box_w, box_h = box_w + box_w % 2, style.box_height(len(lines))
    image = Image.new("RGBA", (box_w, box_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, box_w - 1, box_h - 1), radius=round(pad * 0.6), fill=(0, 0, 0, 200))
    for i, line in enumerate(lines):
        baseline = pad * 0.6 + size * (m.ascent + i * LINE_HEIGHT)
        draw.text((box_w / 2, baseline), line, font=font, fill=(255, 255, 255, 255), anchor="ms")
    return image


def overlays(cues: list[Cue], style: Style, folder: Path, cache=None) -> list[Overlay]:
    """One PNG per cue (made once per text and style through ``cache`` when given)."""
    out = []
    for cue in cues:
        def make(path: Path, text=cue.text) -> None:
            cue_image(text, style).save(path, format="PNG", compress_level=1)

        if cache is not None:
            key = {"subtitle": cue.text, "style": [style.width, style.height, file_digest(style.font), style.size,
                                                  style.box_w, style.pad, style.max_lines, style.keep],
                   "v": CUE_VERSION, "breaks": words.VERSION}
            path = cache.get_or_make(key, ".png", make)
        else:
            path = folder / f"cue-{len(out):03d}.png"
            make(path)
        with Image.open(path) as im:
            w, h = im.size
        x = (style.width - w) // 2 // 2 * 2
        y = (style.height - style.bottom - h) // 2 * 2
        out.append(Overlay(path, cue.start, cue.end, x, y))
    return out


#: Shipped fonts subtitles fall back to when the brand's body font lacks a character.
SUBTITLE_FONTS = ("NotoSans-Regular", "BeVietnamPro-Regular")


def subtitle_font(brand_fonts: dict[str, str] | None, text: str) -> Path:
    """The brand's body font, or a shipped font that has every character of the subtitles."""
    candidates = []
    for name in ("body", *SUBTITLE_FONTS):
        try:
            candidates.append(resolve(name, brand_fonts))
        except LookupError:
            continue
    return pick_font(text, candidates)
