"""What a build leaves when things go wrong: a manifest only moves forward and always tells the truth.

Real renderers (visual, deck, espeak-ng bulletins) on a small campaign of phase dot-3: two briefs,
one district with two communes (6 jobs, 13 files). Every build is ``python -m studio.cli build``
in a subprocess, as an operator or the scheduler runs it; faults are real: a glyph no shipped font
has, a read-only bind mount, a small tmpfs filled up, a second writer, ``kill -9``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from small_campaign import example_brief, small_campaign

ROOT = Path(__file__).resolve().parent.parent
MAIN = "dot3-ket-qua-dai-hoi"
FILES = 14  # what the small campaign's plan makes (its deck: the pptx and the PDF beside it)
PANO = "dot-3/pano/bac-ai"  # the folder of one job (the main brief's pa nô)


@pytest.fixture
def campaign(tmp_path) -> Path:
    main = example_brief(MAIN, key_messages=["Học tập Nghị quyết."], body="Đại hội đã thành công.\n",
                         channels=["hoi-nghi", "truyen-thanh-co-so", "mang-xa-hoi", "pano"],
                         formats=["deck-16x9", "bulletin", "infographic-1080x1080", "pano-3000x1500"])
    side = dict(main, id="dot3-hoc-tap", headline="Học tập, quán triệt Nghị quyết",
                channels=["truyen-thanh-co-so", "mang-xa-hoi"], formats=["bulletin", "infographic-1080x1350"])
    return small_campaign(tmp_path / "campaign", [main, side])


def set_headline(campaign: Path, text: str) -> None:
    path = campaign / "briefs" / f"{MAIN}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["headline"] = text
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def command(campaign: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "studio.cli", "build", str(campaign), "--out", str(out), "--workers", "2"]


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def studio_build(campaign: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(campaign, out), capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)


def consistent(out: Path) -> dict[str, dict]:
    """Every manifest entry's file exists with the entry's sha256; the entries by path."""
    entries = {}
    for manifest in (out / "ninh-thuan-2025").glob("*/manifest.json"):
        for art in json.loads(manifest.read_text(encoding="utf-8"))["artifacts"]:
            path = out / "ninh-thuan-2025" / art["path"]
            assert path.is_file(), f"{manifest} names {art['path']}, which is missing"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == art["sha256"], f"{art['path']}: hash mismatch"
            entries[art["path"]] = art
    return entries


def status(out: Path) -> dict:
    return json.loads((out / "ninh-thuan-2025" / "dot-3" / "status.json").read_text(encoding="utf-8"))


def assert_serves_last_good(out: Path, before: dict[str, dict], failed_jobs: set[str]) -> None:
    """The failed jobs' entries are the previous ones, and status.json names each failure and its version."""
    after = consistent(out)
    assert set(after) == set(before) and len(after) == FILES
    for path, art in before.items():
        if art["job"] in failed_jobs:
            assert after[path] == art, path
    failures = {f["job"]: f for f in status(out)["failures"]}
    assert set(failures) == failed_jobs
    for job in failed_jobs:
        served = next(a for a in before.values() if a["job"] == job)
        assert failures[job]["serving"]["inputs_hash"] == served["inputs_hash"]
        assert failures[job]["serving"]["made_at"]


@contextmanager
def mounted(*args: str, target: Path):
    """``mount`` (we are root here and in CI), unmounted afterwards; skip when mounting is refused."""
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} refused ({done.stderr.strip()}): this fault needs root in a "
                    "container that allows mounts")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


def test_a_broken_brief_keeps_its_last_good_version_listed(campaign, tmp_path):
    out = tmp_path / "out"
    assert studio_build(campaign, out).returncode == 0
    before = consistent(out)
    assert len(before) == FILES

    set_headline(campaign, "Đưa Nghị quyết vào cuộc sống 🚀")  # a character no shipped font has
    result = studio_build(campaign, out)
    assert result.returncode == 1, result.stderr
    assert "U+1F680" in result.stderr and "vẫn dùng bản tốt trước đó" in result.stderr
    assert "Traceback" not in result.stderr
    # one summary line groups the failures by brief and format
    assert (f"Tóm tắt lỗi theo tin bài và định dạng: {MAIN} × infographic-1080x1080: 1; "
            f"{MAIN} × pano-3000x1500: 1; — × deck-16x9: 1") in " ".join(result.stderr.split())
    failed = {f"{PANO}/{MAIN}--pano-3000x1500", f"dot-3/mang-xa-hoi/ninh-thuan/{MAIN}--infographic-1080x1080",
              "dot-3/hoi-nghi/ninh-thuan/deck-16x9"}
    assert_serves_last_good(out, before, failed)


def test_a_read_only_folder_fails_its_jobs_and_keeps_the_manifest(campaign, tmp_path):
    out = tmp_path / "out"
    assert studio_build(campaign, out).returncode == 0
    before = consistent(out)
    set_headline(campaign, "Nghị quyết Đại hội vào cuộc sống")  # a valid edit: the main brief's jobs render again

    folder = out / "ninh-thuan-2025" / PANO
    with mounted("--bind", "-o", "ro", str(folder), target=folder):
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        result = studio_build(campaign, out)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert_serves_last_good(out, before, {f"{PANO}/{MAIN}--pano-3000x1500"})
        assert (out / "ninh-thuan-2025" / PANO / f"{MAIN}--pano-3000x1500.pdf").stat().st_size == \
            before[f"{PANO}/{MAIN}--pano-3000x1500.pdf"]["bytes"]

    phase = out / "ninh-thuan-2025" / "dot-3"  # now the manifest's own folder
    manifest = (phase / "manifest.json").read_bytes()
    set_headline(campaign, "Nghị quyết Đại hội XV vào cuộc sống")
    with mounted("--bind", str(phase), target=phase):
        subprocess.run(["mount", "-o", "remount,ro,bind", str(phase)], check=True)
        result = studio_build(campaign, out)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "Không ghi được manifest" in result.stderr and "chỉ đọc" in result.stderr
        assert (phase / "manifest.json").read_bytes() == manifest
        assert len(consistent(out)) == FILES


def test_a_full_disk_fails_jobs_keeps_the_manifest_and_says_why(campaign, tmp_path):
    with mounted("-t", "tmpfs", "-o", "size=24m", "tmpfs", target=tmp_path / "disk") as disk:
        out = disk / "out"
        assert studio_build(campaign, out).returncode == 0
        before = consistent(out)
        set_headline(campaign, "Nghị quyết Đại hội vào cuộc sống")

        def fill(leave: int) -> None:
            st = os.statvfs(disk)
            with open(disk / f"filler-{leave}", "wb") as fh:
                os.posix_fallocate(fh.fileno(), 0, max(1, st.f_bavail * st.f_frsize - leave))

        fill(1 << 20)  # room for the small files, the manifest and status, not for a bulletin (1 MB each)
        result = studio_build(campaign, out)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "No space left" in result.stderr
        failed = {f["job"] for f in status(out)["failures"]}
        assert failed >= {f"dot-3/truyen-thanh-co-so/{unit}/bulletin" for unit in ("phuoc-binh", "phuoc-hoa")}
        assert_serves_last_good(out, before, failed)

        manifest = (out / "ninh-thuan-2025" / "dot-3" / "manifest.json").read_bytes()
        fill(0)  # full: not even the manifest fits
        result = studio_build(campaign, out)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "đĩa đầy" in result.stderr and "dot-3/manifest.json" in result.stderr
        assert "LỖI dot-3/" in result.stderr  # the jobs' errors are still printed
        assert (out / "ninh-thuan-2025" / "dot-3" / "manifest.json").read_bytes() == manifest
        assert len(consistent(out)) == FILES


def test_a_second_writer_into_the_same_folder_is_refused(campaign, tmp_path):
    out = tmp_path / "out"
    other = tmp_path / "other"
    shutil.copytree(campaign, other)
    set_headline(other, "Nội dung khác hẳn")
    first = subprocess.Popen(command(campaign, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=ENV, cwd=ROOT)
    lock = out / "ninh-thuan-2025" / ".studio.lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text()) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    second = studio_build(other, out)
    assert first.wait(timeout=120) == 0
    assert second.returncode == 2, second.stderr
    assert f"đang được ghi bởi tiến trình {first.pid}" in second.stderr and "(lệnh: studio build " in second.stderr
    first_entries = consistent(out)
    assert len(first_entries) == FILES

    assert studio_build(other, out).returncode == 0  # once the first is done, the folder is free again
    after = consistent(out)
    assert after[f"{PANO}/{MAIN}--pano-3000x1500.pdf"] != first_entries[f"{PANO}/{MAIN}--pano-3000x1500.pdf"]


def test_kill_9_at_any_moment_leaves_a_true_manifest(campaign, tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    assert studio_build(campaign, out).returncode == 0
    took = time.monotonic() - started  # this machine's pace: the kills fall inside a build
    rng = random.Random(13)
    for trial in range(10):
        set_headline(campaign, f"Nghị quyết Đại hội vào cuộc sống, lần {trial}")  # every main-brief job changes
        proc = subprocess.Popen(command(campaign, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=ENV, cwd=ROOT, start_new_session=True)
        time.sleep(rng.uniform(0.3, 1.0) * took)  # from loading the campaign to writing the manifest
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its pool workers, like a power cut
        proc.wait(timeout=30)
        consistent(out)

    result = studio_build(campaign, out)
    assert result.returncode == 0, result.stderr
    assert len(consistent(out)) == FILES
    root = out / "ninh-thuan-2025"
    assert not [p for p in root.rglob("*") if ".part" in p.name] and not (root / ".staging").exists()
