"""Check a published (or pulled) phase against its signed manifest.

Trusts only the public key: the manifest's signature first, then its sequence against the
highest one seen here before (``freshness``: an older one is a rollback, refused; one past
``valid_until`` is stale, warned), then the sha256 of every file's bytes (never the hash an
object carries in its metadata), and names each file that was altered, added or removed.
Objects an interrupted publish uploaded before its manifest (named, with their hash, in its
signed ``dang-xuat-ban.json``) are "not yet published", not "added". Works on any storage
URL: a local folder or ``s3://``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from ..storage import StorageError
from ..units import Unit, UnitTree
from . import MANIFEST_KEY, PENDING_KEY, PublishError, freshness, open_location, signing, split_phase_url

BUILD_FILES = ("status.json",)  # written by studio build beside the manifest, not assets


@dataclass
class VerifyReport:
    location: str
    phase: str = ""
    signature_error: str | None = None
    sequence_error: str | None = None  # older than a manifest seen here before
    altered: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)  # uploaded by a publish whose manifest has not landed
    warnings: list[str] = field(default_factory=list)  # e.g. past valid_until
    checked: int = 0
    sequence: int = 0
    valid_until: str | None = None

    @property
    def ok(self) -> bool:
        return not (self.signature_error or self.sequence_error or self.altered or self.added or self.removed)


def routing_tree(manifest: dict) -> UnitTree:
    try:
        return UnitTree(Unit(id=uid, **data) for uid, data in manifest.get("units", {}).items())
    except (TypeError, ValueError) as exc:
        raise PublishError(f"manifest: bảng đơn vị không đọc được ({exc})") from None


def manifest_audience(manifest: dict, unit_id: str, tree: UnitTree | None = None) -> frozenset[str]:
    """``UnitTree.audience`` of ``unit_id`` on the phase's start date, from the manifest's own units
    table, so a unit needs no campaign files; ``tree`` is that table already read (many units)."""
    tree = tree or routing_tree(manifest)
    return tree.audience(unit_id, date.fromisoformat(manifest["phase_start"]))


def require_unit(manifest: dict, unit_id: str) -> None:
    if unit_id not in manifest.get("units", {}):
        raise PublishError(f"không có đơn vị {unit_id!r} trong manifest của giai đoạn {manifest.get('phase')} "
                           f"(xem mã đơn vị trong units.yaml của tỉnh)")


def read_signed(storage, phase: str, public_key) -> tuple[dict, bytes, str | None]:
    """(manifest, its bytes, signature problem or None). A missing or unreadable manifest is a PublishError."""
    key = f"{phase}/{MANIFEST_KEY}"
    try:
        raw = storage.get_bytes(key)
    except StorageError as exc:
        raise PublishError(f"không đọc được manifest: {exc}") from None
    try:
        manifest = signing.loads(raw, key)
    except signing.SignatureError as exc:
        raise PublishError(str(exc)) from None
    try:
        signing.verify(manifest, public_key, f"{storage.url}/{key}")
        problem = None
    except signing.SignatureError as exc:
        problem = str(exc)
    if not problem and manifest.get("phase") != phase:
        problem = f"{storage.url}/{key}: manifest của giai đoạn {manifest.get('phase')!r}, không phải {phase!r}"
    return manifest, raw, problem


def pending_uploads(storage, phase: str, public_key) -> dict[str, str]:
    """{path: sha256} a publish under way (or interrupted) signed before uploading; {} if none or untrusted."""
    try:
        record = signing.loads(storage.get_bytes(f"{phase}/{PENDING_KEY}"))
        signing.verify(record, public_key)
    except (StorageError, signing.SignatureError):
        return {}  # absent, unreadable with this key's rights, or forged: nothing is vouched for
    if record.get("phase") != phase:
        return {}
    return {a["path"]: a["sha256"] for a in record.get("artifacts", [])
            if isinstance(a, dict) and isinstance(a.get("path"), str)}


def verify(url: str, public_key, unit: str | None = None, storage_options: dict | None = None,
           workers: int = 8) -> VerifyReport:
    base, phase = split_phase_url(url)
    storage = open_location(base, **(storage_options or {}))
    report = VerifyReport(url, phase)
    manifest, raw, report.signature_error = read_signed(storage, phase, public_key)
    if not report.signature_error:
        seen = freshness.seen_for(storage, phase, manifest)
        report.sequence, report.valid_until = freshness.sequence_of(manifest), manifest.get("valid_until")
        report.sequence_error = seen.problem(manifest, raw, url)
        report.warnings += [w for w in [freshness.stale_warning(manifest, url)] if w]
        if not report.sequence_error:
            try:
                seen.remember(manifest, raw)
            except OSError as exc:
                report.warnings.append(f"không ghi được {seen.path} ({exc.strerror}): lần sau sẽ không nhận ra "
                                       f"nếu có người đưa manifest cũ hơn bản số {report.sequence} trở lại")
    artifacts = manifest.get("artifacts", [])
    prefixes = [f"{phase}/"]
    if unit:
        require_unit(manifest, unit)
        scope = manifest_audience(manifest, unit)
        artifacts = [a for a in artifacts if a["unit"] in scope]
        prefixes = sorted({a["path"].rsplit("/", 1)[0] + "/" for a in artifacts})
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(lambda a: storage.sha256(a["path"]), artifacts))  # the bytes, streamed
    for art, digest in zip(artifacts, digests):
        if digest is None:
            report.removed.append(art["path"])
        elif digest != art["sha256"]:
            report.altered.append(art["path"])
    report.checked = len(artifacts)
    named = {a["path"] for a in manifest.get("artifacts", [])}
    ignore = {f"{phase}/{name}" for name in (MANIFEST_KEY, PENDING_KEY, *BUILD_FILES)}
    extra = sorted(obj.key for prefix in prefixes for obj in storage.list(prefix)
                   if obj.key not in named and obj.key not in ignore and not obj.key.endswith(".part"))
    pending = pending_uploads(storage, phase, public_key) if extra else {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        vouched = list(pool.map(lambda key: key in pending and storage.sha256(key) == pending[key], extra))
    for key, ok in zip(extra, vouched):
        (report.unpublished if ok else report.added).append(key)
    return report
