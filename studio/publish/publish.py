"""Publish a built phase: approved files up, unchanged ones skipped, signed manifest last.

Order is what makes it safe: (1) every file is uploaded and checked, (2) the signed
manifest replaces the old one in one PUT, (3) objects the new manifest no longer
names are removed, (4) unit pages and feeds are refreshed, (5) the publish log gets
an entry. If the server dies during (1), the old manifest still stands and still
matches what it names; running publish again uploads only what is missing.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..campaign import Campaign
from ..formats import FORMATS
from ..manifest import read_manifest
from ..plan import RenderJob, briefs_for
from ..storage import StorageError
from . import (
    FORMAT,
    MANIFEST_KEY,
    PRIORITY_RANK,
    PublishError,
    join_url,
    open_location,
    signing,
)

DRAFTS = "drafts"
LOG_PREFIX = "nhat-ky"
LOCAL_LOG = "publish-log.jsonl"


@dataclass
class PublishReport:
    phase: str
    target: str
    status: str  # "approved" | "draft"
    artifacts: int = 0
    uploaded: list[str] = field(default_factory=list)
    skipped: int = 0
    removed: list[str] = field(default_factory=list)
    held_back: list[str] = field(default_factory=list)  # not approved, not published
    manifest_sha256: str = ""
    bytes_uploaded: int = 0


def who(by: str | None = None) -> str:
    return by or os.environ.get("STUDIO_USER") or f"{getpass.getuser()}@{socket.gethostname()}"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- what goes out ------------------------------------------------------------------

def classify(campaign: Campaign, artifacts: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split artifacts into (publishable, drafts); publishable = every brief it draws on is approved.

    Each returned artifact is enriched with the facts units need without the
    campaign: its briefs, their titles and the highest priority among them.
    """
    tree = campaign.unit_tree()
    known = {b.id for b in campaign.briefs}
    approved, drafts = [], []
    for art in artifacts:
        fmt = FORMATS.get(art["format"])
        if art.get("brief") and art["brief"] not in known or fmt is None or art["unit"] not in tree:
            drafts.append(art)  # built from something that no longer exists: never published as approved
            continue
        job = RenderJob(art["phase"], art["channel"], art["format"], fmt.kind, art["unit"], art.get("brief"))
        briefs = briefs_for(campaign, job, tree)
        enriched = {
            **art,
            "briefs": [b.id for b in briefs],
            "titles": [b.title for b in briefs],
            "priority": max((b.priority for b in briefs), key=PRIORITY_RANK.get, default="normal"),
        }
        (approved if briefs and all(b.approved for b in briefs) else drafts).append(enriched)
    return approved, drafts


def media_duration(path: Path) -> float | None:
    """Seconds of audio/video (for podcast enclosures), read from the file's headers."""
    try:
        import mutagen

        info = mutagen.File(path)
        return round(float(info.info.length), 2) if info is not None and info.info else None
    except Exception:  # an unreadable header only costs the feed its duration
        return None


def units_table(campaign: Campaign) -> dict[str, dict]:
    """Routing data for pull, so units need no campaign files: parent, dates, successors."""
    return {u.id: u.model_dump(mode="json", exclude_defaults=True, exclude={"id"}) for u in campaign.units}


def phase_manifest(campaign: Campaign, phase_id: str, artifacts: list[dict], status: str, by: str) -> dict[str, Any]:
    phase = campaign.phase(phase_id)
    keep = ("path", "sha256", "bytes", "media_type", "channel", "unit", "brief", "briefs", "titles", "format",
            "priority", "duration", "meta", "job")
    return {
        "format": FORMAT, "status": status,
        "campaign": campaign.id, "campaign_title": campaign.title, "issuer": campaign.issuer,
        "phase": phase.id, "phase_name": phase.name, "phase_start": phase.start.isoformat(),
        "phase_end": phase.end.isoformat(),
        "published_at": now(), "published_by": by,
        "artifacts": sorted(({k: a[k] for k in keep if k in a} for a in artifacts), key=lambda a: a["path"]),
        "units": units_table(campaign),
    }


# --- the upload -----------------------------------------------------------------------

def upload_changed(storage, root: Path, artifacts: list[dict], workers: int,
                   on_upload: Callable[[str], None] | None = None) -> tuple[list[str], int, int]:
    """Upload files whose object is missing or carries another sha256; return (uploaded, skipped, bytes).

    The hash recorded at upload (S3 metadata) is enough to skip a file here: a body replaced behind
    its metadata is what ``studio verify`` and the portal catch, since they hash the bytes.
    """
    prefixes = sorted({a["path"].split("/", 1)[0] + "/" for a in artifacts})
    sizes = {o.key: o.size for p in prefixes for o in storage.list(p)}

    def needed(art: dict) -> bool:
        if sizes.get(art["path"]) != art["bytes"]:
            return True
        info = storage.info(art["path"])
        return info is None or (info.sha256 or storage.sha256(art["path"])) != art["sha256"]

    def send(art: dict) -> str:
        source = root / art["path"]
        if not source.is_file():
            raise PublishError(f"{source}: thiếu tệp đã build (manifest có ghi) — chạy lại studio build")
        storage.put_file(art["path"], source, art["media_type"], art["sha256"])
        if on_upload:
            on_upload(art["path"])
        return art["path"]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        todo = [a for a, need in zip(artifacts, pool.map(needed, artifacts)) if need]
        futures = [pool.submit(send, a) for a in todo]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in done if f.exception()), None)
        if failed:
            for f in futures:
                f.cancel()
            raise failed.exception()
    return [f.result() for f in futures], len(artifacts) - len(todo), sum(a["bytes"] for a in todo)


def publish_phase(campaign: Campaign, phase_id: str, out: Path, to: str, private_key, *,
                  include_drafts: bool = False, by: str | None = None, workers: int = 2,
                  on_upload: Callable[[str], None] | None = None, storage_options: dict | None = None,
                  feeds: bool = True, base_url: str | None = None) -> list[PublishReport]:
    root = Path(out) / campaign.id
    built = read_manifest(root, phase_id)
    if built is None:
        raise PublishError(f"chưa build giai đoạn {phase_id} trong {root}: chạy studio build {campaign.root} "
                           f"--phase {phase_id} --out {out} trước")
    by = who(by)
    approved, drafts = classify(campaign, built.get("artifacts", []))
    for art in approved:  # podcast enclosures need durations; the radio renderer usually records them
        if art["media_type"].startswith("audio/"):
            known = (art.get("meta") or {}).get("duration_s")
            art["duration"] = round(float(known), 2) if known else media_duration(root / art["path"])
    if not to.startswith("s3://") and Path(to.removeprefix("file://")).resolve() == Path(out).resolve():
        raise PublishError(f"đích xuất bản {to} trùng thư mục build {out}: chọn --to khác "
                           f"(vd. s3://bucket/tiền-tố hoặc thư mục published)")
    runs = [("approved", approved, join_url(to, campaign.id))]
    if include_drafts:
        runs.append(("draft", drafts, join_url(to, DRAFTS, campaign.id)))
    reports = []
    for status, artifacts, url in runs:
        storage = open_location(url, **(storage_options or {}))
        storage.prepare()
        report = PublishReport(phase_id, url, status, artifacts=len(artifacts))
        if status == "approved":
            report.held_back = [a["path"] for a in drafts]
        report.uploaded, report.skipped, report.bytes_uploaded = upload_changed(
            storage, root, artifacts, workers, on_upload)
        # Every file is in place and checked: now, and only now, the signed manifest.
        fresh = phase_manifest(campaign, phase_id, artifacts, status, by)
        blob = unchanged_manifest(storage, phase_id, fresh, private_key.public_key())
        if blob is None:
            blob = signing.dumps(signing.sign(fresh, private_key))
            storage.put_bytes(f"{phase_id}/{MANIFEST_KEY}", blob, "application/json")
        report.manifest_sha256 = hashlib.sha256(blob).hexdigest()
        report.removed = remove_stale(storage, phase_id, {a["path"] for a in artifacts})
        if feeds and status == "approved":
            from .feeds import write_unit_pages

            write_unit_pages(storage, campaign, private_key.public_key(), base_url)
        log(storage, root, report, by)
        reports.append(report)
    return reports


def unchanged_manifest(storage, phase_id: str, fresh: dict, public_key) -> bytes | None:
    """The published manifest's bytes if it already says exactly this (so its date stays), else None."""
    key = f"{phase_id}/{MANIFEST_KEY}"
    if storage.info(key) is None:
        return None
    blob = storage.get_bytes(key)
    try:
        current = signing.loads(blob, key)
        signing.verify(current, public_key, key)
    except signing.SignatureError:
        return None  # tampered or signed by an old key: replace it
    volatile = ("published_at", "published_by", "signature")
    same = all(current.get(k) == v for k, v in fresh.items() if k not in volatile)
    return blob if same and set(current) - set(volatile) == set(fresh) - set(volatile) else None


def remove_stale(storage, phase_id: str, wanted: set[str]) -> list[str]:
    """Delete objects under the phase that the new manifest does not name (after it is published)."""
    keep = wanted | {f"{phase_id}/{MANIFEST_KEY}"}
    stale = [o.key for o in storage.list(f"{phase_id}/") if o.key not in keep]
    for key in stale:
        storage.delete(key)
    return stale


def log(storage, root: Path, report: PublishReport, by: str) -> None:
    """Append-only: one new object per publish in storage, one new line in the local log."""
    entry = {"at": now(), "by": by, "phase": report.phase, "status": report.status, "target": report.target,
             "manifest_sha256": report.manifest_sha256, "artifacts": report.artifacts,
             "uploaded": report.uploaded, "skipped": report.skipped, "removed": report.removed,
             "held_back": len(report.held_back)}
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%Sz")
    storage.put_bytes(f"{LOG_PREFIX}/{stamp}-{os.urandom(3).hex()}-{report.phase}.json",
                      line.encode("utf-8"), "application/json")
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCAL_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def publish(campaign: Campaign, phase_ids: list[str], out: Path, to: str, key_path: Path,
            **kwargs) -> list[PublishReport]:
    """Publish each phase (a phase with sub-phases publishes each one with its own manifest)."""
    private = signing.load_private(key_path)
    built = [p for p in phase_ids if read_manifest(Path(out) / campaign.id, p) is not None]
    if not built:  # let publish_phase explain what to run
        built = phase_ids[:1]
    reports: list[PublishReport] = []
    for phase_id in built:  # a parent phase without its own assets is skipped, its sub-phases are not
        reports += publish_phase(campaign, phase_id, out, to, private, **kwargs)
    return reports


__all__ = ["PublishReport", "StorageError", "classify", "publish", "publish_phase"]
