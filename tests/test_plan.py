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
    assert per[("dot-2-2", "bulletin-daily")] == 24 * 3
    days = sorted({j.day for j in jobs if j.format == "bulletin-daily"})
    assert days == ["2025-09-24", "2025-09-25", "2025-09-26"]


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
    bulletins = [j for j in jobs if Selection(kinds={"bulletin"}, units={"xa-phuoc-binh"}).matches(j)]
    assert [j.id for j in bulletins] == ["dot-1/truyen-thanh-co-so/xa-phuoc-binh/bulletin"]
    videos = [j for j in jobs if Selection(formats={"video-9x16", "video-1x1"}).matches(j)]
    assert [(j.brief, j.format) for j in videos] == [("dot1-y-nghia-thanh-tuu", "video-9x16")]
    assert Selection(briefs=["a"]) == Selection(briefs=("a",)) and hash(Selection(briefs=["a"]))
