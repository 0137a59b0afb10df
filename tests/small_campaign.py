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


QR_URL = "https://dichvucong.ninhthuan.gov.vn/gop-y-du-thao"


def media_campaign(root: Path, brief_id: str = "dot1-y-nghia-thanh-tuu", **changes) -> Path:
    """The small campaign with a non-square transparent logo (300×200 RGBA: a red disc and a
    blue bar on nothing, so its corners are see-through), and one brief with a picture (640×400)
    and a QR address, on every format of the example brief and the portrait pa nô."""
    from PIL import Image, ImageDraw

    brief = example_brief(brief_id, images=[{"path": "images/dap-nuoc.png", "alt": "Đập hồ chứa nước Sông Sắt"}],
                          qr=QR_URL, **{"timeline": "phases", **changes})  # timeline: for the timeline template
    brief["formats"] = [*brief.get("formats", []), "pano-1200x2400"]  # the portrait pa nô too
    small_campaign(root, [brief])
    logo = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(logo)
    draw.ellipse((50, 0, 250, 200), fill=(0, 160, 80, 255))  # a circle: stretched, it would be an oval
    draw.rectangle((0, 90, 300, 110), fill=(20, 60, 160, 255))
    (root / "images").mkdir()
    logo.save(root / "images" / "logo.png")
    photo = Image.new("RGB", (640, 400), (40, 110, 170))
    ImageDraw.Draw(photo).rectangle((0, 260, 640, 400), fill=(70, 150, 60))
    ImageDraw.Draw(photo).ellipse((440, 40, 560, 160), fill=(250, 210, 40))
    photo.save(root / "images" / "dap-nuoc.png")
    doc = yaml.safe_load((root / "campaign.yaml").read_text(encoding="utf-8"))
    doc["brand"]["logo"] = "images/logo.png"
    (root / "campaign.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root
