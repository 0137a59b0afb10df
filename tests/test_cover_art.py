"""The unit's cover art rides in its bulletins (ID3 APIC), drawn by the one cover function the feeds use,
and a brand change re-renders the bulletins that carry it (issue 17)."""

from __future__ import annotations

import io

import yaml
from mutagen.id3 import ID3, PictureType
from PIL import Image

from studio.build import BuildContext, run_job
from studio.loader import load_campaign
from studio.plan import expand
from studio.publish.cover import APIC_PX, COVER_PX, unit_cover
from studio.radio import BulletinRenderer

UNIT = "phuoc-hau-2025"


def bulletin_job(campaign):
    return next(j for j in expand(campaign, ["dot-3"]) if j.kind == "bulletin" and j.unit == UNIT)


def test_bulletin_carries_the_units_cover_as_front_cover(campaign_copy, tmp_path):
    campaign = load_campaign(campaign_copy)
    ctx = BuildContext(campaign, tmp_path / "out")
    job = bulletin_job(campaign)
    mp3 = ctx.out_root / next(a for a in run_job(job, ctx) if a.path.endswith(".mp3")).path
    tags = ID3(str(mp3))
    assert tags.version[:2] == (2, 3)
    [apic] = tags.getall("APIC")
    assert apic.type == PictureType.COVER_FRONT and apic.mime == "image/jpeg"
    name = campaign.unit_tree()[UNIT].display_name
    assert apic.data == unit_cover(campaign, name, APIC_PX)  # the feed's cover function, scaled down
    with Image.open(io.BytesIO(apic.data)) as small, \
            Image.open(io.BytesIO(unit_cover(campaign, name))) as full:
        assert small.format == "JPEG" and small.size == (APIC_PX, APIC_PX) and small.mode == "RGB"
        assert full.size == (COVER_PX, COVER_PX)
        # the same picture: the feed's 3000 px art scaled to 600 px differs from it only by JPEG noise
        scaled = full.resize(small.size, Image.Resampling.LANCZOS)
        diff = sum(abs(a - b) for a, b in zip(scaled.tobytes(), small.tobytes())) / len(small.tobytes())
        assert diff < 3, diff
    assert len(apic.data) < 80_000  # a thumbnail, not the 3000 px art in every bulletin


def test_a_brand_change_re_renders_the_bulletin(campaign_copy, tmp_path):
    renderer = BulletinRenderer()

    def digest() -> str:
        campaign = load_campaign(campaign_copy)
        return renderer.inputs(bulletin_job(campaign), BuildContext(campaign, tmp_path / "out")).digest()

    def edit(change) -> None:
        path = campaign_copy / "campaign.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data["brand"])
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    first = digest()
    edit(lambda brand: brand["colors"].update(primary="#A50E28"))
    second = digest()
    assert second != first
    logo = campaign_copy / "images" / "logo.png"
    logo.parent.mkdir(exist_ok=True)
    Image.new("RGB", (40, 40), "#FFCD00").save(logo)
    edit(lambda brand: brand.update(logo="images/logo.png"))
    third = digest()
    assert third != second
    Image.new("RGB", (40, 40), "#003399").save(logo)  # same name, other bytes
    fourth = digest()
    assert fourth != third
    edit(lambda brand: brand.update(fonts={**brand.get("fonts", {}), "heading": "NotoSans-Regular"}))
    assert digest() == fourth  # the visuals' fonts are no input of a bulletin
