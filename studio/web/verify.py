"""Is a file what the manifest says it is? Hash per file, signature per manifest.

Hashes are cached by (size, mtime) for local files, so a listing does not
re-read every MP3 on each request, yet a file changed on disk is re-hashed.
The manifest signature (Ed25519, embedded in ``manifest.json`` by
``studio publish``) is checked with ``studio.publish.signing`` and the
province's public key, when one is configured.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ..storage import Storage

if TYPE_CHECKING:
    from .catalog import Catalog, Item

# Per-file states and per-manifest signature states, with their Vietnamese labels.
FILE_STATES = {"ok": "Mã băm khớp", "mismatch": "Mã băm KHÔNG khớp", "missing": "Thiếu tệp"}
SIGNATURE_STATES = {"valid": "Chữ ký hợp lệ", "invalid": "Chữ ký KHÔNG hợp lệ",
                    "unsigned": "Chưa ký (bản build, chưa xuất bản)",
                    "unchecked": "Có chữ ký, chưa cấu hình khóa công khai để kiểm tra"}


def manifest_signature(raw: bytes | None, public_key) -> str:
    """State of the signature ``studio publish`` embeds in a manifest (``studio.publish.signing``)."""
    from ..publish import signing

    if raw is None:
        return "unsigned"
    try:
        data = signing.loads(raw)
    except signing.SignatureError:
        return "invalid"
    if "signature" not in data:
        return "unsigned"
    if public_key is None:
        return "unchecked"
    try:
        signing.verify(data, public_key)
    except signing.SignatureError:
        return "invalid"
    return "valid"


class Verifier:
    def __init__(self, storage: Storage, public_key=None):
        self.storage = storage
        self.public_key = public_key  # Ed25519PublicKey, from studio.publish.signing.load_public
        self.remote_ttl = 60.0
        self._hashes: dict[str, tuple[tuple, str]] = {}
        self._lock = threading.Lock()

    def signature(self, catalog: Catalog, phase: str) -> str:
        return manifest_signature(catalog.manifest_bytes(phase), self.public_key)

    def _digest(self, key: str) -> str | None:
        root = getattr(self.storage, "root", None)
        if root is not None:  # local folder: hash once per (size, mtime)
            path = Path(root) / key
            try:
                st = path.stat()
            except FileNotFoundError:
                return None
            stamp = (st.st_size, st.st_mtime_ns)
            hit = self._hashes.get(key)
            if hit and hit[0] == stamp:
                return hit[1]
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            with self._lock:
                self._hashes[key] = (stamp, digest.hexdigest())
            return digest.hexdigest()
        # Remote storage: one HEAD (or download) per file per minute at most.
        hit = self._hashes.get(key)
        now = time.monotonic()
        if hit and now - hit[0][0] < self.remote_ttl:
            return hit[1]
        info = self.storage.info(key)
        if info is None:
            value = None
        elif info.sha256:  # the backend keeps the hash it verified on upload
            value = info.sha256
        elif hit and hit[0][1] == info.size and hit[1]:
            value = hit[1]
        else:
            value = hashlib.sha256(self.storage.get_bytes(key)).hexdigest()
        with self._lock:
            self._hashes[key] = ((now, info.size if info else -1), value)
        return value

    def file(self, item: Item) -> str:
        digest = self._digest(item.key)
        if digest is None:
            return "missing"
        return "ok" if digest == item.sha256 else "mismatch"
