"""Benchmark: what the brief editor (``studio.web.editor``) does between a press of "Xem thử" / "Lưu tin bài"
and the page, per brief of a campaign: the form's text checked as ``studio validate`` checks a file
(``check_text``: loader + dry run of the brief alone; a preview lays out its visuals only, a save every
planned job), then every planned visual drawn once for its new inputs digest (``previews``), after the
headline changed. One warm-up brief first (fonts, templates); then, per brief: the preview's check, the
drawing, the 1080×1080 still alone, and the save's whole check.

    .venv/bin/python benchmarks/bench_editor.py [--campaign examples/ninh-thuan-2025]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from studio.loader import load_campaign
    from studio.web.editor import PREVIEWED, check_text, previews

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--campaign", default=str(ROOT / "examples" / "ninh-thuan-2025"))
    args = parser.parse_args()
    campaign = load_campaign(args.campaign)
    print(f"{campaign.id}: {len(campaign.briefs)} briefs; load average {os.getloadavg()[0]:.1f}")
    print(f"{'brief':34} {'visuals':>7} {'check s':>8} {'draw s':>7} {'1080×1080 s':>12} {'save check s':>13}")
    with tempfile.TemporaryDirectory() as folder:
        for n, brief in enumerate([campaign.briefs[0], *campaign.briefs]):
            path = Path(campaign.root) / brief.source
            text = path.read_text(encoding="utf-8").replace(brief.headline, brief.headline + f" {n}", 1)
            started = time.perf_counter()
            checked = check_text(campaign, brief.source, text, brief.id, PREVIEWED)
            checked_at = time.perf_counter()
            if checked.brief is None:
                print(f"{brief.id:34} problems: {checked.problems[:1]}")
                continue
            shots = previews(campaign, checked.brief, Path(folder))
            drawn_at = time.perf_counter()
            one = checked.brief.model_copy(update={"headline": checked.brief.headline + " x",
                                                   "formats": ["infographic-1080x1080"]})
            still = time.perf_counter()
            alone = [s for s in previews(campaign, one, Path(folder)) if s.format == "infographic-1080x1080"]
            still = time.perf_counter() - still if alone else float("nan")
            whole = time.perf_counter()
            check_text(campaign, brief.source, text, brief.id)
            whole = time.perf_counter() - whole
            label = "(warm-up) " + brief.id if n == 0 else brief.id
            print(f"{label:34} {len(shots):>7} {checked_at - started:>8.2f} {drawn_at - checked_at:>7.2f} "
                  f"{still:>12.2f} {whole:>13.2f}")


if __name__ == "__main__":
    main()
