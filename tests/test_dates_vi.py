"""Vietnamese date expressions of plans (studio.vi_dates): a table of what plans write."""

from datetime import date

import pytest

from studio.vi_dates import AFTER, BEFORE, CLOSING, OPENING, parse_date_line, parse_span, split_peak

D = date
ISSUED = D(2025, 3, 10)  # "Ninh Thuận, ngày 10 tháng 3 năm 2025"

# (words, the plan's date, start, end, start is vague (a rule to confirm), end is vague)
TABLE = [
    ("Từ tháng 1 năm 2025 đến thời điểm hoàn thành đại hội đảng bộ các huyện ủy, thành ủy, đảng ủy trực thuộc, "
     "vào cuối tháng 7/2025.", None, D(2025, 1, 1), D(2025, 7, 31), False, True),
    ("Từ tháng 8/2025 đến tháng 9/2025, thời gian chuẩn bị và tiến hành Đại hội Đảng bộ tỉnh lần thứ XV",
     None, D(2025, 8, 1), D(2025, 9, 30), False, False),
    ("từ đầu tháng 9/2025 đến thời điểm diễn ra Đại hội", None, D(2025, 9, 1), None, True, False),
    ("Từ tháng 9 đến cuối năm 2025, sau Đại hội Đảng bộ tỉnh lần thứ XV.", None, None, D(2025, 12, 31), False, True),
    ("Từ nay đến cuối tháng 7/2025", ISSUED, ISSUED, D(2025, 7, 31), True, True),
    ("Từ nay đến cuối tháng 7/2025", None, None, D(2025, 7, 31), False, True),  # the date line is blank
    ("từ nay đến hết tháng 7/2025", ISSUED, ISSUED, D(2025, 7, 31), True, False),
    ("Từ ngày ban hành Kế hoạch đến hết năm 2025", ISSUED, ISSUED, D(2025, 12, 31), True, False),
    ("từ nay đến hết năm", ISSUED, ISSUED, D(2025, 12, 31), True, False),  # the year of the plan
    ("Từ tháng 8/2025 đến trước ngày diễn ra Đại hội Đảng bộ tỉnh lần thứ XV", None, D(2025, 8, 1), None,
     False, False),
    ("Trong những ngày diễn ra Đại hội Đảng bộ tỉnh lần thứ XV", None, None, None, False, False),
    ("từ ngày 01/8/2025 đến ngày 15/8/2025", None, D(2025, 8, 1), D(2025, 8, 15), False, False),
    ("Từ ngày 1/8 đến ngày 15/8/2025", None, D(2025, 8, 1), D(2025, 8, 15), False, False),
    ("từ ngày 15 tháng 3 năm 2025 đến ngày 30 tháng 4 năm 2025", None, D(2025, 3, 15), D(2025, 4, 30), False, False),
    ("Từ 20/12/2025 đến 10/01/2026", None, D(2025, 12, 20), D(2026, 1, 10), False, False),
    ("Từ tháng 11 đến tháng 2/2026", None, D(2025, 11, 1), D(2026, 2, 28), False, False),
    ("tháng 9/2025", None, D(2025, 9, 1), D(2025, 9, 30), False, False),
    ("Trong tháng 10 năm 2025", None, D(2025, 10, 1), D(2025, 10, 31), False, False),
    ("Quý III/2025", None, D(2025, 7, 1), D(2025, 9, 30), False, False),
    ("quý 4 năm 2026", None, D(2026, 10, 1), D(2026, 12, 31), False, False),
    ("6 tháng đầu năm 2025", None, D(2025, 1, 1), D(2025, 6, 30), False, False),
    ("sáu tháng cuối năm 2025", None, D(2025, 7, 1), D(2025, 12, 31), False, False),
    ("Năm 2026", None, D(2026, 1, 1), D(2026, 12, 31), False, False),
    ("từ đầu năm 2025 đến giữa tháng 6/2025", None, D(2025, 1, 1), D(2025, 6, 15), True, True),
    ("Từ giữa tháng 8/2026 đến hết tháng 9/2026", None, D(2026, 8, 15), D(2026, 9, 30), True, False),
    ("tuần đầu tháng 10/2025", None, D(2025, 10, 1), D(2025, 10, 7), True, True),
    ("tuần cuối tháng 2/2024", None, D(2024, 2, 23), D(2024, 2, 29), True, True),  # a leap year
    ("Từ ngày 01/6/2026 đến trước ngày 15/8/2026", None, D(2026, 6, 1), D(2026, 8, 14), False, False),
    ("Từ ngày 15/8/2026 đến hết ngày 30/9/2026", None, D(2026, 8, 15), D(2026, 9, 30), False, False),
    ("Kể từ ngày ký đến ngày 31/12/2025", ISSUED, ISSUED, D(2025, 12, 31), True, False),
    ("đến trước ngày 30/6/2025", None, None, D(2025, 6, 29), False, False),
    ("Từ tháng 3/2025", None, D(2025, 3, 1), None, False, False),
    ("Từ ngày 30/2/2025 đến tháng 4/2025", None, None, D(2025, 4, 30), False, False),  # no 30 February
]


@pytest.mark.parametrize("words, issued, start, end, start_vague, end_vague", TABLE,
                         ids=[f"{i}:{row[0][:40]}" for i, row in enumerate(TABLE)])
def test_window(words, issued, start, end, start_vague, end_vague):
    span = parse_span(words, issued)
    assert (span.start.day, span.end.day) == (start, end)
    assert (bool(span.start.rule), bool(span.end.rule)) == (start_vague, end_vague)
    for bound in (span.start, span.end):  # a day, or why not: never both, never neither
        assert (bound.day is None) == bool(bound.missing())


def test_table_is_large_enough():
    assert len(TABLE) >= 25


@pytest.mark.parametrize("words, relations", [
    ("Từ tháng 8/2025 đến trước ngày diễn ra Đại hội Đảng bộ tỉnh lần thứ XV", ("", BEFORE)),
    ("Trong những ngày diễn ra Đại hội Đảng bộ tỉnh lần thứ XV", (OPENING, CLOSING)),
    ("Từ tháng 9 đến cuối năm 2025, sau Đại hội Đảng bộ tỉnh lần thứ XV", (AFTER, "")),
    ("từ đầu tháng 9/2025 đến thời điểm diễn ra Đại hội", ("", CLOSING)),
    ("Từ ngày khai mạc Hội nghị Trung ương đến hết năm 2025", (OPENING, "")),
])
def test_an_undated_event_is_named_with_how_the_bound_hangs_on_it(words, relations):
    span = parse_span(words)
    assert (span.start.relation, span.end.relation) == relations
    for bound in (span.start, span.end):
        if bound.relation:
            assert bound.day is None and bound.event[:1].isupper() and bound.event in bound.missing()


def test_the_reasons_given_for_a_missing_day():
    blank = parse_span("Từ nay đến cuối tháng 7/2025", None).start
    assert "để trống" in blank.missing()
    assert "không nêu năm" in parse_span("từ tháng 3 đến tháng 5").start.missing()
    assert "không phải ngày có thật" in parse_span("Từ ngày 30/2/2025 đến tháng 4/2025").start.missing()
    vague = parse_span("Từ tháng 1 năm 2025 đến cuối tháng 7/2025").end
    assert vague.rule == "“cuối tháng 7” là ngày 31/7" and vague.words == "cuối tháng 7/2025"


def test_peak_is_split_off():
    main, peak = split_peak("Từ tháng 8/2025 đến tháng 9/2025; cao điểm từ đầu tháng 9/2025 đến thời điểm diễn ra "
                            "Đại hội.")
    assert main == "Từ tháng 8/2025 đến tháng 9/2025" and peak.startswith("từ đầu tháng 9/2025")
    assert split_peak("Quý IV/2026.") == ("Quý IV/2026.", "")


def test_date_line():
    assert parse_date_line("Ninh Thuận, ngày 10 tháng 3 năm 2025") == ("Ninh Thuận", D(2025, 3, 10))
    assert parse_date_line("Ninh Thuận, ngày      tháng     năm ") == ("Ninh Thuận", None)  # left for the signing
    assert parse_date_line("Hà Tĩnh, ngày 31 tháng 2 năm 2026") == ("Hà Tĩnh", None)
    assert parse_date_line("Thực hiện Kế hoạch số 01-KH/TBPV ngày 19/8/2024") is None
