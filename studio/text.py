"""Text at the edge: NFC normalisation, typographic quotes, word splitting and safe identifiers.

Everything user-written passes through ``nfc`` on load, so the rest of the code
only ever sees composed Vietnamese. What is drawn (visuals, deck, video) passes
through ``typeset`` (NFC, ``curly_quotes``) where it is laid out; the radio's spoken text does not.
Lines break only at ``split_words``' gaps: a no-break space (``NO_BREAK_SPACE``,
as in ``vi.stat``'s ``312,5 mm``) is part of a word. Identifiers are restricted to
``SLUG`` so no user-written id can escape a folder or a storage prefix.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
#: Punctuation that may cling to either end of a word ("(Đại", "hội!"), stripped to find the word.
EDGE_PUNCTUATION = "()[]{}\"'“”‘’«».,;:!?…"
#: Ids become file names and storage keys (``<brief>--<format>.<ext>``, 255 bytes at most).
SLUG_MAX = 80
SLUG = re.compile(SLUG_PATTERN)
NO_BREAK_SPACE = "\u00a0"
_BREAK = re.compile(rf"[^\S{NO_BREAK_SPACE}]+")  # whitespace a line may break at
_OPENS_AFTER = "([{<«“‘—–-/\"'"  # a quote after these (or a space, or nothing) opens
#: A phone number as written: 0…, +84… or 1800/1900…, in digit groups separated by spaces, dots or hyphens
#: ("0239 3856 112", "0912.345.678", "+84 912 345 678", "1900 1234"); ``is_phone`` says whether a match is one.
PHONE = re.compile(r"(?<![\w.,/])(?:\+84|0|1[89]00)\d*(?:[ .\-]?\d+)+")


#: HTML tags and character references pasted into a brief (``validate`` refuses them; subtitles drop them).
MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|&(?:[A-Za-z]+|#[0-9]+|#x[0-9A-Fa-f]+);")
#: Where a line's sentences meet: after ``. ! ? …`` and before a capital or a digit (an opening quote allowed).
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=[\"“'‘(]?[^\W_a-zđ])")
WORD = re.compile(r"\w+")  # a word, for comparing and indexing text (not for line breaks)


def same_words(text: str) -> tuple[str, ...]:
    """What makes two sentences the same one: their words, case and punctuation aside."""
    return tuple(w.casefold() for w in WORD.findall(text))


def without_repeats(text: str, said: list[str]) -> str:
    """``text`` without its sentences that repeat one of ``said`` (drawn beside it): a body that
    restates a key message shows it once. Lines that lose nothing are kept as written."""
    heard = {same_words(piece) for s in said for piece in [s, *SENTENCE_BREAK.split(s.strip())]} - {()}
    lines = []
    for line in text.splitlines():
        pieces = SENTENCE_BREAK.split(line.strip())
        kept = [p for p in pieces if same_words(p) not in heard]
        if len(kept) == len(pieces):
            lines.append(line)
        elif kept:
            lines.append(" ".join(kept))
    return "\n".join(lines)


def is_phone(written: str) -> bool:
    """A ``PHONE`` match is a phone number when it has 8 to 12 digits (a year or a count has fewer)."""
    return 8 <= sum(c.isdigit() for c in written) <= 12


def nfc(value: Any) -> Any:
    """Return ``value`` with every string (keys included) in Unicode NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, tuple):
        return tuple(nfc(v) for v in value)
    return value


def is_slug(value: str) -> bool:
    return bool(SLUG.match(value))


def slugify(text: str) -> str:
    """ASCII slug of a Vietnamese name: ``Phước Hòa`` → ``phuoc-hoa``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")



def split_words(text: str) -> list[str]:
    """``text`` split at the spaces a line may break at (not at a no-break space, unlike ``str.split``)."""
    return [word for word in _BREAK.split(text) if word]


def curly_quotes(text: str) -> str:
    """Straight quotes as typographic ones: ``"…"`` → ``“…”``, ``'…'`` → ``‘…’``, and an apostrophe
    inside a word (``Hà Nội's``, ``Đắk'Mil``) → ``’``. A quote opens at the start, after a space or an
    opening bracket or dash; it closes anywhere else."""
    if '"' not in text and "'" not in text:
        return text
    out = []
    for i, char in enumerate(text):
        if char not in "\"'":
            out.append(char)
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if char == "'" and before.isalnum() and after.isalnum():
            out.append("’")
        elif (before.isspace() or before in _OPENS_AFTER) and not after.isspace():
            out.append("“" if char == '"' else "‘")
        else:
            out.append("”" if char == '"' else "’")
    return "".join(out)


def typeset(text: str) -> str:
    """A text as the visuals, deck and video draw it: NFC with typographic quotes."""
    return curly_quotes(nfc(text))
