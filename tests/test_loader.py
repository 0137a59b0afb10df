import unicodedata

import pytest

from studio.loader import CampaignError, load_campaign

BAD_BRIEF = """\
id: tin-loi
phase: dot-1
title: Tin bài có lỗi
headline: Tiêu đề
stats:
  - label: Tăng trưởng
    value: "12,5%"
    illustrative: true
channels: [mang-xa-hoi]
targets: [xa-khong-co]
start: 2025-09-15
"""


def test_example_campaign_is_valid(example_campaign):
    assert example_campaign.id == "ninh-thuan-2025"
    assert [p.id for p in example_campaign.all_phases()] == ["dot-1", "dot-2", "dot-2-1", "dot-2-2", "dot-3"]
    assert len(example_campaign.briefs) == 9


def test_three_errors_with_file_and_line_in_one_run(campaign_copy):
    (campaign_copy / "briefs" / "tin-loi.yaml").write_text(BAD_BRIEF, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        'briefs/tin-loi.yaml:7: stats[0].value: cần một số, nhận được "12,5%" (dùng dấu chấm thập phân, ví dụ 12.5)',
        "briefs/tin-loi.yaml:10: targets[0]: đơn vị 'xa-khong-co' không có trong units.yaml",
        "briefs/tin-loi.yaml:11: start: ngày 2025-09-15 nằm ngoài giai đoạn dot-1 (2025-01-01 – 2025-07-31)",
    ]


def test_invalid_fields_are_not_cross_checked(campaign_copy):
    # A phase of the wrong type is one error; its dates are not also reported against a placeholder phase.
    text = BAD_BRIEF.replace("phase: dot-1", "phase: [dot-1]").replace('"12,5%"', "12.5")
    (campaign_copy / "briefs" / "tin-loi.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    fields = [p.field for p in info.value.problems]
    assert fields == ["phase", "targets[0]"]


def test_type_date_and_unit_errors_reported_together(campaign_copy):
    # Two briefs: one with a wrong type, one with a bad date and an unknown unit.
    (campaign_copy / "briefs" / "a.yaml").write_text(BAD_BRIEF.replace("id: tin-loi", "id: tin-a"), encoding="utf-8")
    other = BAD_BRIEF.replace("id: tin-loi", "id: tin-b").replace('"12,5%"', "12.5")
    (campaign_copy / "briefs" / "b.yaml").write_text(other, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    text = str(info.value)
    assert "briefs/a.yaml:7: stats[0].value" in text
    assert "briefs/b.yaml:10: targets[0]" in text
    assert "briefs/b.yaml:11: start" in text


def test_nfd_input_comes_out_nfc(campaign_copy):
    path = campaign_copy / "briefs" / "dot1-thi-dua.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    campaign = load_campaign(campaign_copy)
    brief = campaign.brief("dot1-thi-dua")
    assert brief.headline == unicodedata.normalize("NFC", brief.headline)
    assert brief.headline == "Thi đua lập thành tích chào mừng đại hội đảng bộ các cấp"


@pytest.mark.parametrize("old,new,expect", [
    ("id: dot1-thi-dua", 'id: "Tin Bài/../x"', "id: mã không hợp lệ"),
    ("template: stat-chart", "template: stat-chart\npriority: urgent", 'priority: giá trị "urgent" không hợp lệ'),
    ("template: stat-chart", "template: stat-chart\ncolour: red", "colour: trường không được hỗ trợ"),
])
def test_field_errors_name_the_field(campaign_copy, old, new, expect):
    path = campaign_copy / "briefs" / "dot1-thi-dua.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    assert any(expect in str(p) and str(p).startswith("briefs/dot1-thi-dua.yaml:") for p in info.value.problems), \
        info.value.problems


def test_phase_dates_checked(campaign_copy):
    path = campaign_copy / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    start: 2025-09-27\n    end: 2025-12-31", "    start: 2025-09-20\n    end: 2025-09-10")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    text = str(info.value)
    assert "phases[2].end: ngày kết thúc 2025-09-10 trước ngày bắt đầu 2025-09-20" in text
    assert "chồng lên dot-2" in text


def test_yaml_syntax_error_names_line(campaign_copy):
    (campaign_copy / "briefs" / "hong.yaml").write_text("id: hong\ntitle: [không đóng\n", encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    assert str(info.value.problems[0]).startswith("briefs/hong.yaml:3: lỗi cú pháp YAML")


def test_real_statistic_needs_a_source(campaign_copy):
    path = campaign_copy / "briefs" / "dot1-thi-dua.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("value: 120, unit: công trình, illustrative: true",
                                                               "value: 120, unit: công trình"), encoding="utf-8")
    with pytest.raises(CampaignError) as info:
        load_campaign(campaign_copy)
    assert "stats[0].source: số liệu thật cần ghi nguồn" in str(info.value)
