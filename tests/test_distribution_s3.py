"""On real SeaweedFS: a unit's key reads exactly what the portal shows its operator, and bytes
replaced behind an object's metadata are caught by the portal (not served) and by ``studio verify``."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient
from s3fixtures import *  # noqa: F401,F403  (fixtures)
from s3fixtures import WeedServer, built_phase, s3_client
from typer.testing import CliRunner
from web_login import sign_in

from studio.cli import app as cli
from studio.publish.access import write_access
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
