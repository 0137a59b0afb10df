"""Upload throughput of `studio publish` vs a plain boto3 loop over the same files, same run.

Needs the S3 server: `bash scripts/services.sh start`. Prints files/s and MB/s for
(1) the plain loop (`client.upload_file` per file, one after another), (2) a first
publish (every file: hash check, upload with server-side sha256 check, signed manifest,
138 unit pages and feeds, log), (2b) the same without the unit pages, (3) a re-publish of
(2) with nothing changed.

    .venv/bin/python benchmarks/bench_publish.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from studio.artifacts import sha256_file
from studio.loader import load_campaign
from studio.manifest import write_manifest
from studio.publish.publish import publish
from studio.publish.signing import init_keys

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:8333")
os.environ.setdefault("AWS_ENDPOINT_URL", ENDPOINT)
os.environ.setdefault("AWS_ACCESS_KEY_ID", "studio-test-admin")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "studio-test-admin-secret")


def make_phase(out: Path, campaign, scale: float) -> list[Path]:
    """A dot-1-sized phase: a real MP3 bulletin per commune, pa nô per district, the province's set."""
    import subprocess

    import imageio_ffmpeg

    tree = campaign.unit_tree()
    start = campaign.phase("dot-1").start
    root = out / campaign.id
    template = out / "template.mp3"
    template.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={int(60 * scale) or 1}", "-b:a", "64k", str(template)], check=True)
    mp3 = template.read_bytes()
    artifacts, files = [], []

    def add(channel, unit, fmt, brief, media, size=None):
        ext = {"audio/mpeg": "mp3", "application/pdf": "pdf", "image/png": "png", "video/mp4": "mp4"}.get(media, "pptx")
        stem = f"{brief}--{fmt}" if brief else fmt
        rel = f"dot-1/{channel}/{unit}/{stem}.{ext}"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mp3 + os.urandom(16) if size is None else os.urandom(int(size * scale)))
        files.append(path)
        artifacts.append({"path": rel, "sha256": sha256_file(path), "bytes": path.stat().st_size,
                          "media_type": media, "job": rel.rsplit(".", 1)[0], "phase": "dot-1", "channel": channel,
                          "unit": unit, "brief": brief, "format": fmt, "renderer": "bench/1",
                          "inputs_hash": "0" * 64, "meta": {}})

    province = tree.root.id
    for unit in tree.at_level("commune", start):
        add("truyen-thanh-co-so", unit.id, "bulletin", None, "audio/mpeg")
    for unit in tree.at_level("district", start):
        for brief in ("dot1-thi-dua", "dot1-y-nghia-thanh-tuu"):
            for fmt in ("pano-4000x2000", "pano-3000x1500", "pano-1200x2400"):
                add("pano", unit.id, fmt, brief, "application/pdf", 2_000_000)
    for brief in ("dot1-thi-dua", "dot1-tinh-cam-ky-vong", "dot1-y-nghia-thanh-tuu"):
        for fmt in ("infographic-1080x1080", "infographic-1080x1350", "infographic-1200x628", "infographic-1080x1920"):
            add("mang-xa-hoi", province, fmt, brief, "image/png", 300_000)
        add("mang-xa-hoi", province, "video-9x16", brief, "video/mp4", 8_000_000)
    for brief in ("dot1-thi-dua", "dot1-y-nghia-thanh-tuu"):
        for fmt in ("poster-a0", "poster-a3", "leaflet-a4"):
            add("an-pham", province, fmt, brief, "application/pdf", 3_000_000)
    add("truyen-hinh", province, "video-16x9", "dot1-y-nghia-thanh-tuu", "video/mp4", 15_000_000)
    add("hoi-nghi", province, "deck-16x9", None,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", 2_000_000)
    write_manifest(root, campaign.id, "dot-1", artifacts)
    return files


def rate(label: str, files: int, size: int, seconds: float) -> float:
    print(f"{label:<44} {seconds:6.2f} s  {files / seconds:7.1f} files/s  {size / 1e6 / seconds:7.1f} MB/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every file size")
    parser.add_argument("--workers", type=int, default=2, help="upload threads of studio publish")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (best one is kept)")
    args = parser.parse_args()
    campaign = load_campaign(ROOT / "examples" / "ninh-thuan-2025")
    client = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1",
                          config=Config(s3={"addressing_style": "path"}))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out = tmp / "out"
        files = make_phase(out, campaign, args.scale)
        size = sum(f.stat().st_size for f in files)
        print(f"phase: {len(files)} files, {size / 1e6:.1f} MB; server {ENDPOINT}")
        init_keys(tmp / "keys")

        buckets: list[str] = []

        def fresh_bucket(kind: str) -> str:
            name = f"bench-{kind}-{uuid.uuid4().hex[:8]}"
            client.create_bucket(Bucket=name)
            buckets.append(name)
            return name

        def plain() -> None:
            name = fresh_bucket("plain")
            for path in files:
                client.upload_file(str(path), name, str(path.relative_to(out)))

        def studio(feeds: bool) -> str:
            name = fresh_bucket("publish")
            [report] = publish(campaign, ["dot-1"], out, f"s3://{name}", tmp / "keys" / "province.key",
                               workers=args.workers, feeds=feeds)
            assert len(report.uploaded) == len(files)
            return name

        # The machine is shared: alternate the variants and keep each one's best round.
        best: dict[str, float] = {}
        last = ""
        for _ in range(args.rounds):
            for label, run in (("plain", plain), ("publish", lambda: studio(True)),
                               ("files", lambda: studio(False))):
                started = time.perf_counter()
                result = run()
                best[label] = min(best.get(label, float("inf")), time.perf_counter() - started)
                last = result if label == "publish" else last
        started = time.perf_counter()
        [again] = publish(campaign, ["dot-1"], out, f"s3://{last}", tmp / "keys" / "province.key")
        best["again"] = time.perf_counter() - started
        assert not again.uploaded

        rate("plain boto3 loop (upload_file, sequential)", len(files), size, best["plain"])
        rate(f"studio publish ({args.workers} threads, all checks + pages)", len(files), size, best["publish"])
        rate("studio publish, files + signed manifest only", len(files), size, best["files"])
        rate("studio publish again, nothing changed", len(files), size, best["again"])
        print(f"ratio plain/publish: {best['plain'] / best['publish']:.2f}x full, "
              f"{best['plain'] / best['files']:.2f}x files+manifest (higher = publish faster); "
              f"re-publish takes {best['again'] / best['publish']:.0%} of a first publish "
              f"(best of {args.rounds} alternating rounds)")
        for name in buckets:
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
                for obj in page.get("Contents", []):
                    client.delete_object(Bucket=name, Key=obj["Key"])
            client.delete_bucket(Bucket=name)


if __name__ == "__main__":
    main()
