"""Numbers, statistics, dates, times, durations and file sizes as Vietnamese readers write them.

One definition for every place that shows one (templates, deck, radio script, alt text,
video, portal, feeds, ID3, CLI): ``1.234,5`` (dot thousands, decimal comma), ``8,75%``,
``312,5 mm`` (a no-break space), ``24/09/2025``, ``24 – 26/09/2025``, ``7h00``, ``3:05``.
A number the user wrote keeps all its digits (``8.75`` → ``8,75``); only a computed value
(a size, an elapsed time) is given ``digits``. ``upper`` is the capitals of a headline that
keep ``7h00`` and ``312,5 mm`` as written.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from .text import NO_BREAK_SPACE

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
#: Units written against their number (``8,75%``, ``5‰``, ``30°C``); every other unit follows a no-break space.
GLUED_UNITS = ("%", "‰", "°")


def number(value: float, digits: int | None = None) -> str:
    """``12500`` → ``12.500``; ``8.75`` → ``8,75`` (as written); ``number(2/3, 1)`` → ``0,7``."""
    if digits is not None:
        text = f"{value:,.{digits}f}"
    elif float(value).is_integer():
        text = f"{int(value):,d}"
    else:  # the shortest decimal that is this float, i.e. what the user wrote, never in exponent form
        text = f"{Decimal(repr(float(value))):,f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def decimals(value: float) -> int:
    """Digits after the decimal comma as written: ``12`` → 0, ``8.75`` → 2 (for number formats)."""
    if float(value).is_integer():
        return 0
    return max(0, -int(Decimal(repr(float(value))).as_tuple().exponent))


def stat(value: float, unit: str = "") -> str:
    """A statistic as every channel shows it: ``8,75%``, ``8,5%/năm``, ``312,5 mm``, ``1.250 hộ``.

    The number as written (``number``); ``%``, ``‰`` and ``°`` units touch it, any other unit
    follows a no-break space (U+00A0) so no line ever starts with the unit.
    """
    unit = " ".join(unit.split())
    if not unit:
        return number(value)
    return number(value) + (unit if unit.startswith(GLUED_UNITS) else NO_BREAK_SPACE + unit)


def today() -> dt.date:
    """Today's date in Vietnam (the portal's clock: what is on air now)."""
    return dt.datetime.now(VIETNAM).date()


def _day(value: str | dt.date) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def date(value: str | dt.date) -> str:
    """``24/09/2025`` (a ``date``, ``datetime`` or ISO text)."""
    return f"{_day(value):%d/%m/%Y}"


def day_month(value: str | dt.date) -> str:
    """``24/09``, for ranges within one year (``24/09 – 26/09/2025``)."""
    return f"{_day(value):%d/%m}"


def date_range(start: str | dt.date, end: str | dt.date) -> str:
    """A span, with the year on both sides whenever it crosses one: ``10/12/2025 – 08/03/2026``;
    ``01/08 – 26/09/2025`` within a year, ``24 – 26/09/2025`` within a month, ``24/09/2025`` for one day."""
    first, last = _day(start), _day(end)
    if first == last:
        return date(first)
    if first.year != last.year:
        return f"{date(first)} – {date(last)}"
    return f"{first:%d} – {date(last)}" if first.month == last.month else f"{day_month(first)} – {date(last)}"


def spoken_date(value: str | dt.date) -> str:
    """``24/9/2025``: the radio scripts' form, without leading zeros, as it is read aloud."""
    day = _day(value)
    return f"{day.day}/{day.month}/{day.year}"


def _moment(value: str | dt.datetime) -> dt.datetime:
    """A timestamp in Vietnam time; one without a zone already is (as people write them in briefs)."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(VIETNAM) if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


def time(value: str | dt.datetime) -> str:
    """``7h00``, ``17h30`` (Vietnam time), as administrative texts write a time."""
    moment = _moment(value)
    return f"{moment.hour}h{moment.minute:02d}"


def date_time(value: str | dt.datetime) -> str:
    """``7h05 ngày 24/09/2025`` (Vietnam time)."""
    moment = _moment(value)
    return f"{time(moment)} ngày {date(moment)}"


def part_of_day(clock: str | None) -> str:
    """What listeners call a broadcast time ``HH:MM``: ``06:00`` → ``sáng``, ``11:30`` → ``trưa``,
    ``17:00`` → ``chiều``, ``19:00`` → ``tối``; nothing for no time."""
    if not clock:
        return ""
    hour = int(clock[:2])
    return "sáng" if hour < 11 else "trưa" if hour < 13 else "chiều" if hour < 18 else "tối"


def duration(seconds: float) -> str:
    """``185`` → ``3:05`` (minutes:seconds, rounded to the second)."""
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes}:{sec:02d}"


def spoken_duration(seconds: float) -> str:
    """``185`` → ``3 phút 05 giây``; ``42`` → ``42 giây`` (for an announcer's script)."""
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes} phút {sec:02d} giây" if minutes else f"{sec} giây"


def size(n: float) -> str:
    """File size: ``812 B``, ``4,5 MB`` (binary multiples, as file managers show them)."""
    units = ("B", "KB", "MB", "GB")
    step = 0
    while n >= 1024 and step < len(units) - 1:
        n /= 1024
        step += 1
    return f"{n:.0f} B" if step == 0 else f"{number(n, 1)} {units[step]}"


_UNIT = r"(?:km|dm|cm|mm|m|ha|kg|mg|g|ml|l|kWh|kW|MWh|MW|GWh|GW)[²³23]?"
#: What capitals leave as written: a time (``7h00``, ``17h``) and a number's metric unit (``312,5 mm``, ``5km/h``;
#: ``\s`` is also the no-break space).
AS_WRITTEN = re.compile(rf"(?<!\w)(?:\d{{1,2}}h(?:\d{{2}})?|\d[\d.,]*\s?{_UNIT}(?:/(?:{_UNIT}|h|s))*)(?!\w)")


def upper(text: str) -> str:
    """Capitals for a headline or a kicker: ``Bầu cử từ 7h00, mưa 312,5 mm`` → ``BẦU CỬ TỪ 7h00, MƯA 312,5 mm``."""
    out, done = [], 0
    for match in AS_WRITTEN.finditer(text):
        out += [text[done:match.start()].upper(), match.group()]
        done = match.end()
    return "".join(out) + text[done:].upper()
