"""Text at the edge: NFC normalisation and safe identifiers.

Everything user-written passes through ``nfc`` on load, so the rest of the code
only ever sees composed Vietnamese. Identifiers are restricted to ``SLUG`` so no
user-written id can escape a folder or a storage prefix.
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

