"""Artifacts, atomic writes and the content-addressed cache.

Nothing a user already has is ever half-written: every file goes to a temporary
name beside its target and is renamed into place, which is atomic on POSIX.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=1024)
def _digest_of(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def file_digest(path: str | Path) -> str:
    """``sha256_file`` remembered per process until the file changes (fonts and templates are
    hashed for every job's inputs)."""
    st = os.stat(path)
    return _digest_of(str(path), st.st_size, st.st_mtime_ns)


def sha256_json(data: Any) -> str:
    """Stable hash of JSON-able data (sorted keys, no whitespace)."""
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file
SECRET_MODE = 0o600


@contextmanager
def atomic_path(target: str | Path, mode: int = FILE_MODE) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place, with ``mode``, on success.

    The temporary file is created 0600, so a secret (``mode=SECRET_MODE``) is never
    readable by others, not even while it is being written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(target: str | Path, data: bytes, mode: int = FILE_MODE) -> Path:
    with atomic_path(target, mode) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | Path, text: str) -> Path:
    return atomic_write_bytes(target, text.encode("utf-8"))


def atomic_write_json(target: str | Path, data: Any) -> Path:
    return atomic_write_text(target, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def holds(info: Any, size: int, sha256: str) -> bool:
    """Whether a stored object (a ``storage.ObjectInfo``, or None when there is none) holds these bytes:
    its size, and the sha256 recorded at upload where the backend keeps one. Cheap (a HEAD), never a download."""
    return info is not None and info.size == size and info.sha256 in (None, sha256)


_LOCK_FILES: dict[Path, Any] = {}


def _lock_file(path: Path):
    """One open handle per lock file and process, never closed: closing any handle of a file drops
    every POSIX record lock the process holds on it, the outer ones of nested entries included."""
    if path not in _LOCK_FILES:
        path.parent.mkdir(parents=True, exist_ok=True)
        _LOCK_FILES[path] = open(path, "a")  # noqa: SIM115  (kept open on purpose)
    return _LOCK_FILES[path]


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


def stable_zip(data: bytes) -> bytes:
    """The same zip (entries, order, compression) with every entry time set to ``ZIP_EPOCH``.

    Office files are zips whose writers stamp each entry with the time of saving: two
    builds of the same deck would differ in those bytes alone.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, ZIP_EPOCH)
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            target.writestr(fixed, source.read(info))
    return out.getvalue()


@dataclass(frozen=True)
class Output:
    """A file a renderer wrote, before it is hashed into an ``Artifact``."""

    path: Path
    media_type: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the campaign's output root
    sha256: str
    bytes: int
    media_type: str
    job: str
    phase: str
    channel: str
    unit: str
    brief: str | None
    format: str
    renderer: str
    inputs_hash: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class Cache:
    """Content-addressed store for work shared between jobs (a TTS item, a rendered still).

    Keys are hashes of the inputs; two processes making the same entry at once
    both write a temp file and the second rename wins with identical bytes.

    With a ``remote`` store (``--storage``: workers on machines that share no folder) the
    cache is content-addressed there too, as ``.cache/<hh>/<key><suffix>``: an entry missing
    here is downloaded before it is made, and what is made is uploaded, with the files made
    beside it (``<name>.*`` sidecars such as a segment's measured loudness), then a small
    ``.entry.json`` naming them, last, so a reader never takes half an entry. ``lock(key)``
    (a Redis lock on Celery workers) keeps two machines from making one entry at once.
    """

    def __init__(self, root: str | Path, remote: Any = None, lock: Callable[[str], Any] | None = None):
        self.root = Path(root)
        self.remote, self.lock = remote, lock

    def path(self, key: str, suffix: str = "") -> Path:
        return self.root / key[:2] / f"{key}{suffix}"

    def get_or_make(self, inputs: Any, suffix: str, make: Callable[[Path], None]) -> Path:
        key = sha256_json(inputs)
        target = self.path(key, suffix)
        if target.exists():
            return target
        if self.remote is None:
            with atomic_path(target) as tmp:
                make(tmp)
            return target
        with self._locked(key):
            if target.exists() or self._fetch(target):
                return target
            with atomic_path(target) as tmp:
                make(tmp)
            self._share(target)
        return target

    @contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        """The entry made by one process of this machine at a time (a POSIX record lock on one byte of
        ``.locks/shared`` chosen by the key: per process, so nested entries never deadlock), and by one
        machine at a time when a cluster ``lock`` is given; the others then download it."""
        fh = _lock_file(self.root / ".locks" / "shared")
        offset = int(key[:12], 16)
        fcntl.lockf(fh, fcntl.LOCK_EX, 1, offset)
        try:
            with self.lock(key) if self.lock else nullcontext():
                yield
        finally:
            fcntl.lockf(fh, fcntl.LOCK_UN, 1, offset)

    @staticmethod
    def _key(path: Path) -> str:
        return f".cache/{path.parent.name}/{path.name}"

    def _fetch(self, target: Path) -> bool:
        """Download the entry (sidecars first, the entry itself last) if the remote store has it whole;
        an entry the store lost part of is made again (and uploaded whole)."""
        index = self._key(target) + ".entry.json"
        if self.remote.info(index) is None:
            return False
        files = json.loads(self.remote.get_bytes(index))["files"]
        for name in sorted(files, key=lambda n: n == target.name):
            local = target.with_name(name)
            if self.remote.info(self._key(local)) is None:
                return False
            self.remote.get_file(self._key(local), local)
            if sha256_file(local) != files[name]:
                local.unlink(missing_ok=True)
                return False
        return True

    def _share(self, target: Path) -> None:
        """Upload the entry: the files made beside it, itself, then the index naming them."""
        made = [p for p in target.parent.glob(glob.escape(target.name) + ".*") if ".part" not in p.suffixes]
        files = {}
        for path in [*made, target]:
            files[path.name] = sha256_file(path)
            self._put(self._key(path), path.read_bytes())
        self._put(self._key(target) + ".entry.json", json.dumps({"files": files}, sort_keys=True).encode())

    def _put(self, key: str, data: bytes) -> None:
        """Another machine may be uploading the very same bytes (it made the entry at the same time,
        with no lock between them; a server may then refuse one of the two bodies): what counts is
        that the object ends up with these bytes, which a content-addressed key guarantees."""
        digest = hashlib.sha256(data).hexdigest()
        for attempt in (1, 2):
            try:
                self.remote.put_bytes(key, data, "application/octet-stream")
                return
            except Exception:  # the store's error (a StorageError): ask the store what it now holds
                if holds(self.remote.info(key), len(data), digest):
                    return
                if attempt == 2:
                    raise
