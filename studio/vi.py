"""Numbers, dates, times, durations and file sizes as Vietnamese readers write them.

One definition for every place that shows one (templates, deck, portal, feeds, CLI):
``1.234,5`` (dot thousands, decimal comma), ``24/09/2025``, ``07:00 24/09/2025``, ``3:05``.
A number the user wrote keeps all its digits (``8.75`` → ``8,75``); only a computed value
(a size, an elapsed time) is given ``digits``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def number(value: float, digits: int | None = None) -> str:
    """``12500`` → ``12.500``; ``8.75`` → ``8,75`` (as written); ``number(2/3, 1)`` → ``0,7``."""
    if digits is not None:
        text = f"{value:,.{digits}f}"
    elif float(value).is_integer():
        text = f"{int(value):,d}"
    else:  # the shortest decimal that is this float, i.e. what the user wrote, never in exponent form
        text = f"{Decimal(repr(float(value))):,f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _day(value: str | dt.date) -> dt.date:
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def date(value: str | dt.date) -> str:
    """``24/09/2025`` (a ``date``, ``datetime`` or ISO text)."""
    return f"{_day(value):%d/%m/%Y}"


def day_month(value: str | dt.date) -> str:
    """``24/09``, for ranges within one year (``24/09 – 26/09/2025``)."""
    return f"{_day(value):%d/%m}"


def spoken_date(value: str | dt.date) -> str:
    """``24/9/2025``: the radio scripts' form, without leading zeros, as it is read aloud."""
    day = _day(value)
    return f"{day.day}/{day.month}/{day.year}"


def _moment(value: str | dt.datetime) -> dt.datetime:
    """A timestamp in Vietnam time; one without a zone already is (as people write them in briefs)."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(VIETNAM) if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


def time(value: str | dt.datetime) -> str:
    """``07:00`` (Vietnam time)."""
    return f"{_moment(value):%H:%M}"


def date_time(value: str | dt.datetime) -> str:
    """``07:00 24/09/2025`` (Vietnam time)."""
    return f"{_moment(value):%H:%M %d/%m/%Y}"


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
