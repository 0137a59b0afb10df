"""In-memory storage (``memory://name/prefix``): the test double behind the ``Storage`` interface.

Like httpx's ``MockTransport``, it stands where the real backend would, so the
code above it runs unchanged. ``name`` is a process-wide space, like an S3
bucket: two ``open_storage`` calls on it see the same objects, as two clients of
one server would, and keys live below ``prefix``. ``objects`` is the space's
raw dict (full keys), for a test that must tamper behind the interface's back.
Each write gives the object a new version, which is its change stamp.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..artifacts import atomic_write_bytes
from . import ObjectInfo, StorageError, check_key, register_backend

_SPACES: dict[str, dict[str, StoredObject]] = {}
_VERSIONS = itertools.count(1)


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    media_type: str
    sha256: str  # recorded at write time, like S3 metadata (a test may make it lie)
    version: int


@register_backend("memory")
class MemoryStorage:
    def __init__(self, url: str):
        self.url = url.rstrip("/")
        name, _, prefix = self.url.removeprefix("memory://").partition("/")
        self.objects = _SPACES.setdefault(name, {})
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put_bytes(self, key: str, data: bytes, media_type: str) -> None:
        self.objects[self._key(key)] = StoredObject(bytes(data), media_type, hashlib.sha256(data).hexdigest(),
                                                    next(_VERSIONS))

    def put_file(self, key: str, path: Path, media_type: str, sha256: str) -> None:
        data = Path(path).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StorageError(f"{path}: nội dung tệp không khớp mã băm trong manifest — chạy lại studio build")
        self.put_bytes(key, data, media_type)

    def _get(self, key: str) -> StoredObject:
        try:
            return self.objects[self._key(key)]
        except KeyError:
            raise StorageError(f"không có tệp {key} trong {self.url}") from None

    def get_bytes(self, key: str) -> bytes:
        return self._get(key).data

    def get_file(self, key: str, target: Path) -> None:
        atomic_write_bytes(target, self._get(key).data)

    def info(self, key: str) -> ObjectInfo | None:
        obj = self.objects.get(self._key(key))
        return _info(key, obj) if obj else None

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        start = self.prefix + prefix
        for key in sorted(k for k in self.objects if k.startswith(start)):
            yield _info(key[len(self.prefix):], self.objects[key])

    def delete(self, key: str) -> None:
        self.objects.pop(self._key(key), None)

    def prepare(self) -> None:
        """Nothing to create."""

    def sha256(self, key: str) -> str | None:
        obj = self.objects.get(self._key(key))
        return hashlib.sha256(obj.data).hexdigest() if obj else None

    def local_path(self, key: str) -> None:
        return None

    def public_url(self, key: str) -> str:
        return f"{self.url}/{check_key(key)}"

    def presign(self, key: str, expires: int) -> None:
        return None

    def allow_public_read(self, prefixes: list[str]) -> None:
        return None  # who may read is up to whatever serves this place


def _info(key: str, obj: StoredObject) -> ObjectInfo:
    return ObjectInfo(key, len(obj.data), str(obj.version), obj.sha256)
