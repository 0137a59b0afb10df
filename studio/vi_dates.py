"""Vietnamese date expressions of administrative plans, read into days.

A plan gives its windows in words: "Từ tháng 1 năm 2025 đến … cuối tháng 7/2025",
"từ nay đến hết năm", "đến trước ngày diễn ra Đại hội". ``parse_span`` reads one
such window into a start and an end ``Bound``: a day when the words give one (with
the rule applied when they are vague: "cuối tháng 7/2025" → 31/7/2025, to be
confirmed), or no day and why (an event the plan does not date, "nay" when the
plan's own date line is blank). Nothing beyond the table below is guessed.

| words | start | end | vague (rule reported) |
|---|---|---|---|
| ngày 15/3/2025, 15/3/2025, ngày 15 tháng 3 năm 2025 | that day | that day | |
| tháng 7/2025, tháng 7 năm 2025, trong tháng 7/2025 | 1/7 | 31/7 | |
| hết tháng 7/2025 | | 31/7 | |
| đầu / giữa / cuối tháng 7/2025 | 1/7, 15/7, 31/7 | same | yes |
| tuần đầu / tuần cuối tháng 7/2025 | 1/7, 25/7 | 7/7, 31/7 | yes |
| quý III/2025, 6 tháng đầu (cuối) năm 2025 | first day | last day | |
| năm 2025; hết năm 2025 | 1/1 | 31/12 | |
| đầu / giữa / cuối năm 2025 | 1/1, 1/7, 31/12 | same | yes |
| trước ngày 30/6/2025 (an end) | | 29/6 | |
| nay, ngày ban hành, ngày ký | the plan's date, when its date line has one | | |
| trước / trong những ngày / sau … <event> | no day: the event's dates are asked for | | |

A month or day without a year takes the year of the window's other end (a start
month after the end month is in the year before), else the plan's year.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

#: How a bound hangs on an event the plan does not date.
BEFORE, OPENING, CLOSING, AFTER = "trước", "khai mạc", "bế mạc", "sau"


@dataclass(frozen=True)
class Bound:
    """One end of a window: a day, or no day and why."""

    day: date | None
    words: str = ""  # the words it was read from
    rule: str = ""  # a vague expression made a day by this rule: the designer confirms it
    event: str = ""  # no day: the event it hangs on ("Đại hội Đảng bộ tỉnh lần thứ XV")
    relation: str = ""  # BEFORE (the day before it opens), OPENING, CLOSING, AFTER (the day after it closes)
    why: str = ""  # no day and no event: what the plan leaves out

    def missing(self) -> str:
        """What the designer must find out, in Vietnamese ("" when there is a day)."""
        if self.day:
            return ""
        if self.event:
            what = {BEFORE: f"ngày liền trước khi {self.event} khai mạc",
                    OPENING: f"ngày khai mạc {self.event}", CLOSING: f"ngày bế mạc {self.event}",
                    AFTER: f"ngày liền sau khi {self.event} bế mạc"}[self.relation]
            return f"{what} (kế hoạch không nêu ngày diễn ra)"
        return self.why or "kế hoạch không nêu ngày"


@dataclass(frozen=True)
class Span:
    """A window of a plan (a phase, its peak): both ends as read."""

    start: Bound
    end: Bound
    words: str


# --- date expressions -----------------------------------------------------------

_YEAR = r"(?:\s*(?:/|-|năm)\s*(?P<{}>\d{{4}}))?"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PATTERNS = [  # tried left to right at each position: the more specific first
    ("dmy_words", r"(?:ngày\s+)?(?P<d1>\d{1,2})\s+tháng\s+(?P<m1>\d{1,2})(?:\s+năm\s+(?P<y1>\d{4}))?"),
    ("dmy", r"(?<![\d/])(?:ngày\s+)?(?P<d2>\d{1,2})\s*[/.]\s*(?P<m2>\d{1,2})(?:\s*[/.]\s*(?P<y2>\d{4}))?(?![\d/])"),
    ("week", r"tuần\s+(?P<wq>đầu|cuối)\s+(?:của\s+)?tháng\s+(?P<m3>\d{1,2})" + _YEAR.format("y3")),
    ("month", r"(?:(?P<mq>đầu|giữa|cuối|hết)\s+)?tháng\s+(?P<m4>\d{1,2})(?!\d)" + _YEAR.format("y4")),
    ("quarter", r"quý\s+(?P<q>iv|iii|ii|i|[1-4])\b" + _YEAR.format("y5")),
    ("half", r"(?:6|sáu)\s+tháng\s+(?P<hq>đầu|cuối)\s+năm(?:\s+(?P<y6>\d{4}))?"),
    ("year", r"(?:(?P<yq>đầu|giữa|cuối|hết)\s+)năm(?:\s+(?P<y7>\d{4}))?|năm\s+(?P<y8>\d{4})"),
]
_DATE = re.compile("|".join(f"(?P<{name}>{regex})" for name, regex in _PATTERNS))
_RELATIVE = re.compile(r"\b(?:nay|ngày\s+ban\s+hành|ngày\s+ký)\b")
_BEFORE = re.compile(r"\btrước(?:\s+ngày)?\s*$")


@dataclass(frozen=True)
class _Period:
    """A date expression before its year is known."""

    kind: str
    year: int | None
    month: int = 0
    day: int = 0
    qualifier: str = ""
    words: str = ""

    def days(self, year: int) -> tuple[date, date, str]:
        """First and last day in ``year``, and the rule when the words are vague."""
        q, m = self.qualifier, self.month
        if self.kind in ("dmy", "dmy_words"):
            day = date(year, m, self.day)
            return day, day, ""
        if self.kind == "week":
            last = calendar.monthrange(year, m)[1]
            first = 1 if q == "đầu" else last - 6
            return (date(year, m, first), date(year, m, first + 6),
                    f"“tuần {q} tháng {m}” là ngày {first} đến {first + 6}/{m}")
        if self.kind == "month":
            last = date(year, m, calendar.monthrange(year, m)[1])
            if q == "hết":
                return last, last, ""
            if q:
                day = {"đầu": date(year, m, 1), "giữa": date(year, m, 15), "cuối": last}[q]
                return day, day, f"“{q} tháng {m}” là ngày {day.day}/{m}"
            return date(year, m, 1), last, ""
        if self.kind == "quarter":
            first = date(year, 3 * self.month - 2, 1)
            return first, date(year, 3 * self.month, calendar.monthrange(year, 3 * self.month)[1]), ""
        if self.kind == "half":
            first_half = q == "đầu"
            return date(year, 1 if first_half else 7, 1), date(year, 6, 30) if first_half else date(year, 12, 31), ""
        if q in ("", "hết"):
            return date(year, 1, 1), date(year, 12, 31), ""
        day = {"đầu": date(year, 1, 1), "giữa": date(year, 7, 1), "cuối": date(year, 12, 31)}[q]
        return day, day, f"“{q} năm” là ngày {day.day}/{day.month}"


def _period(m: re.Match) -> _Period:
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    kind = m.lastgroup or ""
    year = next((int(g[k]) for k in ("y1", "y2", "y3", "y4", "y5", "y6", "y7", "y8") if k in g), None)
    words = m.group(0).strip()
    if kind == "dmy_words":
        return _Period(kind, year, int(g["m1"]), int(g["d1"]), words=words)
    if kind == "dmy":
        return _Period(kind, year, int(g["m2"]), int(g["d2"]), words=words)
    if kind == "week":
        return _Period(kind, year, int(g["m3"]), qualifier=g["wq"], words=words)
    if kind == "month":
        return _Period(kind, year, int(g["m4"]), qualifier=g.get("mq", ""), words=words)
    if kind == "quarter":
        return _Period(kind, year, _ROMAN[g["q"]], words=words)
    if kind == "half":
        return _Period(kind, year, qualifier=g["hq"], words=words)
    return _Period("year", year, qualifier=g.get("yq", ""), words=words)


def _first_period(text: str) -> tuple[_Period, str] | None:
    """The first date expression in ``text`` that is a real date, and the words before it."""
    for m in _DATE.finditer(text):
        period = _period(m)
        if period.kind in ("dmy", "dmy_words") and not (1 <= period.month <= 12 and 1 <= period.day <= 31):
            continue
        if period.kind in ("month", "week") and not 1 <= period.month <= 12:
            continue
        return period, text[:m.start()]
    return None


# --- events ---------------------------------------------------------------------

_EVENT_WORDS = (r"(?:thời\s+điểm\s+|ngày\s+|khi\s+)?(?:diễn\s+ra|tổ\s+chức|tiến\s+hành|khai\s+mạc|bế\s+mạc|"
                r"hoàn\s+thành|kết\s+thúc|kết\s+quả)\s+")
_EVENT_FORMS = [  # (side, regex, relation); the event is the text after the match
    ("end", re.compile(r"^(?:trước\s+(?:ngày\s+|khi\s+)?(?:diễn\s+ra\s+|khai\s+mạc\s+|tổ\s+chức\s+)?)"), BEFORE),
    ("start", re.compile(r"^sau\s+(?:khi\s+)?(?:" + _EVENT_WORDS + r")?"), AFTER),
    ("start", re.compile(r"^(?:khi\s+|ngày\s+)?(?:diễn\s+ra|khai\s+mạc|tổ\s+chức)\s+"), OPENING),
    ("end", re.compile(r"^" + _EVENT_WORDS), CLOSING),
    ("end", re.compile(r"^(?:khi\s+)?"), CLOSING),
]


def _event(text: str, side: str) -> tuple[str, str] | None:
    """``(event, relation)`` when ``text`` names an event (a capitalised name: "Đại hội …")."""
    for form_side, regex, relation in _EVENT_FORMS:
        if form_side != side:
            continue
        m = regex.match(text.lower())
        if m is None:
            continue
        event = re.split(r"[,;.(]", text[m.end():])[0].strip()
        if event[:1].isupper():
            return event, relation
    return None


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip(" .;:,")


def _side(text: str, side: str, issued: date | None) -> tuple[_Period | None, Bound | None]:
    """One end's words: a date expression (its year maybe unknown yet), or a Bound with no day."""
    text = _clean(text)
    found = _first_period(text.lower())
    if found:
        period, before = found
        if side == "end" and _BEFORE.search(before):
            return _Period(period.kind, period.year, period.month, period.day, "trước:" + period.qualifier,
                           period.words), None
        return period, None
    relative = _RELATIVE.search(text.lower())
    if relative:
        if issued:
            return None, Bound(issued, text, rule=f"“{relative[0]}” là ngày ghi trên kế hoạch")
        return None, Bound(None, text, why=f"“{relative[0]}” là ngày ghi trên kế hoạch, mà dòng “…, ngày … tháng … "
                                           "năm …” của kế hoạch để trống")
    event = _event(text, side)
    if event:
        return None, Bound(None, text, event=event[0], relation=event[1])
    return None, Bound(None, text, why=f"không đọc được ngày trong “{text}”" if text else "kế hoạch không nêu")


def _resolve(period: _Period, year: int, side: str) -> Bound:
    if period.qualifier.startswith("trước:"):
        plain = _Period(period.kind, period.year, period.month, period.day, period.qualifier[6:], period.words)
        first, _, rule = plain.days(year)
        return Bound(first - timedelta(days=1), "trước " + period.words, rule)
    first, last, rule = period.days(year)
    return Bound(first if side == "start" else last, period.words, rule)


def _month_of(period: _Period) -> int:
    return period.month if period.kind in ("dmy", "dmy_words", "week", "month") else 0


# --- windows --------------------------------------------------------------------

_FROM_TO = re.compile(r"^(?:kể\s+)?từ\s+(?P<a>.+?)\s+(?:đến|tới)\s+(?P<b>.+)$", re.IGNORECASE)
_TO = re.compile(r"^(?:đến|tới)\s+(?P<b>.+)$", re.IGNORECASE)
_FROM = re.compile(r"^(?:kể\s+)?từ\s+(?P<a>.+)$", re.IGNORECASE)
_DURING = re.compile(r"^(?:trong|suốt)\s+(?:những\s+|các\s+)?(?:ngày\s+)?(?:diễn\s+ra\s+|tổ\s+chức\s+)?(?P<e>.+)$",
                     re.IGNORECASE)
_AFTER_CLAUSE = re.compile(r",\s*(?P<c>sau\s+(?:khi\s+)?.+)$", re.IGNORECASE)
_PEAK = re.compile(r"[;,.]?\s*(?:thời\s+gian\s+)?cao\s+điểm\s*(?:là|:)?\s*", re.IGNORECASE)


def split_peak(text: str) -> tuple[str, str]:
    """``"Từ … đến …; cao điểm từ … đến …"`` → the window's words and the peak's ("" when none)."""
    parts = _PEAK.split(text, maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else "")


def parse_span(text: str, issued: date | None = None) -> Span:
    """Read one window ("Từ tháng 8/2025 đến trước ngày diễn ra Đại hội …") into its two ends.

    ``issued`` is the plan's own date ("Ninh Thuận, ngày 10 tháng 3 năm 2025"), for "nay";
    ``None`` when its date line is blank.
    """
    words = _clean(text)
    main, after = words, None
    clause = _AFTER_CLAUSE.search(words)
    if clause:  # "Từ tháng 9 đến cuối năm 2025, sau Đại hội …": it starts when the event is over
        main, after = words[:clause.start()], _event(clause.group("c"), "start")
    start_words = end_words = None
    if m := _FROM_TO.match(main):
        start_words, end_words = m.group("a"), m.group("b")
    elif m := _TO.match(main):
        end_words = m.group("b")
    elif m := _FROM.match(main):
        start_words = m.group("a")
    else:
        period = _first_period(main.lower())
        during = _DURING.match(main)
        if period is None and during and _event(during.group("e"), "end"):
            event = _event(during.group("e"), "end")[0]
            return Span(Bound(None, main, event=event, relation=OPENING),
                        Bound(None, main, event=event, relation=CLOSING), words)
        start_words = end_words = main  # a lone period: "tháng 9/2025", "quý III/2025", "năm 2025"

    start_p, start_b = _side(start_words, "start", issued) if start_words is not None else \
        (None, Bound(None, "", why="kế hoạch không nêu ngày bắt đầu"))
    end_p, end_b = _side(end_words, "end", issued) if end_words is not None else \
        (None, Bound(None, "", why="kế hoạch không nêu ngày kết thúc"))

    # years: a missing one comes from the other end, else from the plan's date
    if start_p and end_p:
        if start_p.year is None and end_p.year is not None:
            later = _month_of(start_p) and _month_of(end_p) and _month_of(start_p) > _month_of(end_p)
            start_p = _with_year(start_p, end_p.year - 1 if later else end_p.year)
        elif end_p.year is None and start_p.year is not None:
            earlier = _month_of(start_p) and _month_of(end_p) and _month_of(end_p) < _month_of(start_p)
            end_p = _with_year(end_p, start_p.year + 1 if earlier else start_p.year)
    other_year = (start_b.day.year if start_b and start_b.day else None) or \
        (end_b.day.year if end_b and end_b.day else None) or (issued.year if issued else None)
    if start_p:
        start_b = _dated(start_p, other_year, "start")
    if end_p:
        end_b = _dated(end_p, other_year, "end")
    if after:
        start_b = Bound(None, clause.group("c"), event=after[0], relation=AFTER)
    return Span(start_b, end_b, words)


def _with_year(period: _Period, year: int) -> _Period:
    return _Period(period.kind, year, period.month, period.day, period.qualifier, period.words)


def _dated(period: _Period, fallback: int | None, side: str) -> Bound:
    year = period.year or fallback
    if year is None:
        return Bound(None, period.words, why=f"“{period.words}” không nêu năm")
    try:
        return _resolve(period, year, side)
    except ValueError:  # 31/2
        return Bound(None, period.words, why=f"“{period.words}” không phải ngày có thật")


_DATE_LINE = re.compile(r"^(?P<place>[^,]{2,40}),\s*ngày\s*(?P<d>\d{0,2})\s*tháng\s*(?P<m>\d{0,2})\s*"
                        r"năm\s*(?P<y>\d{0,4})", re.IGNORECASE)


def parse_date_line(text: str) -> tuple[str, date | None] | None:
    """``"Ninh Thuận, ngày 10 tháng 3 năm 2025"`` → ``("Ninh Thuận", date(2025, 3, 10))``; the date
    is ``None`` when the line is left blank to be filled at signing; ``None`` for another line."""
    m = _DATE_LINE.match(_clean(text))
    if m is None:
        return None
    try:
        day = date(int(m["y"]), int(m["m"]), int(m["d"])) if m["d"] and m["m"] and m["y"] else None
    except ValueError:
        day = None
    return m["place"].strip(), day
