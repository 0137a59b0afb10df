"""Shared helpers for the storage/publish tests: the real SeaweedFS, a tiny built phase.

Import the fixtures into a test module with ``from s3fixtures import *``. The
shared server is the one ``scripts/services.sh start`` runs on 127.0.0.1:8333
(``STUDIO_TEST_S3=http://127.0.0.1:PORT`` points the tests at another one with the
same admin identity); tests that must kill a server or load their own identities
start a private ``weed mini`` on free ports (``WeedServer``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WEED = Path(sys.executable).parent / "weed"  # installed in the same venv as the tests
ENDPOINT = os.environ.get("STUDIO_TEST_S3", "http://127.0.0.1:8333")
ADMIN = {"accessKey": "studio-test-admin", "secretKey": "studio-test-admin-secret"}  # see scripts/services.sh

__all__ = ["ADMIN", "ENDPOINT", "WeedServer", "admin_env", "bucket", "built_phase", "keys", "port_open",
           "planned_build", "reader_state", "s3_client"]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_client(endpoint: str = ENDPOINT, access: str = ADMIN["accessKey"], secret: str = ADMIN["secretKey"]):
    """A plain boto3 client (for test set-up and for tampering behind studio's back)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                        region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      request_checksum_calculation="when_required"))


class WeedServer:
    """A private ``weed mini`` on free loopback ports with its own identities file."""

    def __init__(self, folder: Path, identities: dict):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config = self.folder / "s3.json"
        self.config.write_text(json.dumps(identities))
        names = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
                 "filer.port.grpc", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "admin.port",
                 "admin.port.grpc")
        self.ports = {name: free_port() for name in names}
        self.s3_port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.s3_port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> WeedServer:
        args = [str(WEED), "mini", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-master.telemetry=false", f"-s3.config={self.config}", "-admin.ui=false", "-webdav=false",
                f"-s3.port={self.s3_port}", *(f"-{name}={port}" for name, port in self.ports.items())]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        (self.folder / "data").mkdir(exist_ok=True)
        log = open(self.folder / "weed.log", "ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed mini exited: {(self.folder / 'weed.log').read_text()[-2000:]}")
            if port_open(self.s3_port):
                try:  # any S3 answer (403 without credentials) means the gateway reached its filer
                    if httpx.get(self.endpoint, timeout=2).status_code in (200, 403):
                        return self
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("weed mini did not answer in time")

    def kill(self) -> None:
        """Hard stop (SIGKILL), like a crashed server."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def admin_env(monkeypatch):
    """Point boto3 at the shared SeaweedFS with the admin identity."""
    if not port_open(int(ENDPOINT.rsplit(":", 1)[1])):
        pytest.fail(f"SeaweedFS is not running on {ENDPOINT}: run `bash scripts/services.sh start`")
    monkeypatch.setenv("AWS_ENDPOINT_URL", ENDPOINT)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ADMIN["accessKey"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ADMIN["secretKey"])
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return ENDPOINT


@pytest.fixture
def bucket(admin_env):
    """A fresh bucket on the shared server, emptied and removed afterwards."""
    name = f"studio-test-{uuid.uuid4().hex[:10]}"
    client = s3_client()
    client.create_bucket(Bucket=name)
    yield name
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=name):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=name, Key=obj["Key"])
    try:
        client.delete_bucket(Bucket=name)
    except Exception:
        pass


@pytest.fixture(autouse=True)
def reader_state(tmp_path, monkeypatch):
    """Where ``verify`` remembers remote manifests' sequences: this test's folder, not the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def keys(tmp_path):
    from studio.publish.signing import init_keys

    return init_keys(tmp_path / "keys")


def built_phase(out: Path, campaign, phase: str = "dot-1", units: list[str] | None = None,
                extra: list[dict] | None = None) -> list[dict]:
    """Write a small built phase (real files + the build manifest) without any renderer.

    One bulletin MP3-named file per commune in ``units`` (commune channel), one
    pano PDF for the first district, and one infographic for the province; briefs
    come from the campaign (approved or not, as the campaign says).
    """
    from studio.artifacts import atomic_write_bytes, sha256_file
    from studio.manifest import write_manifest

    root = Path(out) / campaign.id
    brief = next(b for b in campaign.briefs if b.phase == phase)
    units = units or ["phuoc-binh", "phuoc-hoa", "do-vinh"]
    district = campaign.unit_tree()[units[0]].parent or units[0]
    province = campaign.unit_tree().root.id
    specs = [("truyen-thanh-co-so", u, None, "bulletin", "mp3", "audio/mpeg") for u in units]
    specs += [("pano", district, brief.id, "pano-4000x2000", "pdf", "application/pdf"),
              ("mang-xa-hoi", province, brief.id, "infographic-1080x1080", "png", "image/png")]
    artifacts = []
    for channel, unit, brief_id, fmt, ext, media in specs:
        stem = f"{brief_id}--{fmt}" if brief_id else fmt
        rel = f"{phase}/{channel}/{unit}/{stem}.{ext}"
        atomic_write_bytes(root / rel, f"{rel}\n".encode() * 50)
        artifacts.append({"path": rel, "sha256": sha256_file(root / rel), "bytes": (root / rel).stat().st_size,
                          "media_type": media, "job": f"{phase}/{channel}/{unit}/{stem}", "phase": phase,
                          "channel": channel, "unit": unit, "brief": brief_id, "format": fmt,
                          "renderer": "test/1", "inputs_hash": "0" * 64, "meta": {}})
    for art in extra or []:
        atomic_write_bytes(root / art["path"], art.pop("content"))
        path = root / art["path"]
        artifacts.append({**art, "sha256": sha256_file(path), "bytes": path.stat().st_size})
    write_manifest(root, campaign.id, phase, artifacts)
    return artifacts


def planned_build(out: Path, campaign, phase: str = "dot-1", leave_out=lambda job: False,
                  version: str = "1") -> list[dict]:
    """What a full build of ``phase`` writes, without renderers: one small file per job of the plan
    (its content names ``version``) and the build manifest. ``leave_out(job)`` drops a job from the
    manifest, as a partly failed build did before issue 13."""
    import mimetypes

    from studio.artifacts import atomic_write_bytes, sha256_file
    from studio.formats import FORMATS
    from studio.manifest import write_manifest
    from studio.plan import expand

    root = Path(out) / campaign.id
    artifacts = []
    for job in expand(campaign, [phase]):
        if leave_out(job):
            continue
        media = FORMATS[job.format].media_type
        rel = f"{job.folder}/{job.stem}{mimetypes.guess_extension(media)}"
        atomic_write_bytes(root / rel, f"{rel} v{version}\n".encode() * 20)
        artifacts.append({"path": rel, "sha256": sha256_file(root / rel), "bytes": (root / rel).stat().st_size,
                          "media_type": media, "job": job.id, "phase": phase, "channel": job.channel,
                          "unit": job.unit, "brief": job.brief, "format": job.format, "renderer": "test/1",
                          "inputs_hash": "0" * 64, "meta": {}})
    write_manifest(root, campaign.id, phase, artifacts)
    return artifacts
