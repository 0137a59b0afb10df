"""Contact sheet: every visual a brief will produce, as thumbnails on one PNG."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

from ..formats import FORMATS
from ..plan import RenderJob, Selection, expand
from .fonts import font_path
from .raster import pillow_font, preview, save_image
from .scene import default_template, scene_for

CELL = 420
PAD = 24
LABEL = 56


def planned_visuals(campaign, brief) -> list[RenderJob]:
    """The brief's planned visuals, one per format (its first unit), in plan order."""
    select = Selection(briefs={brief.id}, kinds={"visual"})
    first: dict[str, RenderJob] = {}
    for job in expand(campaign, [brief.phase]):
        if select.matches(job):
            first.setdefault(job.format, job)
    return list(first.values())


def contact_sheet(campaign, brief, path: str | Path) -> int:
    jobs = planned_visuals(campaign, brief)
    if not jobs:
        return 0
    tree = campaign.unit_tree()
    thumbs = []
    for job in jobs:
        o = FORMATS[job.format].options
        unit = tree[job.unit] if tree[job.unit].level != "province" else None
        scene = scene_for(campaign, brief, default_template(o["family"], brief), o["width"], o["height"],
                          o["units"], unit)
        img = preview(scene, CELL - 2 * PAD)  # every page (the leaflet's two sides)
        thumbs.append((FORMATS[job.format].name, unit.display_name if unit else "", img))
    cols = min(4, len(thumbs))
    rows = math.ceil(len(thumbs) / cols)
    sheet = Image.new("RGB", (cols * CELL, rows * (CELL + LABEL) + 70), (236, 236, 236))
    draw = ImageDraw.Draw(sheet)
    draw.text((PAD, 22), f"{brief.id}: {brief.title}", font=pillow_font(str(font_path("BeVietnamPro-Bold")), 26),
              fill=(26, 26, 26))
    label_font = pillow_font(str(font_path("NotoSans-Regular")), 17)
    for i, (label, where, img) in enumerate(thumbs):
        x, y = (i % cols) * CELL, 70 + (i // cols) * (CELL + LABEL)
        sheet.paste(img, (x + (CELL - img.width) // 2, y + (CELL - img.height) // 2))
        for n, text in enumerate(t for t in (label, where) if t):
            draw.text((x + CELL // 2, y + CELL - 4 + 22 * n), text, font=label_font, fill=(60, 60, 60), anchor="mt")
    save_image(sheet, path, "png")
    return len(thumbs)
