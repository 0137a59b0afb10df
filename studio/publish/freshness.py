"""Rollback and freeze protection for signed manifests (the idea of TUF's and apt's metadata).

Every published manifest carries ``sequence`` (one more than the previous manifest of that phase
at that place), ``previous`` (sha256 of that manifest's bytes) and ``valid_until``. A signature
alone cannot tell an old manifest from the current one, so readers (``verify``, ``pull``) remember
the highest sequence they accepted per phase and refuse an older one: that is what an old manifest
put back with its files (a rollback) looks like. A manifest past ``valid_until`` still verifies
but nobody has re-signed it for a long time (a mirror left behind, a frozen copy): readers warn.

Where a reader remembers: a local folder (a pulled folder, or a published one) in its own
``.studio/sequences.json``, so the memory moves with the folder; a remote location (S3) in the
user's state folder (``$XDG_STATE_HOME/studio``, default ``~/.local/state/studio``).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .. import vi
from ..artifacts import atomic_write_json
from . import MANIFEST_KEY

VALID_DAYS = 30
SEEN_FILE = Path(".studio") / "sequences.json"


def digest(blob: bytes) -> str:
    """The sha256 a manifest is known by (``previous`` of the next one, readers' memory)."""
    return hashlib.sha256(blob).hexdigest()


def sequence_of(manifest: dict) -> int:
    """The manifest's sequence number; 0 for one published before sequences existed."""
    value = manifest.get("sequence", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def valid_until(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="seconds")


def expiry(manifest: dict) -> datetime | None:
    try:
        return datetime.fromisoformat(manifest["valid_until"])
    except (KeyError, TypeError, ValueError):
        return None


def stale_warning(manifest: dict, where: str) -> str | None:
    """A Vietnamese warning when ``valid_until`` has passed (or cannot be read), else None."""
    if "valid_until" not in manifest:
        return None
    until = expiry(manifest)
    if until is None:
        return f"{where}: không đọc được hạn hiệu lực valid_until={manifest['valid_until']!r} của manifest"
    if until >= datetime.now(timezone.utc):
        return None
    return (f"{where}: manifest bản số {sequence_of(manifest)} đã hết hiệu lực từ {vi.date_time(until)} — "
            f"bản sao này có thể đã cũ (máy chủ gương không còn được cập nhật, hoặc bị giữ ở bản cũ); "
            f"hỏi tỉnh địa chỉ có bản mới nhất")


@dataclass(frozen=True)
class Seen:
    """A reader's memory of the highest sequence accepted for one phase at one place."""

    path: Path  # the JSON file holding every phase this reader remembers
    key: str

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # unreadable memory: start again rather than refuse everything
        return data if isinstance(data, dict) else {}

    def problem(self, manifest: dict, blob: bytes, where: str) -> str | None:
        """Why this (validly signed) manifest must not be used after what was seen before, or None."""
        record = self._load().get(self.key)
        if not isinstance(record, dict):
            return None
        number, known = sequence_of(manifest), record.get("sequence", 0)
        when = vi.date_time(record["at"]) if record.get("at") else "trước đây"
        if number < known:
            return (f"{where}: manifest là bản số {number}, cũ hơn bản số {known} đã nhận lúc {when} "
                    f"— có người đã đưa bản cũ trở lại (quay lui), hoặc đây là bản sao chưa cập nhật; không dùng, "
                    f"báo cho tỉnh")
        if number == known > 0 and digest(blob) != record.get("sha256"):  # (0: before sequences, no order)
            return (f"{where}: manifest mang số {number} nhưng khác bản số {number} đã nhận lúc {when} "
                    f"— hai bản khác nhau cùng một số, không tin cậy; không dùng, báo cho tỉnh")
        return None

    def remember(self, manifest: dict, blob: bytes) -> None:
        data = self._load()
        record = data.get(self.key)
        if isinstance(record, dict) and record.get("sequence", 0) > sequence_of(manifest):
            return
        data[self.key] = {"sequence": sequence_of(manifest), "sha256": digest(blob),
                          "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        atomic_write_json(self.path, data)


def seen_in_folder(folder: Path, manifest: dict, phase: str) -> Seen:
    """The memory kept in a local folder (pulled or published) that holds ``<phase>/manifest.json``."""
    return Seen(Path(folder) / SEEN_FILE, f"{manifest.get('campaign')}/{phase}")


def seen_for(storage, phase: str, manifest: dict) -> Seen:
    """Where ``verify`` remembers a location: the folder itself if local, else the user's state folder."""
    local = storage.local_path(f"{phase}/{MANIFEST_KEY}")
    if local is not None:
        return seen_in_folder(local.parent.parent, manifest, phase)
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return Seen(state / "studio" / "sequences.json", f"{storage.url}/{phase}")
