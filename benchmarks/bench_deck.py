"""Benchmark: phase decks (build and LibreOffice PDF), against a bare python-pptx deck in the same run.

Studio's deck (branded master, fitted text, native charts, infographic scene
slides, notes) is timed against a baseline deck of the same slide count made
with python-pptx's default template and unfitted text. The PDF conversion is
timed cold (new LibreOffice profile and font cache) and warm (profile reused,
as in a build), and the baseline deck is converted too.

    .venv/bin/python benchmarks/bench_deck.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pptx import Presentation  # noqa: E402

from studio.deck import builder  # noqa: E402
from studio.deck.convert import to_pdf  # noqa: E402
from studio.loader import load_campaign  # noqa: E402
from studio.plan import briefs_for, expand  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def baseline(slides: int, path: Path) -> Path:
    """Same slide count, default 4:3 template, plain title + body text, no fitting, no charts."""
    prs = Presentation()
    layout = prs.slide_layouts[1]
    for i in range(slides):
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = f"Trang {i + 1}"
        slide.placeholders[1].text = "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025-2030."
        slide.notes_slide.notes_text_frame.text = "Ghi chú"
    prs.save(str(path))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    campaign = load_campaign(ROOT / "examples" / "ninh-thuan-2025")
    jobs = [j for j in expand(campaign) if j.kind == "deck"]
    out = Path(tempfile.mkdtemp(prefix="bench-deck-"))
    builder.build_deck(campaign, campaign.phase(jobs[0].phase), briefs_for(campaign, jobs[0]))  # imports, font caches

    print(f"{'deck':<10} {'slides':>6} {'studio build':>13} {'baseline':>9} {'ratio':>6}")
    total = 0.0
    decks: list[tuple[Path, Path, int]] = []
    for job in jobs:
        phase, briefs = campaign.phase(job.phase), briefs_for(campaign, job)
        t_studio, deck = timed(lambda phase=phase, briefs=briefs: builder.build_deck(campaign, phase, briefs),
                               args.repeat)
        pptx = deck.save(out / f"{job.phase}.pptx")
        n = len(deck.slides)
        t_base, _ = timed(lambda n=n, job=job: baseline(n, out / f"{job.phase}-base.pptx"), args.repeat)
        total += t_studio
        decks.append((pptx, out / f"{job.phase}-base.pptx", n))
        print(f"{job.phase:<10} {n:>6} {t_studio * 1000:>10.0f} ms {t_base * 1000:>6.0f} ms {t_studio / t_base:>5.1f}×")
    print(f"all {len(jobs)} phase decks: {total:.2f} s (one core)")

    pptx, base, n = decks[0]
    cold_tmp = tempfile.mkdtemp(prefix="bench-deck-cold-")
    os.environ["TMPDIR"] = cold_tmp  # a fresh LibreOffice profile and fontconfig cache
    tempfile.tempdir = None
    started = time.perf_counter()
    to_pdf(pptx, out / "cold.pdf")
    cold = time.perf_counter() - started
    t_warm, _ = timed(lambda: to_pdf(pptx, out / "warm.pdf"), args.repeat)
    t_base, _ = timed(lambda: to_pdf(base, out / "base.pdf"), args.repeat)
    print(f"LibreOffice PDF ({n} slides): cold {cold:.2f} s, warm {t_warm:.2f} s; "
          f"baseline deck warm {t_base:.2f} s (ratio {t_warm / t_base:.1f}×)")
    print(f"outputs in {out}")


if __name__ == "__main__":
    main()
