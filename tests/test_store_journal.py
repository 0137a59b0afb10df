"""`studio build --storage s3://…`: the store (real SeaweedFS) holds the job journal, the files,
the shared cache and the manifests, so a build into an empty output folder renders nothing
(issue 18). Real renderers on a small campaign."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from s3fixtures import *  # noqa: F403  (fixtures: bucket, admin_env, reader_state)
from s3fixtures import s3_client
from small_campaign import example_brief, small_campaign

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = "ninh-thuan-2025"
PHASE = "dot-3"


@pytest.fixture
def campaign(tmp_path) -> Path:
    brief = example_brief("dot3-ket-qua-dai-hoi", key_messages=["Học tập Nghị quyết."],
                          body="Đại hội đã thành công.\n", channels=["truyen-thanh-co-so", "mang-xa-hoi"],
                          formats=["bulletin", "infographic-1080x1080"])
    return small_campaign(tmp_path / "campaign", [brief])


def studio_build(campaign: Path, out: Path, storage: str) -> str:
    result = subprocess.run([sys.executable, "-m", "studio.cli", "build", str(campaign), "--phase", PHASE,
                             "--out", str(out), "--storage", storage, "--workers", "2"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def objects(bucket: str) -> dict[str, bytes]:
    client = s3_client()
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def test_a_build_into_an_empty_folder_renders_nothing_the_store_has(campaign, bucket, tmp_path):
    storage = f"s3://{bucket}/studio"
    first = studio_build(campaign, tmp_path / "A", storage)
    manifest = json.loads((tmp_path / "A" / CAMPAIGN / PHASE / "manifest.json").read_text())
    jobs = {a["job"] for a in manifest["artifacts"]}
    assert f"Đã tạo {len(jobs)}, giữ nguyên 0, lỗi 0" in first and len(jobs) == 3  # 2 communes' bulletins + 1

    stored = objects(bucket)
    for art in manifest["artifacts"]:  # every file under its final key, as the manifest says
        assert hashlib.sha256(stored[f"studio/{CAMPAIGN}/{art['path']}"]).hexdigest() == art["sha256"]
    assert json.loads(stored[f"studio/{CAMPAIGN}/{PHASE}/manifest.json"]) == manifest
    records = {k: json.loads(v) for k, v in stored.items() if k.startswith(f"studio/{CAMPAIGN}/.journal/")}
    assert len(records) == 3
    assert sorted(a["path"] for r in records.values() for a in r["artifacts"]) == \
        sorted(a["path"] for a in manifest["artifacts"])
    shared = [k for k in stored if k.startswith("studio/.cache/") and k.endswith(".entry.json")]
    assert any(k.endswith(".mp3.entry.json") for k in shared)  # the bulletins' speech segments are in the store

    second = studio_build(campaign, tmp_path / "B", storage)
    assert "Đã tạo 0, giữ nguyên 3, lỗi 0" in second
    assert (tmp_path / "B" / CAMPAIGN / PHASE / "manifest.json").read_bytes() == \
        (tmp_path / "A" / CAMPAIGN / PHASE / "manifest.json").read_bytes()
    assert not list((tmp_path / "B" / CAMPAIGN).rglob("*.mp3"))  # nothing rendered, nothing fetched

    # one object gone from the store: only its job is made again, from a third empty folder, and
    # its speech comes from the store's cache (the third folder's cache is filled by downloads)
    bulletin = next(a for a in manifest["artifacts"] if a["path"].endswith("phuoc-hoa/bulletin.mp3"))
    s3_client().delete_object(Bucket=bucket, Key=f"studio/{CAMPAIGN}/{bulletin['path']}")
    third = studio_build(campaign, tmp_path / "C", storage)
    assert "Đã tạo 1, giữ nguyên 2, lỗi 0" in third
    assert (tmp_path / "C" / CAMPAIGN / PHASE / "manifest.json").read_bytes() == \
        (tmp_path / "A" / CAMPAIGN / PHASE / "manifest.json").read_bytes()
    downloaded = {p.name for p in (tmp_path / "C" / ".cache").rglob("*") if p.is_file() and p.parent.name != ".locks"}
    assert downloaded and downloaded <= {k.rsplit("/", 1)[1] for k in stored}
    assert len(objects(bucket)) == len(stored)  # nothing new was made: the segments were the store's
