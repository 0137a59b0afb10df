"""Contact sheet of every template × size for the example campaigns, collisions outlined in red.

Each row is a template drawn for one brief of each example (the first brief that uses it; the
print rows once with a key figure and once without), each column a size, video stills
included (with the subtitle band the video keeps free at the bottom: the scene as drawn at
that commit; before the band was part of the scene, the still stopped above it). Under each cell: the
tallest empty band (% of the height) and the number of collisions ``studio.visual.collide``
finds. Used for docs/img/layout-before.png and layout-after.png:

    PYTHONPATH=. .venv/bin/python scripts/layout_sheet.py docs/img/layout-after.png
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.formats import FORMATS  # noqa: E402
from studio.loader import load_campaign  # noqa: E402
from studio.visual import collide  # noqa: E402
from studio.visual.fonts import font_path  # noqa: E402
from studio.visual.raster import pillow_font, rasterize  # noqa: E402
from studio.visual.scene import SceneError, default_template, scene_for  # noqa: E402

CELL = 260  # longest side of a thumbnail, px
LABEL = 34
INFOGRAPHIC = [f for f in FORMATS.values() if f.options.get("family") == "infographic"]
VIDEO = [f for f in FORMATS.values() if f.kind == "video" and f.options["width"] != f.options["height"]]
PRINT = {"pano": [f for f in FORMATS.values() if f.options.get("family") in ("pano", "poster")],
         "leaflet": [FORMATS["leaflet-a4"]]}


def subtitle_band(campaign, brief, width: int, height: int) -> int:
    from studio.video import subtitles

    text = " ".join([brief.headline, *brief.key_messages])
    return subtitles.Style.for_frame(width, height, subtitles.subtitle_font(campaign.brand.fonts, text)).band()


def cells(campaign):
    """(row label, [(column label, scene or error)]) for every template of the campaign's briefs."""
    tree = campaign.unit_tree()
    unit = next((tree[u.id] for u in campaign.units if tree[u.id].level != "province"), None)
    rows = []
    for template in ("key-number", "stat-chart", "slogan-card", "timeline", "notice"):
        brief = next((b for b in campaign.briefs if default_template("infographic", b) == template), None)
        if brief is None:
            continue
        sizes = [(f"{f.options['width']}×{f.options['height']}", f.options["width"], f.options["height"], 0)
                 for f in INFOGRAPHIC]
        sizes += [(f"video {f.id[6:]}", f.options["width"], f.options["height"],
                   subtitle_band(campaign, brief, f.options["width"], f.options["height"])) for f in VIDEO]
        rows.append((f"{template} · {brief.id}", [(label, _scene(campaign, brief, template, w, h, "px", None, band))
                                                   for label, w, h, band in sizes]))
    with_stat = next((b for b in campaign.briefs if b.stats), None)
    without = next((b for b in campaign.briefs if not b.stats), None)
    for brief in [b for b in (with_stat, without) if b]:
        rows.append((f"pa nô, áp phích · {brief.id}",
                     [(f.id, _scene(campaign, brief, "pano" if f.options["family"] == "pano" else "poster",
                                    f.options["width"], f.options["height"], "mm", unit)) for f in PRINT["pano"]]))
    if with_stat:
        rows.append((f"leaflet · {with_stat.id}", [(f"leaflet trang {p}", (_scene(
            campaign, with_stat, "leaflet", 297, 210, "mm", None), p - 1)) for p in (1, 2)]))
    return rows


def _scene(campaign, brief, template, w, h, units, unit, reserve=0):
    try:
        if "reserve" not in inspect.signature(scene_for).parameters:  # an older tree: the still stopped above
            return scene_for(campaign, brief, template, w, h - reserve, units, unit)
        return scene_for(campaign, brief, template, w, h, units, unit, reserve=reserve)
    except SceneError as exc:
        return exc


def thumb(item) -> tuple[Image.Image, str]:
    scene, page = item if isinstance(item, tuple) else (item, 0)
    if isinstance(scene, Exception):
        img = Image.new("RGB", (CELL, CELL // 2), (90, 0, 0))
        return img, f"lỗi: {str(scene)[:40]}"
    s = CELL / max(scene.width, scene.height)
    img = rasterize(scene, s, page)
    draw = ImageDraw.Draw(img)
    found = [c for c in collide.check(scene) if c.page == page]
    for c in found:
        x0, y0, x1, y1 = (v * s for v in c.box)
        draw.rectangle([x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)], outline=(0, 255, 255) if c.kind == "empty"
                       else (255, 0, 255), width=2)
    bands = [b for b in collide.empty_bands(scene) if b.page == page]
    band, empty = max(b.fraction for b in bands), max(b.empty for b in bands)
    return img, f"dải trống {band:.0%}, tổng {empty:.0%} · {len(found)} va chạm"


def sheet(path: Path) -> None:
    examples = sorted(p for p in (ROOT / "examples").iterdir() if (p / "campaign.yaml").is_file())
    rows = [(f"{folder.name}: {label}", items) for folder in examples for label, items in cells(load_campaign(folder))]
    cols = max(len(items) for _, items in rows)
    row_h = CELL + LABEL + 44
    out = Image.new("RGB", (cols * (CELL + 12) + 12, len(rows) * row_h + 12), (236, 236, 236))
    draw = ImageDraw.Draw(out)
    head = pillow_font(str(font_path("BeVietnamPro-Bold")), 15)
    small = pillow_font(str(font_path("NotoSans-Regular")), 12)
    for r, (label, items) in enumerate(rows):
        y = 12 + r * row_h
        draw.text((12, y), label, font=head, fill=(30, 30, 30))
        for c, (name, item) in enumerate(items):
            img, note = thumb(item)
            x = 12 + c * (CELL + 12)
            out.paste(img, (x, y + 24))
            draw.text((x, y + 28 + img.height), name, font=small, fill=(60, 60, 60))
            clean = note.endswith(" 0 va chạm")
            draw.text((x, y + 44 + img.height), note, font=small, fill=(60, 60, 60) if clean else (170, 0, 0))
    out.save(path, optimize=True)
    print(f"{path}: {out.width}×{out.height}, {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    sheet(Path(sys.argv[1] if len(sys.argv) > 1 else "layout-sheet.png"))
