"""Who may see what: access tokens, signed session cookies, and the login form's defences.

Tokens are long random secrets handed to one unit's operator (or a province
designer); only their SHA-256 is stored, so a leaked tokens file opens nothing.
A token is typed once into the login form (never put in a URL, which would end
up in access logs) and traded for a signed, expiring session cookie. The form
carries a CSRF value bound to a short-lived signed cookie; failed logins are
limited per client address and per token prefix; logout records the session as
ended, so a copy of its cookie opens nothing afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..artifacts import SECRET_MODE, atomic_path
from ..text import nfc
from .approve import file_lock

Role = Literal["operator", "designer", "feed"]  # feed: a private podcast address, no login
TOKEN_PREFIX = "stw_"
LOGIN_LIMIT = 10  # failed logins per client address, and per token prefix, in a window
LOGIN_WINDOW_S = 60.0
LIMITED_PREFIX = 12  # "stw_" + 8 characters (48 random bits): one token's prefix, never every token's
LOGIN_FORM_S = 3600  # how long a login form (its CSRF cookie) stays valid


class LoginRequired(Exception):
    """A page that needs a session was asked for without one: the portal answers with the login page."""


class Denied(Exception):
    """A request the principal may not make (or that names nothing): answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


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


class JsonFile:
    """A small JSON state file (mode 0600), parsed again only when it changed (each request reads it)."""

    def __init__(self, path: Path, parse: Callable[[dict], Any]):
        self.path, self.parse = Path(path), parse
        self._seen: tuple[tuple, Any] | None = None

    def read(self) -> Any:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return self.parse({})
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if not (self._seen and self._seen[0] == stamp):
            self._seen = (stamp, self.parse(json.loads(self.path.read_text(encoding="utf-8"))))
        return self._seen[1]

    def write(self, data: dict) -> None:
        """Replace the file atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path, SECRET_MODE) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


class TokenStore:
    """A JSON file of hashed tokens (mode 0600), rewritten atomically on change."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.file = JsonFile(self.path, lambda data: [TokenRecord(**item) for item in data.get("tokens", [])])

    def _read(self) -> list[TokenRecord]:
        return self.file.read()

    def records(self) -> list[TokenRecord]:
        return self._read()

    def issue(self, unit: str, role: Role, name: str) -> tuple[TokenRecord, str]:
        """Make a new token; return its record and the plain token, shown once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        record = TokenRecord(id=secrets.token_hex(6), digest=token_digest(token), role=role, unit=unit,
                             name=nfc(name), created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        self.file.write({"tokens": [r.__dict__ for r in self._read() + [record]]})
        return record, token

    def revoke(self, token_id: str) -> bool:
        records = self._read()
        kept = [r for r in records if r.id != token_id]
        self.file.write({"tokens": [r.__dict__ for r in kept]})
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


@dataclass(frozen=True)
class Session:
    token_id: str
    csrf: str  # random per session, so it also names the session
    expires: float  # Unix time


class Sessions:
    """Signed, timestamped cookie values ``{"t": token id, "c": csrf token}``.

    Stateless but for logout: an ended session's csrf value stays in ``ended-sessions.json``
    until the cookie would have expired anyway, so the file holds at most one login period."""

    def __init__(self, key: bytes, max_age: int, ended_file: Path):
        self.serializer = URLSafeTimedSerializer(key, salt="studio-web-session")
        self.max_age = max_age
        self.ended = JsonFile(ended_file, lambda data: data.get("ended", {}))

    def make(self, token_id: str) -> tuple[str, str]:
        csrf = secrets.token_urlsafe(24)
        return self.serializer.dumps({"t": token_id, "c": csrf}), csrf

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data, signed = self.serializer.loads(cookie, max_age=self.max_age, return_timestamp=True)
        except (BadSignature, SignatureExpired):
            return None
        if not (isinstance(data, dict) and {"t", "c"} <= set(data)) or data["c"] in self.ended.read():
            return None
        return Session(data["t"], data["c"], signed.timestamp() + self.max_age)

    def end(self, session: Session) -> None:
        """Logout: no copy of this session's cookie opens anything any more (all processes share the file)."""
        with file_lock(self.ended.path.with_name(self.ended.path.name + ".lock")):
            now = time.time()
            ended = {c: until for c, until in self.ended.read().items() if until > now}
            self.ended.write({"ended": {**ended, session.csrf: session.expires}})


class LoginForms:
    """Login CSRF: a random value both in a signed, short-lived cookie and in the form's hidden field."""

    def __init__(self, key: bytes):
        self.serializer = URLSafeTimedSerializer(key, salt="studio-web-login-form")

    def value(self, cookie: str | None) -> str | None:
        try:
            value = self.serializer.loads(cookie or "", max_age=LOGIN_FORM_S)
        except (BadSignature, SignatureExpired):
            return None
        return value if isinstance(value, str) else None

    def make(self, cookie: str | None) -> tuple[str, str]:
        """The cookie and the field for a form (the same value as the browser's other open forms)."""
        value = self.value(cookie) or secrets.token_urlsafe(24)
        return self.serializer.dumps(value), value

    def check(self, cookie: str | None, field: str) -> bool:
        value = self.value(cookie)
        return bool(value and field) and hmac.compare_digest(value.encode(), field.encode())


class LoginLimiter:
    """Failed logins per key (client address, token prefix) in a sliding window, kept in memory.

    A successful login resets nothing: one valid token must not buy an address more guesses."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def keys(address: str, token: str) -> list[str]:
        token = token.strip()
        return [f"address:{address}"] + ([f"token:{token[:LIMITED_PREFIX]}"] if token else [])

    def retry_after(self, keys: list[str]) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [times[0] + LOGIN_WINDOW_S - now for key in keys
                     if len(times := self._recent(key, now)) >= LOGIN_LIMIT]
        return max(waits, default=0.0)

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self.failures.setdefault(key, deque()).append(now)
            if len(self.failures) > 10_000:  # random prefixes: forget the keys whose window has passed
                for key in [k for k in self.failures if not self._recent(k, now)]:
                    del self.failures[key]

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.failures.get(key, deque())
        while times and times[0] <= now - LOGIN_WINDOW_S:
            times.popleft()
        while len(times) > LOGIN_LIMIT:  # only the last LOGIN_LIMIT failures decide
            times.popleft()
        return times
