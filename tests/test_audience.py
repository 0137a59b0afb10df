"""One audience: the portal, ``studio pull``, the S3 grants and the unit pages agree for every unit.

The example's phases are moved onto the days around each reorganisation (the
2024-11-01 ward mergers, the 2025-07-01 new communes), and for every unit of
the example on each of those days the four consumers must name the same units:
each reads it its own way (the campaign, a manifest's units table after a JSON
round trip, key prefixes and wildcard ARNs, pages built from stored manifests).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from fnmatch import fnmatchcase

import pytest

from studio.publish.access import arn_patterns, grants
from studio.publish.feeds import unit_files
from studio.publish.publish import phase_manifest
from studio.publish.verify import manifest_audience
from studio.web.app import CampaignState

DAYS = {"dot-1": date(2024, 10, 31), "dot-2": date(2024, 11, 1), "dot-2-1": date(2025, 6, 30),
        "dot-2-2": date(2025, 7, 1), "dot-3": date(2025, 8, 1)}

# What an operator sees, written out by hand for the cases the reorganisations make hard.
EXPECTED = [
    # a commune: itself and its district (pa nô); after 2025-07-01 the commune that replaced it
    ("phuoc-hoa", "dot-1", {"phuoc-hoa", "bac-ai"}),
    ("phuoc-hoa", "dot-2-2", {"bac-ai-tay-2025"}),
    # a ward absorbed on 2024-11-01: itself the day before, the absorbing ward from that day on
    ("thanh-son", "dot-1", {"thanh-son", "phan-rang-thap-cham"}),
    ("thanh-son", "dot-2", {"phu-ha", "phan-rang-thap-cham"}),
    ("thanh-son", "dot-3", {"phan-rang-2025"}),
    # a ward split in 2025: both parts
    ("dong-hai", "dot-3", {"dong-hai-2025", "phuoc-dinh-2025"}),
    # a 2025 commune before it exists: the communes it is formed from, and their districts
    ("my-son-2025", "dot-2-1", {"my-son", "phuoc-trung", "ninh-son", "bac-ai"}),
    ("my-son-2025", "dot-2-2", {"my-son-2025"}),
    # a district: itself and its communes; after 2025-07-01 the communes that replaced it
    ("bac-ai", "dot-2-2", {"bac-ai-tay-2025", "bac-ai-2025", "bac-ai-dong-2025", "my-son-2025"}),
]


@pytest.fixture(scope="module")
def moved(example_campaign):
    """The example campaign with its phases starting on the days around the reorganisations."""
    def move(phase):
        day = DAYS[phase.id]
        return phase.model_copy(update={"start": day, "end": day + timedelta(days=20),
                                        "subphases": [move(p) for p in phase.subphases]})
    campaign = example_campaign.model_copy(update={"phases": [move(p) for p in example_campaign.phases]})
    assert {p.id: p.start for p in campaign.all_phases()} == DAYS
    return campaign


@pytest.fixture(scope="module")
def published(moved):
    """Signed-manifest stand-ins as units read them: one file per channel and unit it is routed to."""
    tree = moved.unit_tree()
    manifests = []
    for phase in moved.all_phases():
        artifacts = [{"path": f"{phase.id}/{c.id}/{u.id}/tep.bin", "unit": u.id, "channel": c.id, "sha256": "0" * 64,
                      "bytes": 1, "media_type": "application/octet-stream"}
                     for c in moved.channels for u in tree.at_level(c.unit_level, phase.start)]
        manifest = phase_manifest(moved, phase.id, artifacts, "approved", "kiem-thu")
        manifests.append(json.loads(json.dumps(manifest)))  # what pull reads: JSON, no campaign
    return manifests


def readable(published, allowed) -> dict[str, set[str]]:
    """Per phase, the units whose published files a key whose grants pass ``allowed(key)`` can read."""
    out: dict[str, set[str]] = {m["phase"]: set() for m in published}
    for m in published:
        out[m["phase"]].update(a["unit"] for a in m["artifacts"] if allowed(f"ninh-thuan-2025/{a['path']}"))
    return out


@pytest.mark.parametrize("phase", DAYS)
def test_portal_pull_grants_and_pages_agree_for_every_unit(moved, published, phase):
    tree = moved.unit_tree()
    portal = CampaignState(moved)
    manifest = next(m for m in published if m["phase"] == phase)
    for unit in tree:
        want = tree.audience(unit.id, DAYS[phase])
        shown = portal.audiences(unit.id)[phase]
        pulled = manifest_audience(manifest, unit.id)
        prefixes = grants(moved, unit.id)  # SeaweedFS: Read:bucket/<prefix>*
        on_seaweed = readable(published, lambda key, prefixes=prefixes: key.startswith(tuple(prefixes)))[phase]
        _, patterns = arn_patterns(moved, unit.id, "b")  # AWS: `*` spans slashes
        on_aws = readable(published, lambda key, patterns=patterns: any(fnmatchcase(key, p) for p in patterns))[phase]
        paged = {a["unit"] for m, a in unit_files(published, unit.id) if m["phase"] == phase}
        assert shown == pulled == on_seaweed == on_aws == paged == want, unit.id
    for unit_id, when, expected in EXPECTED:
        if when == phase:
            assert portal.audiences(unit_id)[phase] == expected, unit_id
