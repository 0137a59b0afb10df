"""Ed25519 signatures over phase manifests.

The province holds the private key (``studio keys init``, file mode 0600); units
get the public key. The signature is embedded in ``manifest.json`` under
``"signature"`` and covers the canonical bytes of everything else, so a manifest
is one object, swapped atomically: a reader never sees a new manifest with an old
signature. Canonical bytes = JSON with sorted keys, no whitespace, UTF-8.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ..artifacts import atomic_write_bytes
from . import write_secret

PRIVATE_NAME = "province.key"
PUBLIC_NAME = "province.pub"
ALGORITHM = "ed25519"


class SignatureError(Exception):
    """The manifest is unsigned, signed by another key, or altered; the message is Vietnamese."""


def canonical(data: dict[str, Any]) -> bytes:
    body = {k: v for k, v in data.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def init_keys(folder: Path, force: bool = False) -> tuple[Path, Path]:
    """Write a new key pair; the private key is created 0600 from the start (never world-readable)."""
    folder = Path(folder)
    private_path, public_path = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    if private_path.exists() and not force:
        raise FileExistsError(f"{private_path} đã có; dùng --force nếu thật sự muốn thay khóa "
                              f"(các đơn vị sẽ phải nhận khóa công khai mới)")
    folder.mkdir(parents=True, exist_ok=True)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    write_secret(private_path, pem)
    pub = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    atomic_write_bytes(public_path, pub)
    os.chmod(public_path, 0o644)  # the public key is meant to be handed out
    return private_path, public_path


def _read_key(path: Path, load, kind: type, what: str, missing: str):
    """Load a PEM key of ``kind`` from ``path``, or say in Vietnamese what is wrong with it."""
    try:
        key = load(Path(path).read_bytes())
    except FileNotFoundError:
        raise SignatureError(f"{path}: {missing}") from None
    except ValueError as exc:
        raise SignatureError(f"{path}: không đọc được {what} ({exc})") from None
    if not isinstance(key, kind):
        raise SignatureError(f"{path}: không phải khóa Ed25519")
    return key


def load_private(path: Path) -> Ed25519PrivateKey:
    key = _read_key(path, lambda data: serialization.load_pem_private_key(data, password=None), Ed25519PrivateKey,
                    "khóa bí mật", "không có khóa bí mật; tạo bằng: studio keys init")
    if os.stat(path).st_mode & 0o077:
        raise SignatureError(f"{path}: khóa bí mật đang để người khác đọc được; chạy: chmod 600 {path}")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    return _read_key(path, serialization.load_pem_public_key, Ed25519PublicKey, "khóa công khai",
                     "không có tệp khóa công khai (nhận tệp province.pub từ tỉnh)")


def sign(data: dict[str, Any], private: Ed25519PrivateKey) -> dict[str, Any]:
    """Return ``data`` with its embedded signature."""
    signature = private.sign(canonical(data))
    return {**{k: v for k, v in data.items() if k != "signature"}, "signature": {
        "algorithm": ALGORITHM, "key_id": key_id(private.public_key()),
        "value": base64.b64encode(signature).decode("ascii")}}


def verify(data: dict[str, Any], public: Ed25519PublicKey, where: str = "manifest.json") -> None:
    block = data.get("signature")
    if not isinstance(block, dict) or block.get("algorithm") != ALGORITHM or "value" not in block:
        raise SignatureError(f"{where}: manifest chưa được ký — không tin cậy, không phát")
    if block.get("key_id") != key_id(public):
        raise SignatureError(f"{where}: manifest được ký bằng khóa khác (mã {block.get('key_id')}, khóa của bạn "
                             f"{key_id(public)}) — không tin cậy, không phát")
    try:
        public.verify(base64.b64decode(block["value"], validate=True), canonical(data))
    except (InvalidSignature, ValueError):
        raise SignatureError(f"{where}: chữ ký không hợp lệ — manifest đã bị sửa, không tin cậy, không phát") from None


def dumps(data: dict[str, Any]) -> bytes:
    """Bytes of a manifest as stored (readable, stable)."""
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def loads(raw: bytes, where: str = "manifest.json") -> dict[str, Any]:
    """Parse a manifest, refusing duplicate keys (two readers must never see two meanings)."""
    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise SignatureError(f"{where}: manifest có khóa JSON trùng lặp — không tin cậy")
        return dict(pairs)

    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SignatureError(f"{where}: không đọc được manifest ({exc})") from None
    if not isinstance(data, dict):
        raise SignatureError(f"{where}: manifest không đúng dạng")
    return data
