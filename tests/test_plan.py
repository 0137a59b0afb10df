from collections import Counter

from studio.plan import Selection, briefs_for, expand


def test_plan_lists_assets_for_all_phases(example_campaign):
    jobs = expand(example_campaign)
    assert {j.phase for j in jobs} == {"dot-1", "dot-2-1", "dot-2-2", "dot-3"}
    ids = [j.id for j in jobs]
    assert len(ids) == len(set(ids))


def test_bulletins_per_commune_and_daily_during_congress(example_campaign):
    jobs = expand(example_campaign)
    per = Counter((j.phase, j.format) for j in jobs if j.kind == "bulletin")
    assert per[("dot-1", "bulletin")] == 62
    assert per[("dot-2-1", "bulletin")] == 24
    # the congress days lie in Đợt 2's peak: a daily bulletin for each of the station's two broadcast slots
    assert per[("dot-2-2", "bulletin-daily")] == 24 * 3 * 2
    days = sorted({(j.day, j.slot) for j in jobs if j.format == "bulletin-daily"})
    assert days == [(d, s) for d in ("2025-09-24", "2025-09-25", "2025-09-26") for s in ("07:00", "17:30")]
    assert "bulletin-khan" not in {j.format for j in jobs}  # no emergency brief in the example


def test_brief_formats_restrict_channel_formats(example_campaign):
    jobs = expand(example_campaign, ["dot-1"])
    fmts = {j.format for j in jobs if j.brief == "dot1-tinh-cam-ky-vong"}
    assert fmts == {"infographic-1080x1080", "infographic-1080x1350", "infographic-1200x628", "infographic-1080x1920"}


def test_pano_per_district_then_per_new_unit(example_campaign):
    jobs = expand(example_campaign)
    pano1 = [j for j in jobs if j.phase == "dot-1" and j.format == "pano-4000x2000" and j.brief == "dot1-thi-dua"]
    assert len(pano1) == 7
    pano3 = [j for j in jobs if j.phase == "dot-3" and j.format == "pano-4000x2000"]
    assert len(pano3) == 24


def test_phase_selection_includes_subphases(example_campaign):
    jobs = expand(example_campaign, example_campaign.phase_with_children("dot-2"))
    assert {j.phase for j in jobs} == {"dot-2-1", "dot-2-2"}


def test_targets_limit_units(example_campaign):
    brief = example_campaign.brief("dot1-thi-dua")
    targeted = example_campaign.model_copy(update={"briefs": [brief.model_copy(update={"targets": ["bac-ai"]})]})
    jobs = [j for j in expand(targeted, ["dot-1"]) if j.format == "bulletin"]
    assert len(jobs) == 9  # the 9 communes of Bác Ái
    assert [b.id for b in briefs_for(targeted, jobs[0])] == ["dot1-thi-dua"]


def test_selection_narrows_by_brief_unit_format_and_kind(example_campaign):
    jobs = expand(example_campaign, ["dot-1"])
    assert all(Selection().matches(j) for j in jobs)
    panos = [j for j in jobs if Selection(briefs=["dot1-thi-dua"], kinds={"visual"}, units={"bac-ai"}).matches(j)]
    assert {(j.format, j.unit) for j in panos} == {("pano-4000x2000", "bac-ai")}
    bulletins = [j for j in jobs if Selection(kinds={"bulletin"}, units={"phuoc-binh"}).matches(j)]
    assert [j.id for j in bulletins] == ["dot-1/truyen-thanh-co-so/phuoc-binh/bulletin"]
    videos = [j for j in jobs if Selection(formats={"video-9x16", "video-1x1"}).matches(j)]
    assert [(j.brief, j.format) for j in videos] == [("dot1-y-nghia-thanh-tuu", "video-9x16")]
    assert Selection(briefs=["a"]) == Selection(briefs=("a",)) and hash(Selection(briefs=["a"]))


NOTICE = """\
id: thong-bao-khan
phase: dot-2-2
title: Thông báo khẩn về phân luồng giao thông
headline: Phân luồng giao thông quanh hội trường từ ngày 25/9
key_messages: [Người dân đi đường tránh khu vực hội trường từ 6h00 đến 18h00.]
channels: [truyen-thanh-co-so]
formats: [bulletin-daily]
priority: emergency
start: 2025-09-25
end: 2025-09-25
"""
EVENT = """\
id: le-khai-mac
phase: dot-2-2
title: Lễ khai mạc Đại hội
headline: Hôm nay khai mạc Đại hội
channels: [truyen-thanh-co-so]
formats: [bulletin-daily]
start: 2025-09-24
end: 2025-09-24
"""


def test_daily_bulletins_carry_the_briefs_on_air_that_day_most_urgent_first(campaign_copy):
    """A notice for the 25th plays on the 25th only, first; an event of the 24th plays on the 24th only."""
    from studio.loader import load_campaign
    from studio.radio.script import build_script

    (campaign_copy / "briefs" / "thong-bao-khan.yaml").write_text(NOTICE, encoding="utf-8")
    (campaign_copy / "briefs" / "le-khai-mac.yaml").write_text(EVENT, encoding="utf-8")
    campaign = load_campaign(campaign_copy)
    jobs = {j.day: j for j in expand(campaign, ["dot-2-2"])
            if j.format == "bulletin-daily" and j.unit == "bao-an-2025"}
    carried = {day: [b.id for b in briefs_for(campaign, job)] for day, job in jobs.items()}
    assert carried == {"2025-09-24": ["dot22-trong-ngay-dai-hoi", "le-khai-mac"],
                       "2025-09-25": ["thong-bao-khan", "dot22-trong-ngay-dai-hoi"],
                       "2025-09-26": ["dot22-trong-ngay-dai-hoi"]}
    # the script reads them in that order, and the day with the notice is an emergency bulletin
    phase, unit = campaign.phase("dot-2-2"), campaign.unit_tree()["bao-an-2025"]
    script = build_script(campaign, phase, unit, briefs_for(campaign, jobs["2025-09-25"]), "2025-09-25")
    assert [i.brief_id for i in script.items if i.brief_id] == ["thong-bao-khan", "dot22-trong-ngay-dai-hoi"]
    assert script.priority == "emergency"
    quiet = build_script(campaign, phase, unit, briefs_for(campaign, jobs["2025-09-26"]), "2025-09-26")
    assert quiet.priority == "priority" and "thong-bao-khan" not in {i.brief_id for i in quiet.items}


def test_no_daily_bulletin_for_a_day_with_nothing_on_air(campaign_copy):
    from studio.loader import load_campaign

    path = campaign_copy / "briefs" / "dot22-trong-ngay-dai-hoi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "start: 2025-09-25\n", encoding="utf-8")
    campaign = load_campaign(campaign_copy)
    days = {j.day for j in expand(campaign, ["dot-2-2"]) if j.format == "bulletin-daily"}
    assert days == {"2025-09-25", "2025-09-26"}
