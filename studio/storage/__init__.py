"""Storage backends behind one small interface (local folder, S3-compatible).

Keys are ``/``-separated relative paths, the same layout as the output folder:
``<campaign>/<phase>/<channel>/<unit>/<file>``. Values cross this interface as
plain bytes or local file paths, like httpx's transport cut-off point, so any
backend (or a test double, ``memory://``) can stand behind it.

What a backend can or cannot do is part of the interface, never probed with
``hasattr``: ``local_path`` is None off this machine, ``presign`` is None where
links cannot be signed, ``prepare`` does nothing where there is nothing to create.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Protocol

from ..text import SLUG


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    stamp: str  # changes whenever the bytes change (local: size+mtime; S3: ETag+size): a safe key for cached digests
    sha256: str | None = None  # recorded at upload (S3 metadata): lets publish skip unchanged files, never proof


class StorageError(Exception):
    """A storage operation failed; the message says what and where, in Vietnamese."""


def check_key(key: str) -> str:
    """Refuse keys that could escape the storage root (``..``, absolute, odd characters)."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise StorageError(f"khóa lưu trữ không hợp lệ: {key!r}")
    for part in parts:
        stem = part.split(".", 1)[0]
        if not all(SLUG.match(s) for s in stem.split("--") if s) and not part.startswith("."):
            raise StorageError(f"khóa lưu trữ không hợp lệ: {key!r}")
    return key


class Storage(Protocol):
    url: str

    def prepare(self) -> None:
        """Make the place ready to be written (S3: create the bucket); publishers call it once."""
    def put_file(self, key: str, path: Path, media_type: str, sha256: str) -> None: ...
    def put_bytes(self, key: str, data: bytes, media_type: str) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def get_file(self, key: str, target: Path) -> None: ...
    def info(self, key: str) -> ObjectInfo | None: ...
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def delete(self, key: str) -> None: ...
    def sha256(self, key: str) -> str | None:
        """Hash of the stored bytes, read as a stream (never the recorded metadata); None if missing."""
    def local_path(self, key: str) -> Path | None:
        """The file holding ``key`` on this machine (to serve or hash it in place), else None."""
    def public_url(self, key: str) -> str:
        """Where a reader with access fetches ``key`` (feed enclosures, page links)."""
    def presign(self, key: str, expires: int) -> str | None:
        """A GET link valid ``expires`` seconds without credentials, or None if the backend has none."""
    def allow_public_read(self, prefixes: list[str]) -> None:
        """Let anyone GET (not list) the objects under these key prefixes (S3: one bucket-policy statement of
        this storage's own, the rest of the policy kept; a folder is as public as whoever serves it)."""


BACKENDS: dict[str, type] = {}


def register_backend(scheme: str):
    def wrap(cls):
        BACKENDS[scheme] = cls
        return cls
    return wrap


def open_storage(url: str, **options) -> Storage:
    """``/path`` or ``file:///path`` → local folder; ``s3://bucket/prefix`` → S3-compatible;
    ``memory://name`` → in-memory (tests)."""
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if scheme not in BACKENDS:
        import importlib

        for name in ("local", "s3", "memory"):  # each backend module registers itself
            try:
                importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
    if scheme not in BACKENDS:
        raise StorageError(f"không hỗ trợ kho lưu trữ {scheme}:// (dùng thư mục hoặc s3://bucket/tiền-tố)")
    return BACKENDS[scheme](url, **options)


@lru_cache(maxsize=8)
def shared(url: str) -> Storage:
    """One client per store and process (an S3 client is costly to build): what builds and workers use.

    Per process, not per parent: a child forked by a build's pool or a Celery worker would otherwise
    write its requests into the parent's open connections, interleaving bytes with its siblings
    (the server then sees bodies that fail their checksum and requests it cannot parse).
    """
    return open_storage(url)


os.register_at_fork(after_in_child=shared.cache_clear)

