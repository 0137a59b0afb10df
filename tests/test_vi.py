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
    assert vi.time(utc) == "7h05" and vi.date_time(utc) == "7h05 ngày 24/09/2025"
    assert vi.date_time("2025-09-23T23:30:00+00:00") == "6h30 ngày 24/09/2025"  # the day follows the zone
    assert vi.date_time("2025-09-24T06:30") == "6h30 ngày 24/09/2025"  # no zone: already Vietnam time
    assert [vi.time(f"2025-09-24T{t}") for t in ("00:00", "07:00", "17:30", "23:59")] == \
        ["0h00", "7h00", "17h30", "23h59"]


NBSP = "\u00a0"


@pytest.mark.parametrize("value, unit, text", [
    (8.75, "%", "8,75%"), (8.5, "%/năm", "8,5%/năm"), (2.9, " % ", "2,9%"), (0.5, "‰", "0,5‰"),
    (30, "°C", "30°C"),  # these units touch the number
    (312.5, "mm", f"312,5{NBSP}mm"), (1250, "hộ", f"1.250{NBSP}hộ"), (12500, "ý kiến", f"12.500{NBSP}ý kiến"),
    (7, "huyện,  thành phố", f"7{NBSP}huyện, thành phố"),  # one no-break space, then the unit as written
    (78.5, "triệu đồng", f"78,5{NBSP}triệu đồng"), (12, "", "12"), (1234567.891, "m³", f"1.234.567,891{NBSP}m³"),
])
def test_stat(value, unit, text):
    assert vi.stat(value, unit) == text


@pytest.mark.parametrize("value, places", [(12, 0), (12.0, 0), (8.75, 2), (312.5, 1), (0.125, 3), (1e-7, 7)])
def test_decimals_as_written(value, places):
    assert vi.decimals(value) == places


@pytest.mark.parametrize("start, end, text", [
    ("2025-12-10", "2026-03-08", "10/12/2025 – 08/03/2026"),  # across a year: the year on both sides
    ("2025-12-31", "2026-01-01", "31/12/2025 – 01/01/2026"),
    ("2025-08-01", "2025-09-26", "01/08 – 26/09/2025"),  # within a year
    ("2025-09-24", "2025-09-26", "24 – 26/09/2025"),  # within a month
    ("2025-09-24", "2025-09-24", "24/09/2025"),  # one day
    (date(2025, 1, 1), date(2025, 7, 31), "01/01 – 31/07/2025"),
])
def test_date_range(start, end, text):
    assert vi.date_range(start, end) == text


@pytest.mark.parametrize("text, capitals", [
    ("Bỏ phiếu từ 7h00 đến 17h30", "BỎ PHIẾU TỪ 7h00 ĐẾN 17h30"),
    ("Khai mạc lúc 7h, bế mạc (19h00).", "KHAI MẠC LÚC 7h, BẾ MẠC (19h00)."),
    ("Lượng mưa 312,5 mm, gió 60km/h", "LƯỢNG MƯA 312,5 mm, GIÓ 60km/h"),
    (f"Mưa 312,5{NBSP}mm trên 20 m² và 1.200 ha", f"MƯA 312,5{NBSP}mm TRÊN 20 m² VÀ 1.200 ha"),
    ("Tăng 8,75% mỗi năm", "TĂNG 8,75% MỖI NĂM"),
    ("Năm 2025 là năm bản lề; ủy ban nhân dân", "NĂM 2025 LÀ NĂM BẢN LỀ; ỦY BAN NHÂN DÂN"),  # "2025 l…" is no unit
    ("m và km không có số đứng trước", "M VÀ KM KHÔNG CÓ SỐ ĐỨNG TRƯỚC"),
    ("Hạn chót 24h ngày 30/9", "HẠN CHÓT 24h NGÀY 30/9"),
])
def test_upper_keeps_times_and_units(text, capitals):
    assert vi.upper(text) == capitals


def test_durations():
    assert [vi.duration(s) for s in (0, 5, 59.6, 185, 3600)] == ["0:00", "0:05", "1:00", "3:05", "60:00"]
    assert vi.spoken_duration(185) == "3 phút 05 giây" and vi.spoken_duration(42) == "42 giây"


def test_sizes():
    assert vi.size(812) == "812 B"
    assert vi.size(1536) == "1,5 KB"
    assert vi.size(4.5 * 1024 ** 2) == "4,5 MB"
    assert vi.size(3 * 1024 ** 4) == "3.072,0 GB"  # no unit above GB
