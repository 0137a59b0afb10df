"""Benchmark: ``studio validate`` of the example campaign, against plain loading in the same run.

Each mode runs in a fresh interpreter (cold: no font metrics, templates or fit
results cached), so the figures are what a designer waits for:

- ``load``: ``load_campaign`` only (what validate did before the dry run), the baseline;
- ``no-fit``: loading plus the dry run's brand, image, id, audio and template checks;
- ``fit``: the whole dry run, every planned job laid out (``studio validate``);
- ``cli``: ``studio validate`` as a command, interpreter start-up included.

    .venv/bin/python benchmarks/bench_validate.py [--repeat 3] [--campaign examples/ninh-thuan-2025]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TIMED = """
import sys, time
started = time.perf_counter()
from studio.loader import load_campaign
campaign = load_campaign(sys.argv[1])
if sys.argv[2] != "load":
    from studio.check import dry_run
    problems = dry_run(campaign, fit=sys.argv[2] == "fit")
print(time.perf_counter() - started)
"""


def run(args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, *args], check=True, capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - started
    return float(out.stdout.strip().splitlines()[-1]) if args[0] == "-c" else wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--campaign", default=str(ROOT / "examples" / "ninh-thuan-2025"))
    args = parser.parse_args()
    results = {}
    for mode in ("load", "no-fit", "fit"):
        results[mode] = statistics.median(run(["-c", TIMED, args.campaign, mode]) for _ in range(args.repeat))
    results["cli"] = statistics.median(run(["-m", "studio.cli", "validate", args.campaign])
                                       for _ in range(args.repeat))
    load = results["load"]
    print(f"campaign: {args.campaign}; median of {args.repeat} cold runs; load average {os.getloadavg()[0]:.1f}")
    for mode, seconds in results.items():
        print(f"{mode:>7}: {seconds:6.2f} s  ({seconds / load:5.1f}× loading)")


if __name__ == "__main__":
    main()
