"""Bounded load test of the web portal on loopback.

Starts ``studio serve`` (one uvicorn process) on a sample output tree, logs in
as a commune operator, then fires bursts of concurrent requests with httpx:
the operator's listing page, MP3 downloads (checked against the manifest's
sha256), and as a baseline in the same run the static stylesheet (no session,
no template, no storage). Prints requests/s, latency percentiles and errors.

    .venv/bin/python benchmarks/bench_web.py [--concurrency 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_web_sample import make_sample_tree, manifest_entry  # noqa: E402

from studio.web import Settings, tokens_for  # noqa: E402

ERRORS: list[str] = []
MP3 = "dot-1/truyen-thanh-co-so/phuoc-hoa/bulletin.mp3"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def burst(client: httpx.AsyncClient, urls: list[str], expect_sha: str | None) -> tuple[list[float], int, float]:
    async def one(url: str) -> tuple[float, bool]:
        start = time.perf_counter()
        try:
            response = await client.get(url)
            problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
            if not problem and expect_sha and url.endswith(".mp3?tai=1") \
                    and hashlib.sha256(response.content).hexdigest() != expect_sha:
                problem = "sha256 mismatch"
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            ERRORS.append(f"{url}: {problem}")
        return time.perf_counter() - start, problem is None

    start = time.perf_counter()
    results = await asyncio.gather(*(one(u) for u in urls))
    wall = time.perf_counter() - start
    return [r[0] for r in results], sum(1 for r in results if not r[1]), wall


async def run(base: str, cookie: str, concurrency: int, rounds: int, sha: str) -> dict[str, dict]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    scenarios = {
        "baseline: static CSS": [f"{base}/static/style.css"] * concurrency,
        "listing page": [f"{base}/don-vi/phuoc-hoa"] * concurrency,
        "MP3 download": [f"{base}/tep/{MP3}?tai=1"] * concurrency,
        "mixed listing + download": [f"{base}/don-vi/phuoc-hoa", f"{base}/tep/{MP3}?tai=1"] * (concurrency // 2),
    }
    out = {}
    async with httpx.AsyncClient(cookies={"studio_session": cookie}) as client:
        await client.get(f"{base}/don-vi/phuoc-hoa")  # warm the portal's caches
    for name, urls in scenarios.items():
        latencies, errors, walls = [], 0, 0.0
        for _ in range(rounds):
            # A fresh client per burst: 200 new connections, like 200 operators opening the page.
            async with httpx.AsyncClient(limits=limits, timeout=60, cookies={"studio_session": cookie}) as client:
                lat, err, wall = await burst(client, urls, sha)
            latencies += lat
            errors += err
            walls += wall
        latencies.sort()
        out[name] = {"requests": len(latencies), "errors": errors, "rps": len(latencies) / walls,
                     "p50_ms": 1000 * statistics.median(latencies),
                     "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--storage", type=Path,
                        help="an existing build output (studio build --out) instead of the sample")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-web-"))
    try:
        campaign = tmp / "campaign"
        shutil.copytree(ROOT / "examples" / "ninh-thuan-2025", campaign)
        out = args.storage.resolve() if args.storage else make_sample_tree(tmp / "out", extra_units=20)
        state = tmp / "state"
        _, token = tokens_for(campaign, Settings(state_dir=state)).issue("phuoc-hoa", "operator", "bench")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "serve", str(campaign), "--storage", str(out),
                                 "--port", str(port), "--state", str(state)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        try:
            for _ in range(200):
                try:
                    httpx.get(base + "/dang-nhap", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            form = httpx.get(base + "/dang-nhap")  # the login form sets its CSRF cookie and field
            csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            login = httpx.post(base + "/dang-nhap", data={"token": token, "csrf": csrf}, cookies=form.cookies,
                               follow_redirects=False)
            cookie = login.cookies["studio_session"]
            sha = manifest_entry(out, MP3)["sha256"]
            size = (out / "ninh-thuan-2025" / MP3).stat().st_size
            load = os.getloadavg()
            results = asyncio.run(run(base, cookie, args.concurrency, args.rounds, sha))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        base_rps = results["baseline: static CSS"]["rps"]
        print(f"machine: {os.cpu_count()} cores, load average before/after {load[0]:.1f}/{os.getloadavg()[0]:.1f}")
        print(f"web portal load test: {args.concurrency} concurrent requests × {args.rounds} rounds per scenario, "
              f"one uvicorn process, loopback, MP3 {size / 1024:.1f} KB, listing with "
              f"{len(json.loads((out / 'ninh-thuan-2025/dot-1/manifest.json').read_text())['artifacts'])} "
              f"manifest entries in the phase")
        print(f"{'scenario':28} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
              f"{'vs baseline':>11}")
        for name, r in results.items():
            print(f"{name:28} {r['requests']:8d} {r['errors']:6d} {r['rps']:8.0f} {r['p50_ms']:8.1f} "
                  f"{r['p95_ms']:8.1f} "
                  f"{r['rps'] / base_rps:10.2f}x")
        for line in ERRORS[:5]:
            print("error:", line)
        if ERRORS:
            sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
