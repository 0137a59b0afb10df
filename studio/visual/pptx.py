"""Scene → a native PowerPoint slide: text stays editable text, shapes stay shapes.

The scene is scaled uniformly to the presentation's slide size and centred.
Each text layer becomes one text box holding the layer's text (PowerPoint
re-wraps it when edited) at the size the shared layout chose, with no-break
spaces inside words (``words.bind``) so it breaks only where the layout may.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Pt

from ..color import Color
from .fonts import metrics
from .images import upright_file
from .scene import Layer, Scene
from .words import bind

EMU_PER_PT = 12700
ALIGN = {"left": PP_ALIGN.LEFT, "center": PP_ALIGN.CENTER, "right": PP_ALIGN.RIGHT}
ANCHOR = {"top": MSO_ANCHOR.TOP, "middle": MSO_ANCHOR.MIDDLE, "bottom": MSO_ANCHOR.BOTTOM}


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor(*Color.parse(hex_color).rgb)


def _blank_layout(prs):
    layouts = prs.slide_layouts
    return next((lay for lay in layouts if lay.name.lower() == "blank"), layouts[len(layouts) - 1])


class _Frame:
    """Scene units → EMU, scaled to fit the slide and centred."""

    def __init__(self, prs, scene: Scene):
        sw, sh = prs.slide_width, prs.slide_height
        self.k = min(sw / scene.width, sh / scene.height)
        self.width, self.height = scene.width, scene.height
        self.ox = (sw - scene.width * self.k) / 2
        self.oy = (sh - scene.height * self.k) / 2

    def box(self, x: float, y: float, w: float, h: float) -> tuple[Emu, Emu, Emu, Emu]:
        return (Emu(round(self.ox + x * self.k)), Emu(round(self.oy + y * self.k)),
                Emu(max(1, round(w * self.k))), Emu(max(1, round(h * self.k))))

    def pt(self, size: float) -> Pt:
        return Pt(size * self.k / EMU_PER_PT)


def _style(shape, layer: Layer, f: _Frame) -> None:
    if layer.get("fill"):
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb(layer.get("fill"))
    else:
        shape.fill.background()
    if layer.get("stroke") and float(layer.get("stroke_width", 0)) > 0:
        shape.line.color.rgb = _rgb(layer.get("stroke"))
        shape.line.width = Emu(round(float(layer.get("stroke_width")) * f.k))
    else:
        shape.line.fill.background()
    shape.shadow.inherit = False


def _rect(slide, layer: Layer, f: _Frame) -> None:
    radius = float(layer.get("radius", 0))
    kind = MSO_SHAPE.ROUNDED_RECTANGLE if radius > 0 else MSO_SHAPE.RECTANGLE
    shape = slide.shapes.add_shape(kind, *f.box(layer.x, layer.y, layer.w, layer.h))
    if radius > 0:
        shape.adjustments[0] = min(0.5, radius / min(layer.w, layer.h))
    _style(shape, layer, f)
    shape.name = layer.name


def _ellipse(slide, layer: Layer, f: _Frame) -> None:
    shape = slide.shapes.add_shape(MSO_SHAPE.OVAL, *f.box(layer.x, layer.y, layer.w, layer.h))
    _style(shape, layer, f)
    shape.name = layer.name


def clip_polygon(points, width: float, height: float):
    """Sutherland–Hodgman clip to the canvas: a slide shows what lies off it, a picture does not."""
    def clip(pts, inside, cut):
        out = []
        for i, cur in enumerate(pts):
            prev = pts[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
        return out

    def at_x(x0):
        return lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0]))

    def at_y(y0):
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0)

    pts = list(points)
    for inside, cut in ((lambda p: p[0] >= 0, at_x(0)), (lambda p: p[0] <= width, at_x(width)),
                        (lambda p: p[1] >= 0, at_y(0)), (lambda p: p[1] <= height, at_y(height))):
        pts = clip(pts, inside, cut) if pts else pts
    return pts


def _polygon(slide, layer: Layer, f: _Frame) -> None:
    pts = [(f.ox + x * f.k, f.oy + y * f.k) for x, y in clip_polygon(layer.get("points"), f.width, f.height)]
    if len(pts) < 3:
        return
    builder = slide.shapes.build_freeform(round(pts[0][0]), round(pts[0][1]), scale=1.0)
    builder.add_line_segments([(round(x), round(y)) for x, y in pts[1:]], close=True)
    shape = builder.convert_to_shape()
    _style(shape, layer, f)
    shape.name = layer.name


def _line(slide, layer: Layer, f: _Frame) -> None:
    pts = layer.get("points")
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        line = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, Emu(round(f.ox + x0 * f.k)),
                                          Emu(round(f.oy + y0 * f.k)), Emu(round(f.ox + x1 * f.k)),
                                          Emu(round(f.oy + y1 * f.k)))
        line.line.color.rgb = _rgb(layer.get("color") or "#000000")
        line.line.width = Emu(round(float(layer.get("width", 1)) * f.k))
        line.name = layer.name


def _text(slide, layer: Layer, f: _Frame) -> None:
    if not layer.fit or not layer.fit.lines:
        return
    box = slide.shapes.add_textbox(*f.box(layer.x, layer.y, layer.w, layer.h))
    box.name = layer.name
    tf = box.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = 0
    tf.vertical_anchor = ANCHOR[layer.get("valign", "top")]
    m = metrics(layer.font)
    # The office app wraps again: no-break spaces keep it to the breaks the layout may take.
    for i, paragraph_text in enumerate(bind(layer.get("text"), layer.fit.lines, layer.fit.keep).split("\n")):
        para = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        para.alignment = ALIGN[layer.get("align", "left")]
        # Exact points, the pitch the layout measured (a multiple would scale the font's own line gap).
        para.line_spacing = f.pt(layer.fit.size * layer.fit.line_height)
        run = para.add_run()
        run.text = paragraph_text
        font = run.font
        font.name = m.family
        font.bold = m.bold
        font.italic = m.italic
        font.size = f.pt(layer.fit.size)
        font.color.rgb = _rgb(layer.get("color") or "#000000")


def _picture(slide, layer: Layer, f: _Frame, source, box: tuple[float, float, float, float]):
    if isinstance(source, Image.Image):
        buf = io.BytesIO()
        source.save(buf, "PNG")
        buf.seek(0)
        source = buf
    pic = slide.shapes.add_picture(source, *f.box(*box))
    pic.name = layer.name
    return pic


def crop_picture(pic, pl) -> None:
    """Crop a placed picture shape natively (editable in PowerPoint) to the placement's source region."""
    iw, ih = pl.size
    left, top, right, bottom = pl.crop
    pic.crop_left, pic.crop_top = left / iw, top / ih
    pic.crop_right, pic.crop_bottom = 1 - right / iw, 1 - bottom / ih


def _image(slide, layer: Layer, f: _Frame) -> None:
    """The whole upright picture at its placement; a ``cover`` crop is the shape's own crop, so it stays editable."""
    pl = layer.place
    crop_picture(_picture(slide, layer, f, upright_file(layer.get("path")), pl.box), pl)


def _qr(slide, layer: Layer, f: _Frame) -> None:
    matrix, pl = layer.matrix, layer.place
    n = len(matrix)
    dark = Color.parse(layer.get("color") or "#000000").rgb
    light = Color.parse(layer.get("background")).rgb
    _rect(slide, Layer("rect", layer.name, layer.x, layer.y, layer.w, layer.h, {"fill": layer.get("background")}), f)
    img = Image.new("RGB", (n, n), light)
    img.putdata([dark if v else light for row in matrix for v in row])
    _picture(slide, layer, f, img.resize((n * 8, n * 8), Image.Resampling.NEAREST), pl.box)


DRAW = {"rect": _rect, "ellipse": _ellipse, "polygon": _polygon, "line": _line, "text": _text,
        "image": _image, "qr": _qr, "space": lambda *_: None}


def add_scene_slide(prs, scene: Scene, layout=None, page: int = 0):
    """Add one page of ``scene`` to ``prs`` as a native, editable slide; returns the slide."""
    slide = prs.slides.add_slide(layout if layout is not None else _blank_layout(prs))
    f = _Frame(prs, scene)
    background = slide.background.fill
    background.solid()
    background.fore_color.rgb = _rgb(scene.pages[page].background)
    for layer in scene.pages[page].layers:
        DRAW[layer.type](slide, layer, f)
    return slide


def render_pptx(scene: Scene, path: str | Path) -> Path:
    """A presentation with one slide per page, sized like the scene (for ``studio render --format pptx``)."""
    from pptx import Presentation

    from ..artifacts import atomic_path

    prs = Presentation()
    k = 12700 * (72 / 25.4) if scene.units == "mm" else 9525  # EMU per mm / per px
    scale = min(1.0, 51206400 / (max(scene.width, scene.height) * k))  # PowerPoint's 56 in limit
    prs.slide_width, prs.slide_height = Emu(round(scene.width * k * scale)), Emu(round(scene.height * k * scale))
    for page in range(len(scene.pages)):
        add_scene_slide(prs, scene, page=page)
    with atomic_path(path) as tmp:
        prs.save(str(tmp))
    return Path(path)
