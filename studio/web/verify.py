"""Is a file what the manifest says it is? Hash per file, signature per manifest.

Always the bytes: a file's state comes from hashing what storage holds
(streamed), never from the hash an object carries in its metadata, which
survives a replaced body. Digests are remembered per change stamp (local:
size+mtime; S3: ETag+size; from the listing), so a page view does not re-read
every MP3, yet changed bytes are re-hashed. The manifest signature (Ed25519,
embedded in ``manifest.json`` by ``studio publish``) is checked with
``studio.publish.signing`` and the province's public key, when one is configured.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..storage import Storage

if TYPE_CHECKING:
    from .catalog import Catalog, Item

# Per-file states and per-manifest signature states, with their Vietnamese labels.
FILE_STATES = {"ok": "Mã băm khớp", "mismatch": "Mã băm KHÔNG khớp — tệp đã bị thay đổi, không được phát",
               "missing": "Thiếu tệp"}
ALTERED = ("Tệp này đã bị thay đổi sau khi tỉnh ký manifest (mã băm không khớp) nên không được phát. "
           "Báo cho cán bộ tỉnh để xuất bản lại.")
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
        self._hashes: dict[str, tuple[str, str | None]] = {}  # key -> (stamp, sha256 of the bytes)
        self._lock = threading.Lock()

    def signature(self, catalog: Catalog, phase: str) -> str:
        return manifest_signature(catalog.manifest_bytes(phase), self.public_key)

    def digest(self, key: str, stamp: str | None) -> str | None:
        """sha256 of the bytes at ``key``, hashed again whenever ``stamp`` changes; None when missing."""
        if stamp is None:
            return None
        hit = self._hashes.get(key)
        if hit and hit[0] == stamp:
            return hit[1]
        value = self.storage.sha256(key)
        with self._lock:
            self._hashes[key] = (stamp, value)
        return value

    def file(self, item: Item, stamp: str | None) -> str:
        digest = self.digest(item.key, stamp)
        if digest is None:
            return "missing"
        return "ok" if digest == item.sha256 else "mismatch"
