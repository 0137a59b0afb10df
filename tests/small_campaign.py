"""A small copy of the example campaign for tests that build for real: huyện Bác Ái with two
communes, and only the briefs a test writes (taken from the example's, with changes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ninh-thuan-2025"
UNITS = [
    {"id": "ninh-thuan", "name": "Tỉnh Ninh Thuận", "level": "province", "code": "58"},
    {"id": "bac-ai", "name": "Huyện Bác Ái", "level": "district", "type": "huyện", "code": "584",
     "parent": "ninh-thuan"},
    {"id": "phuoc-binh", "name": "Phước Bình", "level": "commune", "type": "xã", "code": "22738",
     "parent": "bac-ai"},
    {"id": "phuoc-hoa", "name": "Phước Hòa", "level": "commune", "type": "xã", "code": "22741",
     "parent": "bac-ai"},
]


def example_brief(brief_id: str, **changes) -> dict:
    """One of the example's briefs as data, with ``changes`` applied."""
    data = yaml.safe_load((EXAMPLE / "briefs" / f"{brief_id}.yaml").read_text(encoding="utf-8"))
    return {**data, **changes}


def small_campaign(root: Path, briefs: list[dict]) -> Path:
    """The example's campaign.yaml, the units above and exactly ``briefs``, in ``root``."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("data", "briefs"))
    (root / "briefs").mkdir()
    (root / "units.yaml").write_text(yaml.safe_dump(UNITS, allow_unicode=True), encoding="utf-8")
    for brief in briefs:
        (root / "briefs" / f"{brief['id']}.yaml").write_text(
            yaml.safe_dump(brief, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root
