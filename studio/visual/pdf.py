"""Vector PDF backend (reportlab + pikepdf): print-ready PDF/X at true size in mm.

The page is the trim size plus ``bleed`` on every side plus a slug for the marks (MediaBox ⊃
BleedBox ⊃ TrimBox); shapes that touch a trim edge are extended into the bleed; crop marks and
the leaflet's fold marks sit in the slug, outside trim + bleed. Fonts are embedded as subsets
(reportlab's TTF handling) whose tags are derived from the file's content, and text is drawn at
the lines the shared layout decided. reportlab draws; pikepdf then makes the file PDF/X: the
OutputIntent (the print profile, ``studio.color.PRINT_PROFILE``), the metadata (Info and XMP),
the PDF/X version. RGB output is PDF/X-4 (its RGB tagged sRGB through ``DefaultRGB``); with
``cmyk=True`` every colour is DeviceCMYK through ``studio.color.Separation`` and the file is
PDF/X-1a (no transparency: pictures are flattened).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pikepdf
from reportlab.lib.colors import CMYKColor
from reportlab.lib.colors import Color as PDFColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..artifacts import atomic_path
from ..color import PRINT_CONDITION, PRINT_PROFILE, RICH_BLACK, SRGB_PROFILE, Color, Separation
from .fonts import font_path
from .images import pixels
from .raster import VALIGN, backdrop
from .scene import Layer, Scene

PT_PER_MM = 72 / 25.4
PT_PER_PX = 0.75  # 96 px per inch
DEFAULT_BLEED_MM = 3.0
IMAGE_DPI = 300  # images are resampled to at most this, never upscaled beyond the source
#: Marks: the slug around the bleed, and where a mark runs in it (from the bleed's edge, mm).
SLUG_MM, MARK_FROM_MM, MARK_TO_MM = 10.0, 2.0, 8.0
MARK_PT = 0.25  # hairline
RICH_BLACK_PT = 24  # black type at least this large is rich black; smaller type stays black ink only (registration)
VN = timezone(timedelta(hours=7))


@dataclass(frozen=True)
class DocInfo:
    """The PDF's metadata: what a print shop's preflight and file browser show."""

    title: str
    author: str  # the issuer
    subject: str
    created: datetime  # the brief's approval (deterministic: never the time of the build)
    keywords: str = ""


@lru_cache(maxsize=None)
def _font_name(path: str) -> str:
    name = Path(path).stem
    pdfmetrics.registerFont(TTFont(name, path))
    return name


class _Page:
    """Scene coordinates (top-left origin, scene units) → PDF points (bottom-left origin)."""

    def __init__(self, canvas: Canvas, scene: Scene, bleed: float, margin: float, sep: Separation | None,
                 page: int = 0):
        self.c, self.scene, self.b, self.m, self.sep, self.page = canvas, scene, bleed, margin, sep, page
        self.cmyk = sep is not None
        self.k = PT_PER_MM if scene.units == "mm" else PT_PER_PX

    def X(self, x: float) -> float:
        return (self.m + x) * self.k

    def Y(self, y: float) -> float:
        return (self.m + self.scene.height - y) * self.k

    def color(self, hex_color: str):
        color = Color.parse(hex_color)
        return CMYKColor(*self.sep.cmyk(color)) if self.sep else PDFColor(*(c / 255 for c in color.rgb))

    def fill(self, hex_color: str) -> None:
        self.c.setFillColor(self.color(hex_color))

    def stroke(self, hex_color: str) -> None:
        self.c.setStrokeColor(self.color(hex_color))

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
    if p.sep and size >= RICH_BLACK_PT and _black(p.sep.cmyk(Color.parse(layer.get("color") or "#000000"))):
        p.c.setFillColor(CMYKColor(*RICH_BLACK))
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
    if p.sep:
        flat = backdrop(p.scene, p.page, layer, size)
        flat.paste(pic, mask=pic)
        buf = io.BytesIO()
        p.sep.image(flat, _colors(p.scene, p.page)).save(buf, "JPEG", quality=92)
        reader, mask = ImageReader(io.BytesIO(buf.getvalue())), None
    elif pic.getextrema()[3][0] == 255:  # opaque: no soft mask
        reader, mask = ImageReader(pic.convert("RGB")), None
    else:
        reader, mask = ImageReader(pic), "auto"
    p.c.drawImage(reader, p.X(pl.x), p.Y(pl.y + pl.h), pl.w * p.k, pl.h * p.k, mask=mask)


def _black(cmyk: tuple[float, float, float, float]) -> bool:
    """Black ink alone, (nearly) solid: what rich black replaces in large type."""
    c, m, y, k = cmyk
    return c == m == y == 0 and k >= 0.95


def _colors(scene: Scene, page: int) -> set[str]:
    """Every flat colour drawn on a page (its background and the layers' colours)."""
    found = {scene.pages[page].background}
    for layer in scene.pages[page].layers:
        found |= {layer.get(key) for key in ("fill", "color", "stroke", "background") if layer.get(key)}
    return {c for c in found if isinstance(c, str) and c.startswith("#")}


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


def _marks(p: _Page, folds: list[float]) -> None:
    """Crop marks at the corners (solid) and fold marks (dashed), in the slug: outside trim + bleed, in
    registration colour (every plate) so the press can register and the finisher can cut and fold."""
    b, W, H = p.b, p.scene.width, p.scene.height
    near, far = b + MARK_FROM_MM, b + MARK_TO_MM
    if p.scene.units != "mm":
        near, far = near / PT_PER_PX * PT_PER_MM, far / PT_PER_PX * PT_PER_MM
    p.c.setStrokeColor(CMYKColor(1, 1, 1, 1) if p.cmyk else PDFColor(0, 0, 0))
    p.c.setLineWidth(MARK_PT)
    for cx, sx in ((0, -1), (W, 1)):
        for cy, sy in ((0, -1), (H, 1)):
            p.c.line(p.X(cx + sx * near), p.Y(cy), p.X(cx + sx * far), p.Y(cy))
            p.c.line(p.X(cx), p.Y(cy + sy * near), p.X(cx), p.Y(cy + sy * far))
    p.c.setDash(2 * PT_PER_MM, 1 * PT_PER_MM)
    for x in folds:
        p.c.line(p.X(x), p.Y(-near), p.X(x), p.Y(-far))
        p.c.line(p.X(x), p.Y(H + near), p.X(x), p.Y(H + far))
    p.c.setDash()


def render_pdf(scene: Scene, path: str | Path, bleed_mm: float = DEFAULT_BLEED_MM, crop_marks: bool = True,
               cmyk: bool = False, info: DocInfo | None = None, separation: Separation | None = None) -> Path:
    """Write every page of the scene as a print-ready PDF/X, atomically; same inputs → same bytes.

    ``separation``: the CMYK conversion (brand kit values) when ``cmyk``; ``info``: the metadata
    (default: the brief's id as title, a fixed date)."""
    k = PT_PER_MM if scene.units == "mm" else PT_PER_PX
    to_units = 1.0 if scene.units == "mm" else PT_PER_MM / PT_PER_PX
    bleed = float(bleed_mm) * to_units
    margin = bleed + (SLUG_MM * to_units if crop_marks else 0)
    page_size = ((scene.width + 2 * margin) * k, (scene.height + 2 * margin) * k)
    sep = (separation or Separation()) if cmyk else None
    info = info or DocInfo(scene.meta.get("brief", ""), "", "", datetime(2000, 1, 1, tzinfo=VN))
    with atomic_path(path) as tmp:
        # The initial font is one of ours, so no unembedded base-14 font is ever referenced.
        canvas = Canvas(str(tmp), pagesize=page_size, invariant=1, pageCompression=1,
                        initialFontName=_font_name(str(font_path("NotoSans-Regular"))),
                        enforceColorSpace="cmyk" if cmyk else None)
        for number, page in enumerate(scene.pages):
            p = _Page(canvas, scene, bleed, margin, sep, number)
            o = margin - bleed
            canvas.setTrimBox((margin * k, margin * k, (scene.width + margin) * k, (scene.height + margin) * k))
            canvas.setBleedBox((o * k, o * k, page_size[0] - o * k, page_size[1] - o * k))
            p.fill(page.background)
            canvas.rect(o * k, o * k, page_size[0] - 2 * o * k, page_size[1] - 2 * o * k, stroke=0, fill=1)
            for layer in page.layers:
                DRAW[layer.type](p, layer)
            if crop_marks:
                _marks(p, page.folds)
            canvas.showPage()
        canvas.save()
        _pdfx(tmp, info, cmyk)
    return Path(path)


def _pdf_date(when: datetime) -> str:
    when = when if when.tzinfo else when.replace(tzinfo=VN)
    offset = int(when.utcoffset().total_seconds() // 60)
    sign = "+" if offset >= 0 else "-"
    return when.strftime("D:%Y%m%d%H%M%S") + f"{sign}{abs(offset) // 60:02d}'{abs(offset) % 60:02d}'"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


@lru_cache(maxsize=4)
def _profile(path: str) -> bytes:
    return Path(path).read_bytes()


def _pdfx(path: Path, info: DocInfo, cmyk: bool) -> None:
    """reportlab's file → PDF/X-4 (RGB) or PDF/X-1a (CMYK), in place and deterministically: OutputIntent,
    Info and XMP metadata, ``DefaultRGB`` = sRGB, font subset tags unique to this file's content."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    version = "PDF/X-1:2001" if cmyk else "PDF/X-4"
    when = info.created if info.created.tzinfo else info.created.replace(tzinfo=VN)
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        _subset_tags(pdf, digest)
        profile = pdf.make_stream(_profile(str(PRINT_PROFILE)), N=4)
        pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
            OutputConditionIdentifier=PRINT_CONDITION[0], OutputCondition=PRINT_CONDITION[1],
            Info=PRINT_CONDITION[1], RegistryName="http://www.color.org", DestOutputProfile=profile))])
        if not cmyk:
            srgb = pikepdf.Array([pikepdf.Name.ICCBased, pdf.make_stream(_profile(str(SRGB_PROFILE)), N=3)])
            for page in pdf.pages:
                if pikepdf.Name.Resources not in page.obj:
                    page.obj.Resources = pikepdf.Dictionary()
                if pikepdf.Name.ColorSpace not in page.obj.Resources:
                    page.obj.Resources.ColorSpace = pikepdf.Dictionary()
                page.obj.Resources.ColorSpace.DefaultRGB = srgb
        date = _pdf_date(when)
        docinfo = pikepdf.Dictionary(
            Title=info.title, Author=info.author, Subject=info.subject, Keywords=info.keywords, Creator="Studio",
            Producer="Studio (reportlab, pikepdf)", CreationDate=date, ModDate=date, Trapped=pikepdf.Name("/False"),
            GTS_PDFXVersion=version)
        if cmyk:
            docinfo.GTS_PDFXConformance = "PDF/X-1a:2001"
        pdf.trailer.Info = pdf.make_indirect(docinfo)
        pdf.Root.Metadata = pdf.make_stream(_xmp(info, when, version, digest).encode("utf-8"),
                                            Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML)
        pdf.save(path, min_version="1.4" if cmyk else "1.6", force_version="1.4" if cmyk else "1.6",
                 deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)


def _subset_tags(pdf: pikepdf.Pdf, digest: str) -> None:
    """reportlab tags the n-th subset of every font ``AAAAAA+``…: two files imposed together could swap
    fonts. Each subset gets six letters from the file's content hash and the font's name instead."""
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        for key in ("/BaseFont", "/FontName"):
            name = str(obj.get(key, ""))
            match = re.fullmatch(r"/([A-Z]{6})\+(.+)", name)
            if match:
                h = hashlib.sha256(f"{digest}/{match.group(1)}/{match.group(2)}".encode()).digest()
                tag = "".join(chr(ord("A") + b % 26) for b in h[:6])
                obj[key] = pikepdf.Name(f"/{tag}+{match.group(2)}")


def _xmp(info: DocInfo, when: datetime, version: str, digest: str) -> str:
    iso = when.isoformat()
    doc_id = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/" xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/">
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_xml(info.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{_xml(info.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{_xml(info.subject)}</rdf:li></rdf:Alt></dc:description>
   <xmp:CreateDate>{iso}</xmp:CreateDate>
   <xmp:ModifyDate>{iso}</xmp:ModifyDate>
   <xmp:MetadataDate>{iso}</xmp:MetadataDate>
   <xmp:CreatorTool>Studio</xmp:CreatorTool>
   <pdf:Producer>Studio (reportlab, pikepdf)</pdf:Producer>
   <pdf:Keywords>{_xml(info.keywords)}</pdf:Keywords>
   <pdf:Trapped>False</pdf:Trapped>
   <xmpMM:DocumentID>{doc_id}</xmpMM:DocumentID>
   <xmpMM:InstanceID>{doc_id}</xmpMM:InstanceID>
   <xmpMM:VersionID>1</xmpMM:VersionID>
   <xmpMM:RenditionClass>default</xmpMM:RenditionClass>
   <pdfxid:GTS_PDFXVersion>{version}</pdfxid:GTS_PDFXVersion>
   <pdfx:GTS_PDFXVersion>{version}</pdfx:GTS_PDFXVersion>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
