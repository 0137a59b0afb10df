"""Vector PDF backend (reportlab): true size in mm, bleed, crop marks, optional CMYK.

The page is the trim size plus ``bleed`` on every side (TrimBox and BleedBox are
set so prepress tools see both); shapes that touch a trim edge are extended
into the bleed. Fonts are embedded as subsets (reportlab's TTF handling) and
text is drawn at the lines the shared layout decided. With ``cmyk=True`` every
colour operator is DeviceCMYK (``k``/``K``) and images are converted to CMYK.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageMath
from reportlab.lib.colors import CMYKColor
from reportlab.lib.colors import Color as PDFColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..artifacts import atomic_path
from ..color import Color
from .fonts import font_path
from .images import pixels
from .raster import VALIGN, backdrop
from .scene import Layer, Scene

PT_PER_MM = 72 / 25.4
PT_PER_PX = 0.75  # 96 px per inch
DEFAULT_BLEED_MM = 3.0
IMAGE_DPI = 300  # images are resampled to at most this, never upscaled beyond the source


@lru_cache(maxsize=None)
def _font_name(path: str) -> str:
    name = Path(path).stem
    pdfmetrics.registerFont(TTFont(name, path))
    return name


def _color(hex_color: str, cmyk: bool):
    color = Color.parse(hex_color)
    return CMYKColor(*color.cmyk) if cmyk else PDFColor(*(c / 255 for c in color.rgb))


class _Page:
    """Scene coordinates (top-left origin, scene units) → PDF points (bottom-left origin)."""

    def __init__(self, canvas: Canvas, scene: Scene, bleed: float, cmyk: bool, page: int = 0):
        self.c, self.scene, self.b, self.cmyk, self.page = canvas, scene, bleed, cmyk, page
        self.k = PT_PER_MM if scene.units == "mm" else PT_PER_PX

    def X(self, x: float) -> float:
        return (self.b + x) * self.k

    def Y(self, y: float) -> float:
        return (self.b + self.scene.height - y) * self.k

    def fill(self, hex_color: str) -> None:
        self.c.setFillColor(_color(hex_color, self.cmyk))

    def stroke(self, hex_color: str) -> None:
        self.c.setStrokeColor(_color(hex_color, self.cmyk))

    def bled(self, layer: Layer) -> tuple[float, float, float, float]:
        """Box of a layer, pushed into the bleed on every trim edge it touches."""
        x0, y0, x1, y1 = layer.x, layer.y, layer.x + layer.w, layer.y + layer.h
        eps = 1e-6 * max(self.scene.width, self.scene.height)
        W, H, b = self.scene.width, self.scene.height, self.b
        return (x0 - b if x0 <= eps else x0, y0 - b if y0 <= eps else y0,
                x1 + b if x1 >= W - eps else x1, y1 + b if y1 >= H - eps else y1)


def _paint(p: _Page, layer: Layer) -> dict[str, int]:
    """Set the layer's fill and stroke on the canvas; return reportlab's stroke/fill flags."""
    fill, stroke = layer.get("fill"), layer.get("stroke")
    sw = float(layer.get("stroke_width", 0))
    if fill:
        p.fill(fill)
    if stroke and sw > 0:
        p.stroke(stroke)
        p.c.setLineWidth(sw * p.k)
    return {"stroke": int(bool(stroke and sw > 0)), "fill": int(bool(fill))}


def _rect(p: _Page, layer: Layer) -> None:
    radius = float(layer.get("radius", 0))
    x0, y0, x1, y1 = p.bled(layer) if radius <= 0 else (layer.x, layer.y, layer.x + layer.w, layer.y + layer.h)
    flags = _paint(p, layer)
    args = (p.X(x0), p.Y(y1), (x1 - x0) * p.k, (y1 - y0) * p.k)
    if radius > 0:
        p.c.roundRect(*args, radius * p.k, **flags)
    else:
        p.c.rect(*args, **flags)


def _ellipse(p: _Page, layer: Layer) -> None:
    flags = _paint(p, layer)
    p.c.ellipse(p.X(layer.x), p.Y(layer.y + layer.h), p.X(layer.x + layer.w), p.Y(layer.y), **flags)


def _polygon(p: _Page, layer: Layer) -> None:
    if not layer.get("fill"):
        return
    p.fill(layer.get("fill"))
    path = p.c.beginPath()
    for i, (x, y) in enumerate(layer.get("points")):
        (path.lineTo if i else path.moveTo)(p.X(x), p.Y(y))
    path.close()
    p.c.drawPath(path, stroke=0, fill=1)


def _line(p: _Page, layer: Layer) -> None:
    p.stroke(layer.get("color") or "#000000")
    p.c.setLineWidth(float(layer.get("width", 1)) * p.k)
    pts = layer.get("points")
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        p.c.line(p.X(x0), p.Y(y0), p.X(x1), p.Y(y1))


def _text(p: _Page, layer: Layer) -> None:
    fit = layer.fit
    if not fit or not fit.lines:
        return
    name = _font_name(str(layer.font))
    size = fit.size * p.k
    p.fill(layer.get("color") or "#000000")
    p.c.setFont(name, size, leading=size * fit.line_height)
    top = layer.y + (layer.h - fit.height) * VALIGN[layer.get("valign", "top")]
    align = layer.get("align", "left")
    for line, baseline in zip(fit.lines, fit.baselines(top)):
        if align == "center":
            p.c.drawCentredString(p.X(layer.x + layer.w / 2), p.Y(baseline), line)
        elif align == "right":
            p.c.drawRightString(p.X(layer.x + layer.w), p.Y(baseline), line)
        else:
            p.c.drawString(p.X(layer.x), p.Y(baseline), line)


def _image(p: _Page, layer: Layer) -> None:
    """The picture at its placement, one resolution on both axes (at most ``IMAGE_DPI``, never above the
    source's own); with CMYK, flattened onto what lies beneath it on the page."""
    pl = layer.place
    width_in = pl.w * p.k / 72
    source_ppi = (pl.crop[2] - pl.crop[0]) / width_in
    ppi = min(IMAGE_DPI, source_ppi)
    size = (max(1, round(width_in * ppi)), max(1, round(pl.h * p.k / 72 * ppi)))
    pic = pixels(layer.get("path"), pl, size)
    if p.cmyk:
        flat = backdrop(p.scene, p.page, layer, size)
        flat.paste(pic, mask=pic)
        buf = io.BytesIO()
        cmyk_image(flat).save(buf, "JPEG", quality=92)
        reader, mask = ImageReader(io.BytesIO(buf.getvalue())), None
    elif pic.getextrema()[3][0] == 255:  # opaque: no soft mask
        reader, mask = ImageReader(pic.convert("RGB")), None
    else:
        reader, mask = ImageReader(pic), "auto"
    p.c.drawImage(reader, p.X(pl.x), p.Y(pl.y + pl.h), pl.w * p.k, pl.h * p.k, mask=mask)


def cmyk_image(rgb: Image.Image) -> Image.Image:
    """RGB pixels → CMYK with the formula of ``Color.cmyk`` (the page's vector colours), so a flattened
    picture's background matches the shapes around it (Pillow's own conversion never generates black)."""
    r, g, b = rgb.split()
    top = ImageChops.lighter(ImageChops.lighter(r, g), b)  # max(R, G, B) = 255 − K

    def channel(c: Image.Image) -> Image.Image:  # (1 − c − k) / (1 − k) = (max − c) / max, rounded
        return ImageMath.lambda_eval(lambda a: a["convert"](
            ((a["top"] - a["c"]) * 510 + a["max"](a["top"], 1)) / (a["max"](a["top"], 1) * 2), "L"), top=top, c=c)

    return Image.merge("CMYK", (channel(r), channel(g), channel(b), ImageChops.invert(top)))


def _qr(p: _Page, layer: Layer) -> None:
    matrix, pl = layer.matrix, layer.place
    n = len(matrix)
    cell = pl.w / n
    p.fill(layer.get("background"))
    p.c.rect(p.X(layer.x), p.Y(layer.y + layer.h), layer.w * p.k, layer.h * p.k, stroke=0, fill=1)
    p.fill(layer.get("color") or "#000000")
    path = p.c.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        while c < n:  # one rectangle per horizontal run of dark modules
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(p.X(pl.x + start * cell), p.Y(pl.y + (r + 1) * cell), (c - start) * cell * p.k,
                          cell * p.k)
            else:
                c += 1
    p.c.drawPath(path, stroke=0, fill=1)


DRAW = {"rect": _rect, "ellipse": _ellipse, "polygon": _polygon, "line": _line, "text": _text,
        "image": _image, "qr": _qr, "space": lambda *_: None}


def _crop_marks(p: _Page) -> None:
    """Corner marks in the bleed, offset from the trim so they never touch the artwork's edge."""
    b = p.b
    gap = min(1.0, b / 3)
    W, H = p.scene.width, p.scene.height
    for width, color in ((0.6, "#FFFFFF"), (0.25, "#000000")):
        p.stroke(color)
        p.c.setLineWidth(width)
        for cx, sx in ((0, -1), (W, 1)):
            for cy, sy in ((0, -1), (H, 1)):
                p.c.line(p.X(cx + sx * gap), p.Y(cy), p.X(cx + sx * b), p.Y(cy))
                p.c.line(p.X(cx), p.Y(cy + sy * gap), p.X(cx), p.Y(cy + sy * b))


def render_pdf(scene: Scene, path: str | Path, bleed_mm: float = DEFAULT_BLEED_MM, crop_marks: bool = True,
               cmyk: bool = False, title: str = "") -> Path:
    """Write every page of the scene as a print-ready PDF, atomically; same inputs → same bytes."""
    k = PT_PER_MM if scene.units == "mm" else PT_PER_PX
    bleed = float(bleed_mm) if scene.units == "mm" else float(bleed_mm) * PT_PER_MM / PT_PER_PX
    page_size = ((scene.width + 2 * bleed) * k, (scene.height + 2 * bleed) * k)
    with atomic_path(path) as tmp:
        # The initial font is one of ours, so no unembedded base-14 font is ever referenced.
        canvas = Canvas(str(tmp), pagesize=page_size, invariant=1, pageCompression=1,
                        initialFontName=_font_name(str(font_path("NotoSans-Regular"))),
                        enforceColorSpace="cmyk" if cmyk else None)
        canvas.setTitle(title or scene.meta.get("brief", ""))
        canvas.setCreator("Studio")
        for number, page in enumerate(scene.pages):
            p = _Page(canvas, scene, bleed, cmyk, number)
            if bleed > 0:
                canvas.setTrimBox((bleed * k, bleed * k, (scene.width + bleed) * k, (scene.height + bleed) * k))
                canvas.setBleedBox((0, 0, *page_size))
            p.fill(page.background)
            canvas.rect(0, 0, *page_size, stroke=0, fill=1)
            for layer in page.layers:
                DRAW[layer.type](p, layer)
            if crop_marks and bleed > 0:
                _crop_marks(p)
            canvas.showPage()
        canvas.save()
    return Path(path)
