"""``memory://``: the in-memory Storage double, and the code above Storage running on it unchanged."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid

import pytest
from fastapi.testclient import TestClient
from s3fixtures import built_phase, keys, reader_state  # noqa: F401  (fixtures)
from test_web_sample import make_sample_tree
from web_login import sign_in

from studio.publish import PublishError
from studio.publish.publish import publish
from studio.publish.pull import pull
from studio.publish.signing import load_public
from studio.publish.verify import verify
from studio.storage import StorageError, open_storage
from studio.storage.memory import MemoryStorage
from studio.web import Settings, create_app, tokens_for
from studio.web.verify import Verifier

CAMPAIGN = "ninh-thuan-2025"


def fresh() -> MemoryStorage:
    return open_storage(f"memory://{uuid.uuid4().hex}")


def keep_record_replace_bytes(storage: MemoryStorage, key: str, data: bytes) -> None:
    """What an attacker with write access does: new bytes (a new stamp), the old recorded sha256."""
    full = storage.prefix + key
    old = storage.objects[full]
    storage.objects[full] = dataclasses.replace(old, data=data, version=old.version + 10_000)


def test_memory_storage_is_one_space_per_name_with_stamps_and_byte_digests(tmp_path):
    store = fresh()
    store.put_bytes("c/dot-1/a.txt", b"mot", "text/plain")
    again = open_storage(store.url)  # a second client of the same "server"
    assert again.get_bytes("c/dot-1/a.txt") == b"mot"
    first = again.info("c/dot-1/a.txt")
    store.put_bytes("c/dot-1/a.txt", b"hai", "text/plain")
    assert again.info("c/dot-1/a.txt").stamp != first.stamp  # new bytes, new stamp
    assert [o.key for o in again.list("c/")] == ["c/dot-1/a.txt"]
    keep_record_replace_bytes(store, "c/dot-1/a.txt", b"ba")
    assert store.info("c/dot-1/a.txt").sha256 == hashlib.sha256(b"hai").hexdigest()  # the record lies…
    assert store.sha256("c/dot-1/a.txt") == hashlib.sha256(b"ba").hexdigest()  # …the digest reads the bytes
    assert store.local_path("c/dot-1/a.txt") is None and store.presign("c/dot-1/a.txt", 60) is None
    source = tmp_path / "f.bin"
    source.write_bytes(b"bon")
    with pytest.raises(StorageError, match="không khớp mã băm"):
        store.put_file("c/f.bin", source, "application/octet-stream", "0" * 64)
    store.get_file("c/dot-1/a.txt", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_bytes() == b"ba"
    store.delete("c/dot-1/a.txt")
    assert store.info("c/dot-1/a.txt") is None and store.sha256("c/dot-1/a.txt") is None
    with pytest.raises(StorageError, match="không có tệp"):
        store.get_bytes("c/dot-1/a.txt")


def test_verifier_rehashes_when_the_stamp_changes():
    store = fresh()
    store.put_bytes("k.bin", b"goc", "application/octet-stream")
    verifier = Verifier(store)
    good = hashlib.sha256(b"goc").hexdigest()
    assert verifier.digest("k.bin", store.info("k.bin").stamp) == good
    keep_record_replace_bytes(store, "k.bin", b"gia")
    assert verifier.digest("k.bin", store.info("k.bin").stamp) == hashlib.sha256(b"gia").hexdigest()
    assert verifier.digest("k.bin", None) is None  # not in the listing: missing


def test_portal_on_memory_storage_refuses_replaced_bytes(campaign_copy, tmp_path):
    out = make_sample_tree(tmp_path / "out")
    store = fresh()
    for path in sorted(out.rglob("*")):
        if path.is_file():
            store.put_bytes(str(path.relative_to(out)), path.read_bytes(), "application/octet-stream")
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    client = TestClient(create_app(campaign_copy, store.url, settings))
    _, token = tokens_for(campaign_copy, settings).issue("phuoc-hoa", "operator", "xã Phước Hòa")
    sign_in(client, token)
    mp3 = "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"
    good = store.get_bytes(f"{CAMPAIGN}/{mp3}")
    assert client.get("/tep/" + mp3).content == good

    keep_record_replace_bytes(store, f"{CAMPAIGN}/{mp3}", b"ID3 gia mao")
    assert 'data-state="mismatch"' in client.get("/don-vi/phuoc-hoa").text
    refused = client.get("/tep/" + mp3)
    assert refused.status_code == 409 and b"gia mao" not in refused.content

    store.put_bytes(f"{CAMPAIGN}/{mp3}", good, "audio/mpeg")  # restored: a new stamp, hashed again
    assert 'data-state="mismatch"' not in client.get("/don-vi/phuoc-hoa").text
    assert client.get("/tep/" + mp3).content == good


def test_publish_verify_pull_through_memory_storage(tmp_path, keys, example_campaign):  # noqa: F811
    private, public = keys
    out = tmp_path / "out"
    built_phase(out, example_campaign)
    target = f"memory://{uuid.uuid4().hex}"
    [report] = publish(example_campaign, ["dot-1"], out, target, private)
    assert len(report.uploaded) == 5
    phase_url = f"{target}/{CAMPAIGN}/dot-1"
    assert verify(phase_url, load_public(public)).ok
    store = open_storage(f"{target}/{CAMPAIGN}")
    bulletin = "dot-1/truyen-thanh-co-so/phuoc-binh/bulletin.mp3"
    keep_record_replace_bytes(store, bulletin, b"gia")
    assert verify(phase_url, load_public(public)).altered == [bulletin]
    got = pull(phase_url, "phuoc-hoa", tmp_path / "xa", public)
    assert sorted(got.files) == ["dot-1/pano/bac-ai/dot1-thi-dua--pano-4000x2000.pdf",
                                 "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"]
    with pytest.raises(PublishError, match="không khớp mã băm"):
        pull(phase_url, "phuoc-binh", tmp_path / "binh", public)
    assert not (tmp_path / "binh" / "dot-1").exists()
