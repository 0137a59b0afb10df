"""Distribution: publish a built phase to storage, sign it, and let units pull and verify it.

``publish`` uploads what is approved and writes the signed manifest last, deleting only what
was retracted; ``verify`` and ``pull`` trust nothing but the province's public key and refuse a
manifest older than one they have seen (``freshness``); ``feeds`` gives every unit
an index page and a podcast feed; ``access`` makes read-only credentials per unit.
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import SECRET_MODE, atomic_write_bytes
from ..storage import StorageError, open_storage

MANIFEST_KEY = "manifest.json"
PENDING_KEY = "dang-xuat-ban.json"  # beside it: what a publish under way uploads before its manifest lands
FORMAT = "studio-manifest/1"


class PublishError(Exception):
    """Publishing, verifying or pulling cannot go on; the message is Vietnamese and says what to do."""


def join_url(url: str, *parts: str) -> str:
    return "/".join([url.rstrip("/"), *(p.strip("/") for p in parts if p)])


def open_location(url: str, **s3_options):
    """Open a storage URL; S3 options (endpoint, region, profile…) only reach the S3 backend."""
    if url.startswith("s3://"):
        return open_storage(url, **s3_options)
    return open_storage(url)


def split_phase_url(url: str) -> tuple[str, str]:
    """``…/<campaign>/<phase>`` → (campaign storage URL, phase id)."""
    base, _, phase = url.rstrip("/").rpartition("/")
    if not base or not phase or base.endswith(":/"):
        raise PublishError(f"{url}: cần đường dẫn tới thư mục một giai đoạn, dạng s3://bucket/<chiến-dịch>/<giai-đoạn> "
                           f"hoặc thư-mục/<chiến-dịch>/<giai-đoạn>")
    return base, phase


def write_secret(path: Path, data: bytes) -> Path:
    """Write a file that is mode 0600 from its first byte (keys, credentials), then rename it in place."""
    return atomic_write_bytes(path, data, SECRET_MODE)


__all__ = ["PublishError", "StorageError", "join_url", "open_location", "split_phase_url", "write_secret"]
