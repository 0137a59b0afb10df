"""Vietnamese formatting: one module, and the digits the user wrote are kept."""

from datetime import date, datetime, timezone

import pytest

from studio import vi


@pytest.mark.parametrize("value, text", [
    (12500, "12.500"), (12500.0, "12.500"), (1234567, "1.234.567"), (0, "0"), (-1234, "-1.234"),
    (8.5, "8,5"), (8.75, "8,75"),  # never rounded to fewer digits than written
    (1234.5, "1.234,5"), (0.125, "0,125"), (98.6, "98,6"), (1234567.891, "1.234.567,891"),
    (1e-7, "0,0000001"), (1.5e16, "15.000.000.000.000.000"),  # never in exponent form
])
def test_number_as_written(value, text):
    assert vi.number(value) == text


def test_number_with_digits_for_computed_values():
    assert vi.number(2 / 3, 1) == "0,7"
    assert vi.number(1234.5678, 2) == "1.234,57"
    assert vi.number(4, 1) == "4,0"
    assert vi.number(2 / 3) == "0,6666666666666666"  # a computed value needs digits: this is why


def test_dates():
    day = date(2025, 9, 4)
    assert vi.date(day) == "04/09/2025" == vi.date("2025-09-04") == vi.date(datetime(2025, 9, 4, 23, 59))
    assert vi.date("2025-09-04T07:00:00+07:00") == "04/09/2025"
    assert vi.day_month(day) == "04/09"
    assert vi.spoken_date(day) == "4/9/2025" == vi.spoken_date("2025-09-04")


def test_times_are_shown_in_vietnam_time():
    utc = datetime(2025, 9, 24, 0, 5, tzinfo=timezone.utc)
    assert vi.time(utc) == "07:05" and vi.date_time(utc) == "07:05 24/09/2025"
    assert vi.date_time("2025-09-23T23:30:00+00:00") == "06:30 24/09/2025"  # the day follows the zone
    assert vi.date_time("2025-09-24T06:30") == "06:30 24/09/2025"  # no zone: already Vietnam time


def test_durations():
    assert [vi.duration(s) for s in (0, 5, 59.6, 185, 3600)] == ["0:00", "0:05", "1:00", "3:05", "60:00"]
    assert vi.spoken_duration(185) == "3 phút 05 giây" and vi.spoken_duration(42) == "42 giây"


def test_sizes():
    assert vi.size(812) == "812 B"
    assert vi.size(1536) == "1,5 KB"
    assert vi.size(4.5 * 1024 ** 2) == "4,5 MB"
    assert vi.size(3 * 1024 ** 4) == "3.072,0 GB"  # no unit above GB
