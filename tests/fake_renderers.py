"""Fast, deterministic stand-ins for every renderer kind, for the Celery worker tests.

Workers load them with ``STUDIO_PLUGINS=fake_renderers`` (``tests/`` on PYTHONPATH).
Each render appends ``start``/``done`` lines to ``FAKE_RENDER_LOG``. The JSON file
named by ``FAKE_CONTROL`` (read at every render) steers them by job id substring:
``slow`` sleeps ``slow_seconds`` half-way through the write (to SIGKILL a worker
mid-task), ``fail`` raises, ``flaky`` raises a storage error once, ``kill`` SIGKILLs
the process rendering it (every time: a job that reliably kills its worker); with ``tts``,
bulletins read a segment shared by the phase from the build's cache (``ctx.cache``), and
making it logs a ``tts <phase>`` line (after ``tts_seconds`` of "synthesis").
"""

import json
import os
import signal
import time
from pathlib import Path

from studio import renderers
from studio.artifacts import Output, atomic_path
from studio.storage import StorageError


def _log(line: str) -> None:
    path = os.environ.get("FAKE_RENDER_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"{line}\n")


def _control() -> dict:
    path = os.environ.get("FAKE_CONTROL")
    try:
        return json.loads(Path(path).read_text()) if path else {}
    except FileNotFoundError:
        return {}


def _matches(control: dict, key: str, job_id: str) -> bool:
    return bool(control.get(key)) and control[key] in job_id


class FakeRenderer(renderers.Renderer):
    version = "fake"

    def __init__(self, kind: str):
        self.kind = kind

    def render(self, job, ctx):
        control = _control()
        _log(f"start {job.id}")
        if _matches(control, "kill", job.id):
            os.kill(os.getpid(), signal.SIGKILL)
        if _matches(control, "fail", job.id):
            raise RuntimeError("hỏng")
        if _matches(control, "flaky", job.id):
            marker = Path(os.environ["FAKE_CONTROL"] + ".flaky")
            if not marker.exists():
                marker.touch()
                raise StorageError("kho lưu trữ tạm thời không trả lời")
        segment = ""
        if control.get("tts") and self.kind == "bulletin":
            segment = ctx.cache.get_or_make({"fake-tts": job.phase}, ".txt",
                                            lambda tmp: _synthesise(job.phase, tmp, control)).read_text()
        path = ctx.job_path(job, ".txt")
        with atomic_path(path) as tmp:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(f"{job.id}\n{segment}")
                fh.flush()
                if _matches(control, "slow", job.id):
                    time.sleep(float(control.get("slow_seconds", 60)))
                fh.write("xong\n")
        _log(f"done {job.id}")
        return [Output(path, "text/plain")]


def _synthesise(phase: str, target: Path, control: dict) -> None:
    _log(f"tts {phase}")
    time.sleep(float(control.get("tts_seconds", 0)))
    target.write_text(f"giọng đọc {phase}\n", encoding="utf-8")


FAKES = {kind: FakeRenderer(kind) for kind in ("visual", "deck", "bulletin", "video")}
for _renderer in FAKES.values():
    renderers.register(_renderer)
