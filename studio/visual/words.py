"""Where a Vietnamese line may break: between words, never inside one.

Vietnamese writes a space between syllables, so "ĐẠI HỘI" is one word spelt with
two space-separated syllables. ``groups`` returns the space-separated tokens of a
paragraph gathered into unbreakable groups: the words of pyvi's offline CRF
segmenter, the phrases of the campaign dictionary (``keep``), a number with the
word that measures it ("15 %", "3 năm", "7 giờ sáng"), dates written in words
("ngày 15 tháng 3 năm 2025") and the digit groups of a phone number ("0239 3856 112"). A
no-break space (``vi.stat``'s ``312,5 mm``) joins what it separates into one token. The layout
wraps groups; it splits a group into its syllables only when the group is wider than its box.

``bind`` writes laid-out text for an application that wraps it again (PowerPoint,
LibreOffice): the spaces inside a group become no-break spaces, so the office app
can only break where the layout may.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

from .. import vi
from ..text import EDGE_PUNCTUATION, NO_BREAK_SPACE, PHONE, is_phone, nfc, split_words

#: Where lines may break: an input of every job that lays text out (visual, deck, video) and part of the keys of
#: everything cached with text laid out in it (video cards, stills, subtitle cues), so a change here leaves no
#: output stale. Bump it with any change to ``groups``. 2: COMPOUNDS.
VERSION = 2

# Words that measure or count the number before them: never left alone at a line start.
UNITS = frozenset("""
% ‰ người hộ hộ_gia_đình cử_tri đại_biểu xã phường thị_trấn huyện tỉnh thôn bản ấp khu_phố điểm điểm_bầu_cử
tổ khu_vực đơn_vị lần năm tháng ngày tuần giờ phút giây tuổi quý km m cm mm m2 m² km2 km² ha kg g tấn tạ lít
đồng nghìn ngàn triệu tỷ trăm vạn phần_trăm bản cuốn tờ chiếc cái con căn ngôi trường lớp học_sinh em cháu
""".split())
# Words and fixed terms of public-information text that the segmenter (trained on news) leaves apart
# ("ven biển", "tổ dân phố", "Hội đồng nhân dân"): one group each, as a typesetter keeps them. Lower case,
# syllables joined by "_"; a term is matched in any case, never across punctuation.
COMPOUNDS = frozenset(tuple(term.split("_")) for term in """
ven_biển vùng_trũng trũng_thấp lồng_bè chòi_canh neo_đậu cứu_nạn tìm_kiếm_cứu_nạn nước_dâng gió_giật nhà_tạm
tránh_trú áp_thấp_nhiệt_đới xả_lũ hồ_chứa tàu_cá phòng_thủ_dân_sự ban_chỉ_huy bão_số
khu_dân_cư tổ_dân_phố nông_thôn_mới chuyển_đổi_số biển_đảo hòm_phiếu tổ_bầu_cử khu_vực_bỏ_phiếu
đơn_vị_bầu_cử hội_đồng_nhân_dân ủy_ban_nhân_dân uỷ_ban_nhân_dân mặt_trận_tổ_quốc ban_chấp_hành
trung_học_cơ_sở trung_học_phổ_thông trạm_y_tế dịch_vụ_công an_toàn_giao_thông mũ_bảo_hiểm nồng_độ_cồn
vắc_xin bảo_hiểm_y_tế bảo_hiểm_xã_hội hộ_nghèo cận_nghèo giảm_nghèo học_nghề thương_mại_điện_tử
""".split())
DAY_PART = frozenset("sáng trưa chiều tối đêm".split())  # "7 giờ sáng": the time of day stays with the hour
# Words that introduce the number after them: "ngày 15", "số 45/NQ-HĐND", "năm 2025".
BEFORE_NUMBER = frozenset("ngày tháng năm quý số lúc khóa khoá".split())
NUMBER = re.compile(r"^[(\"'“‘]?[+−-]?\d[\w.,/:–-]*[%‰]?[)\"'”’.,;:!?]*$")
QUANTITY = re.compile(r"^[(\"'“‘]?[+−-]?\d[\d.,/:–-]*[%‰]?$")  # a number that a unit may follow
DASH = frozenset("-–—")
OPENING = "([{“‘«\"'"
CLOSING = ")]}”’».,;:!?…%‰–—"
WORD_JOINER = "\u2060"  # invisible; forbids the break office apps allow after a hyphen or slash
INNER_MARK = re.compile(r"(?<=\w)([-‐–—/])(?=\w)")  # "2025-2030", "NQ-HĐND", "45/KH": breakable in LibreOffice


def _bare(token: str) -> str:
    return token.strip(EDGE_PUNCTUATION).lower()


@lru_cache(maxsize=4096)
def _segmenter_joins(tokens: tuple[str, ...]) -> tuple[bool, ...]:
    """For each gap between tokens, whether pyvi puts it inside a word."""
    from pyvi import ViTokenizer  # imported on first use: loading the CRF model takes about a second

    text = " ".join(tokens)
    if vi.upper(text) == text and text.lower() != text:
        # All caps: the model learnt from normal case. Lower case misses names ("NINH THUẬN"), capitalised
        # words run names on ("PHƯỚC HÀ ĐI BẦU"): keep the joins both readings agree on.
        lower = _segmenter_joins(tuple(t.lower() for t in tokens))
        titled = tuple(t.capitalize() for t in tokens)
        title = _segmenter_joins(titled) if titled != tokens else lower  # single capitals ("E O") stay caps
        return tuple(a and b for a, b in zip(lower, title))
    out = ViTokenizer.tokenize(text)
    chars = [c for c in text if not c.isspace()]
    # The gap after the k-th non-space character of each token boundary.
    gap_after: dict[int, int] = {}
    k = 0
    for i, token in enumerate(tokens[:-1]):
        k += len(token)
        gap_after[k] = i
    joins = [False] * (len(tokens) - 1)
    k = 0
    underscore = False
    for c in out:
        if c == "_":
            underscore = True
        elif not c.isspace():
            if k >= len(chars) or c.lower() != chars[k].lower():
                return tuple(False for _ in joins)  # the segmenter changed the text: break at spaces only
            if k in gap_after and underscore:
                joins[gap_after[k]] = True
            k += 1
            underscore = False
    return tuple(joins)


def _phrase_joins(tokens: tuple[str, ...], keep: tuple[str, ...]) -> set[int]:
    """Gaps inside a dictionary phrase (case-insensitive, punctuation at token edges ignored)."""
    bare = [_bare(t) for t in tokens]
    joined: set[int] = set()
    for phrase in keep:
        words = [_bare(w) for w in nfc(phrase).split()]
        n = len(words)
        if n < 2:
            continue
        for i in range(len(bare) - n + 1):
            if bare[i:i + n] == words:
                joined.update(range(i, i + n - 1))
    return joined


def _compound_joins(tokens: tuple[str, ...]) -> set[int]:
    """Gaps inside a term of ``COMPOUNDS`` whose syllables no punctuation separates."""
    bare = [_bare(t) for t in tokens]
    open_after = [t == t.rstrip(EDGE_PUNCTUATION) for t in tokens]  # "xã, phường": a comma ends the run
    joined: set[int] = set()
    for n in {len(term) for term in COMPOUNDS}:
        for i in range(len(tokens) - n + 1):
            if tuple(bare[i:i + n]) in COMPOUNDS and all(open_after[i:i + n - 1]):
                joined.update(range(i, i + n - 1))
    return joined


def _number_joins(tokens: tuple[str, ...]) -> set[int]:
    """Gaps between a number and its unit, a date's parts, and "số"/"ngày"/"năm" and their number."""
    joined: set[int] = set()
    bare = [_bare(t) for t in tokens]
    for i in range(len(tokens) - 1):
        here, after = bare[i], bare[i + 1]
        if QUANTITY.match(tokens[i]):
            pair = f"{after}_{bare[i + 2]}" if i + 2 < len(bare) else ""
            if after in UNITS:
                joined.add(i)
            elif pair in UNITS:
                joined.update((i, i + 1))
        if here in BEFORE_NUMBER and NUMBER.match(tokens[i + 1]) and tokens[i] == tokens[i].rstrip(EDGE_PUNCTUATION):
            joined.add(i)
        if tokens[i] in DASH and i and NUMBER.match(tokens[i - 1]) and NUMBER.match(tokens[i + 1]):
            joined.update((i - 1, i))  # "2026 - 2031" is one range
        if here == "giờ" and after in DAY_PART and i and NUMBER.match(tokens[i - 1]):
            joined.add(i)
    return joined


def _phone_joins(tokens: tuple[str, ...]) -> set[int]:
    """Gaps inside a phone number written in groups ("0239 3856 112", "+84 912 345 678"): one number."""
    text = " ".join(tokens)
    starts = list(accumulate((len(t) + 1 for t in tokens[:-1]), initial=0))
    joined: set[int] = set()
    for match in PHONE.finditer(text):
        if is_phone(match.group()):
            joined.update(range(bisect_right(starts, match.start()) - 1, bisect_right(starts, match.end() - 1) - 1))
    return joined


def _punctuation_joins(tokens: tuple[str, ...]) -> set[int]:
    """A lone opening mark ("“", "(") stays with the next word; a lone closing one or a dash with the previous."""
    joined: set[int] = set()
    for i, token in enumerate(tokens):
        if token and all(c in OPENING for c in token) and i + 1 < len(tokens):
            joined.add(i)
        elif token and all(c in CLOSING for c in token) and i:
            joined.add(i - 1)
    return joined


@lru_cache(maxsize=8192)
def groups(paragraph: str, keep: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...]:
    """The paragraph's space-separated tokens, gathered into groups that a line break must not split."""
    tokens = tuple(split_words(nfc(paragraph)))
    if len(tokens) < 2:
        return (tokens,) if tokens else ()
    # The segmenter reads a no-break space as a space: it sees such a token without one.
    joins = set(i for i, j in enumerate(_segmenter_joins(tuple(t.replace(NO_BREAK_SPACE, "") or "-" for t in tokens)))
                if j)
    joins |= (_phrase_joins(tokens, keep) | _compound_joins(tokens) | _number_joins(tokens) | _phone_joins(tokens)
              | _punctuation_joins(tokens))
    out: list[tuple[str, ...]] = []
    current = [tokens[0]]
    for i, token in enumerate(tokens[1:]):
        if i in joins:
            current.append(token)
        else:
            out.append(tuple(current))
            current = [token]
    out.append(tuple(current))
    return tuple(out)


def bind(text: str, lines: Sequence[str] = (), keep: tuple[str, ...] = ()) -> str:
    """``text`` (paragraphs separated by newlines) for an app that wraps it again: inside each group
    the spaces become no-break spaces and a word joiner follows a hyphen, dash or slash within a token.

    ``lines``: how the layout wrapped ``text``, when a group wider than its box had to be split
    between syllables: a space the layout broke at stays breakable.
    """
    ends: set[int] = set()
    count = 0
    for line in lines:
        count += len(split_words(line))
        ends.add(count - 1)
    out = []
    k = 0
    for paragraph in nfc(text).split("\n"):
        parts = []
        for group in groups(paragraph, keep):
            joined = ""
            for j, token in enumerate(group):
                if j:
                    joined += " " if k + j - 1 in ends else NO_BREAK_SPACE  # every shipped font has it
                joined += INNER_MARK.sub(r"\1" + WORD_JOINER, token)
            parts.append(joined)
            k += len(group)
        out.append(" ".join(parts))
    return "\n".join(out)

