"""Raster backend (Pillow with raqm): PNG, JPEG and WebP, same inputs → same bytes.

Text is drawn line by line at the baselines the layout decided; shapes with
curves are drawn on a small supersampled mask so edges are smooth without
supersampling the whole canvas.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..artifacts import atomic_path, atomic_write_bytes
from ..color import Color
from .images import pixels
from .png import encode_png
from .scene import Layer, Scene

FORMATS = {"png": ("PNG", {"compress_level": 3}),  # ~30 % faster than 6, ~10 % larger
           "jpeg": ("JPEG", {"quality": 92, "subsampling": 0}),
           "jpg": ("JPEG", {"quality": 92, "subsampling": 0}), "webp": ("WEBP", {"quality": 90, "method": 4})}
ALIGN_ANCHOR = {"left": "ls", "center": "ms", "right": "rs"}
VALIGN = {"top": 0.0, "middle": 0.5, "bottom": 1.0}
PREVIEW_PX = 2000


@lru_cache(maxsize=256)
def pillow_font(path: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return Color.parse(hex_color).rgb


def default_scale(scene: Scene) -> float:
    """Screen scenes draw 1:1; print scenes draw with their longest side at about 2000 px."""
    return 1.0 if scene.units == "px" else PREVIEW_PX / max(scene.width, scene.height)


def rasterize(scene: Scene, scale: float | None = None, page: int = 0) -> Image.Image:
    """One page of the scene as an RGB image (``scale`` pixels per scene unit)."""
    s = default_scale(scene) if scale is None else scale
    size = (round(scene.width * s), round(scene.height * s))
    img = Image.new("RGB", size, _rgb(scene.pages[page].background))
    draw = ImageDraw.Draw(img)
    for layer in scene.pages[page].layers:
        DRAW[layer.type](img, draw, layer, s)
    return img


def backdrop(scene: Scene, page: int, layer: Layer, size: tuple[int, int]) -> Image.Image:
    """What lies under ``layer``'s drawn box (page background and the layers before it), as ``size`` RGB pixels.

    The print backend flattens a transparent picture onto this when it must (CMYK): the real
    background, a star's edge included, not white.
    """
    pl = layer.place
    s = size[0] / pl.w
    img = Image.new("RGB", size, _rgb(scene.pages[page].background))
    draw = ImageDraw.Draw(img)
    layers = scene.pages[page].layers
    for below in layers[:next(i for i, item in enumerate(layers) if item is layer)]:
        DRAW[below.type](img, draw, _moved(below, -pl.x, -pl.y), s)
    return img


def _moved(layer: Layer, dx: float, dy: float) -> Layer:
    props = dict(layer.props)
    if "points" in props:
        props["points"] = [(x + dx, y + dy) for x, y in props["points"]]
    place = layer.place and replace(layer.place, x=layer.place.x + dx, y=layer.place.y + dy)
    return replace(layer, x=layer.x + dx, y=layer.y + dy, props=props, place=place)


_MASKS: OrderedDict[tuple, Image.Image] = OrderedDict()
MASK_CACHE = 32  # antialiased masks kept per process: the same star, card or dot recurs across a build


def _smooth(img: Image.Image, box: tuple[float, float, float, float], color: str, shape, key: tuple) -> None:
    """Draw ``shape(draw, ss, ox, oy)`` on a supersampled mask of ``box`` and paste it in ``color``.

    ``key`` identifies the geometry (it includes ``box``), so a mask is drawn once per process.
    """
    # Only the part on the canvas: a giant background star, or a window (``backdrop``), stays cheap.
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(img.width, math.ceil(box[2])), min(img.height, math.ceil(box[3]))
    if x1 <= x0 or y1 <= y0:
        return
    w, h = x1 - x0, y1 - y0
    key = (key, box, (x0, y0, x1, y1))
    mask = _MASKS.get(key)
    if mask is None:
        ss = 4 if w * h < 250_000 else 2
        big = Image.new("L", (w * ss, h * ss), 0)
        shape(ImageDraw.Draw(big), ss, x0, y0)
        mask = _MASKS[key] = big.resize((w, h), Image.Resampling.BOX)
        if len(_MASKS) > MASK_CACHE:
            _MASKS.popitem(last=False)
    else:
        _MASKS.move_to_end(key)
    img.paste(_rgb(color), (x0, y0, x0 + w, y0 + h), mask)


def _rect(img, draw, layer: Layer, s: float) -> None:
    box = (layer.x * s, layer.y * s, (layer.x + layer.w) * s, (layer.y + layer.h) * s)
    radius = float(layer.get("radius", 0)) * s
    fill, stroke = layer.get("fill"), layer.get("stroke")
    sw = float(layer.get("stroke_width", 0)) * s
    if radius <= 0:
        x0, y0 = round(box[0]), round(box[1])
        pixels = [x0, y0, max(x0, round(box[2]) - 1), max(y0, round(box[3]) - 1)]  # at least one pixel
        if fill:
            draw.rectangle(pixels, fill=_rgb(fill))
        if stroke and sw > 0:
            draw.rectangle(pixels, outline=_rgb(stroke), width=max(1, round(sw)))
        return

    def shape(d, ss, ox, oy, inset=0.0):
        d.rounded_rectangle([(box[0] - ox + inset) * ss, (box[1] - oy + inset) * ss,
                             (box[2] - ox - inset) * ss - 1, (box[3] - oy - inset) * ss - 1],
                            radius=max(0.0, radius - inset) * ss, fill=255)

    if stroke and sw > 0:
        _smooth(img, box, stroke, shape, ("rect", radius, 0.0))
        if fill:
            _smooth(img, box, fill, lambda d, ss, ox, oy: shape(d, ss, ox, oy, sw), ("rect", radius, sw))
    elif fill:
        _smooth(img, box, fill, shape, ("rect", radius, 0.0))


def _ellipse(img, draw, layer: Layer, s: float) -> None:
    box = (layer.x * s, layer.y * s, (layer.x + layer.w) * s, (layer.y + layer.h) * s)
    sw = float(layer.get("stroke_width", 0)) * s
    for color, inset in ((layer.get("stroke"), 0.0), (layer.get("fill"), sw if layer.get("stroke") else 0.0)):
        if color:
            _smooth(img, box, color, lambda d, ss, ox, oy, i=inset: d.ellipse(
                [(box[0] - ox + i) * ss, (box[1] - oy + i) * ss, (box[2] - ox - i) * ss - 1,
                 (box[3] - oy - i) * ss - 1], fill=255), ("ellipse", inset))


def _polygon(img, draw, layer: Layer, s: float) -> None:
    pts = [(px * s, py * s) for px, py in layer.get("points")]
    box = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
    if layer.get("fill"):
        _smooth(img, box, layer.get("fill"),
                lambda d, ss, ox, oy: d.polygon([((x - ox) * ss, (y - oy) * ss) for x, y in pts], fill=255),
                ("polygon", tuple(pts)))


def _line(img, draw, layer: Layer, s: float) -> None:
    pts = [(px * s, py * s) for px, py in layer.get("points")]
    draw.line(pts, fill=_rgb(layer.get("color") or "#000000"), width=max(1, round(float(layer.get("width", 1)) * s)))


def _text(img, draw, layer: Layer, s: float) -> None:
    fit = layer.fit
    if not fit or not fit.lines:
        return
    font = pillow_font(str(layer.font), fit.size * s)
    top = layer.y + (layer.h - fit.height) * VALIGN[layer.get("valign", "top")]
    align = layer.get("align", "left")
    x = {"left": layer.x, "center": layer.x + layer.w / 2, "right": layer.x + layer.w}[align]
    color = _rgb(layer.get("color") or "#000000")
    for line, baseline in zip(fit.lines, fit.baselines(top)):
        draw.text((x * s, baseline * s), line, font=font, fill=color, anchor=ALIGN_ANCHOR[align])


def _image(img, draw, layer: Layer, s: float) -> None:
    pl = layer.place
    x0, y0 = round(pl.x * s), round(pl.y * s)
    size = (max(1, round((pl.x + pl.w) * s) - x0), max(1, round((pl.y + pl.h) * s) - y0))
    pic = pixels(layer.get("path"), pl, size)
    img.paste(pic, (x0, y0), pic)


def _qr(img, draw, layer: Layer, s: float) -> None:
    matrix, pl = layer.matrix, layer.place
    n = len(matrix)
    _rect(img, draw, Layer("rect", layer.name, layer.x, layer.y, layer.w, layer.h,
                           {"fill": layer.get("background")}), s)
    cells = Image.new("L", (n, n), 0)
    cells.putdata([255 if v else 0 for row in matrix for v in row])
    side_px = max(n, round(pl.w * s) // n * n)  # whole pixels per module: crisp, even modules
    ox = round(pl.x * s + (pl.w * s - side_px) / 2)
    oy = round(pl.y * s + (pl.h * s - side_px) / 2)
    img.paste(_rgb(layer.get("color") or "#000000"), (ox, oy, ox + side_px, oy + side_px),
              cells.resize((side_px, side_px), Image.Resampling.NEAREST))


DRAW = {"rect": _rect, "ellipse": _ellipse, "polygon": _polygon, "line": _line, "text": _text,
        "image": _image, "qr": _qr, "space": lambda *_: None}


def save_image(img: Image.Image, path: str | Path, fmt: str | None = None) -> Path:
    """Write atomically; the format comes from ``fmt`` or the file suffix (png, jpeg, webp)."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"định dạng ảnh {fmt!r} không hỗ trợ; dùng png, jpeg hoặc webp")
    name, params = FORMATS[fmt]
    if name == "PNG":
        return atomic_write_bytes(path, encode_png(img))
    with atomic_path(path) as tmp:
        img.save(tmp, name, **params)
    return Path(path)


def render_png(scene: Scene, path: str | Path, scale: float | None = None, page: int = 0) -> Path:
    """Write one page of the scene as a PNG, atomically (1:1 for px scenes)."""
    return save_image(rasterize(scene, scale, page), path, "png")


def render_raster(scene: Scene, path: str | Path, fmt: str | None = None, scale: float | None = None,
                  page: int = 0) -> Path:
    return save_image(rasterize(scene, scale, page), path, fmt)


def preview(scene: Scene, longest: int = PREVIEW_PX) -> Image.Image:
    """Every page stacked, longest side about ``longest`` px: the cheap preview beside a PDF."""
    count = len(scene.pages)
    gap = 0.02 * scene.height
    total_h = scene.height * count + gap * (count - 1)
    s = longest / max(scene.width, total_h)
    if count == 1:
        return rasterize(scene, s)
    sheet = Image.new("RGB", (round(scene.width * s), round(total_h * s)), (200, 200, 200))
    for i in range(count):
        sheet.paste(rasterize(scene, s, i), (0, round(i * (scene.height + gap) * s)))
    return sheet
