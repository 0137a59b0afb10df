"""The job journal: each job's record (its artifacts), kept as soon as its files are in place,
so that any later run keeps every job that finished, whatever became of the manifest.

One small interface, two homes:

- ``FolderJournal``, the output folder (a build without ``--storage``): the record is
  ``<out>/.cache/<hh>/<inputs hash>.job.json`` with the size and mtime of every file, and a
  job is kept while its files on disk are still the ones it wrote.
- ``StoreJournal``, an object store (``--storage URL``), the source of truth for a batch
  spread over machines that share nothing else: the job's files are uploaded under their
  final keys (``<campaign>/<path>``, the digest checked on the way), then its record is
  written to ``<campaign>/.journal/<inputs hash>.json``. A job is kept while every object
  it lists is in the store with its size and sha256 (read from a HEAD, never downloaded),
  so a run from any machine, with any output folder, renders each job once.

Both answer the same questions for ``studio.build``: ``record`` a job, ``find`` the jobs
already made, tell whether listed artifacts are ``intact``, read a phase's last ``manifest``,
and ``share`` the manifests written at the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from ..artifacts import Artifact, Cache, atomic_write_json, holds
from ..manifest import MANIFEST, read_manifest
from . import Storage

LOOKUPS = 16  # store requests in flight while planning (HEADs of records and objects)


class Journal(Protocol):
    #: Whether the artifacts it vouches for are files in the output folder (so the manifest step
    #: checks them there); a store vouches for its own objects.
    in_folder: bool

    def record(self, digest: str, artifacts: list[Artifact]) -> None:
        """Keep the job's record once its files are in the output folder (uploading them first, for a store)."""
    def find(self, digests: Iterable[str]) -> dict[str, list[dict]]:
        """The artifacts of every job (by inputs hash) whose record exists and whose files are intact."""
    def intact(self, artifacts: list[dict]) -> bool:
        """Whether every artifact (manifest entries) is still there with its size (and sha256, in a store)."""
    def manifest(self, phase: str) -> dict | None:
        """The phase's last manifest, where this journal keeps its files."""
    def share(self, paths: list[Path]) -> None:
        """Copy files just written in the output folder (manifests, statuses) to where the journal lives."""


class FolderJournal:
    in_folder = True

    def __init__(self, out_root: Path, cache: Cache):
        self.out_root, self.cache = Path(out_root), cache

    def _path(self, digest: str) -> Path:
        return self.cache.path(digest, ".job.json")

    def record(self, digest: str, artifacts: list[Artifact]) -> None:
        stamps = {}
        for art in artifacts:
            st = (self.out_root / art.path).stat()
            stamps[art.path] = [st.st_size, st.st_mtime_ns]
        atomic_write_json(self._path(digest), {"artifacts": [a.to_dict() for a in artifacts], "stamps": stamps})

    def _read(self, digest: str) -> list[dict] | None:
        try:
            record = json.loads(self._path(digest).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        for path, (size, mtime_ns) in record["stamps"].items():
            try:
                st = (self.out_root / path).stat()
            except FileNotFoundError:
                return None
            if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
                return None
        return record["artifacts"]

    def find(self, digests: Iterable[str]) -> dict[str, list[dict]]:
        return {d: arts for d in digests if (arts := self._read(d)) is not None}

    def intact(self, artifacts: list[dict]) -> bool:
        for art in artifacts:
            path = self.out_root / art["path"]
            if not (path.is_file() and path.stat().st_size == art["bytes"]):
                return False
        return True

    def manifest(self, phase: str) -> dict | None:
        return read_manifest(self.out_root, phase)

    def share(self, paths: list[Path]) -> None:
        """They are already where this journal lives."""


class StoreJournal:
    in_folder = False

    def __init__(self, storage: Storage, campaign_id: str, out_root: Path):
        self.storage, self.campaign_id, self.out_root = storage, campaign_id, Path(out_root)

    def _key(self, path: str) -> str:
        return f"{self.campaign_id}/{path}"

    def _record_key(self, digest: str) -> str:
        return self._key(f".journal/{digest}.json")

    def record(self, digest: str, artifacts: list[Artifact]) -> None:
        """Upload the job's files (skipping objects already there with the same bytes), then its record,
        last: a record in the store always names objects that are there."""
        for art in artifacts:
            key = self._key(art.path)
            if not holds(self.storage.info(key), art.bytes, art.sha256):
                self.storage.put_file(key, self.out_root / art.path, art.media_type, art.sha256)
        data = json.dumps({"artifacts": [a.to_dict() for a in artifacts]}, ensure_ascii=False, sort_keys=True)
        self.storage.put_bytes(self._record_key(digest), data.encode(), "application/json")

    def _read(self, digest: str) -> list[dict] | None:
        key = self._record_key(digest)
        if self.storage.info(key) is None:
            return None
        artifacts = json.loads(self.storage.get_bytes(key))["artifacts"]
        return artifacts if self.intact(artifacts) else None

    def find(self, digests: Iterable[str]) -> dict[str, list[dict]]:
        digests = list(digests)
        with ThreadPoolExecutor(max_workers=LOOKUPS) as pool:
            found = pool.map(self._read, digests)
        return {d: arts for d, arts in zip(digests, found, strict=True) if arts is not None}

    def intact(self, artifacts: list[dict]) -> bool:
        return all(holds(self.storage.info(self._key(a["path"])), a["bytes"], a["sha256"]) for a in artifacts)

    def manifest(self, phase: str) -> dict | None:
        key = self._key(f"{phase}/{MANIFEST}")
        return json.loads(self.storage.get_bytes(key)) if self.storage.info(key) is not None else None

    def share(self, paths: list[Path]) -> None:
        for path in paths:
            self.storage.put_bytes(self._key(path.relative_to(self.out_root).as_posix()), path.read_bytes(),
                                   "application/json")
