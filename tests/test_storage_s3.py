"""The S3 backend against the real SeaweedFS (scripts/services.sh start)."""

from __future__ import annotations

import os

import pytest
from s3fixtures import *  # noqa: F401,F403  (fixtures)
from s3fixtures import s3_client

from studio.artifacts import sha256_file
from studio.storage import StorageError, open_storage


def test_roundtrip_keeps_sha256_in_metadata(bucket, tmp_path):
    storage = open_storage(f"s3://{bucket}/pfx")
    source = tmp_path / "a.txt"
    source.write_text("Bản tin xã Phước Bình\n", encoding="utf-8")
    digest = sha256_file(source)
    storage.put_file("c/dot-1/a.txt", source, "text/plain", digest)
    head = s3_client().head_object(Bucket=bucket, Key="pfx/c/dot-1/a.txt")
    assert head["Metadata"]["sha256"] == digest and head["ContentType"] == "text/plain"
    assert storage.info("c/dot-1/a.txt").sha256 == digest
    assert storage.info("c/dot-1/none.txt") is None
    storage.get_file("c/dot-1/a.txt", tmp_path / "back.txt")
    assert sha256_file(tmp_path / "back.txt") == digest
    [listed] = storage.list("c/")
    assert listed.key == "c/dot-1/a.txt" and listed.stamp == storage.info("c/dot-1/a.txt").stamp
    assert storage.sha256("c/dot-1/a.txt") == digest and storage.local_path("c/dot-1/a.txt") is None
    # Same size, new bytes, metadata kept: the stamp (ETag) changes, the byte digest tells the truth.
    s3_client().put_object(Bucket=bucket, Key="pfx/c/dot-1/a.txt", Body=b"x" * listed.size,
                           Metadata={"sha256": digest})
    assert storage.info("c/dot-1/a.txt").stamp != listed.stamp
    assert storage.info("c/dot-1/a.txt").sha256 == digest != storage.sha256("c/dot-1/a.txt")
    storage.delete("c/dot-1/a.txt")
    assert storage.info("c/dot-1/a.txt") is None


def test_multipart_upload_of_a_large_file(bucket, tmp_path):
    storage = open_storage(f"s3://{bucket}", multipart_threshold=5 * 1024 * 1024,
                           multipart_chunksize=5 * 1024 * 1024)
    big = tmp_path / "video.mp4"
    big.write_bytes(os.urandom(11 * 1024 * 1024))
    digest = sha256_file(big)
    storage.put_file("c/dot-1/video.mp4", big, "video/mp4", digest)
    head = s3_client().head_object(Bucket=bucket, Key="c/dot-1/video.mp4")
    assert head["ETag"].strip('"').endswith("-3")  # three parts: it really went multipart
    assert head["Metadata"]["sha256"] == digest
    storage.get_file("c/dot-1/video.mp4", tmp_path / "back.mp4")
    assert sha256_file(tmp_path / "back.mp4") == digest


def test_local_file_changed_since_build_is_refused(bucket, tmp_path):
    storage = open_storage(f"s3://{bucket}")
    source = tmp_path / "a.txt"
    source.write_text("một")
    with pytest.raises(StorageError, match="không khớp mã băm"):
        storage.put_file("c/a.txt", source, "text/plain", "0" * 64)
    assert storage.info("c/a.txt") is None


@pytest.mark.parametrize("size", [1000, 11 * 1024 * 1024])  # one PUT, and three parts
def test_a_changed_source_never_replaces_the_published_object(bucket, tmp_path, size):
    storage = open_storage(f"s3://{bucket}", multipart_threshold=5 * 1024 * 1024,
                           multipart_chunksize=5 * 1024 * 1024)
    good = tmp_path / "good.mp4"
    good.write_bytes(os.urandom(size))
    storage.put_file("c/dot-1/video.mp4", good, "video/mp4", sha256_file(good))
    published = s3_client().head_object(Bucket=bucket, Key="c/dot-1/video.mp4")["ETag"]
    changed = tmp_path / "changed.mp4"
    changed.write_bytes(os.urandom(size))  # the build said sha256(good); the file on disk is another
    with pytest.raises(StorageError, match="không khớp mã băm.*giữ nguyên"):
        storage.put_file("c/dot-1/video.mp4", changed, "video/mp4", sha256_file(good))
    assert s3_client().head_object(Bucket=bucket, Key="c/dot-1/video.mp4")["ETag"] == published
    assert storage.sha256("c/dot-1/video.mp4") == sha256_file(good)
    assert not s3_client().list_multipart_uploads(Bucket=bucket).get("Uploads")  # the aborted one is gone


def test_download_detects_object_replaced_behind_our_back(bucket, tmp_path):
    storage = open_storage(f"s3://{bucket}")
    source = tmp_path / "a.txt"
    source.write_text("nội dung gốc")
    storage.put_file("c/a.txt", source, "text/plain", sha256_file(source))
    # Someone with write access swaps the body but leaves the old sha256 metadata.
    s3_client().put_object(Bucket=bucket, Key="c/a.txt", Body=b"noi dung gia",
                           Metadata={"sha256": sha256_file(source)})
    with pytest.raises(StorageError, match="không khớp mã băm"):
        storage.get_file("c/a.txt", tmp_path / "back.txt")
    assert not (tmp_path / "back.txt").exists()  # nothing half-written


def test_wrong_credentials_give_a_clear_vietnamese_error(bucket, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sai-mat-khau")
    storage = open_storage(f"s3://{bucket}")
    with pytest.raises(StorageError) as info:
        storage.put_bytes("c/a.json", b"{}", "application/json")
    assert "sai thông tin đăng nhập" in str(info.value) and "AWS_SECRET_ACCESS_KEY" in str(info.value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "khong-ton-tai")
    with pytest.raises(StorageError, match="sai thông tin đăng nhập|từ chối"):
        list(open_storage(f"s3://{bucket}").list(""))


def test_missing_credentials_and_unreachable_server(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    storage = open_storage("s3://studio-khong-co", endpoint_url="http://127.0.0.1:8333")
    with pytest.raises(StorageError, match="chưa có thông tin đăng nhập S3"):
        storage.put_bytes("c/a.json", b"{}", "application/json")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    dead = open_storage("s3://studio", endpoint_url="http://127.0.0.1:9", max_attempts=2)
    with pytest.raises(StorageError, match="không kết nối được tới máy chủ S3 http://127.0.0.1:9"):
        dead.info("c/a.json")


def test_keys_cannot_escape_the_prefix(bucket):
    storage = open_storage(f"s3://{bucket}/pfx")
    with pytest.raises(StorageError):
        storage.put_bytes("../ngoai.txt", b"x", "text/plain")


def _put_many(url: str, name: str) -> list[str]:
    """In a forked child: upload and look up objects through the process's shared client."""
    from studio.storage import shared

    store, failures = shared(url), []
    for i in range(40):
        try:
            store.put_bytes(f"{name}/{i}.bin", os.urandom(64 * 1024 + i), "application/octet-stream")
            assert store.info(f"{name}/{i}.bin") is not None
        except (StorageError, AssertionError) as exc:
            failures.append(str(exc))
    return failures


def test_forked_workers_never_share_the_parents_connections(bucket):
    """A build's pool forks after the parent has used the store: each child needs its own client,
    or two children write into one socket (bodies fail their checksum, HEADs answer 400)."""
    import multiprocessing

    from studio.storage import shared

    url = f"s3://{bucket}/fork"
    parent = shared(url)
    parent.put_bytes("warm.txt", b"parent", "text/plain")  # an open connection to inherit
    parent.made_here = True
    with multiprocessing.get_context("fork").Pool(2) as pool:
        children = pool.starmap(_put_many, [(url, "a"), (url, "b")])
        inherited = pool.apply(_made_here, (url,))
    assert children == [[], []]
    assert inherited is False
    assert shared(url) is parent


def _made_here(url: str) -> bool:
    from studio.storage import shared

    return getattr(shared(url), "made_here", False)
