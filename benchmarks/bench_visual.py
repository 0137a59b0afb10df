"""Visual renderer speed: per-template 1080×1080 PNG and 4000×2000 mm vector PDF, against bare baselines.

Baselines, measured in the same run: a bare Pillow draw of the same headline and body
text saved as PNG, and a bare reportlab page of the same size with the same text.
Run: .venv/bin/python benchmarks/bench_visual.py [--repeat N] [--cpu]
(``--cpu`` measures process CPU time instead of wall time: use it on a busy machine.)
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

from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from studio.loader import load_campaign  # noqa: E402
from studio.visual import raster, render_pdf, render_png, scene_for  # noqa: E402
from studio.visual.fonts import font_path  # noqa: E402

TEMPLATES = {"key-number": "dot1-y-nghia-thanh-tuu", "stat-chart": "dot21-thanh-tuu-van-kien",
             "slogan-card": "dot1-tinh-cam-ky-vong", "timeline": "dot22-trong-ngay-dai-hoi",
             "pano": "dot1-y-nghia-thanh-tuu"}


CLOCK = time.perf_counter


def median_ms(fn, repeat: int) -> float:
    """Median of ``repeat`` runs after one warm-up (fonts, templates), on ``CLOCK``."""
    fn()
    times = []
    for _ in range(repeat):
        t = CLOCK()
        fn()
        times.append((CLOCK() - t) * 1000)
    return statistics.median(times)


def bare_pillow(path: Path, headline: str, body: str) -> None:
    img = Image.new("RGB", (1080, 1080), (200, 16, 46))
    d = ImageDraw.Draw(img)
    d.text((64, 160), headline, font=ImageFont.truetype(str(font_path("BeVietnamPro-ExtraBold")), 64,
                                                        layout_engine=ImageFont.Layout.RAQM), fill="white")
    d.text((64, 700), body, font=ImageFont.truetype(str(font_path("NotoSans-Regular")), 36,
                                                    layout_engine=ImageFont.Layout.RAQM), fill="white")
    img.save(path, "PNG")


def bare_reportlab(path: Path, headline: str, body: str) -> None:
    for name in ("BeVietnamPro-ExtraBold", "NotoSans-Regular"):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))
    mm = 72 / 25.4
    c = Canvas(str(path), pagesize=(4006 * mm, 2006 * mm), invariant=1)
    c.setFillColorRGB(0.78, 0.06, 0.18)
    c.rect(0, 0, 4006 * mm, 2006 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont("BeVietnamPro-ExtraBold", 400 * mm)
    c.drawString(200 * mm, 1400 * mm, headline)
    c.setFont("NotoSans-Regular", 120 * mm)
    c.drawString(200 * mm, 600 * mm, body)
    c.showPage()
    c.save()


def main(repeat: int = 15) -> None:
    global CLOCK
    if "--cpu" in sys.argv:  # CPU time of this process: stable when other jobs share the cores
        CLOCK = time.process_time
    print(f"clock: {'process CPU time' if CLOCK is time.process_time else 'wall time'}, median of {repeat}")
    campaign = load_campaign(ROOT / "examples" / "ninh-thuan-2025")
    tmp = Path(tempfile.mkdtemp(prefix="bench-visual-"))
    first = campaign.brief(TEMPLATES["key-number"])
    head, body = first.headline.upper(), first.key_messages[0][:60]
    base_png = median_ms(lambda: bare_pillow(tmp / "bare.png", head, body), repeat)
    base_pdf = median_ms(lambda: bare_reportlab(tmp / "bare.pdf", head, body), repeat)
    print(f"baseline bare Pillow 1080×1080 PNG (2 text lines + save): {base_png:6.1f} ms")
    print(f"baseline bare reportlab 4000×2000 mm page (2 strings):    {base_pdf:6.1f} ms\n")
    print("PNG: cold = template + layout + draw + save with no cached masks; warm = draw + save of a laid-out scene")
    print(f"{'template':<12} {'PNG cold':>11} {'×base':>6} {'PNG warm':>11} {'×base':>6} "
          f"{'PDF 4000×2000 mm':>17} {'×base':>6}")
    for template, brief_id in TEMPLATES.items():
        brief = campaign.brief(brief_id)
        def cold(brief=brief, template=template) -> None:
            """A fresh scene and no cached shape masks: the first render of a build."""
            raster._MASKS.clear()
            render_png(scene_for(campaign, brief, template, 1080, 1080), tmp / "t.png")

        png = median_ms(cold, repeat)
        scene = scene_for(campaign, brief, template, 1080, 1080)
        draw = median_ms(lambda scene=scene: render_png(scene, tmp / "t.png"), repeat)
        pdf = median_ms(lambda brief=brief, template=template: render_pdf(
            scene_for(campaign, brief, template, 4000, 2000, "mm"), tmp / "t.pdf"),
                        repeat)
        print(f"{template:<12} {png:8.1f} ms {png / base_png:6.2f} {draw:8.1f} ms {draw / base_png:6.2f} "
              f"{pdf:14.1f} ms {pdf / base_pdf:6.2f}")
    print(f"\nload average during the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"(on {os.cpu_count()} cores; figures scale with it)")


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 15)
