"""What a district or commune operator runs: fetch this unit's audience's files, verified, resumable.

Files are downloaded into a staging folder beside DIR (same file system, hidden),
checked against the signed manifest, and moved into DIR only when every file of
the unit has been verified. An interrupted pull keeps its verified staged files
and starts again from there; a failed check leaves DIR untouched. The public key
given once with ``--key`` is remembered in ``DIR/.studio/province.pub``, and the highest
manifest sequence accepted per phase in ``DIR/.studio/sequences.json`` (``freshness``): an
older manifest (a rollback) is refused, one past ``valid_until`` is taken with a warning.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..artifacts import atomic_write_bytes, sha256_file
from ..storage import StorageError
from . import MANIFEST_KEY, PublishError, freshness, open_location, signing, split_phase_url
from .verify import manifest_audience, read_signed, require_unit

PINNED_KEY = Path(".studio") / signing.PUBLIC_NAME


@dataclass
class PullReport:
    unit: str
    phase: str
    files: list[str] = field(default_factory=list)
    downloaded: int = 0
    already: int = 0
    bytes: int = 0
    sequence: int = 0
    warnings: list[str] = field(default_factory=list)


def staging_dir(dest: Path) -> Path:
    return dest.parent / f".{dest.name}.dang-tai"


def public_key_for(dest: Path, key_path: Path | None):
    """The key given now (and remember it), or the one remembered from an earlier pull."""
    pinned = dest / PINNED_KEY
    if key_path is None:
        if not pinned.is_file():
            raise PublishError("cần khóa công khai của tỉnh: thêm --key province.pub (chỉ cần lần đầu)")
        return signing.load_public(pinned)
    key = signing.load_public(key_path)
    if pinned.is_file() and pinned.read_bytes() != Path(key_path).read_bytes():
        old = signing.load_public(pinned)
        if signing.key_id(old) != signing.key_id(key):
            raise PublishError(f"khóa {key_path} khác khóa đã dùng cho {dest} (mã {signing.key_id(old)}); "
                               f"nếu tỉnh đã đổi khóa, xóa {pinned} rồi chạy lại")
    return key


def pull(source: str, unit: str, dest: Path, key_path: Path | None = None, *,
         storage_options: dict | None = None, workers: int = 4,
         on_file: Callable[[str], None] | None = None) -> PullReport:
    """Fetch the files of ``unit``'s audience in the phase at ``source`` (``UnitTree.audience``: for a
    commune also its district's pa nô, for a district its communes too) into ``dest``, all verified."""
    dest = Path(dest)
    public = public_key_for(dest, key_path)
    base, phase = split_phase_url(source)
    storage = open_location(base, **(storage_options or {}))
    manifest, raw, problem = read_signed(storage, phase, public)
    if problem:
        raise PublishError(f"{problem}. Không tải tệp nào.")
    if manifest.get("status") != "approved":
        raise PublishError(f"{source}: đây là bản nháp (chưa duyệt), không dùng để phát")
    seen = freshness.seen_in_folder(dest, manifest, phase)
    problem = seen.problem(manifest, raw, source)
    if problem:
        raise PublishError(f"{problem}. Không tải tệp nào, {dest} giữ nguyên.")
    require_unit(manifest, unit)
    scope = manifest_audience(manifest, unit)
    wanted = [a for a in manifest["artifacts"] if a["unit"] in scope]
    report = PullReport(unit, phase, files=[a["path"] for a in wanted], sequence=freshness.sequence_of(manifest))
    report.warnings += [w for w in [freshness.stale_warning(manifest, source)] if w]
    stage = staging_dir(dest)
    for leftover in stage.rglob("*.part*") if stage.exists() else []:
        leftover.unlink(missing_ok=True)  # a download cut off mid-file restarts that file

    stop = threading.Event()  # set by the first interrupt, in any thread: no new download starts after it

    def fetch(art: dict) -> str:
        """Make sure a verified copy exists (in DIR or staging): "already", "downloaded" or an error."""
        if stop.is_set():
            return "stopped"
        try:
            return fetch_one(art)
        except BaseException:
            stop.set()
            raise

    def fetch_one(art: dict) -> str:
        final, staged = dest / art["path"], stage / art["path"]
        for path in (final, staged):
            if path.is_file() and path.stat().st_size == art["bytes"] and sha256_file(path) == art["sha256"]:
                return "already"
        staged.unlink(missing_ok=True)
        try:
            storage.get_file(art["path"], staged)
        except StorageError as exc:
            return str(exc)
        if sha256_file(staged) != art["sha256"]:
            staged.unlink()
            return f"{art['path']}: nội dung không khớp mã băm trong manifest đã ký (tệp bị sửa hoặc hỏng)"
        if on_file:
            on_file(art["path"])
        return "downloaded"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fetch, art) for art in wanted]
        try:
            results = [f.result() for f in futures]
        except BaseException:  # interrupted: stop queued downloads, keep what is verified
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    report.already = results.count("already")
    report.downloaded = results.count("downloaded")
    report.bytes = sum(a["bytes"] for a, r in zip(wanted, results) if r == "downloaded")
    problems = [r for r in results if r not in ("already", "downloaded")]
    if problems:
        raise PublishError("không nhận tệp nào vì có tệp không kiểm tra được:\n  " + "\n  ".join(problems))
    # Everything is verified: move into DIR, then the signed manifest for later `studio verify`.
    for art in wanted:
        staged = stage / art["path"]
        if staged.is_file():
            (dest / art["path"]).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, dest / art["path"])
    atomic_write_bytes(dest / phase / MANIFEST_KEY, raw)  # the signed bytes as published: what verify re-reads
    seen.remember(manifest, raw)
    pinned = dest / PINNED_KEY
    if not pinned.is_file() and key_path is not None:
        atomic_write_bytes(pinned, Path(key_path).read_bytes())
    shutil.rmtree(stage, ignore_errors=True)
    return report
