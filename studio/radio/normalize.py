"""Spoken-form Vietnamese: what a TTS engine (or a reader) should say for a written text.

``sea-g2p``'s normaliser reads numbers, dates, times, units and most symbols well,
but it lowercases everything and spells administrative abbreviations letter by
letter. So we layer domain rules around it:

1. before it: the abbreviation dictionary (UBND → Ủy ban nhân dân …, extendable
   per campaign), document numbers (12/KH-UBND), roman numerals in context
   (lần thứ IV → lần thứ tư), phone numbers digit by digit, day ranges, ``7h00``;
2. after it: the original case of every word it did not change comes back, and a
   last safety net reads any digit it left.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from ..text import nfc

#: Administrative abbreviations read in full (never letter by letter). Keys are
#: matched as whole words, case-sensitively; a campaign adds its own through
#: ``audio.abbreviations`` in campaign.yaml.
ABBREVIATIONS: dict[str, str] = {
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "MTTQVN": "Mặt trận Tổ quốc Việt Nam",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCH": "Ban Chấp hành",
    "BTV": "Ban Thường vụ",
    "BCĐ": "Ban Chỉ đạo",
    "TW": "Trung ương",
    "TƯ": "Trung ương",
    "TP.HCM": "Thành phố Hồ Chí Minh",
    "TPHCM": "Thành phố Hồ Chí Minh",
    "TP.": "thành phố",
    "Tp.": "thành phố",
    "TP": "thành phố",
    "TX.": "thị xã",
    "TT.": "thị trấn",
    "KH": "Kế hoạch",
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "NĐ": "Nghị định",
    "TU": "Tỉnh ủy",
    "HU": "Huyện ủy",
    "ĐU": "Đảng ủy",
    "TTg": "Thủ tướng",
    "ĐBSCL": "Đồng bằng sông Cửu Long",
    "ĐCSVN": "Đảng Cộng sản Việt Nam",
    "CSVN": "Cộng sản Việt Nam",
    "CHXHCN": "Cộng hòa xã hội chủ nghĩa",
    "XHCN": "xã hội chủ nghĩa",
    "KT-XH": "kinh tế - xã hội",
    "QP-AN": "quốc phòng - an ninh",
    "ANTT": "an ninh trật tự",
    "CNH-HĐH": "công nghiệp hóa, hiện đại hóa",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "TT&TT": "Thông tin và Truyền thông",
    "TTTT": "Thông tin và Truyền thông",
    "VHTTDL": "Văn hóa, Thể thao và Du lịch",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "GRDP": "tổng sản phẩm trên địa bàn",
    "GDP": "tổng sản phẩm quốc nội",
    "CCVC": "công chức, viên chức",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "HTX": "hợp tác xã",
    "NTM": "nông thôn mới",
    "BTG": "Ban Tuyên giáo",
    "BTGTU": "Ban Tuyên giáo Tỉnh ủy",
    "BTGTW": "Ban Tuyên giáo Trung ương",
    "GD&ĐT": "Giáo dục và Đào tạo",
    "NN&PTNT": "Nông nghiệp và Phát triển nông thôn",
    "TN&MT": "Tài nguyên và Môi trường",
    "KH&ĐT": "Kế hoạch và Đầu tư",
    "KH&CN": "Khoa học và Công nghệ",
    "LĐ-TB&XH": "Lao động - Thương binh và Xã hội",
    "VH,TT&DL": "Văn hóa, Thể thao và Du lịch",
    "GTVT": "Giao thông vận tải",
}

#: Codes read in full only inside a document number (05-CT/TW, 15-HD/BTGTU, 123/2020/NĐ-CP),
#: where they cannot mean anything else ("CP" alone is also "cổ phần", "HD" a video format).
DOCUMENT_CODES: dict[str, str] = {
    "CT": "Chỉ thị",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "TT": "Thông tư",
    "CP": "Chính phủ",
    "BC": "Báo cáo",
    "CV": "Công văn",
    "QH": "Quốc hội",
    "VP": "Văn phòng",
}

_DIGITS = "không một hai ba bốn năm sáu bảy tám chín".split()
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_RE = r"(?:L?X{0,3}|XL|XC)(?:IX|IV|V?I{0,3})"
#: Words after which a roman numeral is certainly a number (Đại hội XIV, lần thứ XV).
_ROMAN_CONTEXT = (r"lần thứ|thứ|[Đđ]ại hội|[Tt]hế kỷ|[Kk]hóa|[Kk]hoá|[Kk]ỳ họp|[Hh]ội nghị|[Pp]hần|[Cc]hương|"
                  r"[Mm]ục|[Qq]uân khu|[Qq]uốc hội|[Kk]hu vực|[Vv]ùng|[Đđ]ợt|[Ll]oại|[Hh]ạng|[Cc]ấp")
_ORDINAL = {1: "nhất", 4: "tư"}

WORD = re.compile(r"\w+", re.UNICODE)
_B = r"(?<![\w&.])"   # left word boundary (a dot before means part of a number or a domain)
_E = r"(?![\w&])"     # right word boundary


def roman_value(token: str) -> int:
    total = 0
    for a, b in zip(token, token[1:] + " "):
        v = _ROMAN[a]
        total += -v if b != " " and _ROMAN[b] > v else v
    return total


def read_digits(digits: str) -> str:
    """Digit by digit: ``0259`` → ``không hai năm chín``."""
    return " ".join(_DIGITS[int(d)] for d in digits if d.isdigit())


def _phone(match: re.Match) -> str:
    groups = [g for g in re.split(r"[ .\-]", match.group(0)) if g]
    digits = "".join(groups)
    if not 8 <= len(digits.lstrip("+")) <= 12:
        return match.group(0)
    return ", ".join(read_digits(g.replace("+84", "")) if not g.startswith("+") else "cộng tám tư " + read_digits(g[3:])
                     for g in groups)


def _doc_number(match: re.Match, abbreviations: dict[str, str]) -> str:
    """``12/KH-UBND`` → ``12 Kế hoạch Ủy ban nhân dân``; ``39/2020/TT-BTTTT`` keeps its year."""
    number, year, code = match.group(1), match.group(2), match.group(3)
    parts = [abbreviations.get(p, DOCUMENT_CODES.get(p, p)) for p in re.split(r"[-/]", code)]
    year_part = f" năm {year}" if year else ""
    return f"{int(number)}{year_part}, " + " ".join(parts)


@lru_cache(maxsize=1)
def _sea():
    from sea_g2p import Normalizer

    return Normalizer("vi")


def _key(word: str) -> str:
    """Comparison key insensitive to case and to the tone-mark position (ủy = uỷ)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base + "".join(sorted(c for c in decomposed if unicodedata.combining(c)))


def restore_case(written: str, spoken: str) -> str:
    """Give back the written form (case, tone-mark position) of every word sea-g2p only lowercased."""
    src = [m.group() for m in WORD.finditer(written)]
    spans = list(WORD.finditer(spoken))
    matcher = difflib.SequenceMatcher(None, [_key(w) for w in src], [_key(m.group()) for m in spans], autojunk=False)
    originals: dict[int, str] = {}
    for i, j, n in matcher.get_matching_blocks():
        for k in range(n):
            originals[j + k] = src[i + k]
    out, last = [], 0
    for j, m in enumerate(spans):
        if j in originals:
            out += [spoken[last:m.start()], originals[j]]
            last = m.end()
    out.append(spoken[last:])
    return "".join(out)


class SpokenForm:
    """A normaliser with a fixed abbreviation dictionary (the builtin one plus a campaign's)."""

    def __init__(self, abbreviations: dict[str, str] | None = None):
        self.abbreviations = {**ABBREVIATIONS, **nfc(abbreviations or {})}
        self._memo: dict[str, str] = {}
        keys = sorted(self.abbreviations, key=len, reverse=True)
        alternatives = "|".join(re.escape(k) for k in keys)
        # An abbreviation ending in "." must not eat a sentence's full stop: "TP." needs a word after it.
        self._abbr = re.compile(rf"(?<![\w&])({alternatives})(?:(?<=\.)(?=\s*\w)|(?<!\.)(?![\w&]))")
        codes = r"[A-ZĐ][A-ZĐa-z&]*(?:-[A-ZĐ][A-ZĐa-z&]*)*"
        self._doc = re.compile(rf"{_B}(\d+)(?:/(\d{{4}}))?[/-]({codes}(?:/{codes})?){_E}")

    def expand_abbreviations(self, text: str) -> str:
        return self._abbr.sub(lambda m: self.abbreviations[m.group(1)] + (" " if m.group(1).endswith(".") else ""),
                              text)

    def pre(self, text: str) -> str:
        """The domain rules sea-g2p does not know, applied to the written text."""
        text = nfc(text)
        text = self._doc.sub(lambda m: _doc_number(m, self.abbreviations), text)
        text = self.expand_abbreviations(text)
        # Phone numbers, digit by digit: 0259 3822 123, 0912.345.678, +84 912 345 678, 1900 1234.
        text = re.sub(r"(?<![\w.,/])(?:\+84|0|1[89]00)\d*(?:[ .\-]?\d+)+", _phone, text)
        # Roman numerals: after a context word any valid one; alone only multi-letter ones of I, V, X, L.
        text = re.sub(rf"\b({_ROMAN_CONTEXT})\s+({_ROMAN_RE})(?![\w])",
                      lambda m: f"{m.group(1)} {roman_value(m.group(2))}" if m.group(2) else m.group(0), text)
        text = re.sub(rf"(?<![\w-])({_ROMAN_RE})(?![\w-])",
                      lambda m: str(roman_value(m.group(1))) if len(m.group(1)) >= 2 else m.group(0), text)
        text = re.sub(r"\bthứ\s+([14])\b", lambda m: f"thứ {_ORDINAL[int(m.group(1))]}", text)
        # Whole hours: "7h00" → "7 giờ" (not "bảy giờ không phút").
        text = re.sub(r"\b(\d{1,2})h00\b", r"\1 giờ", text)
        # Counts written with a leading zero: "05 năm" → "5 năm".
        text = re.sub(r"(?<![\w/.,:\-])0(\d)(?=\s+[^\W\d])", r"\1", text)
        # Day ranges: "24-26/9/2025" → "24 đến ngày 26/9/2025".
        text = re.sub(r"(?<![\d/])(\d{1,2})\s*[-–]\s*(\d{1,2}/\d{1,2}(?:/\d{4})?)", r"\1 đến ngày \2", text)
        # Day and month without a year after a date word: "Quốc khánh 2/9" → "2 tháng 9".
        text = re.sub(r"\b(ngày|mồng|mùng|khánh|lễ|từ|đến)\s+(\d{1,2})/(\d{1,2})(?![/\d])", r"\1 \2 tháng \3", text)
        text = re.sub(r"%\s*/\s*năm", " phần trăm mỗi năm", text)
        return text

    def __call__(self, text: str) -> str:
        """Spoken form of one line; memoised, since every commune's bulletin repeats the same lines."""
        if text not in self._memo:
            if len(self._memo) > 20000:
                self._memo.clear()
            self._memo[text] = self._speak(text)
        return self._memo[text]

    def _speak(self, text: str) -> str:
        if not text.strip():
            return ""
        prepared = self.pre(text)
        spoken = _sea().normalize(prepared)
        spoken = restore_case(prepared, spoken)
        # Safety net: a digit sea-g2p left is read digit by digit rather than dropped or spelt oddly.
        spoken = re.sub(r"\d+", lambda m: read_digits(m.group()), spoken)
        return re.sub(r"\s+", " ", spoken).strip()


@lru_cache(maxsize=32)
def _cached(frozen: tuple[tuple[str, str], ...]) -> SpokenForm:
    return SpokenForm(dict(frozen))


def normalizer_for(abbreviations: dict[str, str] | None = None) -> SpokenForm:
    """A (cached) normaliser with the campaign's extra abbreviations."""
    return _cached(tuple(sorted((abbreviations or {}).items())))


def spoken(text: str, abbreviations: dict[str, str] | None = None) -> str:
    """Spoken form of ``text``: ``UBND tỉnh chi 8,5%`` → ``Ủy ban nhân dân tỉnh chi tám phẩy năm phần trăm``."""
    return normalizer_for(abbreviations)(text)
