"""Batch timings: in-process pool vs Celery workers, full and no-change builds, per-task overhead.

    .venv/bin/python benchmarks/bench_jobs.py                 # everything (several minutes)
    .venv/bin/python benchmarks/bench_jobs.py --fake-only     # only the Celery overhead figure
    .venv/bin/python benchmarks/bench_jobs.py --phase dot-1   # full figures for one phase only

Every figure is a wall-clock time of the real command (``studio build`` or
``studio build --celery``) in a fresh output folder; Celery workers are started
beforehand (they are long-lived in production) on Redis DBs 7 and 8. The overhead
figure uses the fake renderers from ``tests/fake_renderers.py`` so that it measures
the machinery, not the rendering.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"
BIN = ROOT / ".venv" / "bin"
BROKER, BACKEND = "redis://127.0.0.1:6379/7", "redis://127.0.0.1:6379/8"
os.environ["STUDIO_BROKER_URL"], os.environ["STUDIO_RESULT_BACKEND"] = BROKER, BACKEND
sys.path.insert(0, str(ROOT))

from jobs.app import make_app  # noqa: E402  (after the environment above)
from jobs.settings import Settings  # noqa: E402

app = make_app(Settings.from_env())


# Celery's own cost, for comparison: the workers import this module (-I bench_jobs).
@app.task(name="bench.noop")
def noop(x):
    return x


@app.task(name="bench.count")
def count(results):
    return len(results)


def celery_noop_ms(n: int) -> float:
    """Per-task wall time of a chord of ``n`` no-op tasks, same settings as a batch."""
    from celery import chord

    started = time.perf_counter()
    chord([noop.s(i) for i in range(n)], count.s()).apply_async().get(timeout=300)
    return (time.perf_counter() - started) / n * 1000


def env(fake: bool) -> dict:
    path = os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)])
    e = {**os.environ, "STUDIO_BROKER_URL": BROKER, "STUDIO_RESULT_BACKEND": BACKEND, "PYTHONPATH": path}
    e.pop("STUDIO_BATCH_STORE", None)
    if fake:
        e.update(STUDIO_PLUGINS="fake_renderers", PYTHONPATH=f"{ROOT / 'tests'}{os.pathsep}{path}")
    else:
        e.pop("STUDIO_PLUGINS", None)
    return e


def flush() -> None:
    import redis

    for url in (BROKER, BACKEND):
        redis.Redis.from_url(url).flushdb()


def build(out: Path, phases: list[str], fake: bool, workers: int | None = None, celery: bool = False) -> float:
    """Wall-clock seconds of the real command(s); prints how many jobs each rendered."""
    cmd = [str(BIN / "studio"), "build", str(EXAMPLE), "--out", str(out)]
    if workers:
        cmd += ["--workers", str(workers)]
    if celery:
        cmd.append("--celery")
    runs = [[*cmd, "--phase", p] for p in phases] or [cmd]
    started = time.perf_counter()
    for c in runs:
        result = subprocess.run(c, env=env(fake), cwd=ROOT, capture_output=True, text=True)
        if result.returncode not in (0, 1):  # 1 = some jobs failed; still a timing
            sys.exit(f"{' '.join(c)} failed:\n{result.stdout}\n{result.stderr}")
        summary = re.search(r"Đã tạo (\d+), giữ nguyên (\d+), lỗi (\d+)", result.stdout)
        RENDERED.append(tuple(map(int, summary.groups())) if summary else (-1, -1, -1))
    return time.perf_counter() - started


RENDERED: list[tuple[int, int, int]] = []


def counts() -> str:
    """Rendered / kept / failed jobs of the last ``build`` call(s) since the previous one."""
    done = [sum(x) for x in zip(*RENDERED)] if RENDERED else [0, 0, 0]
    RENDERED.clear()
    return f"[rendered {done[0]}, kept {done[1]}, failed {done[2]}]"


class Workers:
    """``n`` Celery workers of one process each (as if on ``n`` machines)."""

    def __init__(self, n: int, fake: bool, logdir: Path):
        self.procs = []
        for i in range(n):
            log = open(logdir / f"worker{i}.log", "wb")
            self.procs.append(subprocess.Popen(
                [str(BIN / "celery"), "-A", "jobs", "worker", "-I", "bench_jobs", "--pool=prefork", "-c", "1",
                 "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-n", f"bench{i}@%h", "--loglevel=WARNING"],
                cwd=ROOT, env=env(fake), stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5) or []) < n:
            if time.monotonic() > deadline:
                sys.exit("workers did not start")

    def stop(self) -> None:
        for p in self.procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def count_jobs(phases: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from studio.loader import load_campaign
    from studio.plan import expand

    c = load_campaign(EXAMPLE)
    return len(expand(c, [i for p in phases for i in c.phase_with_children(p)] if phases else None))


def section(title: str) -> None:
    print(f"\n== {title}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", action="append", default=[], help="limit the full-campaign figures to a phase")
    parser.add_argument("--fake-only", action="store_true", help="only the Celery overhead figure")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; output in {tmp}")
    try:
        flush()
        n = count_jobs([])
        section(f"overhead (fake renderers, whole campaign, {n} jobs)")
        local = build(tmp / "fake-local", [], fake=True, workers=1)
        local_counts = counts()
        local = min(local, build(tmp / "fake-local2", [], fake=True, workers=1))
        counts()
        w = Workers(1, fake=True, logdir=tmp)
        try:
            remote = build(tmp / "fake-celery", [], fake=True, celery=True)
            remote_counts = counts()
            again = build(tmp / "fake-celery", [], fake=True, celery=True)
            again_counts = counts()
            warm = build(tmp / "fake-celery-warm", [], fake=True, celery=True)  # worker has the campaign loaded
            warm_counts = counts()
            warm = min(warm, build(tmp / "fake-celery-warm2", [], fake=True, celery=True))
            counts()
            bare = min(celery_noop_ms(n), celery_noop_ms(n))
        finally:
            w.stop()
        print(f"in-process, 1 process : {local:6.2f} s {local_counts}")
        print(f"Celery, 1 worker       : {remote:6.2f} s {remote_counts}   no-change: {again:5.2f} s {again_counts}")
        print(f"Celery, 1 worker, warm : {warm:6.2f} s {warm_counts}")
        print(f"Celery overhead per task vs in-process: {(remote - local) / n * 1000:6.1f} ms cold worker "
              f"(ratio {remote / local:.2f}x), {(warm - local) / n * 1000:6.1f} ms warm worker "
              f"(ratio {warm / local:.2f}x)")
        print(f"Celery itself (chord of {n} no-op tasks, acks_late, prefetch 1): {bare:6.1f} ms per task")
        if args.fake_only:
            return

        flush()
        n = count_jobs(args.phase)
        section(f"full example campaign, real renderers ({', '.join(args.phase) or 'all phases'}, {n} jobs)")
        from studio import plugins

        print(f"renderers present: {', '.join(sorted(plugins.load()))}")
        one = build(tmp / "real-1", args.phase, fake=False, workers=1)
        print(f"in-process, 1 process : {one:7.1f} s {counts()}")
        two = build(tmp / "real-2", args.phase, fake=False, workers=2)
        print(f"in-process, 2 processes: {two:7.1f} s {counts()}  (speed-up {one / two:.2f}x)")
        unchanged = build(tmp / "real-2", args.phase, fake=False, workers=2)
        print(f"no-change rebuild, in-process: {unchanged:5.1f} s {counts()}")
        w = Workers(2, fake=False, logdir=tmp)
        try:
            celery = build(tmp / "real-celery", args.phase, fake=False, celery=True)
            print(f"Celery, 2 workers      : {celery:7.1f} s {counts()}  "
                  f"(vs 2 processes in-process: {celery / two:.2f}x)")
            unchanged = build(tmp / "real-celery", args.phase, fake=False, celery=True)
            print(f"no-change rebuild, Celery: {unchanged:5.1f} s {counts()}")
        finally:
            w.stop()
    finally:
        flush()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
