"""Tests that need their own SeaweedFS: generated read-only identities, and a server crash."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from s3fixtures import *  # noqa: F401,F403  (fixtures)
from s3fixtures import ADMIN, WeedServer, built_phase, s3_client

from studio.publish import PublishError
from studio.publish.access import (
    bucket_policy,
    presigned_links,
    seaweed_identities,
    write_access,
)
from studio.publish.publish import publish
from studio.publish.pull import pull
from studio.publish.signing import load_public
from studio.publish.verify import verify
from studio.storage import StorageError, open_storage

CAMPAIGN = "ninh-thuan-2025"
BUCKET = "studio"


def use(monkeypatch, server: WeedServer, access: str, secret: str) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)


def creds(identities: dict, name: str) -> tuple[str, str]:
    cred = next(i for i in identities["identities"] if i["name"] == name)["credentials"][0]
    return cred["accessKey"], cred["secretKey"]


def test_read_only_unit_keys_and_presigned_links(tmp_path, keys, example_campaign, monkeypatch):
    private, public = keys
    # `studio access` output is the server's identities file, as an operator would deploy it.
    written = write_access(example_campaign, tmp_path / "access", BUCKET, "", "http://127.0.0.1")
    identities = json.loads(written[0].read_text())
    assert written[0].stat().st_mode & 0o777 == 0o600
    server = WeedServer(tmp_path / "weed", identities).start()
    try:
        out = tmp_path / "out"
        built_phase(out, example_campaign)  # bac-ai: phuoc-binh, phuoc-hoa, pano; phan-rang: do-vinh
        use(monkeypatch, server, *creds(identities, "studio-tinh"))
        publish(example_campaign, ["dot-1"], out, f"s3://{BUCKET}", private)

        # District Bác Ái: reads its own and its communes' files, and the signed manifest.
        use(monkeypatch, server, *creds(identities, "studio-bac-ai"))
        source = f"s3://{BUCKET}/{CAMPAIGN}/dot-1"
        got = pull(source, "bac-ai", tmp_path / "bac-ai", public)
        assert sorted(got.files) == ["dot-1/pano/bac-ai/dot1-thi-dua--pano-4000x2000.pdf",
                                     "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3",
                                     "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"]
        assert verify(source, load_public(public), unit="phuoc-binh").ok
        storage = open_storage(f"s3://{BUCKET}/{CAMPAIGN}")
        feed = storage.get_bytes("don-vi/bac-ai/podcast.xml")  # its own podcast: its communes' bulletins
        assert b"phuoc-binh/bulletin.mp3" in feed and b"phuoc-hoa/bulletin.mp3" in feed
        with pytest.raises(StorageError, match="không có quyền"):  # a commune's page is that commune's
            storage.get_bytes("don-vi/phuoc-binh/podcast.xml")
        # …but not another district's prefix, and it cannot write anywhere.
        with pytest.raises(StorageError, match="không có quyền"):
            storage.get_bytes("dot-1/truyen-thanh-co-so/do-vinh/bulletin.mp3")
        with pytest.raises(StorageError, match="không có quyền"):
            list(storage.list("dot-1/truyen-thanh-co-so/do-vinh/"))
        with pytest.raises(PublishError, match="không có quyền"):
            pull(source, "phan-rang-thap-cham", tmp_path / "khac", public)
        with pytest.raises(StorageError, match="không có quyền"):
            storage.put_bytes("dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3", b"gia", "audio/mpeg")
        with pytest.raises(StorageError, match="không có quyền"):
            storage.put_bytes("dot-1/manifest.json", b"{}", "application/json")
        with pytest.raises(StorageError, match="không có quyền"):
            storage.delete("dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3")
        # A commune key reads that commune and its district's pa nô, not its neighbour.
        use(monkeypatch, server, *creds(identities, "studio-phuoc-hoa"))
        with pytest.raises(PublishError, match="không có quyền"):
            pull(source, "phuoc-binh", tmp_path / "hang-xom", public)
        assert pull(source, "phuoc-hoa", tmp_path / "xa", public).downloaded == 2

        # Presigned links work until they expire; a link is no key to other files.
        use(monkeypatch, server, *creds(identities, "studio-tinh"))
        storage = open_storage(f"s3://{BUCKET}/{CAMPAIGN}")
        manifest = json.loads(storage.get_bytes("dot-1/manifest.json"))
        links = presigned_links(storage, manifest, expires=2, units=["phuoc-binh"])
        [link] = links["units"]["phuoc-binh"]
        response = httpx.get(link["url"])
        assert response.status_code == 200
        assert response.content == (out / CAMPAIGN / link["path"]).read_bytes()
        assert httpx.get(links["manifest"]).status_code == 200
        forged = link["url"].replace("phuoc-binh", "do-vinh")
        assert httpx.get(forged).status_code == 403
        time.sleep(3.2)
        expired = httpx.get(link["url"])
        assert expired.status_code == 403 and b"expired" in expired.content
    finally:
        server.stop()


def test_access_files_cover_successors_and_deny_writes(example_campaign):
    identities = seaweed_identities(example_campaign, BUCKET, "kho", units=["bac-ai"])
    actions = next(i for i in identities["identities"] if i["name"] == "studio-bac-ai")["actions"]
    assert f"Read:{BUCKET}/kho/{CAMPAIGN}/dot-1/truyen-thanh-co-so/phuoc-binh/*" in actions
    assert f"Read:{BUCKET}/kho/{CAMPAIGN}/dot-3/truyen-thanh-co-so/bac-ai-tay-2025/*" in actions  # successor
    assert f"Read:{BUCKET}/kho/{CAMPAIGN}/dot-1/manifest.json*" in actions
    assert f"Read:{BUCKET}/kho/{CAMPAIGN}/dot-1/dang-xuat-ban.json*" in actions  # verify names pending uploads
    assert not any(a.startswith(("Write", "Admin")) or "do-vinh" in a for a in actions)
    policy = bucket_policy(example_campaign, BUCKET, "kho")
    allow = next(s for s in policy["Statement"] if s["Sid"] == "DocBacAi")
    assert allow["Principal"] == {"AWS": "arn:aws:iam::123456789012:user/studio-bac-ai"}
    assert f"arn:aws:s3:::{BUCKET}/kho/{CAMPAIGN}/*/phuoc-hoa/*" in allow["Resource"]  # in every phase
    # formed from communes of Bác Ái and Ninh Sơn: only the phases it is Bác Ái's successor in
    assert f"arn:aws:s3:::{BUCKET}/kho/{CAMPAIGN}/dot-3/*/my-son-2025/*" in allow["Resource"]
    assert not any(r.endswith("/*/my-son-2025/*") and "/dot-" not in r for r in allow["Resource"])
    assert not any("do-vinh" in r for r in allow["Resource"])
    deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
    assert "s3:PutObject" in deny["Action"]
    assert len(json.dumps(policy, separators=(",", ":"))) < 20 * 1024  # AWS's bucket policy size limit


def read_when_ready(client, key: str, timeout: float = 60) -> bytes:
    """An object's bytes once a restarted SeaweedFS serves reads again."""
    from botocore.exceptions import ClientError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "InternalError" or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_server_killed_mid_publish_then_restarted(tmp_path, keys, example_campaign, monkeypatch):
    private, public = keys
    identities = {"identities": [{"name": "admin", "credentials": [ADMIN],
                                  "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}
    server = WeedServer(tmp_path / "weed", identities).start()
    try:
        use(monkeypatch, server, ADMIN["accessKey"], ADMIN["secretKey"])
        out = tmp_path / "out"
        target = f"s3://{BUCKET}"
        built_phase(out, example_campaign, units=["phuoc-binh"])
        [first] = publish(example_campaign, ["dot-1"], out, target, private)
        client = s3_client(server.endpoint)
        manifest_key = f"{CAMPAIGN}/dot-1/manifest.json"
        old_manifest = client.get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read()

        # A bigger second round: 24 communes. The server dies after the 6th upload.
        communes = [u.id for u in example_campaign.units if u.level == "commune" and u.until
                    and u.parent in ("bac-ai", "ninh-son", "ninh-hai")][:24]
        built_phase(out, example_campaign, units=communes)
        uploaded = []

        def crash(path):
            uploaded.append(path)
            if len(uploaded) == 6:
                server.kill()

        with pytest.raises((StorageError, PublishError)) as failure:
            publish(example_campaign, ["dot-1"], out, target, private, workers=2, on_upload=crash)
        assert "không kết nối được tới máy chủ S3" in str(failure.value)

        server.start()
        # No manifest was published early: readers still see the first one, intact. (A restarted
        # server answers before its volumes are back: reads may fail with InternalError for a while.)
        assert read_when_ready(client, manifest_key) == old_manifest
        during = verify(f"{target}/{CAMPAIGN}/dot-1", load_public(public))
        assert during.signature_error is None and not during.altered and not during.removed
        # What got through is vouched for by the signed record of the publish under way: not "added".
        assert during.ok and during.added == [] and set(uploaded) <= set(during.unpublished)
        [again] = publish(example_campaign, ["dot-1"], out, target, private)
        assert again.artifacts == len(communes) + 2
        assert again.skipped >= len(uploaded)  # what got through before the crash is not sent again
        assert len(again.uploaded) + again.skipped == again.artifacts
        report = verify(f"{target}/{CAMPAIGN}/dot-1", load_public(public))
        assert report.ok and report.checked == len(communes) + 2
        got = pull(f"{target}/{CAMPAIGN}/dot-1", communes[-1], tmp_path / "recv", public)
        assert got.downloaded == 1
        assert first.manifest_sha256 != again.manifest_sha256
    finally:
        server.stop()
