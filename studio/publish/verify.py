"""Check a published (or pulled) phase against its signed manifest.

Trusts only the public key: the manifest's signature first, then every file's
sha256, and names each file that was altered, added or removed. Works on any
storage URL: a local folder or ``s3://``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..artifacts import sha256_file
from ..storage import StorageError
from ..units import Unit, UnitTree
from . import MANIFEST_KEY, PublishError, open_location, split_phase_url
from . import signing

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


def unit_scope(manifest: dict, unit_id: str, with_children: bool = False) -> set[str]:
    """The unit, the units it routes to on the phase's start date and, optionally, the units below it."""
    tree = routing_tree(manifest)
    if unit_id not in tree:
        raise PublishError(f"không có đơn vị {unit_id!r} trong manifest của giai đoạn {manifest.get('phase')} "
                           f"(xem mã đơn vị trong units.yaml của tỉnh)")
    day = date.fromisoformat(manifest["phase_start"])
    roots = [unit_id] + ([u.id for u in tree if u.parent == unit_id] if with_children else [])
    scope = set(roots)
    for uid in roots:
        scope.update(u.id for u in tree.resolve(uid, day))
    return scope


def digest_of(storage, key: str) -> str | None:
    """sha256 of an object's bytes, or None when it does not exist."""
    if hasattr(storage, "root"):
        path = Path(storage.root) / key
        return sha256_file(path) if path.is_file() else None
    if hasattr(storage, "sha256"):
        return storage.sha256(key)
    import hashlib

    return hashlib.sha256(storage.get_bytes(key)).hexdigest() if storage.info(key) else None


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
        scope = unit_scope(manifest, unit)
        artifacts = [a for a in artifacts if a["unit"] in scope]
        prefixes = sorted({a["path"].rsplit("/", 1)[0] + "/" for a in artifacts})
    with ThreadPoolExecutor(max_workers=workers) as pool:
        digests = list(pool.map(lambda a: digest_of(storage, a["path"]), artifacts))
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
