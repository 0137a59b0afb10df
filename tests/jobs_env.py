"""Shared set-up for the jobs tests: a Redis of their own (a ``redis-server`` started on a free
port for the test session, DB 0 broker, DB 1 results and batch records), real ``celery worker``
subprocesses, and the fake renderers.

A Redis of their own, not the shared one on 6379: test runs in other worktrees flush and consume
the same databases at the same time, and a test may restart its Redis (``private_redis``)."""

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


class PrivateRedis:
    """A ``redis-server`` of the test's own, on a free port and without persistence, that the test
    may kill and start again (empty, as a restarted Redis without AOF is); the shared one is never touched."""

    def __init__(self, workdir: Path):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.proc: subprocess.Popen | None = None
        self.start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        import redis

        with open(self.dir / "redis.log", "ab") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.dir)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except redis.exceptions.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start:\n{(self.dir / 'redis.log').read_text()}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: everything it held is gone, as after a crash or a restart without persistence."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


_session_dir = Path(tempfile.mkdtemp(prefix="studio-jobs-redis-"))
SESSION_REDIS = PrivateRedis(_session_dir)
atexit.register(lambda: (SESSION_REDIS.kill(), shutil.rmtree(_session_dir, ignore_errors=True)))
BROKER = SESSION_REDIS.url(0)
BACKEND = SESSION_REDIS.url(1)
# Read when a test's process first makes its app (jobs.app.current) and by the workers.
os.environ["STUDIO_BROKER_URL"] = BROKER
os.environ["STUDIO_RESULT_BACKEND"] = BACKEND
os.environ.pop("STUDIO_BATCH_STORE", None)


def flush() -> None:
    import redis

    for url in (BROKER, BACKEND):
        redis.Redis.from_url(url).flushdb()


@pytest.fixture
def redis_db():
    from jobs.app import current

    assert current().conf.broker_url == BROKER, "this process's app was made before the test environment was set"
    flush()
    yield
    flush()


@pytest.fixture
def fakes(monkeypatch):
    """The fake renderers, in-process, instead of the real ones."""
    from studio import plugins, renderers

    monkeypatch.setattr(renderers, "REGISTRY", {})
    monkeypatch.setattr(plugins, "BUILTIN", ())
    monkeypatch.delenv("STUDIO_PLUGINS", raising=False)
    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    import fake_renderers

    monkeypatch.setattr(renderers, "REGISTRY", dict(fake_renderers.FAKES))
    return fake_renderers


class Worker:
    """A real ``celery -A jobs worker`` (prefork, one process) in its own process group."""

    def __init__(self, name: str, workdir: Path, env: dict | None = None):
        self.name = f"{name}@test"
        self.log = workdir / f"worker-{name}.log"
        full_env = {**os.environ, "PYTHONPATH": f"{ROOT / 'tests'}{os.pathsep}{ROOT}",
                    "STUDIO_PLUGINS": "fake_renderers", "STUDIO_VISIBILITY_TIMEOUT": "4",
                    "STUDIO_RESTORE_INTERVAL": "1", "FAKE_RENDER_LOG": str(workdir / "renders.log"),
                    "FAKE_CONTROL": str(workdir / "control.json"), **(env or {})}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "celery"), "-A", "jobs", "worker", "--pool=prefork", "-c", "1",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", self.name,
                 "--loglevel=INFO"], cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + 30
        while b" ready." not in self.log.read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its pool child), like a machine dying."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def control(workdir: Path, **values) -> None:
    (workdir / "control.json").write_text(json.dumps(values))


def render_log(workdir: Path) -> list[str]:
    path = workdir / "renders.log"
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def private_redis(tmp_path, monkeypatch):
    """Broker, results and batch records in a Redis this test may restart; the app follows it."""
    from jobs.app import make_app
    from jobs.settings import Settings

    server = PrivateRedis(tmp_path)
    monkeypatch.setenv("STUDIO_BROKER_URL", server.url(0))
    monkeypatch.setenv("STUDIO_RESULT_BACKEND", server.url(1))
    make_app(Settings.from_env())
    yield server
    monkeypatch.undo()
    make_app(Settings.from_env())  # the session's Redis again, for the tests that follow
    server.kill()
