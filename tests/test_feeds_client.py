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


def operator_client(published, settings, unit: str = "phuoc-hoa") -> TestClient:
    from web_login import sign_in

    client = TestClient(create_app(published["campaign"], str(published["pub"]), settings))
    _, token = tokens_for(published["root"], settings).issue(unit, "operator", unit)
    assert sign_in(client, token).status_code == 200
    return client


def links(page: str) -> dict[str, set[str]]:
    """Accessible name (aria-label, else text) → the addresses links with that name lead to."""
    import re

    out: dict[str, set[str]] = {}
    for attrs, text in re.findall(r"<a\b([^>]*)>(.*?)</a>", page, re.S):
        href = re.search(r'href="([^"]*)"', attrs).group(1)
        label = re.search(r'aria-label="([^"]*)"', attrs)
        out.setdefault(" ".join((label.group(1) if label else re.sub(r"<[^>]+>", "", text)).split()), set()).add(href)
    return out


def test_operator_gets_a_private_feed_address_on_the_unit_page(published, tmp_path):
    from web_login import sign_in

    from studio.web.approve import read_audit

    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0, public_key=published["public"])
    client = operator_client(published, settings)
    page = client.get("/don-vi/phuoc-hoa").text
    assert "Nhận bản tin bằng ứng dụng podcast" in page and "Tạo địa chỉ nhận tin" in page
    assert "/nguon/stw_" not in page  # no address until one is made, and a made one is never shown again
    # every link says what it is: no two links with one name lead to different places
    assert all(len(hrefs) == 1 for hrefs in links(page).values()), links(page)
    assert "để tự động nhận bản tin mới" not in page  # the cookie-only feed link no longer promises that
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/don-vi/phuoc-hoa/dia-chi-nhan-tin", data={"csrf": "sai"}).status_code == 403
    assert client.post("/don-vi/phuoc-hoa/dia-chi-nhan-tin").status_code == 403  # no CSRF field
    made = client.post("/don-vi/phuoc-hoa/dia-chi-nhan-tin", data={"csrf": csrf})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    address = made.text.split('id="dia-chi" class="address" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert address.startswith("http://testserver/nguon/stw_") and address.endswith("/phuoc-hoa/podcast.xml")
    assert "Dán địa chỉ" in made.text or "dán địa chỉ trên" in made.text
    # a podcast app, no cookie: the feed and every enclosure
    app = TestClient(client.app)
    feed = subscribe(app, address)
    assert feed.entries and not feed.bozo
    for entry in feed.entries:
        assert app.get(entry.enclosures[0].href).status_code == 200
    # issued through the audited path, like `studio web token --unit X --feed`
    [record] = [r for r in tokens_for(published["root"], settings).records() if r.role == "feed"]
    assert record.unit == "phuoc-hoa"
    entry = next(e for e in read_audit(settings.audit_file) if e.get("action") == "issue")
    assert (entry["issued"], entry["issued_role"], entry["unit"], entry["by"]) == (record.id, "feed", "phuoc-hoa",
                                                                                   "phuoc-hoa")
    again = client.get("/don-vi/phuoc-hoa").text
    assert address not in again and "Đơn vị đã có 1 địa chỉ nhận tin" in again
    # another commune's operator may not make one for this commune, nor see its page
    neighbour = operator_client(published, settings, "vinh-hai")
    their = neighbour.get("/don-vi/vinh-hai").text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert neighbour.post("/don-vi/phuoc-hoa/dia-chi-nhan-tin", data={"csrf": their}).status_code == 403
    assert len([r for r in tokens_for(published["root"], settings).records() if r.role == "feed"]) == 1
    # a feed address opens no session
    assert sign_in(TestClient(client.app), address.split("/nguon/")[1].split("/")[0]).status_code == 401


def test_cli_feed_token_is_audited_too(published, tmp_path):
    from typer.testing import CliRunner

    from studio.cli import app as cli
    from studio.web.approve import read_audit

    state = tmp_path / "state"
    result = CliRunner().invoke(cli, ["web", "token", str(published["root"]), "--unit", "phuoc-hoa", "--feed",
                                      "--state", str(state)])
    assert result.exit_code == 0, result.output
    [entry] = read_audit(state / "audit.jsonl")
    assert entry["action"] == "issue" and entry["issued_role"] == "feed" and entry["via"] == "studio web token"


def test_portal_names_phases_by_their_public_names(published, tmp_path):
    """Operator and designer pages: "Hướng tới Đại hội (01/01 – 31/07/2025)", never the plan's "Đợt 1"."""
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0, public_key=published["public"])
    page = operator_client(published, settings).get("/don-vi/phuoc-hoa").text
    assert "Hướng tới Đại hội (01/01 – 31/07/2025)" in page
    internal = [p.name for p in published["campaign"].all_phases()]
    assert not [name for name in internal if name in page]
    designer = TestClient(create_app(published["campaign"], str(published["pub"]), settings))
    from web_login import sign_in

    _, token = tokens_for(published["root"], settings).issue("ninh-thuan", "designer", "Thiết kế")
    assert sign_in(designer, token).status_code == 200
    for path in ("/thu-vien", "/tin-bai", "/trang-thai"):
        shown = designer.get(path).text
        assert "Hướng tới Đại hội" in shown, path
        assert not [name for name in internal if f">{name}<" in shown or f"<h2>{name}</h2>" in shown], path


def test_presign_and_public_read_exclude_each_other(published, tmp_path):
    from typer.testing import CliRunner

    from studio.cli import app as cli

    result = CliRunner().invoke(cli, ["publish", str(published["root"]), "--phase", "dot-1", "--out",
                                      str(published["out"]), "--to", str(tmp_path / "pub"), "--presign",
                                      "--public-read", "--key", str(published["private"])])
    assert result.exit_code == 2 and "Chọn một trong hai" in result.output
    assert not (tmp_path / "pub").exists()
