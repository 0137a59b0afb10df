"""Spoken-form Vietnamese: what a TTS engine (or a reader) should say for a written text.

``sea-g2p``'s normaliser reads numbers, dates, times, units and most symbols well,
but it lowercases everything and spells administrative abbreviations letter by
letter. So we layer domain rules around it:

1. before it: web and e-mail addresses as a listener says them, quotes dropped,
   document numbers (12/KH-UBND, the kind said once), "expansion (ABBR)" read once,
   abbreviations joined by - or / part by part, the abbreviation dictionary
   (UBND → Ủy ban nhân dân …, extendable per campaign), roman numerals in context
   (lần thứ IV → lần thứ tư), phone numbers digit by digit, day ranges, ``7h00``,
   and any other word in capitals that is no Vietnamese syllable spelled with
   Vietnamese letter names;
2. after it: the original case of every word it did not change comes back, its
   ``<en>`` tags go (the engine gets plain text: espeak-ng would read them aloud),
   and a last safety net reads any digit it left.

The rules are in docs/radio.md ("Spoken form").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

from ..text import PHONE, WORD, is_phone, nfc

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
    "Đ/c": "đồng chí",
    "đ/c": "đồng chí",
    "KH": "Kế hoạch",
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "NĐ": "Nghị định",
    "TU": "Tỉnh ủy",
    "HU": "Huyện ủy",
    "ĐU": "Đảng ủy",
    "TTg": "Thủ tướng Chính phủ",
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
    "VH-TT-DL": "Văn hóa, Thể thao và Du lịch",
    "CCCD": "căn cước công dân",
    "SĐT": "số điện thoại",
    "PCCC": "phòng cháy, chữa cháy",
    "CNCH": "cứu nạn, cứu hộ",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "ATGT": "an toàn giao thông",
    "ATTP": "an toàn thực phẩm",
    "TNGT": "tai nạn giao thông",
    "CSGT": "cảnh sát giao thông",
    "CAND": "Công an nhân dân",
    "QĐND": "Quân đội nhân dân",
    "ĐBQH": "đại biểu Quốc hội",
    "CLB": "câu lạc bộ",
    "CNTT": "công nghệ thông tin",
    "CĐS": "chuyển đổi số",
    "DVC": "dịch vụ công",
    "TTHC": "thủ tục hành chính",
    "CSDL": "cơ sở dữ liệu",
    "ĐVHC": "đơn vị hành chính",
    "KCN": "khu công nghiệp",
    "HLHPN": "Hội Liên hiệp Phụ nữ",
    "LHPN": "Liên hiệp Phụ nữ",
    "ĐTN": "Đoàn Thanh niên",
    "TNCS": "Thanh niên Cộng sản",
    "HCM": "Hồ Chí Minh",
    "HCCB": "Hội Cựu chiến binh",
    "CCB": "cựu chiến binh",
    "HND": "Hội Nông dân",
    "UBKT": "Ủy ban Kiểm tra",
    "BDV": "Ban Dân vận",
    "VPTU": "Văn phòng Tỉnh ủy",
    "TCCSĐ": "tổ chức cơ sở đảng",
    "SNV": "Sở Nội vụ",
    "BYT": "Bộ Y tế",
    "BCA": "Bộ Công an",
    "BQP": "Bộ Quốc phòng",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội",
    "VPCP": "Văn phòng Chính phủ",
    # disaster prevention and warnings (bulletins of the storm season)
    "BCH PCTT&TKCN": "Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn",
    "BCH PCTT": "Ban Chỉ huy phòng, chống thiên tai",
    "BCH PTDS": "Ban Chỉ huy phòng thủ dân sự",
    "BCHQS": "Ban Chỉ huy quân sự",
    "PCTT&TKCN": "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "PCTT": "phòng, chống thiên tai",
    "TKCN": "tìm kiếm cứu nạn",
    "PTDS": "phòng thủ dân sự",
    "CHCN": "cứu hộ, cứu nạn",
    "KTTV": "khí tượng thủy văn",
    "ATNĐ": "áp thấp nhiệt đới",
    # said as words, the way Vietnamese listeners know them
    "ASEAN": "A xê an",
    "COVID": "Cô vít",
    "OCOP": "Ô cốp",
    "AIDS": "ết",
    "VNeID": "vê en e ai đi",
}

#: The kind of document, first code of a document number's symbol (05-CT/TW, 45/TB-UBND,
#: 123/2020/NĐ-CP). Read only inside a document number ("HD" alone is a video format).
DOCUMENT_TYPES: dict[str, str] = {
    "KH": "Kế hoạch",
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "NĐ": "Nghị định",
    "CT": "Chỉ thị",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "TT": "Thông tư",
    "BC": "Báo cáo",
    "KL": "Kết luận",
    "TTr": "Tờ trình",
    "CTr": "Chương trình",
    "QC": "Quy chế",
    "QyĐ": "Quy định",
    "ĐA": "Đề án",
    "PA": "Phương án",
    "BB": "Biên bản",
    "GM": "Giấy mời",
    "TTLT": "Thông tư liên tịch",
    "NQLT": "Nghị quyết liên tịch",
}

#: Issuers read in full only inside a document number ("CP" alone is also "cổ phần").
DOCUMENT_ISSUERS: dict[str, str] = {
    "CP": "Chính phủ",
    "QH": "Quốc hội",
    "VP": "Văn phòng",
    "BTC": "Bộ Tài chính",
}

#: Letter names for an all-capitals word the dictionary does not know (spelled, never in English).
LETTER_NAMES: dict[str, str] = dict(zip(
    "AĂÂBCDĐEÊFGHIJKLMNOÔƠPQRSTUƯVWXYZ",
    ["a", "á", "ớ", "bê", "xê", "dê", "đê", "e", "ê", "ép", "gờ", "hát", "i", "gi", "ca", "lờ", "mờ", "nờ", "o",
     "ô", "ơ", "pê", "quy", "rờ", "ét", "tê", "u", "ư", "vê", "vê kép", "ích", "i", "dét"]))

#: How the parts of a web address are said; other parts are read as written, split into syllables.
ADDRESS_WORDS = {"vn": "vê nờ", "gov": "gov", "com": "com", "org": "o rờ gờ", "net": "nét", "edu": "e đu",
                 "int": "in", "info": "in phô"}

_DIGITS = "không một hai ba bốn năm sáu bảy tám chín".split()
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_RE = r"(?:L?X{0,3}|XL|XC)(?:IX|IV|V?I{0,3})"
#: Words after which a roman numeral is certainly a number (Đại hội XIV, lần thứ XV).
_ROMAN_CONTEXT = (r"lần thứ|thứ|[Đđ]ại hội|[Tt]hế kỷ|[Kk]hóa|[Kk]hoá|[Kk]ỳ họp|[Hh]ội nghị|[Pp]hần|[Cc]hương|"
                  r"[Mm]ục|[Qq]uân khu|[Qq]uốc hội|[Kk]hu vực|[Vv]ùng|[Đđ]ợt|[Ll]oại|[Hh]ạng|[Cc]ấp")
_ORDINAL = {1: "nhất", 4: "tư"}

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


def short_number(digits: str) -> str:
    """A short number to call, digit by digit; 115 is "một một lăm", as everyone says it."""
    return "một một lăm" if digits == "115" else read_digits(digits)


def _phone(match: re.Match) -> str:
    if not is_phone(match.group(0)):
        return match.group(0)
    groups = [g for g in re.split(r"[ .\-]", match.group(0)) if g]
    return ", ".join(read_digits(g.replace("+84", "")) if not g.startswith("+") else "cộng tám tư " + read_digits(g[3:])
                     for g in groups)


def _doc_number(match: re.Match, abbreviations: dict[str, str]) -> str:
    """A document number as an announcer reads it: ``Kế hoạch số 01-KH/UBND`` → ``Kế hoạch số 1 của Ủy ban
    nhân dân``. The kind (KH) is said once: before the number, unless the text just named it; the issuer
    after "của", unless the text names it right after (``… ngày 19/8/2024 của Tiểu ban …``). Further codes
    are the issuer's departments, not read, except in a joint document (TTLT-BYT-BTC: both ministries)."""
    so, number, year, code = match.group(1), match.group(2), match.group(3), match.group(4)
    parts = re.split(r"[-/]", code)
    kind = DOCUMENT_TYPES.get(parts[0])
    issuers = parts[1:] if kind else parts
    if not (kind and kind.endswith("liên tịch")):
        issuers = issuers[:1]
    before, after = match.string[:match.start()], match.string[match.end():]
    said = f"{int(number)}" + (f" năm {year}" if year else "")
    named = rf"(?:{re.escape(kind or '')}|{re.escape(parts[0])})(?:\s+\w+){{0,2}}\s*$"  # "Thông báo kết luận số"
    if kind and not re.search(named, before, re.IGNORECASE):
        said = f"{kind} số {said}" if so else f"{kind} {said}"
    elif so:
        said = f"{so} {said}"
    issuers = [p for p in issuers if _issuer(p, abbreviations)]
    if issuers and not re.match(r"\s*,?\s*(?:ngày\s+\d{1,2}[/-]\d{1,2}[/-]\d{2,4}\s*,?\s*)?của\b", after):
        said += " của " + " và ".join(_issuer(p, abbreviations) for p in issuers)
    return said


def _issuer(code: str, abbreviations: dict[str, str]) -> str:
    """``UBND`` → ``Ủy ban nhân dân``; ``QH14`` → ``Quốc hội khóa 14``; an unknown code → "" (not read: a
    spelled filing code like TBĐCTTT helps no listener; the text names the issuer, or the campaign adds it)."""
    letters, digits = re.fullmatch(r"(\D+)(\d*)", code).groups()
    name = abbreviations.get(letters) or DOCUMENT_ISSUERS.get(letters) or ""
    return f"{name} khóa {digits}" if name and digits else name


def spell(word: str) -> str:
    """Letter by letter with Vietnamese letter names: ``TNCS`` → ``tê nờ xê ét``, ``QR`` → ``quy rờ``."""
    return " ".join(LETTER_NAMES.get(c, c.lower()) for c in word.upper() if c.isalnum())


_TONES = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
                       r"[aăâeêioôơuưy]{1,3}(?:ch|ng|nh|[cmnpt])?")


def _toneless(word: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", word.lower()).translate(_TONES))


def is_syllable(word: str) -> bool:
    """A Vietnamese syllable (ĐÍCH, HỘI): a word in capitals that is read, not spelled."""
    return bool(_SYLLABLE.fullmatch(_toneless(word)))


@lru_cache(maxsize=1024)
def syllables(label: str) -> tuple[str, ...] | None:
    """``dichvucong`` → ``("dich", "vu", "cong")``, or None if it is not Vietnamese. Of the ways to cut
    it, the one with the fewest syllables starting with a vowel ("vuc ong" loses to "vu cong"), then with the
    longest onsets ("baoc hinh" loses to "bao chinh")."""
    if not label:
        return ()
    best = None
    for end in range(min(len(label), 7), 0, -1):
        if _SYLLABLE.fullmatch(label[:end]) and (rest := syllables(label[end:])) is not None:
            cut = (label[:end], *rest)
            if best is None or _cut_cost(cut) < _cut_cost(best):
                best = cut
    return best


def _cut_cost(cut: tuple[str, ...]) -> tuple[int, int]:
    onsets = [re.match(r"[^aăâeêioôơuưy]*", w).end() for w in cut]
    return sum(n == 0 for n in onsets), -sum(onsets)


def is_name(word: str) -> bool:
    """A word in capitals that is said, not spelled: four Latin letters or more, two vowels or more, never three
    consonants in a row and at most one at the end (YAGI, NORU, WIPHA, NATO, UNICEF), where initials are
    consonants (BIDV, TNHH) or end on two (OECD). Dictionary entries are never asked: they are read in full."""
    vowels = "AEIOUY"
    return (len(word) >= 4 and word.isascii() and word.isupper() and sum(c in vowels for c in word) >= 2
            and not re.search(rf"[^{vowels}]{{3}}|[^{vowels}]{{2}}$", word))


def read_name(word: str) -> str:
    """``YAGI`` → ``Ya gi`` (Vietnamese syllables, so the engine says each), ``WIPHA`` → ``Wipha``."""
    cut = syllables(word.lower())
    return " ".join(cut).capitalize() if cut else word.capitalize()


def _address_part(part: str) -> str:
    if part in ADDRESS_WORDS:
        return ADDRESS_WORDS[part]
    if part.isdigit():
        return read_digits(part)
    split = syllables(part.lower())
    if split is not None:
        return " ".join(split)
    return part if re.search(r"[aeiouy]", part.lower()) and len(part) > 3 else spell(part)


def read_address(address: str, abbreviations: dict[str, str]) -> str:
    """A web or e-mail address as a listener would say it: scheme and "www." left out, "." → chấm,
    "/" → gạch chéo, "-" and "_" → a space, "@" → a còng; each part as written, split into syllables
    (``ninhthuan`` → ninh thuan), short ones without a vowel spelled. ``audio.abbreviations`` may give an
    address its own reading."""
    bare = re.sub(r"^(?:https?://)?(?:www\.)?", "", address, flags=re.IGNORECASE).rstrip("/")
    if bare in abbreviations:
        return abbreviations[bare]
    out = []
    for piece in re.split(r"([./@])", bare):
        if piece in {".", "/", "@"}:
            out.append({".": "chấm", "/": "gạch chéo", "@": "a còng"}[piece])
        elif piece:
            out += [_address_part(w) for w in re.split(r"[-_]+", piece) if w]
    return " ".join(out)


#: Words naming a number to call: the short number after them is read digit by digit.
_CALL_WORDS = r"số\s+(?:khẩn cấp|cấp cứu|cứu hộ|cứu nạn|trực ban)|điện thoại|đường dây nóng|hotline|tổng đài"
#: Verbs before a number to call, when nothing counted follows it (a count follows "kêu gọi 500").
_CALL_VERBS = r"(?<!kêu )gọi(?:\s+(?:ngay|đến|tới|vào|cho))*(?:\s+số)?|liên hệ(?:\s+số)?|nhắn tin(?:\s+(?:đến|tới))?"
_NOTHING_COUNTED = r"(?=\s*(?:$|[^\w\s]|(?:hoặc|hay|và|để|khi|ngay|miễn phí|trực|của)\b))"
_CALL_NUMBER = re.compile(rf"\b({_CALL_WORDS})(\s*:?\s*)(\d{{3,6}})(?![\d.,/]?\d|\w)", re.IGNORECASE)
_CALLED_NUMBER = re.compile(rf"\b({_CALL_VERBS})(\s*:?\s*)(\d{{3,6}}){_NOTHING_COUNTED}", re.IGNORECASE)
#: The emergency numbers (111 child protection, 112 rescue, 113 police, 114 fire, 115 ambulance), alone.
_EMERGENCY_NUMBER = re.compile(rf"(?<![\w.,/])(?<!: )11[1-5]{_NOTHING_COUNTED}")

_ADDRESS = re.compile(r"(?<![\w@.])(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)[^\s,;()\"“”]+|"
                      r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:vn|com|net|org|gov|edu|info)(?:/[^\s,;()\"“”]*)?)"
                      r"(?<![.,;:!?])(?![\w@])", re.IGNORECASE)


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


def _initial(word: str) -> str:
    return unicodedata.normalize("NFD", word[0].upper())[0]


def _unknown_capitals(word: str) -> bool:
    """An abbreviation nobody expanded: two capitals or more (or one consonant) and no Vietnamese syllable."""
    if not word.isupper() or word in ABBREVIATIONS:
        return False
    if len(word) == 1:
        return word in LETTER_NAMES and word not in "AĂÂEÊIOÔƠUƯY"
    return not is_syllable(word)


class SpokenForm:
    """A normaliser with a fixed abbreviation dictionary (the builtin one plus a campaign's)."""

    def __init__(self, abbreviations: dict[str, str] | None = None):
        self.abbreviations = {**ABBREVIATIONS, **nfc(abbreviations or {})}
        self._memo: dict[str, str] = {}
        keys = sorted(self.abbreviations, key=len, reverse=True)
        alternatives = "|".join(re.escape(k) for k in keys)
        # An abbreviation ending in "." must not eat a sentence's full stop: "TP." needs a word after it.
        self._abbr = re.compile(rf"(?<![\w&])({alternatives})(?:(?<=\.)(?=\s*\w)|(?<!\.)(?![\w&]))")
        codes = r"[A-ZĐ][A-ZĐa-z&]*\d*(?:-[A-ZĐ][A-ZĐa-z&]*\d*)*"
        self._doc = re.compile(rf"(?:(?<!\w)([Ss]ố)\s*:?\s*)?{_B}(\d+)(?:/(\d{{4}}))?[/-]({codes}(?:/{codes})?){_E}")

    def expand_abbreviations(self, text: str) -> str:
        return self._abbr.sub(lambda m: self.abbreviations[m.group(1)] + (" " if m.group(1).endswith(".") else ""),
                              text)

    def pre(self, text: str) -> str:
        """The domain rules sea-g2p does not know, applied to the written text."""
        text = nfc(text)
        text = _ADDRESS.sub(lambda m: read_address(m.group(), self.abbreviations), text)
        # Quotes are not read (a closing quote after a number was "phẩy phẩy"); an apostrophe inside a word stays.
        text = re.sub(r"[\"“”„‟«»″]|(?<!\w)['‘’]|['‘’](?!\w)", "", text)
        text = text.replace("./.", ".")  # the end mark of an administrative document
        text = self._doc.sub(lambda m: _doc_number(m, self.abbreviations), text)
        # Abbreviations joined by "-" or "/" are read part by part, with a pause where the mark was.
        text = re.sub(r"(?<![\w&])[A-ZĐ][\w&]*(?:[-/][A-ZĐ][\w&]*)+(?![\w&])", self._joined, text)
        text = re.sub(r"\s*\(\s*([^\W\d_][\w&.\-/]*)\s*\)", self._defined_once, text)
        text = self.expand_abbreviations(text)
        # Phone numbers, digit by digit: 0259 3822 123, 0912.345.678, +84 912 345 678, 1900 1234.
        text = PHONE.sub(_phone, text)
        # Short numbers to call, digit by digit ("112" is "một một hai", never "một trăm mười hai"): after a word
        # naming a number to call (số khẩn cấp, đường dây nóng, tổng đài…), after "gọi" or "liên hệ" when nothing
        # counted follows ("gọi 112 ngay", not "kêu gọi 500 hộ"), and the emergency numbers 111–115 standing alone.
        text = _CALL_NUMBER.sub(lambda m: m.group(1) + m.group(2) + short_number(m.group(3)), text)
        text = _CALLED_NUMBER.sub(lambda m: m.group(1) + m.group(2) + short_number(m.group(3)), text)
        text = _EMERGENCY_NUMBER.sub(lambda m: short_number(m.group()), text)
        # Roman numerals: after a context word any valid one; alone only multi-letter ones of I, V, X, L.
        text = re.sub(rf"\b({_ROMAN_CONTEXT})\s+({_ROMAN_RE})(?![\w])",
                      lambda m: f"{m.group(1)} {roman_value(m.group(2))}" if m.group(2) else m.group(0), text)
        text = re.sub(rf"(?<![\w-])({_ROMAN_RE})(?![\w-])",
                      lambda m: str(roman_value(m.group(1))) if len(m.group(1)) >= 2 else m.group(0), text)
        # A section heading: "V. QUY ĐỊNH CHUYỂN TIẾP" → "5. QUY ĐỊNH …".
        text = re.sub(rf"^(\s*)((?=[IVXL]){_ROMAN_RE})\.(?=\s)", lambda m: f"{m.group(1)}{roman_value(m.group(2))}.",
                      text)
        text = re.sub(r"\bthứ\s+([14])\b", lambda m: f"thứ {_ORDINAL[int(m.group(1))]}", text)
        # Whole hours: "7h00" → "7 giờ" (not "bảy giờ không phút").
        text = re.sub(r"\b(\d{1,2})h00\b", r"\1 giờ", text)
        # Counts written with a leading zero: "05 năm" → "5 năm".
        text = re.sub(r"(?<![\w/.,:\-])0(\d)(?=\s+[^\W\d])", r"\1", text)
        # Day ranges: "24-26/9/2025" → "24 đến ngày 26/9/2025".
        text = re.sub(r"(?<![\d/])(\d{1,2})\s*[-–]\s*(\d{1,2}/\d{1,2}(?:/\d{4})?)", r"\1 đến ngày \2", text)
        # A range of numbers: "3-5 m", "200 - 300mm", "1,5-2,5 m" → "3 đến 5 m" (sea-g2p read "3-5 m" as
        # "ba đến năm mờ" and "200 - 300mm" as "hai trăm trừ ba trăm").
        text = re.sub(r"(?<![\w.,/\-])(\d+(?:[.,]\d+)*)\s*[-–]\s*(\d+(?:[.,]\d+)*)(?![\d/]|[.,]\d)", r"\1 đến \2", text)
        # Flood alert levels of a river: "BĐ3" → "báo động 3", "BĐ2-BĐ3" → "báo động 2 đến báo động 3".
        text = re.sub(r"\bBĐ\s?([1-3])\s*[-–]\s*BĐ\s?([1-3])\b", r"báo động \1 đến báo động \2", text)
        text = re.sub(r"\bBĐ\s?([1-3])\b", r"báo động \1", text)
        # Day and month without a year after a date word: "Quốc khánh 2/9" → "2 tháng 9".
        text = re.sub(r"\b(ngày|mồng|mùng|khánh|lễ|từ|đến)\s+(\d{1,2})/(\d{1,2})(?![/\d])", r"\1 \2 tháng \3", text)
        text = re.sub(r"%\s*/\s*năm", " phần trăm mỗi năm", text)
        # What is left in capitals and is no Vietnamese syllable is spelled with Vietnamese letter names.
        # A name in capitals (the typhoon YAGI) is read as a word, in syllables when it cuts into Vietnamese ones.
        text = re.sub(r"(?<![\w&])[^\W\d_]+(?![\w&])", lambda m: (
            (read_name(m.group()) if is_name(m.group()) else spell(m.group())) if _unknown_capitals(m.group())
            else m.group()), text)
        return text

    def _joined(self, match: re.Match) -> str:
        chain = match.group()
        if chain in self.abbreviations or any(sum(c.isupper() for c in p) < 2 for p in re.split(r"[-/]", chain)):
            return chain  # in the dictionary whole, or words (Wi-Fi, Bà Rịa-Vũng Tàu) rather than codes
        return re.sub(r"\s*/\s*", ", ", chain.replace("-", " - "))

    def _defined_once(self, match: re.Match) -> str:
        """``Căn cước công dân (CCCD)`` is read once: the bracket goes when it abbreviates the words before it."""
        abbr = match.group(1)
        if sum(c.isupper() for c in abbr) < 2:
            return match.group(0)
        words = WORD.findall(match.string[:match.start()])
        expansion = WORD.findall(self.abbreviations.get(abbr, ""))
        if expansion and [_key(w) for w in words[-len(expansion):]] == [_key(w) for w in expansion]:
            return ""
        letters = [c for c in abbr.upper() if c.isalpha()]
        for candidate in (words, [w for w in words if w.lower() not in ("và", "của")]):
            tail = candidate[-len(letters):]
            if len(tail) == len(letters) and all(_initial(w) == c for w, c in zip(tail, letters)):
                return ""
        return match.group(0)

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
        # The engine reads plain text: sea-g2p's language tags go (letters inside spelled in Vietnamese).
        spoken = re.sub(r"<en>(.*?)</en>", lambda m: " ".join(
            spell(w) if len(w) == 1 else w for w in m.group(1).split()), spoken)
        spoken = re.sub(r"</?\w*>|[<>]", " ", spoken)
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
