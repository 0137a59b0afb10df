"""Per-phase manifests: every artifact of a phase with its hash and provenance.

The manifest is written last and atomically, so a reader never sees one that
names a file which does not exist yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .artifacts import atomic_write_json

MANIFEST = "manifest.json"
STATUS = "status.json"


def manifest_path(out_root: Path, phase: str) -> Path:
    return Path(out_root) / phase / MANIFEST


def read_manifest(out_root: Path, phase: str) -> dict[str, Any] | None:
    path = manifest_path(out_root, phase)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def write_manifest(out_root: Path, campaign_id: str, phase: str, artifacts: list[dict]) -> Path:
    data = {
        "campaign": campaign_id,
        "phase": phase,
        "artifacts": sorted(artifacts, key=lambda a: a["path"]),
    }
    return _write(manifest_path(out_root, phase), data)


def write_status(out_root: Path, phase: str, status: dict[str, Any]) -> Path:
    return _write(Path(out_root) / phase / STATUS, status)


def _write(path: Path, data: dict[str, Any]) -> Path:
    """Atomically, so a failed write (a full disk, a read-only folder) leaves the previous file;
    the error names the file, which a full disk's does not."""
    try:
        return atomic_write_json(path, data)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
