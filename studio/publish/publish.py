"""Publish a built phase: approved files up, unchanged ones skipped, signed manifest last.

What is published only moves forward:

- a published file is deleted only when its brief was retracted (removed from the campaign, set
  back to draft, or no longer planned for that unit or format). One missing from the build while
  its brief is still approved and planned keeps its published version, named again in the new
  manifest (``PublishReport.kept``; the CLI warns and exits 3);
- deleting more than ``max_delete`` of a phase's objects needs ``allow_delete``; ``dry_run`` says
  what would be uploaded, kept and deleted, and changes nothing;
- every manifest carries ``sequence``, ``previous`` and ``valid_until`` (``freshness``). The chain
  continues from the manifest this output folder last published there (``publish-log.jsonl``);
  a newer one at the target, published from elsewhere, is not replaced without ``replace_newer``;
- a source file is hashed before anything is written; one changed since the build stops the
  publish before any published object is touched.

Order is what makes it safe: (1) a signed record of what is about to be uploaded
(``dang-xuat-ban.json``, so ``verify`` tells an interrupted publish from tampering), (2) every
file is uploaded and checked, (3) the signed manifest replaces the old one in one PUT, (4) the
log gets an entry, (5) retracted objects are removed, (6) unit pages and feeds are refreshed.
If the server dies during (2), the old manifest still stands and still matches what it names;
running publish again uploads only what is missing.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..artifacts import sha256_file
from ..campaign import Campaign, most_urgent
from ..formats import FORMATS
from ..locks import exclusive
from ..manifest import STATUS, read_manifest
from ..plan import RenderJob, briefs_for, expand
from ..storage import StorageError
from . import (
    FORMAT,
    MANIFEST_KEY,
    PENDING_KEY,
    PublishError,
    join_url,
    open_location,
    signing,
)
from .freshness import VALID_DAYS, digest, expiry, sequence_of, valid_until

DRAFTS = "drafts"
LOG_PREFIX = "nhat-ky"
LOCAL_LOG = "publish-log.jsonl"
PENDING_FORMAT = "studio-pending/1"
MAX_DELETE = 0.10  # share of a phase's objects one publish may delete without allow_delete


@dataclass
class PublishReport:
    phase: str
    target: str
    status: str  # "approved" | "draft"
    artifacts: int = 0
    uploaded: list[str] = field(default_factory=list)  # dry run: what would be uploaded
    skipped: int = 0
    removed: list[str] = field(default_factory=list)  # dry run: what would be deleted
    kept: list[str] = field(default_factory=list)  # missing from the build, brief still approved and planned
    held_back: list[str] = field(default_factory=list)  # not approved, not published
    warnings: list[str] = field(default_factory=list)
    manifest_sha256: str = ""
    sequence: int = 0
    bytes_uploaded: int = 0
    dry_run: bool = False


def who(by: str | None = None) -> str:
    return by or os.environ.get("STUDIO_USER") or f"{getpass.getuser()}@{socket.gethostname()}"


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- what goes out ------------------------------------------------------------------

def classify(campaign: Campaign, artifacts: list[dict]) -> tuple[list[dict], list[dict]]:
    """Split artifacts into (publishable, drafts); publishable = every brief it draws on is approved,
    and was when it was made (a bulletin made from a draft reads "DỰ THẢO": its meta lists ``drafts``).

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
        meta = art.get("meta") or {}
        day = meta.get("day") if fmt.scope == "day" else None  # a daily bulletin carries that day's briefs
        job = RenderJob(art["phase"], art["channel"], art["format"], fmt.kind, art["unit"], art.get("brief"), day)
        briefs = briefs_for(campaign, job, tree)
        enriched = {
            **art,
            "briefs": [b.id for b in briefs],
            "titles": [b.title for b in briefs],
            "priority": most_urgent(b.priority for b in briefs),
        }
        # a bulletin made while one of its briefs was a draft says "DỰ THẢO" on air: rebuild it first
        read_as_draft = bool(meta.get("drafts"))
        (approved if briefs and all(b.approved for b in briefs) and not read_as_draft else drafts).append(enriched)
    return approved, drafts


def still_wanted(campaign: Campaign, phase_id: str, status: str, entries: list[dict]) -> set[str]:
    """Paths of published entries not retracted: their job is still planned and its briefs are still
    what this run publishes (all approved, or for drafts/ not all approved)."""
    planned = {job.id for job in expand(campaign, [phase_id])}
    approved, drafts = classify(campaign, [{**e, "phase": phase_id} for e in entries])
    return {a["path"] for a in (approved if status == "approved" else drafts) if a.get("job") in planned}


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


def phase_manifest(campaign: Campaign, phase_id: str, artifacts: list[dict], status: str, by: str,
                   chain: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest units receive; ``chain`` is its ``sequence``, ``previous`` and ``valid_until``."""
    phase = campaign.phase(phase_id)
    keep = ("path", "sha256", "bytes", "media_type", "channel", "unit", "brief", "briefs", "titles", "format",
            "priority", "duration", "meta", "job")
    return {
        "format": FORMAT, "status": status,
        "campaign": campaign.id, "campaign_title": campaign.title, "issuer": campaign.issuer,
        "phase": phase.id, "phase_name": phase.public_name, "phase_start": phase.start.isoformat(),
        "phase_end": phase.end.isoformat(),
        "published_at": now(), "published_by": by, **(chain or {}),
        "artifacts": sorted(({k: a[k] for k in keep if k in a} for a in artifacts), key=lambda a: a["path"]),
        "units": units_table(campaign),
    }


# --- what the target holds --------------------------------------------------------------

@dataclass(frozen=True)
class Current:
    """The phase's manifest at the target before this publish."""

    blob: bytes | None = None
    stamp: str | None = None
    manifest: dict | None = None  # only when it verifies with the province's key
    problem: str | None = None  # why it does not

    @property
    def sequence(self) -> int:
        """Its sequence; of an unverified manifest only a floor for the next number, never trusted."""
        if self.manifest is not None:
            return sequence_of(self.manifest)
        try:
            return sequence_of(signing.loads(self.blob)) if self.blob else 0
        except signing.SignatureError:
            return 0


def read_current(storage, phase_id: str, public_key) -> Current:
    key = f"{phase_id}/{MANIFEST_KEY}"
    info = storage.info(key)
    if info is None:
        return Current()
    blob = storage.get_bytes(key)
    try:
        manifest = signing.loads(blob, key)
        signing.verify(manifest, public_key, f"{storage.url}/{key}")
    except signing.SignatureError as exc:
        return Current(blob, info.stamp, problem=str(exc))
    if manifest.get("phase") != phase_id:
        return Current(blob, info.stamp, problem=f"manifest của giai đoạn {manifest.get('phase')!r}")
    return Current(blob, info.stamp, manifest)


def last_published(root: Path, url: str, phase_id: str) -> dict | None:
    """This output folder's last publish of the phase to ``url`` that recorded a sequence (its log line)."""
    try:
        lines = (root / LOCAL_LOG).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("target") == url and entry.get("phase") == phase_id and entry.get("sequence"):
            return entry
    return None


def next_link(current: Current, ours: dict | None, where: str,
              replace_newer: bool) -> tuple[int, str | None, str | None]:
    """(sequence, previous, warning) of the manifest this publish writes: one more than the one it replaces.

    It continues from the manifest this folder published last (``ours``). A target holding an older
    one was rolled back: the chain goes on from ours. A target holding another one, as new or newer,
    was published from elsewhere: refused, unless ``replace_newer``.
    """
    mine, mine_sha = (ours["sequence"], ours["manifest_sha256"]) if ours else (0, None)
    if current.manifest is None:
        number = max(current.sequence, mine) + 1
        if current.blob is None:
            return number, mine_sha, (f"{where}: không còn manifest trên đích (máy này đã xuất bản bản số {mine}); "
                                      f"ghi bản số {number}") if ours else None
        return number, mine_sha, (f"{where}: manifest đang có trên đích không kiểm tra được ({current.problem}); "
                                  f"thay bằng bản số {number}")
    there, held = digest(current.blob), current.sequence
    if ours is None or there == mine_sha or replace_newer:
        return held + 1, there, None
    if held < mine:
        return mine + 1, mine_sha, (f"{where}: đích đang giữ manifest bản số {held}, cũ hơn bản số {mine} máy này "
                                    f"đã xuất bản — có người đã đưa bản cũ trở lại; bản số {mine + 1} thay nó")
    raise PublishError(
        f"{where}: đích đang có manifest bản số {held} (xuất bản lúc {current.manifest.get('published_at')} bởi "
        f"{current.manifest.get('published_by')}), không phải bản số {mine} mà thư mục build này xuất bản lần trước "
        f"— có nơi khác đã xuất bản giai đoạn này, không ghi đè. Kiểm tra bản đó (studio verify); nếu chắc chắn "
        f"muốn thay nó bằng bản build này, chạy lại với --replace-newer")


def unchanged(current: Current, previous: str | None, fresh: dict, valid_days: int) -> bool:
    """The target's manifest already says exactly this and stays valid for more than half the period:
    keep its bytes (its date, its sequence) rather than sign a new one."""
    if current.manifest is None or previous != digest(current.blob):
        return False
    until = expiry(current.manifest)
    if until is None or until - datetime.now(timezone.utc) < timedelta(days=valid_days / 2):
        return False
    volatile = ("published_at", "published_by", "signature", "sequence", "previous", "valid_until")
    return ({k: v for k, v in current.manifest.items() if k not in volatile}
            == {k: v for k, v in fresh.items() if k not in volatile})


def keep_or_remove(campaign: Campaign, phase_id: str, status: str, artifacts: list[dict], current: Current,
                   objects: set[str]) -> tuple[list[dict], list[str]]:
    """(published entries missing from this build but not retracted, objects to delete).

    What stays is this build's artifacts and those entries; every other object of the phase goes:
    retracted entries of the previous manifest, and objects no manifest named."""
    built = {a["path"] for a in artifacts}
    missing = [a for a in (current.manifest or {}).get("artifacts", []) if a["path"] not in built]
    wanted = still_wanted(campaign, phase_id, status, missing)
    return [a for a in missing if a["path"] in wanted], sorted(objects - built - wanted)


def deletion_problem(removed: list[str], total: int, current: Current, max_delete: float, where: str) -> str | None:
    """Why these deletions need ``--allow-delete``, or None."""
    if not removed:
        return None
    if current.blob is not None and current.manifest is None:
        return (f"{where}: manifest trên đích không kiểm tra được, nên không biết {len(removed)} tệp không có trong "
                f"bản build có phải đã bị rút hay không — xem danh sách bằng --dry-run; chỉ xóa bằng --allow-delete")
    if len(removed) > max_delete * total:
        return (f"{where}: lần xuất bản này sẽ xóa {len(removed)}/{total} tệp của giai đoạn, quá ngưỡng "
                f"{max_delete:.0%} — xem danh sách bằng --dry-run; nếu đúng là các bản tin đó đã bị rút, "
                f"chạy lại với --allow-delete")
    return None


# --- the upload -----------------------------------------------------------------------

def to_upload(storage, artifacts: list[dict], sizes: dict[str, int], workers: int) -> list[dict]:
    """Artifacts whose object is missing or carries another sha256.

    The hash recorded at upload (S3 metadata) is enough to skip a file here: a body replaced behind
    its metadata is what ``studio verify`` and the portal catch, since they hash the bytes.
    """
    def needed(art: dict) -> bool:
        if sizes.get(art["path"]) != art["bytes"]:
            return True
        info = storage.info(art["path"])
        return info is None or (info.sha256 or storage.sha256(art["path"])) != art["sha256"]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [a for a, need in zip(artifacts, pool.map(needed, artifacts)) if need]


def check_sources(root: Path, todo: list[dict], workers: int) -> None:
    """Hash every file about to be uploaded before anything is written: one changed since the build
    stops the publish while every published object is still as it was."""
    def problem(art: dict) -> str | None:
        source = root / art["path"]
        if not source.is_file():
            return f"{source}: thiếu tệp đã build (manifest có ghi)"
        if sha256_file(source) != art["sha256"]:
            return f"{source}: nội dung đã đổi sau khi build (không khớp mã băm trong manifest)"
        return None

    with ThreadPoolExecutor(max_workers=workers) as pool:
        problems = [p for p in pool.map(problem, todo) if p]
    if problems:
        raise PublishError("không xuất bản gì, bản đã xuất bản giữ nguyên — chạy lại studio build:\n  "
                           + "\n  ".join(problems))


def upload(storage, root: Path, todo: list[dict], workers: int,
           on_upload: Callable[[str], None] | None = None) -> None:
    def send(art: dict) -> None:
        storage.put_file(art["path"], root / art["path"], art["media_type"], art["sha256"])
        if on_upload:
            on_upload(art["path"])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(send, a) for a in todo]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in done if f.exception()), None)
        if failed:
            for f in futures:
                f.cancel()
            raise failed.exception()


def publish_phase(campaign: Campaign, phase_id: str, out: Path, to: str, private_key, *,
                  include_drafts: bool = False, by: str | None = None, workers: int = 2,
                  on_upload: Callable[[str], None] | None = None, storage_options: dict | None = None,
                  feeds: bool = True, base_url: str | None = None, feed_links: str = "public",
                  local_feeds: bool = False, dry_run: bool = False,
                  allow_delete: bool = False, max_delete: float = MAX_DELETE, valid_days: int = VALID_DAYS,
                  replace_newer: bool = False) -> list[PublishReport]:
    root = Path(out) / campaign.id
    if feed_links == "public" and any(t.public_read and t.url.rstrip("/") == to.rstrip("/") for t in campaign.storage):
        feed_links = "public-read"  # the campaign says this target is read by anyone
    built = read_manifest(root, phase_id)
    if built is None:
        raise PublishError(f"chưa build giai đoạn {phase_id} trong {root}: chạy studio build {campaign.root} "
                           f"--phase {phase_id} --out {out} trước")
    by = who(by)
    public_key = private_key.public_key()
    approved, drafts = classify(campaign, built.get("artifacts", []))
    for art in approved:  # podcast enclosures need durations; the radio renderer usually records them
        if art["media_type"].startswith("audio/"):
            known = (art.get("meta") or {}).get("duration_s")
            art["duration"] = round(float(known), 2) if known else media_duration(root / art["path"])
    if not to.startswith("s3://") and Path(to.removeprefix("file://")).resolve() == Path(out).resolve():
        raise PublishError(f"đích xuất bản {to} trùng thư mục build {out}: chọn --to khác "
                           f"(vd. s3://bucket/tiền-tố hoặc thư mục published)")
    if feeds and not base_url and feed_links != "presign" and not local_feeds \
            and open_location(join_url(to, campaign.id), **(storage_options or {})).public_url("x").startswith("file:"):
        raise PublishError(f"podcast của các đơn vị sẽ trỏ tới tệp trên máy này (file://), ứng dụng podcast không tải "
                           f"được: thêm --base-url ĐỊA-CHỈ (cổng thông tin hoặc nơi phục vụ thư mục {to}), hoặc "
                           f"--local-feeds nếu chỉ dùng trên máy này")
    runs = [("approved", approved, join_url(to, campaign.id))]
    if include_drafts:
        runs.append(("draft", drafts, join_url(to, DRAFTS, campaign.id)))
    reserved = {f"{phase_id}/{name}" for name in (MANIFEST_KEY, PENDING_KEY, STATUS)}
    reports = []
    for status, artifacts, url in runs:
        storage = open_location(url, **(storage_options or {}))
        if not dry_run:
            storage.prepare()
            if feeds and status == "approved" and feed_links == "public-read":
                storage.allow_public_read(public_prefixes(campaign))
        where = f"{url}/{phase_id}"
        report = PublishReport(phase_id, url, status, dry_run=dry_run)
        if status == "approved":
            report.held_back = [a["path"] for a in drafts]
        current = read_current(storage, phase_id, public_key)
        sequence, previous, warning = next_link(current, last_published(root, url, phase_id), where, replace_newer)
        report.warnings += [warning] if warning else []

        sizes = {o.key: o.size for o in storage.list(f"{phase_id}/")
                 if o.key not in reserved and not o.key.endswith(".part")}
        kept, report.removed = keep_or_remove(campaign, phase_id, status, artifacts, current, set(sizes))
        report.kept, report.artifacts = [a["path"] for a in kept], len(artifacts) + len(kept)
        problem = None if allow_delete else deletion_problem(report.removed, len(sizes), current, max_delete, where)
        if problem and not dry_run:
            raise PublishError(problem)
        report.warnings += [problem] if problem else []
        todo = to_upload(storage, artifacts, sizes, workers)
        check_sources(root, todo, workers)
        report.uploaded = [a["path"] for a in todo]
        report.skipped = len(artifacts) - len(todo)
        report.bytes_uploaded = sum(a["bytes"] for a in todo)
        if dry_run:
            report.sequence = sequence
            reports.append(report)
            continue

        if todo:  # signed, so verify can tell these uploads from objects slipped in by someone else
            storage.put_bytes(f"{phase_id}/{PENDING_KEY}", signing.dumps(signing.sign(
                pending_record(campaign, phase_id, status, sequence, todo, by), private_key)), "application/json")
        upload(storage, root, todo, workers, on_upload)
        # Every file is in place and checked: now, and only now, the signed manifest.
        chain = {"sequence": sequence, "previous": previous, "valid_until": valid_until(valid_days)}
        fresh = phase_manifest(campaign, phase_id, artifacts + kept, status, by, chain)
        if unchanged(current, previous, fresh, valid_days):
            blob, report.sequence = current.blob, current.sequence
        else:
            stored = storage.info(f"{phase_id}/{MANIFEST_KEY}")
            if (stored.stamp if stored else None) != current.stamp:
                raise PublishError(f"{where}: manifest trên đích vừa thay đổi trong lúc xuất bản (nơi khác đang "
                                   f"xuất bản giai đoạn này?) — các tệp vừa tải lên chưa được xuất bản; kiểm tra "
                                   f"rồi chạy lại")
            blob, report.sequence = signing.dumps(signing.sign(fresh, private_key)), sequence
            storage.put_bytes(f"{phase_id}/{MANIFEST_KEY}", blob, "application/json")
        storage.delete(f"{phase_id}/{PENDING_KEY}")
        report.manifest_sha256 = digest(blob)
        log(storage, root, report, by)
        for key in report.removed:  # retracted: only now that the manifest no longer names them
            storage.delete(key)
        if feeds and status == "approved":
            from .feeds import feed_links as links_for
            from .feeds import write_unit_pages

            write_unit_pages(storage, campaign, public_key, links_for(storage, campaign, base_url, feed_links))
        reports.append(report)
    return reports


def public_prefixes(campaign: Campaign) -> list[str]:
    """What ``public-read`` opens to anyone: every phase's published files and manifest, and the unit pages,
    feeds and covers (not the publish log, nor drafts, which live outside the campaign's prefix)."""
    from .feeds import UNIT_DIR

    return [f"{p.id}/" for p in campaign.all_phases()] + [f"{UNIT_DIR}/"]


def pending_record(campaign: Campaign, phase_id: str, status: str, sequence: int, todo: list[dict],
                   by: str) -> dict[str, Any]:
    """What this publish uploads before its manifest names it (``verify``: "chưa xuất bản")."""
    return {"format": PENDING_FORMAT, "campaign": campaign.id, "phase": phase_id, "status": status,
            "sequence": sequence, "started_at": now(), "started_by": by,
            "artifacts": [{"path": a["path"], "sha256": a["sha256"]} for a in todo]}


def log(storage, root: Path, report: PublishReport, by: str) -> None:
    """Append-only: one new object per publish in storage, one new line in the local log.

    Written as soon as the manifest is in place: the local line is where the next publish from
    this folder continues the sequence from.
    """
    entry = {"at": now(), "by": by, "phase": report.phase, "status": report.status, "target": report.target,
             "manifest_sha256": report.manifest_sha256, "sequence": report.sequence, "artifacts": report.artifacts,
             "uploaded": report.uploaded, "skipped": report.skipped, "removed": report.removed,
             "kept": report.kept, "held_back": len(report.held_back)}
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCAL_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%Sz")
    storage.put_bytes(f"{LOG_PREFIX}/{stamp}-{os.urandom(3).hex()}-{report.phase}.json",
                      line.encode("utf-8"), "application/json")


def publish(campaign: Campaign, phase_ids: list[str], out: Path, to: str, key_path: Path,
            **kwargs) -> list[PublishReport]:
    """Publish each phase (a phase with sub-phases publishes each one with its own manifest).

    The build folder is locked while it is read (``studio.locks``): a build running at the
    same time would replace files under the upload. The lock refuses (``Busy``) rather than wait.
    """
    private = signing.load_private(key_path)
    root = Path(out) / campaign.id
    with exclusive(root, "studio publish"):
        built = [p for p in phase_ids if read_manifest(root, p) is not None]
        if not built:  # let publish_phase explain what to run
            built = phase_ids[:1]
        reports: list[PublishReport] = []
        for phase_id in built:  # a parent phase without its own assets is skipped, its sub-phases are not
            reports += publish_phase(campaign, phase_id, out, to, private, **kwargs)
    return reports


__all__ = ["PublishReport", "StorageError", "classify", "publish", "publish_phase"]
