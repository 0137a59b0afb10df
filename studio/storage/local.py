"""Local folder storage (the default: ``outputs/``)."""

from __future__ import annotations

import shutil
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
        target = self._path(key)
        if Path(path).resolve() == target:
            return
        with atomic_path(target) as tmp:
            shutil.copyfile(path, tmp)
        if sha256_file(target) != sha256:
            raise StorageError(f"{key}: mã băm sau khi ghi không khớp")

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
        path = self._path(key)
        return ObjectInfo(key, path.stat().st_size) if path.is_file() else None

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.relative_to(self.root).parts):
                yield ObjectInfo(str(path.relative_to(self.root)), path.stat().st_size)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
