"""One writer at a time per output folder: an ``fcntl`` lock whose file names its holder.

The kernel holds the lock, not the file: it is released when the holder exits, however
it dies (``kill -9`` included), so a stale lock file never blocks anyone. What the file
says (pid, host, command, start time) only serves the message shown to the one refused.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

OUTPUT_LOCK = ".studio.lock"  # in <out>/<campaign>: held for a whole build


class Busy(Exception):
    """Another process holds the lock; the message names it (Vietnamese, shown as is)."""


def describe(holder: dict) -> str:
    return (f"tiến trình {holder.get('pid', '?')} trên máy {holder.get('host', '?')} "
            f"(lệnh: {holder.get('command', '?')}, bắt đầu lúc {holder.get('started', '?')})")


@contextmanager
def exclusive(folder: Path, command: str | None = None) -> Iterator[None]:
    """Hold ``<folder>/.studio.lock`` for the block, or raise ``Busy`` naming who holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / OUTPUT_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except ValueError:  # the holder is writing its name this very moment
                holder = {}
            raise Busy(f"Thư mục {folder} đang được ghi bởi {describe(holder)}. Hai lệnh ghi cùng một thư mục "
                       "sẽ làm hỏng manifest: chờ lệnh đó xong rồi chạy lại, hoặc dùng --out khác.") from None
        holder = {"pid": os.getpid(), "host": socket.gethostname(),
                  "command": command or " ".join(["studio", *sys.argv[1:]]),
                  "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode(), 0)
        except OSError:  # a full disk: the lock holds all the same, only the name is missing
            pass
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # nobody holds it: the folder is left as it was
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def editing(folder: Path) -> Iterator[None]:
    """Lock the folder itself for the block, waiting for it: a manifest edit (read, change,
    write) is short, and the pool's workers and the build's end take turns at it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
