"""What the word breaker, the kerned widths and the collision check add to a 1080×1080 render.

For each infographic template (the brief ``bench_visual.py`` uses), in the same run:

- ``render``: ``scene_for`` + ``render_png`` with every layout cache emptied (fit results, word
  groups, the segmenter's joins, shaped widths, line inks, shape masks): the first time a text
  is laid out, which includes the two items after it;
- ``breaker``: ``words.groups`` of every paragraph the scene's text layers hold, its caches empty
  (pyvi's CRF segmenter, numbers, dates, campaign phrases): what word-aware breaks cost;
- ``kerning``: ``fonts.shaped_width`` (raqm) of every distinct syllable of those texts, cache
  empty: what kerned widths cost;
- ``check``: ``collide.check`` of the laid-out scene, line inks not cached (``cold``: the first
  scene of a process) and cached (``warm``: the same texts again, as at every other size and unit).

Each part is timed on its own (a difference of two renders drowns in the noise of a busy machine).

    .venv/bin/python benchmarks/bench_layout.py [--repeat N] [--cpu]

``--cpu`` measures process CPU time instead of wall time: use it on a busy machine.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.context import keep_phrases  # noqa: E402
from studio.loader import load_campaign  # noqa: E402
from studio.visual import collide, fonts, layout, raster, render_png, scene_for, words  # noqa: E402

TEMPLATES = {"key-number": "dot1-y-nghia-thanh-tuu", "stat-chart": "dot21-thanh-tuu-van-kien",
             "slogan-card": "dot1-tinh-cam-ky-vong", "timeline": "dot22-trong-ngay-dai-hoi"}
CLOCK = time.process_time if "--cpu" in sys.argv else time.perf_counter


def forget() -> None:
    """Every cache the layout fills: the next render lays its text out from scratch."""
    layout.fit_text.cache_clear()
    words.groups.cache_clear()
    words._segmenter_joins.cache_clear()
    fonts.shaped_width.cache_clear()
    collide._line_ink.cache_clear()
    raster._MASKS.clear()


def median_ms(fn, repeat: int, before=None) -> float:
    fn()  # warm-up: imports, fonts, the segmenter's model
    times = []
    for _ in range(repeat):
        if before:
            before()
        t = CLOCK()
        fn()
        times.append((CLOCK() - t) * 1000)
    return statistics.median(times)


def main(repeat: int) -> None:
    campaign = load_campaign(ROOT / "examples" / "ninh-thuan-2025")
    tmp = Path(tempfile.mkdtemp(prefix="bench-layout-"))
    print(f"clock: {'process CPU time' if CLOCK is time.process_time else 'wall time'}, median of {repeat}, "
          "1080×1080 PNG, layout caches emptied before each render")
    print(f"{'template':<12} {'render':>9} {'breaker':>9} {'kerning':>9} {'check cold':>11} {'check warm':>11} "
          f"{'(breaker+check)/render':>23}")
    keep = keep_phrases(campaign)
    for template, brief_id in TEMPLATES.items():
        brief = campaign.brief(brief_id)

        def render(brief=brief, template=template) -> None:
            render_png(scene_for(campaign, brief, template, 1080, 1080), tmp / "t.png")

        full = median_ms(render, repeat, forget)
        scene = scene_for(campaign, brief, template, 1080, 1080)
        assert collide.check(scene) == []
        texts = [layer for layer in scene.layers if layer.fit]
        paragraphs = [para for layer in texts for para in str(layer.get("text")).split("\n")]
        syllables = {(str(layer.font), s) for layer in texts for s in str(layer.get("text")).split()}

        def breaker(paragraphs=paragraphs) -> None:
            for para in paragraphs:
                words.groups(para, keep)

        def kerning(syllables=syllables) -> None:
            for path, syllable in syllables:
                fonts.shaped_width(path, syllable)

        broken = median_ms(breaker, repeat, forget)
        kerned = median_ms(kerning, repeat, forget)
        cold = median_ms(lambda scene=scene: collide.check(scene), repeat, collide._line_ink.cache_clear)
        warm = median_ms(lambda scene=scene: collide.check(scene), repeat)
        print(f"{template:<12} {full:6.1f} ms {broken:6.1f} ms {kerned:6.1f} ms {cold:8.2f} ms "
              f"{warm:8.2f} ms {(broken + cold) / full:22.1%}")
    print(f"\nload average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(on {os.cpu_count()} cores; figures scale with it)")


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 15)
