"""Check a published (or pulled) phase against its signed manifest.

Trusts only the public key: the manifest's signature first, then the sha256 of
every file's bytes (never the hash an object carries in its metadata), and
names each file that was altered, added or removed. Works on any storage URL:
a local folder or ``s3://``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date

from ..storage import StorageError
from ..units import Unit, UnitTree
from . import MANIFEST_KEY, PublishError, open_location, signing, split_phase_url

BUILD_FILES = ("status.json",)  # written by studio build beside the manifest, not assets


@dataclass
class VerifyReport:
    location: str
    phase: str = ""
    signature_error: str | None = None
    altered: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.signature_error or self.altered or self.added or self.removed)


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


def read_signed(storage, phase: str, public_key) -> tuple[dict, str | None]:
    """(manifest, signature problem or None). A missing or unreadable manifest is a PublishError."""
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
    return manifest, problem


def verify(url: str, public_key, unit: str | None = None, storage_options: dict | None = None,
           workers: int = 8) -> VerifyReport:
    base, phase = split_phase_url(url)
    storage = open_location(base, **(storage_options or {}))
    report = VerifyReport(url, phase)
    manifest, report.signature_error = read_signed(storage, phase, public_key)
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
    ignore = {f"{phase}/{MANIFEST_KEY}"} | {f"{phase}/{name}" for name in BUILD_FILES}
    for prefix in prefixes:
        for obj in storage.list(prefix):
            if obj.key not in named and obj.key not in ignore and not obj.key.endswith(".part"):
                report.added.append(obj.key)
    report.added.sort()
    return report
