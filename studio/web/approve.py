"""Approving a brief: a targeted edit of its YAML, and an append-only audit log.

Only the top-level ``approval:`` entry is rewritten (found by its YAML node
position), so the designer's comments and layout elsewhere in the file stay.
The new file is validated before it atomically replaces the old one.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..artifacts import atomic_write_text
from ..campaign import Brief
from ..text import nfc
from ..vi import VIETNAM

_lock = threading.Lock()


class ApprovalError(Exception):
    """The brief could not be approved; the message says why, in Vietnamese."""


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Serialise writers across threads and processes (one portal, or several)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock, open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def approval_line(by: str, at: datetime) -> str:
    # A JSON string is a valid YAML double-quoted scalar: quotes, colons, '#' are safe.
    return f"approval: {{status: approved, by: {json.dumps(nfc(by), ensure_ascii=False)}, at: {at.isoformat()}}}"


def set_approval(text: str, by: str, at: datetime) -> str:
    """Return ``text`` with its top-level ``approval`` replaced (or added) as approved."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise ApprovalError("tệp tin bài không phải một bảng khóa–giá trị YAML")
    line = approval_line(by, at)
    for key, value in root.value:
        if key.value == "approval":
            start = text.rfind("\n", 0, key.start_mark.index) + 1
            if isinstance(value, yaml.MappingNode) and not value.flow_style and value.value:
                # A block mapping: replace through the end of its last line, not the comments after it.
                last = value
                while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and last.value:
                    last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
                end = text.find("\n", last.end_mark.index)
                end = len(text) if end < 0 else end
            else:  # flow or scalar: ends mid-line, keep a trailing comment
                end = value.end_mark.index
            return text[:start] + line + text[end:]
    return text + ("" if text.endswith("\n") else "\n") + line + "\n"


def approve_brief(path: Path, by: str, audit_path: Path, actor: dict, now: datetime | None = None) -> dict:
    """Record ``by`` approving the brief in ``path`` and append the audit entry; return it."""
    at = (now or datetime.now(VIETNAM)).astimezone(VIETNAM).replace(microsecond=0)
    with file_lock(audit_path.with_suffix(".lock")):
        text = path.read_text(encoding="utf-8")
        before = yaml.safe_load(text) or {}
        new_text = set_approval(text, by, at)
        data = nfc(yaml.safe_load(new_text))
        try:
            brief = Brief.model_validate({**data, "source": str(path)})
        except ValidationError as exc:
            raise ApprovalError(f"{path.name}: sau khi ghi duyệt, tin bài không hợp lệ: "
                                f"{exc.errors()[0]['msg']}") from exc
        if not brief.approved or brief.approval.by != nfc(by):
            raise ApprovalError(f"{path.name}: không ghi được trường approval")
        atomic_write_text(path, new_text)
        entry = {"at": at.isoformat(), "action": "approve", "brief": brief.id, "file": path.name,
                 "by": nfc(by), "previous": (before.get("approval") or {}).get("status", "draft"), **actor}
        append_audit(audit_path, entry)
    return entry


def append_audit(path: Path, entry: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_audit(path: Path, limit: int = 500) -> list[dict]:
    """Newest first; a damaged line is shown as such rather than hidden."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in reversed(lines[-limit:]):
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"action": "?", "error": "dòng nhật ký hỏng"})
    return out
