"""Local folder storage (the default: ``outputs/``)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

from ..artifacts import atomic_path, atomic_write_bytes, sha256_file
from . import ObjectInfo, StorageError, check_key, register_backend


@register_backend("file")
class LocalStorage:
    def __init__(self, url: str):
        self.url = url
        self.root = Path(url.removeprefix("file://")).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key: str, path: Path, media_type: str, sha256: str) -> None:
        """Copy under a temporary name, hashing the bytes as they are copied; rename into place only
        when they hash to ``sha256``, so a source changed since the build never replaces the published file."""
        target = self._path(key)
        if Path(path).resolve() == target:
            return
        with atomic_path(target) as tmp:
            digest = hashlib.sha256()
            with open(path, "rb") as source, open(tmp, "wb") as copy:
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    digest.update(chunk)
                    copy.write(chunk)
            if digest.hexdigest() != sha256:
                raise StorageError(f"{path}: nội dung tệp không khớp mã băm trong manifest (tệp đã bị sửa sau khi "
                                   f"build?) — bản đã xuất bản {key} giữ nguyên; chạy lại studio build")

    def put_bytes(self, key: str, data: bytes, media_type: str) -> None:
        atomic_write_bytes(self._path(key), data)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"không có tệp {key} trong {self.url}") from None

    def get_file(self, key: str, target: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise StorageError(f"không có tệp {key} trong {self.url}")
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)

    def info(self, key: str) -> ObjectInfo | None:
        try:
            return _info(key, self._path(key).stat())
        except (FileNotFoundError, NotADirectoryError):
            return None

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(self.root).parts):
                yield _info(str(path.relative_to(self.root)), path.stat())

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def prepare(self) -> None:
        """Nothing to create: folders are made as files are written."""

    def sha256(self, key: str) -> str | None:
        path = self._path(key)
        return sha256_file(path) if path.is_file() else None

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def public_url(self, key: str) -> str:
        return self._path(key).as_uri()

    def presign(self, key: str, expires: int) -> None:
        return None

    def allow_public_read(self, prefixes: list[str]) -> None:
        return None  # who may read is up to whatever serves this place


def _info(key: str, st: os.stat_result) -> ObjectInfo | None:
    if not stat.S_ISREG(st.st_mode):
        return None
    return ObjectInfo(key, st.st_size, f"{st.st_size}:{st.st_mtime_ns}")
