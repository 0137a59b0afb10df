"""The national-size campaign generator (benchmarks/gen_campaign.py) makes a campaign that validates."""

from __future__ import annotations

import sys
from collections import Counter

from conftest import ROOT

from studio.check import dry_run
from studio.loader import load_campaign
from studio.plan import expand

sys.path.insert(0, str(ROOT / "benchmarks"))
from gen_campaign import generate  # noqa: E402


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generated_campaign_validates_and_has_the_asked_shape(tmp_path):
    folder = generate(tmp_path / "a", provinces=2, communes=3)
    campaign = load_campaign(folder)
    assert dry_run(campaign) == []
    levels = Counter(u.level for u in campaign.unit_tree())
    assert levels == {"province": 1, "district": 2, "commune": 6}
    assert len(campaign.briefs) == len(list((ROOT / "examples" / "ninh-thuan-2025" / "briefs").glob("*.yaml")))
    bulletins = {j.unit for j in expand(campaign, ["dot-2-1"]) if j.format == "bulletin"}
    assert bulletins == {u.id for u in campaign.unit_tree() if u.level == "commune"}
    assert _files(generate(tmp_path / "b", provinces=2, communes=3)) == _files(folder)  # deterministic


def test_channels_can_be_narrowed_to_the_per_commune_work(tmp_path):
    campaign = load_campaign(generate(tmp_path / "c", provinces=3, communes=2, channels=["truyen-thanh-co-so", "pano"]))
    assert dry_run(campaign, fit=False) == []
    jobs = Counter((j.channel, j.format) for j in expand(campaign, ["dot-2-1"]))
    assert jobs == {("truyen-thanh-co-so", "bulletin"): 6,  # one per commune
                    ("pano", "pano-4000x2000"): 6, ("pano", "pano-1200x2400"): 3}  # per province and brief
