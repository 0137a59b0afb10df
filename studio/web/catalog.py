"""What is in storage: manifests, batch status and files, read through ``Storage``.

The portal never walks folders itself: it reads the per-phase manifests (the
same ones ``publish`` uploads), so it works the same on a local folder and on
S3. Reads are cached for a few seconds, because a phone refreshing a page
should not re-read every manifest.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..storage import Storage, StorageError
from ..text import SLUG
from .verify import Verifier

NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)*(?:\.[a-z0-9]+){1,3}$")
SIDECARS = (".script.txt", ".spoken.txt", ".preview.png", ".poster.png", ".alt.txt", ".srt", ".vtt")
FEED_DIR, FEED_NAME = "don-vi", "podcast.xml"  # where ``studio publish`` writes each unit's podcast feed
PUBLISHED_FIELDS = ("priority", "duration", "titles", "briefs")  # top-level in published manifests


def valid_slug(value: str) -> bool:
    return bool(SLUG.match(value)) and len(value) <= 100


def valid_name(value: str) -> bool:
    return bool(NAME.match(value)) and len(value) <= 200


@dataclass
class Item:
    """One artifact of a manifest, as the pages show it."""

    key: str  # storage key
    path: str  # relative to the campaign: <phase>/<channel>/<unit>/<name>
    phase: str
    channel: str
    unit: str
    name: str
    brief: str | None
    format: str
    media_type: str
    sha256: str
    bytes: int
    meta: dict[str, Any] = field(default_factory=dict)
    sidecars: dict[str, str] = field(default_factory=dict)  # suffix -> path

    @property
    def stem(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def kind(self) -> str:
        return self.media_type.split("/", 1)[0]


class Catalog:
    def __init__(self, storage: Storage, campaign_id: str, phases: Callable[[], list[str]], ttl: float = 5.0):
        self.storage = storage
        self.campaign_id = campaign_id
        self.phases = phases
        self.ttl = ttl
        self.verifier = Verifier(storage)
        self._cache: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def key(self, path: str) -> str:
        return f"{self.campaign_id}/{path}"

    def _cached(self, name: str, make: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self._cache.get(name)
        if hit and now - hit[0] < self.ttl:
            return hit[1]
        value = make()
        with self._lock:
            self._cache[name] = (now, value)
        return value

    def _json(self, path: str) -> dict | None:
        try:
            return json.loads(self.storage.get_bytes(self.key(path)))
        except StorageError:
            return None
        except ValueError:
            return {"error": f"{path}: không đọc được JSON"}

    def manifest_bytes(self, phase: str) -> bytes | None:
        try:
            return self.storage.get_bytes(self.key(f"{phase}/manifest.json"))
        except StorageError:
            return None

    def listing(self, phase: str) -> dict[str, str]:
        """Every stored key of a phase, relative to the campaign, with its change stamp."""
        def make():
            prefix = self.key(f"{phase}/")
            try:
                return {info.key[len(self.campaign_id) + 1:]: info.stamp for info in self.storage.list(prefix)}
            except StorageError:
                return {}
        return self._cached(f"list:{phase}", make)

    def items(self, phase: str) -> list[Item]:
        def make():
            data = self._json(f"{phase}/manifest.json") or {}
            stored = self.listing(phase)
            out = []
            for art in data.get("artifacts", []):
                parts = art.get("path", "").split("/")
                if len(parts) != 4 or parts[0] != phase or not (valid_slug(parts[1]) and valid_slug(parts[2])
                                                                 and valid_name(parts[3])):
                    continue  # never let a manifest entry point outside its phase folder
                item = Item(key=self.key(art["path"]), path=art["path"], phase=phase, channel=parts[1],
                            unit=parts[2], name=parts[3], brief=art.get("brief"), format=art.get("format", ""),
                            media_type=art.get("media_type", "application/octet-stream"),
                            sha256=art.get("sha256", ""), bytes=art.get("bytes", 0),
                            meta={**(art.get("meta") or {}), **{k: art[k] for k in PUBLISHED_FIELDS if k in art}})
                folder = f"{phase}/{item.channel}/{item.unit}/"
                for suffix in SIDECARS:
                    if folder + item.stem + suffix in stored:
                        item.sidecars[suffix] = folder + item.stem + suffix
                out.append(item)
            return out
        return self._cached(f"items:{phase}", make)

    def manifest(self, phase: str) -> dict | None:
        """The phase's manifest as published (None when there is none or it does not parse)."""
        data = self._cached(f"manifest:{phase}", lambda: self._json(f"{phase}/manifest.json"))
        return data if data and "artifacts" in data and "error" not in data else None

    def status(self, phase: str) -> dict | None:
        return self._cached(f"status:{phase}", lambda: self._json(f"{phase}/status.json"))

    def feed(self, unit: str) -> str | None:
        """The unit's podcast feed key (relative to the campaign), when publish has written one."""
        path = f"{FEED_DIR}/{unit}/{FEED_NAME}"
        return self._cached(f"feed:{unit}", lambda: path if self.storage.info(self.key(path)) else None)

    def servable(self, phase: str, channel: str, unit: str, name: str) -> Item | str | None:
        """The manifest item for a path, the path itself for a stored sidecar, else None."""
        path = f"{phase}/{channel}/{unit}/{name}"
        for item in self.items(phase):
            if item.path == path:
                return item
            if item.channel == channel and item.unit == unit and path in item.sidecars.values():
                return path
        return None

    def signature(self, phase: str) -> str:
        return self._cached(f"sig:{phase}", lambda: self.verifier.signature(self, phase))

    def check(self, item: Item) -> str:
        """The item's state on the pages: its bytes hashed when the listing's stamp is new."""
        return self.verifier.file(item, self.listing(item.phase).get(item.path))
