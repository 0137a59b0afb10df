"""Storage backends behind one small interface (local folder, S3-compatible).

Keys are ``/``-separated relative paths, the same layout as the output folder:
``<campaign>/<phase>/<channel>/<unit>/<file>``. Values cross this interface as
plain bytes or local file paths, like httpx's transport cut-off point, so any
backend (or a test double) can stand behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from ..text import SLUG


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None = None  # from object metadata, when the backend has it


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

    def put_file(self, key: str, path: Path, media_type: str, sha256: str) -> None: ...
    def put_bytes(self, key: str, data: bytes, media_type: str) -> None: ...
    def get_bytes(self, key: str) -> bytes: ...
    def get_file(self, key: str, target: Path) -> None: ...
    def info(self, key: str) -> ObjectInfo | None: ...
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...
    def delete(self, key: str) -> None: ...


BACKENDS: dict[str, type] = {}


def register_backend(scheme: str):
    def wrap(cls):
        BACKENDS[scheme] = cls
        return cls
    return wrap


def open_storage(url: str, **options) -> Storage:
    """``/path`` or ``file:///path`` → local folder; ``s3://bucket/prefix`` → S3-compatible."""
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if scheme not in BACKENDS:
        import importlib

        for name in ("local", "s3"):  # each backend module registers itself
            try:
                importlib.import_module(f"{__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__name__}.{name}":
                    raise
    if scheme not in BACKENDS:
        raise StorageError(f"không hỗ trợ kho lưu trữ {scheme}:// (dùng thư mục hoặc s3://bucket/tiền-tố)")
    return BACKENDS[scheme](url, **options)
