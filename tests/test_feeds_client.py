"""Subscribing like a podcast app (issue 17): no cookie, a private feed address, every enclosure fetched."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from test_web_sample import make_sample_tree

from studio.loader import load_campaign
from studio.publish import PublishError
from studio.publish.publish import publish_phase
from studio.publish.signing import init_keys, load_private
from studio.web import Settings, create_app, tokens_for

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("feeds")
    shutil.copytree(EXAMPLE, tmp / "campaign", ignore=shutil.ignore_patterns(".studio-web", "outputs"))
    campaign = load_campaign(tmp / "campaign")
    out = make_sample_tree(tmp / "out")
    private, public = init_keys(tmp / "keys")
    first = publish_phase(campaign, "dot-1", out, str(tmp / "pub"), load_private(private),
                          base_url="https://cong.example/kho")
    second = publish_phase(campaign, "dot-1", out, str(tmp / "pub"), load_private(private),
                           base_url="https://cong.example/kho")
    return {"campaign": campaign, "root": tmp / "campaign", "pub": tmp / "pub", "public": public,
            "reports": (first[0], second[0]), "private": private, "out": out}


def test_folder_publish_skips_unchanged_files(published):
    first, second = published["reports"]
    assert first.uploaded and not second.uploaded and second.skipped == first.artifacts


def test_file_enclosures_are_refused_without_local_feeds(published, tmp_path):
    with pytest.raises(PublishError, match="file://"):
        publish_phase(published["campaign"], "dot-1", published["out"], str(tmp_path / "pub"),
                      load_private(published["private"]))


def subscribe(client: TestClient, url: str) -> feedparser.FeedParserDict:
    answer = client.get(url)
    assert answer.status_code == 200, answer.text
    return feedparser.parse(answer.content)


def test_a_podcast_app_subscribes_without_a_session(published, tmp_path):
    campaign = published["campaign"]
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0, public_key=published["public"])
    client = TestClient(create_app(campaign, str(published["pub"]), settings))
    _, token = tokens_for(published["root"], settings).issue("phuoc-hoa", "feed", "xã Phước Hòa")
    manifest = json.loads((published["pub"] / campaign.id / "dot-1/manifest.json").read_text())
    by_path = {a["path"]: a["sha256"] for a in manifest["artifacts"]}

    feed = subscribe(client, f"/nguon/{token}/phuoc-hoa/podcast.xml")
    assert not feed.bozo and feed.entries
    for entry in feed.entries:  # every enclosure, no cookie, bytes = the signed manifest's sha256
        [enclosure] = entry.enclosures
        answer = client.get(enclosure.href)
        assert answer.status_code == 200
        path = enclosure.href.split("/tep/", 1)[1]
        assert hashlib.sha256(answer.content).hexdigest() == by_path[path]
        assert len(entry.title) <= 80 and "SHA-256" not in entry.summary and "Nội dung" in entry.summary
        assert entry.published.endswith("+0700")  # Vietnam time, at the broadcast slot
    # Apple's required tags, and the cover's size
    raw = client.get(f"/nguon/{token}/phuoc-hoa/podcast.xml").text
    assert "<itunes:explicit>false</itunes:explicit>" in raw and "<itunes:owner>" in raw
    assert feed.feed.image.href and feed.feed.language == "vi" and feed.feed.tags
    assert any(link.rel == "self" and link.href.endswith(f"/nguon/{token}/phuoc-hoa/podcast.xml")
               for link in feed.feed.links)
    cover = client.get(feed.feed.image.href)
    with Image.open(io.BytesIO(cover.content)) as img:
        assert img.size == (3000, 3000) and img.mode == "RGB" and img.format in ("JPEG", "PNG")
    # the superseded commune's feed points to its successor's, which carries its items
    assert "itunes_new-feed-url" in feed.feed or "<itunes:new-feed-url>" in raw
    assert f"/nguon/{token}/bac-ai-tay-2025/podcast.xml</itunes:new-feed-url>" in raw
    successor = subscribe(client, f"/nguon/{token}/bac-ai-tay-2025/podcast.xml")
    assert {e.enclosures[0].href.split("/tep/")[1] for e in feed.entries} <= \
        {e.enclosures[0].href.split("/tep/")[1] for e in successor.entries}
    # no token, a wrong one, another unit's, a revoked one: nothing
    assert client.get("/nguon/stw_nope/phuoc-hoa/podcast.xml").status_code == 404
    assert client.get(f"/nguon/{token}/vinh-hai/podcast.xml").status_code == 404
    other = feed.entries[0].enclosures[0].href.replace("phuoc-hoa/bulletin", "vinh-hai/bulletin")
    assert client.get(other).status_code == 404
    assert client.post("/dang-nhap", data={"token": token}).status_code in (401, 403)  # no login with it
    record = next(r for r in tokens_for(published["root"], settings).records() if r.role == "feed")
    tokens_for(published["root"], settings).revoke(record.id)
    assert client.get(f"/nguon/{token}/phuoc-hoa/podcast.xml").status_code == 404


def test_published_feed_has_apple_tags(published):
    raw = (published["pub"] / published["campaign"].id / "don-vi/phuoc-hoa/podcast.xml").read_text()
    feed = feedparser.parse(raw)
    assert not feed.bozo
    assert feed.feed.image.href.startswith("https://cong.example/kho/don-vi/phuoc-hoa/cover-")
    assert "https://cong.example/kho/don-vi/bac-ai-tay-2025/podcast.xml</itunes:new-feed-url>" in raw
    assert all(e.enclosures[0].href.startswith("https://cong.example/kho/dot-1/") for e in feed.entries)


def test_id3_is_v23_with_vietnamese_priority(tmp_path):
    from mutagen.id3 import ID3
    from test_web_sample import make_mp3

    from studio.radio.audio import Tags, write_tags

    mp3 = make_mp3(tmp_path / "a.mp3", 1.0)
    write_tags(mp3, Tags("Bản tin chiều 26/09/2025", "Đài truyền thanh xã Phước Hòa", "Phước Hòa", "Đợt 1",
                         "2025-09-26", "emergency"))
    tags = ID3(mp3)
    assert tags.version[:2] == (2, 3)
    assert str(tags["COMM::vie"]) == "Mức ưu tiên: khẩn cấp" and "emergency" not in str(tags["COMM::vie"])
