"""On real SeaweedFS: a unit's key reads exactly what the portal shows its operator, bytes replaced
behind an object's metadata are caught by the portal (not served) and by ``studio verify``, and a podcast
app with no credentials subscribes to a presigned or a public-read feed (issue 17)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
from urllib.parse import parse_qs, urlparse

import feedparser
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from s3fixtures import *  # noqa: F401,F403  (fixtures)
from s3fixtures import ENDPOINT, WeedServer, built_phase, s3_client
from typer.testing import CliRunner
from web_login import sign_in

from studio.cli import app as cli
from studio.publish.access import presigned_links, write_access
from studio.publish.publish import publish
from studio.publish.pull import pull
from studio.storage import StorageError, open_storage
from studio.web import Settings, create_app, tokens_for

CAMPAIGN = "ninh-thuan-2025"
BUCKET = "studio"
CARD = re.compile(r'data-path="([^"]+)".*?data-state="([a-z]+)"', re.S)


def use(monkeypatch, endpoint: str, identities: dict, name: str) -> None:
    cred = next(i for i in identities["identities"] if i["name"] == name)["credentials"][0]
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", cred["accessKey"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", cred["secretKey"])


def operator_page(campaign, storage_url: str, unit: str, tmp_path) -> tuple[TestClient, dict[str, str]]:
    """Log in to the portal as ``unit``'s operator; return the client and {shown path: verification state}."""
    settings = Settings(state_dir=tmp_path / f"web-{unit}", cache_seconds=0)
    client = TestClient(create_app(campaign, storage_url, settings))
    _, token = tokens_for(campaign, settings).issue(unit, "operator", unit)
    assert sign_in(client, token).status_code == 200
    page = client.get(f"/don-vi/{unit}")
    assert page.status_code == 200
    return client, dict(CARD.findall(page.text))


def test_commune_key_reads_exactly_what_the_portal_shows(tmp_path, keys, example_campaign, monkeypatch):
    private, public = keys
    identities = json.loads(write_access(example_campaign, tmp_path / "access", BUCKET)[0].read_text())
    server = WeedServer(tmp_path / "weed", identities).start()
    try:
        out = tmp_path / "out"
        # Before the 2025 reorganisation: two communes of Bác Ái (and its pa nô), one of Phan Rang;
        # after it: the commune that replaced xã Phước Hòa and a neighbour.
        built_phase(out, example_campaign, "dot-1", ["phuoc-binh", "phuoc-hoa", "do-vinh"])
        built_phase(out, example_campaign, "dot-2-2", ["bac-ai-tay-2025", "bac-ai-2025"])
        use(monkeypatch, server.endpoint, identities, "studio-tinh")
        reports = publish(example_campaign, ["dot-1", "dot-2-2"], out, f"s3://{BUCKET}", private)
        published = [a for r in reports for a in
                     json.loads(open_storage(f"s3://{BUCKET}/{CAMPAIGN}").get_bytes(f"{r.phase}/manifest.json"))
                     ["artifacts"]]
        neighbours = {"dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3",
                      "dot-2-2/truyen-thanh-co-so/bac-ai-2025/bulletin.mp3"}
        assert neighbours <= {a["path"] for a in published}

        client, shown = operator_page(example_campaign, f"s3://{BUCKET}", "phuoc-hoa", tmp_path)
        assert set(shown) == {"dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3",
                              "dot-1/pano/bac-ai/dot1-thi-dua--pano-4000x2000.pdf",  # its district's pa nô
                              "dot-2-2/truyen-thanh-co-so/bac-ai-tay-2025/bulletin.mp3"}  # its successor
        assert set(shown.values()) == {"ok"}

        # The operator's own key: every published file is readable if and only if the portal shows it.
        use(monkeypatch, server.endpoint, identities, "studio-phuoc-hoa")
        storage = open_storage(f"s3://{BUCKET}/{CAMPAIGN}")
        for art in published:
            if art["path"] in shown:
                assert hashlib.sha256(storage.get_bytes(art["path"])).hexdigest() == art["sha256"]
                assert client.get(f"/tep/{art['path']}").status_code == 200
            else:
                with pytest.raises(StorageError, match="không có quyền"):  # AccessDenied
                    storage.get_bytes(art["path"])
                assert client.get(f"/tep/{art['path']}").status_code == 403
        # …and `studio pull` with that key fetches exactly those files, phase by phase.
        pulled = [f for phase in ("dot-1", "dot-2-2")
                  for f in pull(f"s3://{BUCKET}/{CAMPAIGN}/{phase}", "phuoc-hoa", tmp_path / "xa", public).files]
        assert sorted(pulled) == sorted(shown)
        assert not neighbours & set(pulled)
        assert b"bac-ai-tay-2025/bulletin.mp3" in storage.get_bytes("don-vi/phuoc-hoa/podcast.xml")
    finally:
        server.stop()


def test_replaced_bytes_with_kept_metadata_are_caught_and_not_served(bucket, keys, example_campaign, tmp_path):
    private, public = keys
    out = tmp_path / "out"
    built_phase(out, example_campaign)
    publish(example_campaign, ["dot-1"], out, f"s3://{bucket}", private)
    path = "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"
    key = f"{CAMPAIGN}/{path}"
    client = s3_client()
    original = client.head_object(Bucket=bucket, Key=key)
    fake = b"ID3 ban tin gia mao " * 40
    client.put_object(Bucket=bucket, Key=key, Body=fake, ContentType="audio/mpeg",
                      Metadata=original["Metadata"])  # the recorded sha256 still names the good bytes
    assert client.head_object(Bucket=bucket, Key=key)["Metadata"] == original["Metadata"]

    portal, shown = operator_page(example_campaign, f"s3://{bucket}", "phuoc-hoa", tmp_path)
    assert shown[path] == "mismatch" and shown["dot-1/pano/bac-ai/dot1-thi-dua--pano-4000x2000.pdf"] == "ok"
    response = portal.get(f"/tep/{path}", params={"tai": 1})
    assert response.status_code == 409 and fake not in response.content
    assert "đã bị thay đổi" in response.text and "không được phát" in response.text

    result = CliRunner().invoke(cli, ["verify", f"s3://{bucket}/{CAMPAIGN}/dot-1", "--key", str(public)])
    assert result.exit_code == 1 and f"BỊ SỬA: {path}" in result.output


# --- podcast apps without credentials (issue 17) ---------------------------------------------------

def app_subscribes(feed_url: str, manifest: dict) -> feedparser.FeedParserDict:
    """What a podcast app does, with no credentials and no cookie: GET the feed, parse it, GET every
    enclosure and the cover; every enclosure's bytes hash to the signed manifest's sha256."""
    import httpx

    answer = httpx.get(feed_url, timeout=10)
    assert answer.status_code == 200, (feed_url, answer.status_code, answer.text[:300])
    feed = feedparser.parse(answer.content)
    assert not feed.bozo and feed.entries
    by_path = {a["path"]: a["sha256"] for a in manifest["artifacts"]}
    for entry in feed.entries:
        [enclosure] = entry.enclosures
        body = httpx.get(enclosure.href, timeout=10)
        assert body.status_code == 200, (enclosure.href, body.status_code)
        path = next(p for p in by_path if f"/{CAMPAIGN}/{p}" in enclosure.href)
        assert hashlib.sha256(body.content).hexdigest() == by_path[path]
    cover = httpx.get(feed.feed.image.href, timeout=10)
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(cover.content)) as img:
        assert img.size == (3000, 3000) and img.format == "JPEG"
    return feed


def phase_manifest_of(bucket: str, phase: str = "dot-1") -> dict:
    return json.loads(open_storage(f"s3://{bucket}/{CAMPAIGN}").get_bytes(f"{phase}/manifest.json"))


def test_podcast_app_subscribes_to_a_presigned_feed(bucket, keys, example_campaign, tmp_path):
    import httpx

    private, _ = keys
    out = tmp_path / "out"
    built_phase(out, example_campaign)
    publish(example_campaign, ["dot-1"], out, f"s3://{bucket}", private, feed_links="presign")
    storage = open_storage(f"s3://{bucket}/{CAMPAIGN}")
    feed_key = "don-vi/phuoc-hoa/podcast.xml"
    assert httpx.get(storage.public_url(feed_key)).status_code == 403  # the bucket is not public
    # the operator is handed the feed's address with the unit's links (`studio access --links`)
    links = presigned_links(storage, phase_manifest_of(bucket), 7 * 24 * 3600, units=["phuoc-hoa"])
    feed_url = links["feeds"]["phuoc-hoa"]
    first = app_subscribes(feed_url, phase_manifest_of(bucket))
    enclosure = first.entries[0].enclosures[0].href
    query = parse_qs(urlparse(enclosure).query)
    assert query["X-Amz-Expires"] == [str(7 * 24 * 3600)]  # SigV4's longest
    assert httpx.get(enclosure.split("?")[0]).status_code == 403  # only the signed link opens it

    # The next publish (nothing changed) re-signs every link and rewrites the feed: the address the app
    # holds now serves links valid for 7 days from this publish. (Presigned links carry a one-second
    # timestamp: wait for the next second so the renewal shows.)
    time.sleep(1.1)
    publish(example_campaign, ["dot-1"], out, f"s3://{bucket}", private, feed_links="presign")
    second = app_subscribes(feed_url, phase_manifest_of(bucket))
    renewed = second.entries[0].enclosures[0].href
    assert renewed != enclosure and renewed.split("?")[0] == enclosure.split("?")[0]
    assert parse_qs(urlparse(renewed).query)["X-Amz-Date"][0] > query["X-Amz-Date"][0]
    assert httpx.get(enclosure).status_code == 200  # the old link still works until it expires


def test_podcast_app_subscribes_to_a_public_read_target(bucket, keys, example_campaign, tmp_path):
    """``public_read: true`` on the campaign's storage target: publish lets anyone GET the phases' files and
    the unit pages, feeds and covers (a bucket-policy statement of its own), and nothing else."""
    import httpx

    from studio.campaign import StorageTarget

    private, _ = keys
    client = s3_client()
    other = {"Sid": "SomeoneElses", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
             "Resource": f"arn:aws:s3:::{bucket}/archive/*"}
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [other]}))
    campaign = example_campaign.model_copy(update={"storage": [
        StorageTarget(id="kho", url=f"s3://{bucket}", public_read=True)]})
    out = tmp_path / "out"
    built_phase(out, campaign)
    storage = open_storage(f"s3://{bucket}/{CAMPAIGN}")
    assert httpx.get(storage.public_url("dot-1/manifest.json")).status_code == 403  # nothing public yet
    publish(campaign, ["dot-1"], out, f"s3://{bucket}", private)

    feed_url = storage.public_url("don-vi/phuoc-hoa/podcast.xml")
    feed = app_subscribes(feed_url, phase_manifest_of(bucket))
    assert all("X-Amz-" not in e.enclosures[0].href for e in feed.entries)  # plain addresses, nothing expires
    assert any(link.rel == "self" and link.href == feed_url for link in feed.feed.links)
    # public means readable, not listable or writable; the publish log and drafts stay private
    [log_key] = [o.key for o in storage.list("nhat-ky/")]
    assert httpx.get(storage.public_url(log_key)).status_code == 403
    assert httpx.get(f"{ENDPOINT}/{bucket}?list-type=2&prefix={CAMPAIGN}/").status_code == 403
    assert httpx.put(storage.public_url("dot-1/gia-mao.mp3"), content=b"x").status_code == 403
    assert storage.info("dot-1/gia-mao.mp3") is None
    policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]][0] == "SomeoneElses"  # others' statements are kept
    # a second publish finds its statement in place: the policy is not rewritten or duplicated
    publish(campaign, ["dot-1"], out, f"s3://{bucket}", private)
    assert json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"]) == policy
    assert len(policy["Statement"]) == 2
