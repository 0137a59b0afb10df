"""How the cost of one phase grows with the number of communes (issue 18).

    .venv/bin/python benchmarks/bench_scale.py                  # 60, 600, 3,000 communes, in-process and Celery
    .venv/bin/python benchmarks/bench_scale.py --quick          # 20 and 200 communes (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py --mode inprocess --sizes 60,600,3000
    .venv/bin/python benchmarks/bench_scale.py --fake           # the machinery only (tests/fake_renderers.py)

Each size is a campaign made by ``benchmarks/gen_campaign.py`` (N provinces × M communes, the
Ninh Thuận example's briefs and brand) restricted to the two channels whose work grows with
the country: the commune loudspeaker bulletins (``truyen-thanh-co-so``: one MP3 per commune,
its items' speech shared, only the commune's opening line synthesised per commune) and the pa
nô (one per province and brief). Province-level channels (deck, videos, infographics, print)
cost the same at every size and are left out so that 3,000 communes fit on two cores. The
phase is ``dot-2-1`` (4 briefs, so a bulletin carries 4 items, and 3 pa nô per province).

Runs, each in a fresh output folder (so each starts with a cold speech cache):
- in-process: ``studio build CAMPAIGN --phase dot-2-1`` (its process pool, one per core);
- Celery: ``studio batch submit … --storage s3://… --wait`` with 2 long-lived workers of one
  process each (as two machines), broker and batch records on the shared Redis (DBs 11 and 12),
  files uploaded to the shared SeaweedFS (``scripts/services.sh start``).

Per run: wall time; CPU time of every process involved, children included (the build, its pool,
ffmpeg and espeak-ng; for Celery the client and both workers, not the Redis/S3 servers); peak
RSS of the largest single process (polled from /proc every 0.2 s); objects stored (files under
the campaign's output folder and in the job journal / batch copy, and S3 objects); and the
marginal CPU per commune between consecutive sizes, which is what says how cost grows.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT / "benchmarks"))

from gen_campaign import generate  # noqa: E402

PHASE = "dot-2-1"
CHANNELS = ["truyen-thanh-co-so", "pano"]
#: communes → (provinces, communes per province)
SHAPES = {20: (1, 20), 60: (1, 60), 200: (2, 100), 600: (6, 100), 3000: (30, 100), 3300: (34, 97)}
BROKER, BACKEND = "redis://127.0.0.1:6379/11", "redis://127.0.0.1:6379/12"
S3 = {"AWS_ENDPOINT_URL": os.environ.get("STUDIO_TEST_S3", "http://127.0.0.1:8333"),
      "AWS_ACCESS_KEY_ID": "studio-test-admin", "AWS_SECRET_ACCESS_KEY": "studio-test-admin-secret",
      "AWS_REGION": "us-east-1"}  # the test identity scripts/services.sh gives SeaweedFS
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- measuring processes through /proc ----------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from "state" on (the name may hold spaces)


def tree(roots: list[int]) -> list[int]:
    """``roots`` and every live descendant."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system time of live processes, with their waited-for children's (ffmpeg, pool processes gone)."""
    total = 0
    for pid in pids:
        if fields := _stat(pid):
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def _name(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [Path(a.decode()).name for a in args[:4] if a]
    return " ".join(words)[:60]


class PeakRSS(threading.Thread):
    """Polls the RSS of every process under ``roots`` (extra roots may be added); keeps the largest."""

    def __init__(self, roots: list[int], period: float = 0.2):
        super().__init__(daemon=True)
        self.roots, self.period = list(roots), period
        self.peak, self.who = 0, ""
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            for pid in tree(self.roots):
                fields = _stat(pid)
                rss = int(fields[21]) * PAGE if fields else 0
                if rss > self.peak:  # a pool process has its parent's command line: say which it is
                    self.peak, self.who = rss, ("" if pid in self.roots else "child of ") + _name(
                        pid if pid in self.roots else int(fields[1]))
            self._done.wait(self.period)

    def stop(self) -> tuple[int, str]:
        self._done.set()
        self.join()
        return self.peak, self.who


@dataclass
class Run:
    mode: str
    communes: int
    jobs: str
    wall: float
    cpu: float
    rss: int
    who: str
    files: int
    cache_files: int
    s3_objects: int | None = None

    def line(self) -> str:
        s3 = f", S3 objects {self.s3_objects}" if self.s3_objects is not None else ""
        return (f"{self.mode:10} {self.communes:5} communes: wall {self.wall:7.1f} s, CPU {self.cpu:7.1f} s, "
                f"peak RSS {self.rss / 2**20:6.1f} MiB ({self.who}), files {self.files} + {self.cache_files} "
                f"in .cache{s3}  {self.jobs}")


def count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def env(fake: bool) -> dict:
    path = os.pathsep.join([str(ROOT / "tests"), str(ROOT)] if fake else [str(ROOT)])
    e = {**os.environ, "PYTHONPATH": path, "STUDIO_BROKER_URL": BROKER, "STUDIO_RESULT_BACKEND": BACKEND, **S3}
    e.pop("STUDIO_BATCH_STORE", None)
    if fake:
        e["STUDIO_PLUGINS"] = "fake_renderers"
    else:
        e.pop("STUDIO_PLUGINS", None)
    return e


def measured(cmd: list[str], fake: bool, extra_pids: list[int] = ()) -> tuple[float, float, int, str, str]:
    """Run ``cmd``; wall, CPU (its tree's and ``extra_pids``' trees'), peak RSS, who, and its jobs summary."""
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before_extra = cpu_seconds(tree(list(extra_pids)))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env(fake), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = PeakRSS([proc.pid, *extra_pids])
    sampler.start()
    try:
        stdout, stderr = proc.communicate()
    except BaseException:  # interrupted: the command goes too (a Celery client would wait for ever)
        proc.kill()
        raise
    wall = time.perf_counter() - started
    rss, who = sampler.stop()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after_children.ru_utime - before_children.ru_utime + after_children.ru_stime - before_children.ru_stime
           + cpu_seconds(tree(list(extra_pids))) - before_extra)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout[-3000:]}\n{stderr[-3000:]}")
    summary = re.search(r"Đã tạo (\d+), giữ nguyên (\d+), lỗi (\d+)", stdout)
    jobs = "[rendered {}, kept {}, failed {}]".format(*summary.groups()) if summary else "[no summary]"
    return wall, cpu, rss, who, jobs


# --- the two ways of running a phase -------------------------------------------------------

def in_process(campaign: Path, out: Path, communes: int, fake: bool) -> Run:
    wall, cpu, rss, who, jobs = measured(
        [str(BIN / "studio"), "build", str(campaign), "--phase", PHASE, "--out", str(out)], fake)
    return Run("in-process", communes, jobs, wall, cpu, rss, who, count_files(out / campaign_id(campaign)),
               count_files(out / ".cache"))


def campaign_id(campaign: Path) -> str:
    import yaml

    return yaml.safe_load((campaign / "campaign.yaml").read_text(encoding="utf-8"))["id"]


class Workers:
    """``n`` Celery workers of one process each (as if on ``n`` machines)."""

    def __init__(self, n: int, fake: bool, logdir: Path):
        self.procs = []
        for i in range(n):
            with open(logdir / f"worker{i}.log", "wb") as log:
                self.procs.append(subprocess.Popen(
                    [str(BIN / "celery"), "-A", "jobs", "worker", "--pool=prefork", "-c", "1", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "-n", f"scale{i}@%h", "--loglevel=WARNING"],
                    cwd=ROOT, env=env(fake), stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        from celery import Celery

        probe = Celery(broker=BROKER)
        deadline = time.monotonic() + 120
        while len(probe.control.ping(timeout=0.5) or []) < n:
            if time.monotonic() > deadline:
                sys.exit(f"workers did not start (logs in {logdir})")

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        for p in self.procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def s3_client():
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=S3["AWS_ENDPOINT_URL"], aws_access_key_id=S3["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=S3["AWS_SECRET_ACCESS_KEY"], region_name=S3["AWS_REGION"],
                        config=Config(s3={"addressing_style": "path"}))


def s3_keys(bucket: str, prefix: str) -> list[str]:
    pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def with_celery(campaign: Path, out: Path, communes: int, fake: bool, workers: Workers, bucket: str) -> Run:
    prefix = f"{out.name}/"
    wall, cpu, rss, who, jobs = measured(
        [str(BIN / "studio"), "batch", "submit", str(campaign), "--phase", PHASE, "--out", str(out),
         "--storage", f"s3://{bucket}/{prefix}", "--wait"], fake, workers.pids)
    return Run("celery x2", communes, jobs, wall, cpu, rss, who, count_files(out / campaign_id(campaign)),
               count_files(out / ".cache"), len(s3_keys(bucket, prefix)))


def flush() -> None:
    import redis

    for url in (BROKER, BACKEND):
        redis.Redis.from_url(url).flushdb()


def growth(runs: list[Run]) -> None:
    """Marginal CPU (and wall) per commune between consecutive sizes of one mode."""
    for a, b in zip(runs, runs[1:]):
        n = b.communes - a.communes
        print(f"  {a.mode} {a.communes} → {b.communes}: marginal CPU {(b.cpu - a.cpu) / n * 1000:7.1f} ms/commune, "
              f"wall {(b.wall - a.wall) / n * 1000:7.1f} ms/commune; peak RSS {a.rss / 2**20:.0f} → "
              f"{b.rss / 2**20:.0f} MiB (×{b.rss / a.rss:.2f} for ×{b.communes / a.communes:.0f} communes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 and 200 communes")
    parser.add_argument("--sizes", help="communes, comma-separated, from " + ", ".join(map(str, SHAPES)))
    parser.add_argument("--mode", choices=("both", "inprocess", "celery"), default="both")
    parser.add_argument("--fake", action="store_true", help="fake renderers: the machinery's cost only")
    parser.add_argument("--keep", action="store_true", help="keep the output folders (printed)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # clean up (workers, bucket) as on Ctrl+C
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [20, 200] if args.quick else [60, 600, 3000]
    if unknown := [s for s in sizes if s not in SHAPES]:
        sys.exit(f"no shape for {unknown}; known: {', '.join(map(str, SHAPES))}")
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    print(f"machine: {os.cpu_count()} cores, load {' '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"phase {PHASE}, channels {', '.join(CHANNELS)}; {'fake' if args.fake else 'real'} renderers; "
          f"output in {tmp}")
    results: dict[str, list[Run]] = {"in-process": [], "celery x2": []}
    try:
        campaigns = {}
        for n in sizes:
            provinces, per = SHAPES[n]
            campaigns[n] = generate(tmp / f"campaign-{n}", provinces, per, CHANNELS)
        if args.mode in ("both", "inprocess"):
            for n in sizes:
                run = in_process(campaigns[n], tmp / f"out-inprocess-{n}", n, args.fake)
                results["in-process"].append(run)
                print(run.line(), f"(load {os.getloadavg()[0]:.1f})", flush=True)
        if args.mode in ("both", "celery"):
            bucket = f"bench-scale-{uuid.uuid4().hex[:8]}"
            s3_client().create_bucket(Bucket=bucket)
            flush()
            workers = Workers(2, args.fake, tmp)
            try:
                for n in sizes:
                    run = with_celery(campaigns[n], tmp / f"out-celery-{n}", n, args.fake, workers, bucket)
                    results["celery x2"].append(run)
                    print(run.line(), f"(load {os.getloadavg()[0]:.1f})", flush=True)
            finally:
                workers.stop()
                flush()
                client = s3_client()
                keys = s3_keys(bucket, "")
                for i in range(0, len(keys), 1000):
                    client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]]})
                client.delete_bucket(Bucket=bucket)
        print("\nhow it grows:")
        for runs in results.values():
            growth(runs)
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
