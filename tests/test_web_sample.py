"""A small built output tree for the web portal tests and benchmark.

Two communes of different districts (xã Phước Hòa in Bác Ái, xã Vĩnh Hải in
Ninh Hải) get real MP3 bulletins and scripts in Đợt 1, their 2025 successors get
daily bulletins in Đợt 2.2, plus district pa nô PDFs and a province infographic.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import imageio_ffmpeg
from PIL import Image

from studio.artifacts import atomic_write_json, sha256_file
from studio.manifest import write_manifest

COMMUNES = {"phuoc-hoa": ("bac-ai", "bac-ai-tay-2025", 440), "vinh-hai": ("ninh-hai", "vinh-hai-2025", 660)}


def make_mp3(path: Path, seconds: float = 2.0, freq: int = 440) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={freq}:duration={seconds}", "-ac", "1", "-b:a", "64k", str(path)], check=True)
    return path


def make_png(path: Path, size=(270, 270), color=(200, 16, 46)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def make_pdf(path: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (200, 100), (255, 205, 0)).save(buf, "PDF")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return path


def _artifact(root: Path, rel: str, media_type: str, brief: str | None, fmt: str, **meta) -> dict:
    phase, channel, unit, _ = rel.split("/")
    path = root / rel
    return {"path": rel, "sha256": sha256_file(path), "bytes": path.stat().st_size, "media_type": media_type,
            "job": rel.rsplit(".", 1)[0], "phase": phase, "channel": channel, "unit": unit, "brief": brief,
            "format": fmt, "renderer": "test/1", "inputs_hash": "0" * 64, "meta": meta}


def make_sample_tree(out: Path, campaign_id: str = "ninh-thuan-2025", extra_units: int = 0) -> Path:
    """Write the tree under ``out/<campaign_id>``; return ``out`` (the storage root)."""
    root = Path(out) / campaign_id
    arts: dict[str, list[dict]] = {"dot-1": [], "dot-2-2": []}
    for commune, (district, successor, freq) in COMMUNES.items():
        base = f"dot-1/truyen-thanh-co-so/{commune}"
        make_mp3(root / f"{base}/bulletin.mp3", 2.0, freq)
        (root / f"{base}/bulletin.script.txt").write_text(f"Kịch bản bản tin Đợt 1 cho {commune}.\n", encoding="utf-8")
        arts["dot-1"] += [_artifact(root, f"{base}/bulletin.mp3", "audio/mpeg", None, "bulletin",
                                    priority="normal", duration=2.0),
                          _artifact(root, f"{base}/bulletin.script.txt", "text/plain", None, "bulletin")]
        pano = f"dot-1/pano/{district}/dot1-thi-dua--pano-4000x2000"
        make_pdf(root / f"{pano}.pdf")
        make_png(root / f"{pano}.preview.png", (300, 150), (255, 205, 0))
        arts["dot-1"].append(_artifact(root, f"{pano}.pdf", "application/pdf", "dot1-thi-dua", "pano-4000x2000"))
        daily = f"dot-2-2/truyen-thanh-co-so/{successor}/bulletin-daily-2025-09-24"
        make_mp3(root / f"{daily}.mp3", 1.5, freq + 110)
        (root / f"{daily}.script.txt").write_text("Kịch bản ngày 24/9.\n", encoding="utf-8")
        arts["dot-2-2"] += [_artifact(root, f"{daily}.mp3", "audio/mpeg", None, "bulletin-daily",
                                      priority="priority", day="2025-09-24", duration=1.5),
                            _artifact(root, f"{daily}.script.txt", "text/plain", None, "bulletin-daily")]
    (root / "don-vi/phuoc-hoa").mkdir(parents=True)
    (root / "don-vi/phuoc-hoa/podcast.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>xã Phước Hòa</title>'
        "</channel></rss>\n", encoding="utf-8")
    info = "dot-1/mang-xa-hoi/ninh-thuan/dot1-thi-dua--infographic-1080x1080.png"
    make_png(root / info)
    arts["dot-1"].append(_artifact(root, info, "image/png", "dot1-thi-dua", "infographic-1080x1080"))
    # More communes for the load benchmark: copies of one bulletin.
    for i in range(extra_units):
        rel = f"dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin-extra-{i}.mp3"
        (root / rel).write_bytes((root / "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3").read_bytes())
        arts["dot-1"].append(_artifact(root, rel, "audio/mpeg", None, "bulletin", priority="normal"))
    for phase, items in arts.items():
        write_manifest(root, campaign_id, phase, items)
    atomic_write_json(root / "dot-1/status.json", {
        "finished_at": "2025-01-02T01:00:00+00:00", "artifacts": len(arts["dot-1"]), "rendered": len(arts["dot-1"]),
        "failures": [{"job": "dot-1/video/ninh-thuan/x", "phase": "dot-1", "channel": "truyen-hinh",
                      "brief": "dot1-thi-dua",
                      "format": "video-16x9", "unit": "ninh-thuan", "error": "RuntimeError: <b>thử</b>"}]})
    return Path(out)


def manifest_entry(out: Path, path: str, campaign_id: str = "ninh-thuan-2025") -> dict:
    phase = path.split("/", 1)[0]
    data = json.loads((Path(out) / campaign_id / phase / "manifest.json").read_text(encoding="utf-8"))
    return next(a for a in data["artifacts"] if a["path"] == path)


def test_sample_tree_is_consistent(tmp_path):
    out = make_sample_tree(tmp_path)
    entry = manifest_entry(out, "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3")
    assert entry["sha256"] == sha256_file(out / "ninh-thuan-2025" / entry["path"])
    assert entry["bytes"] > 1000
