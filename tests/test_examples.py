"""Every example campaign in the repo loads strictly and passes the build's dry run, and the
storm and flood example keeps the shape the tests of other subsystems rely on."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import EXAMPLES, ROOT
from PIL import Image

from studio.check import dry_run
from studio.loader import load_campaign
from studio.plan import briefs_for, expand

STORM = ROOT / "examples" / "ha-tinh-thien-tai-2026"


def test_both_examples_are_found():
    assert {p.name for p in EXAMPLES} >= {"ninh-thuan-2025", STORM.name}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads_and_passes_the_dry_run(path):
    campaign = load_campaign(path)
    assert campaign.briefs and expand(campaign)
    notes: list = []
    assert dry_run(campaign, notes=notes) == []
    assert not [n for n in notes if "bố cục" in n.message]  # nothing it lays out collides (studio.visual.collide)


@pytest.fixture(scope="module")
def storm():
    return load_campaign(STORM)


def test_storm_example_has_no_district_level(storm):
    tree = storm.unit_tree()
    levels = {u.level for u in tree}
    assert levels == {"province", "commune"}
    assert all(u.parent == tree.root.id for u in tree if u.level == "commune")
    # Commune-level channels reach every commune directly, with no district in between.
    communes = {u.id for u in tree if u.level == "commune"}
    pano = {j.unit for j in expand(storm) if j.channel == "pano-xa"}
    assert pano == communes and 5 <= len(communes) <= 7


def test_storm_example_has_a_daily_phase_with_an_emergency_window(storm):
    daily = [p for p in storm.all_phases() if p.daily]
    assert len(daily) == 1 and len(daily[0].days()) == 7
    phase = daily[0]
    emergency = [b for b in storm.briefs if b.priority == "emergency"]
    assert len(emergency) == 1
    notice = emergency[0]
    assert notice.phase == phase.id and notice.start == phase.days()[4]  # day 5 of the storm
    assert phase.start < notice.start <= notice.end < phase.end
    one_day = [b for b in storm.briefs if b.phase == phase.id and b.start and b.start == b.end]
    assert [b.start for b in one_day] == [phase.days()[3]] and one_day[0].body.startswith("Hôm nay")


def test_storm_daily_bulletins_follow_the_windows(storm):
    jobs = [j for j in expand(storm) if j.format == "bulletin-daily"]
    commune = jobs[0].unit
    by_day = {j.day: [b.id for b in briefs_for(storm, j)] for j in jobs if j.unit == commune}
    assert sorted(by_day) == [d.isoformat() for d in storm.phase("ung-pho").days()]
    assert by_day["2026-10-08"] == ["tin-bao-hang-ngay", "hop-truc-tuyen-ngay-4"]
    assert by_day["2026-10-09"][0] == "so-tan-khan-cap"  # emergency first
    assert all("so-tan-khan-cap" not in ids for day, ids in by_day.items() if date.fromisoformat(day).day < 9)
    assert all("hop-truc-tuyen-ngay-4" not in ids for day, ids in by_day.items() if day != "2026-10-08")


def test_storm_example_exercises_the_new_fields(storm):
    briefs = {b.id: b for b in storm.briefs}
    assert all(p.public_name for p in storm.phases)
    assert any(b.qr and b.qr.startswith("https://") for b in briefs.values())
    assert any(isinstance(b.timeline, list) and b.timeline for b in briefs.values())
    assert any(s.value != int(s.value) for b in briefs.values() for s in b.stats)  # decimals
    assert any(b.images for b in briefs.values()) and not all(b.approved for b in briefs.values())
    with Image.open(STORM / storm.brand.logo) as logo:
        assert logo.mode == "RGBA" and logo.width != logo.height
