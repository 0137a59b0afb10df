"""Who may see what: access tokens, signed session cookies and each operator's audience.

Tokens are long random secrets handed to one unit's operator (or a province
designer); only their SHA-256 is stored, so a leaked tokens file opens nothing.
A token is typed once into the login form (never put in a URL, which would end
up in access logs) and traded for a signed, expiring session cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..artifacts import SECRET_MODE, atomic_path
from ..text import nfc

Role = Literal["operator", "designer"]
TOKEN_PREFIX = "stw_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    id: str
    digest: str
    role: Role
    unit: str
    name: str
    created: str


class TokenStore:
    """A JSON file of hashed tokens (mode 0600), rewritten atomically on change."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._seen: tuple[tuple, list[TokenRecord]] | None = None

    def _read(self) -> list[TokenRecord]:
        """Re-read only when the file changed (each request checks its session's token)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return []
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if self._seen and self._seen[0] == stamp:
            return self._seen[1]
        data = json.loads(self.path.read_text(encoding="utf-8"))
        records = [TokenRecord(**item) for item in data.get("tokens", [])]
        self._seen = (stamp, records)
        return records

    def records(self) -> list[TokenRecord]:
        return self._read()

    def issue(self, unit: str, role: Role, name: str) -> tuple[TokenRecord, str]:
        """Make a new token; return its record and the plain token, shown once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(id=secrets.token_hex(6), digest=token_digest(token), role=role, unit=unit,
                             name=nfc(name), created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        records = self._read() + [record]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path, SECRET_MODE) as tmp:
            tmp.write_text(json.dumps({"tokens": [r.__dict__ for r in records]}, ensure_ascii=False, indent=2),
                           encoding="utf-8")
        return record, token

    def revoke(self, token_id: str) -> bool:
        records = self._read()
        kept = [r for r in records if r.id != token_id]
        with atomic_path(self.path, SECRET_MODE) as tmp:
            tmp.write_text(json.dumps({"tokens": [r.__dict__ for r in kept]}, ensure_ascii=False, indent=2),
                           encoding="utf-8")
        return len(kept) != len(records)

    def check(self, token: str) -> TokenRecord | None:
        digest = token_digest(token)
        match = None
        for record in self._read():
            if hmac.compare_digest(record.digest, digest):
                match = record
        return match

    def get(self, token_id: str) -> TokenRecord | None:
        return next((r for r in self._read() if r.id == token_id), None)


def secret_key(path: Path) -> bytes:
    """The cookie signing key, made on first use and kept beside the tokens (0600)."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, SECRET_MODE) as tmp:
            tmp.write_bytes(key)
        return path.read_bytes()


class Sessions:
    """Signed, timestamped cookie values: ``{"t": token id, "c": csrf token}``."""

    def __init__(self, key: bytes, max_age: int):
        self.serializer = URLSafeTimedSerializer(key, salt="studio-web-session")
        self.max_age = max_age

    def make(self, token_id: str) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(24)
        return self.serializer.dumps({"t": token_id, "c": csrf}), csrf

    def read(self, cookie: str | None) -> dict | None:
        if not cookie:
            return None
        try:
            data = self.serializer.loads(cookie, max_age=self.max_age)
        except (BadSignature, SignatureExpired):
            return None
        return data if isinstance(data, dict) and {"t", "c"} <= set(data) else None
