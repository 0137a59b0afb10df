"""A real 16:9 slide master, built in code from the campaign's brand kit.

python-pptx's default template is 4:3 and styled for nobody, so each deck gets
its own master: slide size 13.333×7.5 in, a theme whose colours and fonts are
the brand's (so slides a user adds later in PowerPoint match), and named
layouts whose placeholders carry the typography (font, size, colour, bullets).
The geometry below is the single source for both the layouts and the builder,
which measures text against the same boxes before it fills a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls

from ..campaign import BrandKit
from ..color import Color, ColorError
from ..visual.fonts import metrics, resolve

if TYPE_CHECKING:
    from ..visual.layout import FitResult

SLIDE_W, SLIDE_H = 960.0, 540.0  # points: 13.333 × 7.5 in
EMU_PER_PT = 12700
LANG = "vi-VN"


class BrandError(ValueError):
    """A brand colour that is not ``#RRGGBB``."""


def emu(pt: float) -> int:
    return int(round(pt * EMU_PER_PT))


# --- brand: colours and fonts ---------------------------------------------------------

def _brand_color(brand: BrandKit, role: str, default: str) -> Color:
    try:
        return Color.parse(brand.colors.get(role, default), f"campaign.yaml: brand.colors.{role}")
    except ColorError as exc:
        raise BrandError(str(exc)) from exc


def palette(brand: BrandKit) -> dict[str, str]:
    """Brand colours plus the few tints the layouts need, as ``RRGGBB``."""
    base = {"primary": "#C8102E", "accent": "#FFCD00", "ink": "#1A1A1A", "paper": "#FFFFFF", "muted": "#6B6B6B"}
    colors = {role: _brand_color(brand, role, default) for role, default in base.items()}
    colors["primary-dark"] = colors["primary"].shade(0.84)
    colors["tint"] = colors["primary"].mix(colors["paper"], 0.93)
    colors["rule"] = colors["muted"].mix(colors["paper"], 0.72)
    return {role: c.hex[1:] for role, c in colors.items()}


@dataclass(frozen=True)
class Face:
    """How an office app addresses a shipped TTF: family name + bold flag."""

    path: str
    family: str
    bold: bool
    italic: bool


@lru_cache(maxsize=None)
def _face(path: str) -> Face:
    m = metrics(path)
    return Face(path=path, family=m.family, bold=m.bold, italic=m.italic)


def face(brand: BrandKit, role: str) -> Face:
    """The font a brand role (``heading``, ``body``) names, resolved in assets/fonts."""
    return _face(str(resolve(role, brand.fonts)))


# --- layout geometry ------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x, y, w, h in points


@dataclass(frozen=True)
class Text:
    """Typography of a placeholder; ``size`` is the largest size the builder tries."""

    font: str = "body"  # brand font role
    size: float = 20
    min: float = 12
    color: str = "ink"
    align: str = "l"  # l | ctr | r
    anchor: str = "t"  # t | ctr | b
    line: float = 1.2  # line height in em
    gap: float = 0.0  # extra space between paragraphs, in em
    bullet: bool = False


@dataclass(frozen=True)
class Slot:
    key: str
    ph: str  # OOXML placeholder type
    idx: int
    box: Box
    text: Text = Text()
    prompt: str = "Nhấp để nhập nội dung"


@dataclass(frozen=True)
class Deco:
    """A decorative shape drawn on the layout (every slide of the layout shows it)."""

    shape: str  # rect | star5 | text
    box: Box
    color: str
    text: str = ""
    style: Text | None = None
    slide_number: bool = False


@dataclass(frozen=True)
class Layout:
    name: str
    type: str  # OOXML layout type, for apps that switch layouts by type
    background: str
    slots: tuple[Slot, ...] = ()
    decos: tuple[Deco, ...] = field(default=())

    def slot(self, key: str) -> Slot:
        return next(s for s in self.slots if s.key == key)


M = 56.0  # side margin
CONTENT_Y, CONTENT_H = 130.0, 330.0
CONTENT_W = SLIDE_W - 2 * M
BULLET_INDENT = 26.0

TITLE = Slot("title", "title", 0, (M, 26, CONTENT_W, 76),
             Text("heading", 30, 20, "ink", anchor="b", line=1.15), "Nhấp để nhập tiêu đề")
NOTE = Slot("note", "body", 13, (M, 468, CONTENT_W, 24), Text("body", 12, 9, "muted", anchor="b", line=1.15))

CHROME = (  # content slides: top strip, title rule, footer rule, footer text, slide number
    Deco("rect", (0, 0, SLIDE_W, 8), "primary"),
    Deco("rect", (0, 0, 180, 8), "accent"),
    Deco("rect", (M, 110, 64, 5), "primary"),
    Deco("rect", (M, 500, CONTENT_W, 0.75), "rule"),
    Deco("text", (M, 507, 760, 20), "muted", "{footer}", Text("body", 10, 10, "muted", anchor="ctr")),
    Deco("text", (SLIDE_W - M - 80, 507, 80, 20), "primary", "", Text("heading", 11, 11, "primary", "r", "ctr"),
         slide_number=True),
)
ON_PRIMARY = (
    Deco("star5", (610, 30, 480, 456), "primary-dark"),
    Deco("rect", (0, SLIDE_H - 12, SLIDE_W, 12), "accent"),
)
BODY_BULLETS = Text("body", 26, 15, "ink", line=1.25, gap=0.55, bullet=True)

LAYOUTS: tuple[Layout, ...] = (
    Layout("title", "title", "primary", (
        Slot("kicker", "body", 13, (64, 56, 620, 26), Text("heading", 14, 10, "accent", anchor="ctr", line=1.1)),
        Slot("title", "ctrTitle", 0, (64, 96, 640, 236), Text("heading", 46, 26, "paper", anchor="b", line=1.12),
             "Nhấp để nhập tiêu đề"),
        Slot("subtitle", "subTitle", 1, (64, 368, 640, 112), Text("body", 22, 14, "paper", line=1.3)),
    ), ON_PRIMARY + (Deco("rect", (64, 346, 96, 6), "accent"),)),
    Layout("section", "secHead", "paper", (
        Slot("number", "body", 13, (40, 170, 260, 170), Text("heading", 120, 60, "accent", anchor="ctr", line=1.0)),
        Slot("title", "title", 0, (372, 110, 532, 196), Text("heading", 38, 22, "ink", anchor="b", line=1.15),
             "Nhấp để nhập tiêu đề"),
        Slot("subtitle", "body", 1, (372, 342, 532, 130), Text("body", 22, 14, "muted", line=1.3)),
    ), (
        Deco("rect", (0, 0, 320, SLIDE_H), "primary"),
        Deco("rect", (0, SLIDE_H - 12, 320, 12), "accent"),
        Deco("text", (44, 130, 240, 30), "paper", "PHẦN", Text("heading", 16, 16, "paper", anchor="b")),
        Deco("rect", (372, 320, 72, 6), "primary"),
    )),
    Layout("bullets", "obj", "paper", (
        TITLE, Slot("body", "body", 1, (M, CONTENT_Y, CONTENT_W, CONTENT_H + 30), BODY_BULLETS),
    ), CHROME),
    Layout("two-column", "twoObj", "paper", (
        TITLE,
        Slot("left-head", "body", 13, (M, CONTENT_Y, 408, 30), Text("heading", 16, 12, "primary", anchor="b")),
        Slot("right-head", "body", 14, (496, CONTENT_Y, 408, 30), Text("heading", 16, 12, "primary", anchor="b")),
        Slot("left", "body", 1, (M, CONTENT_Y + 44, 408, 306), Text("body", 20, 12, "ink", line=1.25, gap=0.4,
                                                                      bullet=True)),
        Slot("right", "body", 2, (496, CONTENT_Y + 44, 408, 306), Text("body", 20, 12, "ink", line=1.25, gap=0.4,
                                                                         bullet=True)),
    ), CHROME + (Deco("rect", (M, CONTENT_Y + 34, 408, 1.5), "rule"), Deco("rect", (496, CONTENT_Y + 34, 408, 1.5),
                                                                           "rule"))),
    Layout("big-number", "titleOnly", "paper", (TITLE, NOTE), CHROME),
    Layout("chart", "chart", "paper", (
        TITLE, Slot("chart", "chart", 1, (M, CONTENT_Y, CONTENT_W, 326), prompt="Nhấp để chèn biểu đồ"), NOTE,
    ), CHROME),
    Layout("quote", "cust", "primary", (
        Slot("quote", "body", 1, (110, 120, 740, 270), Text("heading", 44, 22, "paper", "ctr", "ctr", line=1.2)),
        Slot("attribution", "body", 13, (110, 410, 740, 40), Text("body", 18, 12, "accent", "ctr", "t", line=1.2)),
    ), ON_PRIMARY + (
        Deco("text", (96, 24, 200, 250), "accent", "“", Text("heading", 160, 160, "accent", anchor="t", line=1.0)),
    )),
    Layout("image", "picTx", "paper", (
        TITLE, Slot("picture", "pic", 1, (M, CONTENT_Y, 560, 356), prompt="Nhấp để chèn ảnh"),
        Slot("caption", "body", 2, (640, CONTENT_Y, 264, 356), Text("body", 18, 11, "muted", line=1.3)),
    ), CHROME),
    Layout("timeline", "cust", "paper", (TITLE,), CHROME),
    Layout("closing", "cust", "primary", (
        Slot("title", "ctrTitle", 0, (80, 150, 800, 150), Text("heading", 54, 28, "paper", "ctr", "b", line=1.12),
             "Nhấp để nhập lời cảm ơn"),
        Slot("subtitle", "subTitle", 1, (80, 336, 800, 120), Text("body", 20, 12, "paper", "ctr", line=1.3)),
    ), (Deco("rect", (0, SLIDE_H - 12, SLIDE_W, 12), "accent"), Deco("rect", (444, 314, 72, 6), "accent"))),
    Layout("blank", "blank", "paper"),
)
BY_NAME = {layout.name: layout for layout in LAYOUTS}


# --- XML ------------------------------------------------------------------------------

def _fill(color: str) -> str:
    return f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill>'


def _rpr(tag: str, style: Text, pal: dict[str, str], brand: BrandKit, size: float | None = None) -> str:
    f = face(brand, style.font)
    size = style.size if size is None else size
    return (f'<a:{tag} lang="{LANG}" sz="{round(size * 100)}" b="{int(f.bold)}" i="{int(f.italic)}" dirty="0">'
            f'{_fill(pal[style.color])}<a:latin typeface="{escape(f.family)}"/>'
            f'<a:cs typeface="{escape(f.family)}"/></a:{tag}>')


def _ppr(style: Text, pal: dict[str, str], brand: BrandKit, level: str = "lvl1pPr") -> str:
    bullet = '<a:buNone/>'
    mar = ""
    if style.bullet:
        mar = f' marL="{emu(BULLET_INDENT)}" indent="{-emu(BULLET_INDENT)}"'
        fam = escape(face(brand, "heading").family)
        bullet = (f'<a:buClr><a:srgbClr val="{pal["primary"]}"/></a:buClr><a:buSzPct val="120000"/>'
                  f'<a:buFont typeface="{fam}"/><a:buChar char="•"/>')
    space = f'<a:spcBef><a:spcPts val="{round(style.gap * style.size * 100)}"/></a:spcBef>' if style.gap else ""
    pitch = round(style.line * style.size * 100)
    return (f'<a:{level}{mar} algn="{style.align}"><a:lnSpc><a:spcPts val="{pitch}"/></a:lnSpc>'
            f'{space}{bullet}{_rpr("defRPr", style, pal, brand)}</a:{level}>')


def _body_pr(style: Text) -> str:
    return (f'<a:bodyPr wrap="square" lIns="0" tIns="0" rIns="0" bIns="0" anchor="{style.anchor}">'
            f'<a:noAutofit/></a:bodyPr>')


def _xfrm(box: Box) -> str:
    x, y, w, h = box
    return f'<a:xfrm><a:off x="{emu(x)}" y="{emu(y)}"/><a:ext cx="{emu(w)}" cy="{emu(h)}"/></a:xfrm>'


def _placeholder_xml(shape_id: int, slot: Slot, pal: dict[str, str], brand: BrandKit) -> str:
    idx = "" if slot.ph in ("title", "ctrTitle") else f' idx="{slot.idx}"'
    body = ""
    if slot.ph not in ("pic", "chart"):
        body = (f'<p:txBody>{_body_pr(slot.text)}<a:lstStyle>{_ppr(slot.text, pal, brand)}</a:lstStyle>'
                f'<a:p><a:r><a:rPr lang="{LANG}"/><a:t>{escape(slot.prompt)}</a:t></a:r></a:p></p:txBody>')
    return (f'<p:sp {nsdecls("a", "p")}><p:nvSpPr><p:cNvPr id="{shape_id}" name="{escape(slot.key)}"/>'
            f'<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="{slot.ph}"{idx}/></p:nvPr>'
            f'</p:nvSpPr><p:spPr>{_xfrm(slot.box)}</p:spPr>{body}</p:sp>')


def _deco_xml(shape_id: int, deco: Deco, pal: dict[str, str], brand: BrandKit, footer: str,
              keep: tuple[str, ...] = ()) -> str:
    geom = "rect" if deco.shape == "text" else deco.shape
    fill = "<a:noFill/>" if deco.shape == "text" else _fill(pal[deco.color])
    body = ""
    if deco.shape == "text":
        style = deco.style or Text()
        if deco.slide_number:
            run = (f'<a:fld id="{{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}}" type="slidenum">'
                   f'{_rpr("rPr", style, pal, brand)}<a:t>‹#›</a:t></a:fld>')
        else:
            from ..visual.words import bind

            text = deco.text.format(footer=footer)
            fit = _fitted(text, deco.box, style, brand, keep)
            bound = escape(bind(text, fit.lines, keep))  # office apps wrap it again: only between words
            run = f'<a:r>{_rpr("rPr", style, pal, brand, fit.size)}<a:t>{bound}</a:t></a:r>'
        body = (f'<p:txBody>{_body_pr(style)}<a:lstStyle/><a:p><a:pPr algn="{style.align}"><a:lnSpc>'
                f'<a:spcPts val="{round(style.line * style.size * 100)}"/></a:lnSpc><a:buNone/></a:pPr>{run}</a:p>'
                f'</p:txBody>')
    return (f'<p:sp {nsdecls("a", "p")}><p:nvSpPr><p:cNvPr id="{shape_id}" name="deco {shape_id}"/><p:cNvSpPr/>'
            f'<p:nvPr userDrawn="1"/></p:nvSpPr><p:spPr>{_xfrm(deco.box)}<a:prstGeom prst="{geom}"><a:avLst/>'
            f'</a:prstGeom>{fill}<a:ln><a:noFill/></a:ln></p:spPr>{body}</p:sp>')


def _fitted(text: str, box: Box, style: Text, brand: BrandKit, keep: tuple[str, ...]) -> FitResult:
    """Size and lines of a layout's static text (the footer can be long): the shared fit, no smaller than 6 pt."""
    from ..visual.layout import FitError, fit_text

    try:
        return fit_text(text, face(brand, style.font).path, box[2] * 0.97, box[3], min(6, style.min), style.size,
                        line_height=style.line, step=0.5, keep=keep)
    except FitError as exc:
        raise BrandError(f"chân trang quá dài ({len(text)} ký tự): {exc}") from exc


def _clear_tree(sp_tree) -> None:
    for child in list(sp_tree)[2:]:  # keep nvGrpSpPr and grpSpPr
        sp_tree.remove(child)


def _patch_theme(prs, pal: dict[str, str], brand: BrandKit) -> None:
    """Theme colours and fonts = the brand's, for anything a user adds later."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    xml = part.blob.decode("utf-8")
    colours = {"dk2": pal["ink"], "lt2": pal["tint"], "accent1": pal["primary"], "accent2": pal["accent"],
               "accent3": pal["muted"], "accent4": pal["primary-dark"], "accent5": pal["ink"], "accent6": pal["rule"]}
    for slot_name, value in colours.items():
        xml = re.sub(rf"<a:{slot_name}>.*?</a:{slot_name}>",
                     f'<a:{slot_name}><a:srgbClr val="{value}"/></a:{slot_name}>', xml, count=1, flags=re.S)
    for tag, role in (("majorFont", "heading"), ("minorFont", "body")):
        family = escape(face(brand, role).family)
        xml = re.sub(rf'(<a:{tag}><a:latin typeface=")[^"]*(")', rf"\g<1>{family}\g<2>", xml, count=1)
    xml = xml.replace('name="Office Theme"', 'name="Studio"', 1)
    part._blob = xml.encode("utf-8")


def _style_master(prs, pal: dict[str, str], brand: BrandKit) -> None:
    master = prs.slide_master
    master.background.fill.solid()
    master.background.fill.fore_color.rgb = RGBColor.from_string(pal["paper"])
    boxes = {"title": TITLE.box, "body": (M, CONTENT_Y, CONTENT_W, CONTENT_H),
             "dt": (M, 507, 200, 20), "ftr": (M, 507, 600, 20), "sldNum": (SLIDE_W - M - 80, 507, 80, 20)}
    for shape in master.placeholders:
        ph = shape._element.ph
        box = boxes.get(ph.get("type", "body"))
        if box:
            shape.left, shape.top, shape.width, shape.height = (emu(v) for v in box)
    title_style = master._element.find(".//{*}titleStyle/{*}lvl1pPr/{*}defRPr")
    if title_style is not None:
        title_style.set("b", str(int(face(brand, "heading").bold)))
        title_style.set("sz", str(round(TITLE.text.size * 100)))


def build_master(brand: BrandKit, footer: str = "", keep: tuple[str, ...] = ()) -> Presentation:
    """An empty 16:9 presentation whose master and named layouts follow the brand kit (``keep``: phrases
    the footer's lines may not split)."""
    pal = palette(brand)
    prs = Presentation()
    prs.slide_width, prs.slide_height = emu(SLIDE_W), emu(SLIDE_H)
    _patch_theme(prs, pal, brand)
    _style_master(prs, pal, brand)
    layouts = list(prs.slide_layouts)
    for layout_part, spec in zip(layouts, LAYOUTS):
        el = layout_part._element
        el.set("type", spec.type)
        el.cSld.set("name", spec.name)
        layout_part.background.fill.solid()
        layout_part.background.fill.fore_color.rgb = RGBColor.from_string(pal[spec.background])
        tree = el.cSld.spTree
        _clear_tree(tree)
        shape_id = 2
        for deco in spec.decos:
            tree.append(parse_xml(_deco_xml(shape_id, deco, pal, brand, footer, keep)))
            shape_id += 1
        for slot in spec.slots:
            tree.append(parse_xml(_placeholder_xml(shape_id, slot, pal, brand)))
            shape_id += 1
    for extra in layouts[len(LAYOUTS):]:
        prs.slide_layouts.remove(extra)
    return prs


def layout(prs, name: str):
    """The presentation's layout of that name (``title``, ``bullets``…)."""
    found = prs.slide_layouts.get_by_name(name)
    if found is None:
        raise KeyError(name)
    return found
