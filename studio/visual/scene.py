"""The scene model: a template (Jinja2 → YAML) becomes absolutely positioned layers.

A template is open data: ``templates/infographic/<name>.yaml`` or
``templates/panels/<name>.yaml``, rendered by a sandboxed Jinja2 environment with
the brief, brand kit, phase, unit and canvas size as variables. Brief text is
never parsed as template or YAML: every ``{{ … }}`` string output is replaced by
an opaque token and put back into the parsed tree, so ``&``, ``<``, quotes,
``{{ }}`` and newlines in a brief reach the backends literally.

Text layers are laid out here (``layout.fit_text``), once, so the raster, PDF and
slide backends all draw the same lines at the same size.
"""

from __future__ import annotations

import contextvars
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .. import vi
from ..artifacts import file_digest
from ..color import Color
from ..context import keep_phrases
from ..templates import template_files
from ..text import nfc, typeset, without_repeats
from . import flow
from .fonts import FontError, fonts_named, resolve
from .images import FITS, MIN_MODULE_MM, Placement, image_size, place, qr_matrix
from .layout import FitError, FitResult, fit_text, pick_font

TEMPLATE_ROOT = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE_DIRS = ("infographic", "panels")
#: "space" draws nothing: an area left open on purpose (studio.visual.collide); "stack" (flow.py) is expanded.
LAYER_TYPES = ("rect", "ellipse", "line", "polygon", "text", "image", "qr", "space")
FAMILY_TEMPLATES = {"pano": "pano", "poster": "poster", "leaflet": "leaflet"}
DEFAULT_INFOGRAPHIC = "key-number"
EMERGENCY_TEMPLATE = "notice"  # banner "KHẨN", the brand kit's emergency colours, every key message and the body
#: Templates that draw the brief's first picture (in a box the layout reserves) when it has one.
PICTURE_TEMPLATES = ("key-number", "slogan-card", "pano", "poster", "leaflet")


class SceneError(ValueError):
    """A template or brief that cannot become a scene; the message names brief, template and layer."""


@dataclass
class Layer:
    type: str
    name: str
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    props: dict[str, Any] = field(default_factory=dict)
    fit: FitResult | None = None  # text layers: the laid-out lines
    font: Path | None = None  # text layers: the font actually used (primary or fallback)
    place: Placement | None = None  # image and QR layers: the drawn box (``images.place``), for every backend
    matrix: tuple[tuple[bool, ...], ...] | None = None  # QR layers: the modules, quiet zone included

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)


@dataclass
class Page:
    background: str
    layers: list[Layer]
    folds: list[float] = field(default_factory=list)  # x of each vertical fold (the leaflet): fold marks in
    # print; the panels between them are boxes nothing may cross (studio.visual.collide)


@dataclass
class Scene:
    """Canvas in template units (px for screens, mm for print) with laid-out layers, page by page."""

    width: float
    height: float
    units: str
    pages: list[Page]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def layers(self) -> list[Layer]:
        return self.pages[0].layers

    @property
    def background(self) -> str:
        return self.pages[0].background

    def texts(self, page: int | None = None) -> list[str]:
        """Every text layer's lines joined, in drawing order (for tests, alt text, search)."""
        pages = self.pages if page is None else [self.pages[page]]
        return [" ".join(layer.fit.lines) for p in pages for layer in p.layers if layer.fit]


# --- template environment -------------------------------------------------------------

_TOKENS: contextvars.ContextVar[list[str]] = contextvars.ContextVar("scene_tokens")
_TOKEN = re.compile("\ue000(\\d+)\ue001")


@pass_context  # needs run time: Jinja would otherwise finalize constants once, at compile time
def _finalize(_context, value: Any) -> Any:
    """Every string a template outputs becomes a token: data, never YAML or markup."""
    if value is None:
        return "null"
    if isinstance(value, str):
        table = _TOKENS.get()
        table.append(value)
        return f"\ue000{len(table) - 1}\ue001"
    return value


_ENV = ImmutableSandboxedEnvironment(
    loader=FileSystemLoader([str(TEMPLATE_ROOT / d) for d in TEMPLATE_DIRS]),
    undefined=StrictUndefined, finalize=_finalize, autoescape=False, trim_blocks=True, lstrip_blocks=True,
    keep_trailing_newline=True,
)
def _shade(hex_color: str, factor: float) -> str:
    """Darken (factor < 1) or lighten (factor > 1) a brand colour, so shades follow the brand kit."""
    return Color.parse(hex_color, "bộ lọc shade của mẫu").shade(factor).hex


def _star(cx: float, cy: float, r: float, inner: float = 0.382, rotation: float = 0.0) -> list[list[float]]:
    """Points of a five-pointed star (the flag's star), as a polygon layer's ``points``."""
    pts = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * inner
        angle = math.radians(rotation - 90 + i * 36)
        pts.append([round(cx + radius * math.cos(angle), 3), round(cy + radius * math.sin(angle), 3)])
    return pts


def _fail(message: str) -> None:
    """A template's own refusal (``{{ fail("…") }}``): a brief it cannot draw, said in its words."""
    raise SceneError(message)


_ENV.filters.update(num=vi.number, stat=vi.stat, vndate=vi.date, date_range=vi.date_range, upper=vi.upper,
                    shade=_shade, without=without_repeats)
_ENV.globals.update(star=_star, fail=_fail)


def template_names() -> list[str]:
    """Template names; ``_*.yaml`` files are partials for ``{% include %}``, not templates."""
    return sorted({p.stem for d in TEMPLATE_DIRS for p in (TEMPLATE_ROOT / d).glob("*.yaml")
                   if not p.stem.startswith("_")})


def template_path(name: str) -> Path:
    for d in TEMPLATE_DIRS:
        path = TEMPLATE_ROOT / d / f"{name}.yaml"
        if re.fullmatch(r"[a-z0-9-]+", name) and path.is_file():
            return path
    raise SceneError(f"không có mẫu {name!r}; các mẫu có sẵn: {', '.join(template_names())}")


def template_sources(name: str) -> list[Path]:
    """The template file and every file it includes or imports, recursively."""
    return template_files(_ENV, template_path(name).name)


def scene_files(root: str | Path, brand, briefs, templates: list[str]) -> dict[str, str]:
    """Every file the scenes of ``briefs`` with ``templates`` read, by logical name.

    The one answer to "what does a scene depend on", used by every renderer that
    draws scenes (visual, deck, video) for its inputs: the templates and what they
    include, the fonts they or the brand kit name, the brand logo and the briefs'
    images (``image:<path as written>``, relative to the campaign folder ``root``).
    ``build_scene`` given these files reads no image that is not among them.
    """
    files: dict[str, str] = {}
    sources = [p for name in dict.fromkeys(templates) for p in template_sources(name)]
    for path in sources:
        files[f"template:{path.parent.name}/{path.name}"] = str(path)
    text = "".join(_source_text(str(p), file_digest(p)) for p in sources)
    for path in fonts_named(text, brand.fonts):
        files[f"font:{path.name}"] = str(path)
    for written in [brand.logo, *(i.path for b in briefs for i in b.images)]:
        if written:
            files[f"image:{written}"] = str(_asset(written, {"root": root}, "bộ nhận diện hoặc tin bài"))
    return files


@lru_cache(maxsize=256)
def _source_text(path: str, digest: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def default_template(family: str, brief=None) -> str:
    """Infographics follow the brief's choice; print families have their own template; an emergency
    brief is a notice in every family but the leaflet (whose layout turns to the emergency style itself)."""
    if brief is not None and brief.priority == "emergency" and family != "leaflet":
        return EMERGENCY_TEMPLATE
    if family in FAMILY_TEMPLATES:
        return FAMILY_TEMPLATES[family]
    return (brief.template if brief is not None and brief.template else None) or DEFAULT_INFOGRAPHIC


def _untoken(node: Any, table: list[str]) -> Any:
    if isinstance(node, str):
        whole = _TOKEN.fullmatch(node)
        if whole:
            return table[int(whole.group(1))]
        return _TOKEN.sub(lambda m: table[int(m.group(1))], node)
    if isinstance(node, list):
        return [_untoken(v, table) for v in node]
    if isinstance(node, dict):
        return {_untoken(k, table): _untoken(v, table) for k, v in node.items()}
    return node


def render_template(name: str, context: dict[str, Any]) -> dict[str, Any]:
    """Render a template to plain data (dict) with every brief string kept literal."""
    path = template_path(name)
    table: list[str] = []
    reset = _TOKENS.set(table)
    try:
        source = _ENV.get_template(path.name).render(**context)
    except TemplateError as exc:
        raise SceneError(f"mẫu {path}: lỗi Jinja2: {exc}") from exc
    finally:
        _TOKENS.reset(reset)
    try:
        data = yaml.load(nfc(source), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise SceneError(f"mẫu {path}: kết quả không phải YAML hợp lệ: {exc}") from exc
    if not isinstance(data, dict):
        raise SceneError(f"mẫu {path}: cần một ánh xạ có 'layers' hoặc 'pages'")
    return _untoken(data, nfc(table))


# --- building the scene -----------------------------------------------------------------

def timeline_items(campaign, brief) -> list[dict[str, Any]]:
    """What the timeline template draws: the brief's own ``timeline:`` items, or with ``timeline: phases``
    the campaign's top-level phases by their public names (a phase without one is named by its dates;
    its internal name is never drawn), the brief's phase ``current``."""
    if brief.timeline != "phases":
        return [{"label": t.label, "dates": vi.date_range(t.start, t.end or t.start) if t.start else "",
                 "detail": t.detail, "current": False} for t in brief.timeline]

    def named(phase) -> tuple[str, str]:
        dates = vi.date_range(phase.start, phase.end)
        return (phase.public_name, dates) if phase.public_name else (dates, "")

    out = []
    for phase in campaign.phases:
        label, dates = named(phase)
        subs = [" ".join(filter(None, named(s))) for s in phase.subphases]
        out.append({"label": label, "dates": dates, "detail": "\n".join(subs),
                    "current": brief.phase in campaign.phase_with_children(phase.id)})
    return out


def context_for(campaign, brief, width: float, height: float, units: str, unit=None,
                reserve: float = 0.0) -> dict[str, Any]:
    """Template variables. ``reserve``: a band at the bottom of the canvas kept free (a video's
    subtitles): ``H`` is the height above it, where the layout goes; backgrounds reach
    ``H + reserve``."""
    stats = [s.model_dump() for s in brief.stats]
    phase = campaign.phase(brief.phase)
    height -= reserve
    return {
        "W": width, "H": height, "reserve": reserve, "units": units, "u": min(width, height) / 100,
        "portrait": height > width * 1.2, "landscape": width > height * 1.3,
        "brand": campaign.brand.model_dump(), "campaign": {"title": campaign.title, "issuer": campaign.issuer},
        "brief": {**brief.model_dump(include={"id", "title", "headline", "key_messages", "body", "slogans", "qr"}),
                  "stats": stats, "images": [i.model_dump() for i in brief.images],
                  "timeline": timeline_items(campaign, brief),
                  "emergency": brief.priority == "emergency", "draft": not brief.approved},
        "illustrative": any(s["illustrative"] for s in stats),
        # public outputs name a phase by its public name only (empty: name none)
        "phase": {"id": phase.id, "public_name": phase.public_name, "start": phase.start, "end": phase.end},
        "unit": {"id": unit.id, "name": unit.display_name} if unit is not None else None,
    }


def _num_field(raw: dict, key: str, where: str, default: float | None = None) -> float:
    value = raw.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SceneError(f"{where}: trường {key!r} phải là số, nhận được {value!r}") from None


def _color(value: Any, colors: dict[str, str], where: str) -> str | None:
    if value in (None, "none", "transparent"):
        return None
    value = colors.get(value, value)
    if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
        raise SceneError(f"{where}: màu {value!r} không hợp lệ (dùng #RRGGBB hoặc tên màu của bộ nhận diện)")
    return value.upper()


COLOR_KEYS = ("fill", "color", "stroke", "background")


def _layer(raw: dict, index: int, ctx: dict[str, Any]) -> Layer:
    name = str(raw.get("name") or f"#{index + 1}")
    where = f"{ctx['where']}, lớp {name!r}"
    kind = raw.get("type")
    if kind not in LAYER_TYPES:
        raise SceneError(f"{where}: loại lớp {kind!r} không hợp lệ; dùng {', '.join(LAYER_TYPES)}")
    props = {k: v for k, v in raw.items() if k not in ("type", "name", "x", "y", "w", "h")}
    for key in COLOR_KEYS:
        if key in props:
            props[key] = _color(props[key], ctx["colors"], where)
    if kind in ("line", "polygon"):
        try:
            props["points"] = [(float(px), float(py)) for px, py in props["points"]]
        except (KeyError, TypeError, ValueError):
            raise SceneError(f"{where}: cần 'points' là danh sách [x, y]") from None
        xs, ys = [p[0] for p in props["points"]], [p[1] for p in props["points"]]
        return Layer(kind, name, min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys), props)
    layer = Layer(kind, name, _num_field(raw, "x", where), _num_field(raw, "y", where),
                  _num_field(raw, "w", where), _num_field(raw, "h", where), props)
    if layer.w <= 0 or layer.h <= 0:
        raise SceneError(f"{where}: kích thước lớp phải dương (w={layer.w:g}, h={layer.h:g})")
    if kind == "text":
        _layout_text(layer, ctx, where)
    elif kind == "image":
        _place_image(layer, ctx, where)
    elif kind == "qr":
        _place_qr(layer, ctx, where)
    return layer


def _place_image(layer: Layer, ctx: dict[str, Any], where: str) -> None:
    path = layer.props["path"] = str(_asset(layer.get("path"), ctx, where))
    fit = layer.props.setdefault("fit", "contain")
    if fit not in FITS:
        raise SceneError(f"{where}: fit {fit!r} không hợp lệ; dùng {' hoặc '.join(FITS)}")
    try:
        focal = tuple(float(v) for v in layer.get("focal", (0.5, 0.5)))
    except (TypeError, ValueError):
        focal = ()
    if len(focal) != 2:
        raise SceneError(f"{where}: 'focal' phải là [x, y] từ 0 đến 1")
    try:
        size = image_size(path)
    except OSError as exc:
        raise SceneError(f"{where}: không đọc được ảnh {layer.get('path')!r}: {exc}") from None
    layer.place = place(size, (layer.x, layer.y, layer.w, layer.h), fit, focal)


def _place_qr(layer: Layer, ctx: dict[str, Any], where: str) -> None:
    data = str(layer.get("data") or "").strip()
    if not data:
        raise SceneError(f"{where}: lớp QR cần 'data' (đường liên kết)")
    try:
        layer.matrix = qr_matrix(data)
    except ValueError as exc:  # segno: too much data for any QR version
        raise SceneError(f"{where}: không tạo được mã QR cho {data!r}: {exc}") from None
    layer.props["background"] = layer.get("background") or "#FFFFFF"  # light modules are never see-through
    n = len(layer.matrix)
    layer.place = place((n, n), (layer.x, layer.y, layer.w, layer.h))
    module = layer.place.w / n
    if ctx["units"] == "mm" and module < MIN_MODULE_MM - 1e-9:
        raise SceneError(f"{where}: mã QR của {data!r} có {n} ô mỗi cạnh; khung {layer.place.w:g} mm cho mỗi ô "
                         f"{module:.2f} mm, nhỏ hơn {MIN_MODULE_MM:g} mm cần để quét được khi in: rút ngắn địa chỉ "
                         "(trường qr của tin bài) hoặc chọn khổ lớn hơn")


def _asset(value: Any, ctx: dict[str, Any], where: str) -> Path:
    """An image path from a brief or brand kit: relative to the campaign folder, never outside it.

    With ``ctx["files"]`` (a build job's declared inputs) only a declared image may be read.
    """
    declared = ctx.get("files")
    if declared is not None:
        if f"image:{value}" not in declared:
            raise SceneError(f"{where}: ảnh {value!r} không có trong đầu vào của việc này (chỉ dùng logo của bộ "
                             f"nhận diện hoặc ảnh khai báo trong images của tin bài)")
        return Path(declared[f"image:{value}"])
    root = Path(ctx["root"]).resolve()
    path = (root / str(value or "")).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise SceneError(f"{where}: không tìm thấy ảnh {value!r} trong thư mục chiến dịch {root}")
    return path


def _layout_text(layer: Layer, ctx: dict[str, Any], where: str) -> None:
    text = typeset(str(layer.get("text", "")))
    if layer.get("uppercase"):
        text = vi.upper(text)
    layer.props["text"] = text
    try:
        fonts = [resolve(f, ctx["fonts"]) for f in [layer.get("font", "body"), *layer.get("fallback", [])]]
        layer.font = pick_font(text, fonts)
    except FontError as exc:
        raise SceneError(f"{where}: {exc}") from None
    size = layer.get("size", [12, 12])
    lo, hi = (size, size) if isinstance(size, (int, float)) else (float(size[0]), float(size[-1]))
    step = 1.0 if ctx["units"] == "px" else 0.1
    if ctx["units"] != "px":  # print sizes are in mm; keep the grid fine
        step = max(0.1, round((hi - lo) / 200, 1)) if hi > lo else 0.1
    try:
        layer.fit = fit_text(text, layer.font, layer.w, layer.h, lo, hi, float(layer.get("line_height", 1.2)),
                             layer.get("max_lines"), step, bool(layer.get("balance", False)), ctx["keep"])
    except FitError as exc:
        raise SceneError(f"{where}: {exc}") from None


def _layers(raws: list, ctx: dict[str, Any]) -> list[Layer]:
    """A page's layers, ``stack`` layers expanded into the layers they place (``flow.py``)."""
    out: list[Layer] = []
    for i, raw in enumerate(raws):
        if not raw:
            continue
        if raw.get("type") != "stack":
            out.append(_layer(raw, i, ctx))
            continue
        try:
            out.extend(flow.expand(raw, lambda item, i=i: _layer(item, i, ctx)))
        except flow.FlowError as exc:
            raise SceneError(f"{ctx['where']}, {exc}") from None
    return out


#: The brief lists a template may draw from; its ``meta`` says how many of each it draws.
LISTS = ("stats", "key_messages", "slogans", "timeline")


def template_meta(data: dict[str, Any], where: str) -> dict[str, Any]:
    """What a template says it draws of the brief (its rendered ``meta:``), the one source of truth the
    alt text and ``studio validate`` read: ``shows`` — how many of each list, from the first, and
    whether the body; ``lists`` — the lists it draws whole up to a capacity (validate names what is beyond).
    """
    meta = data.pop("meta", None) or {}
    try:
        shows = {key: int(meta.get("shows", {}).get(key, 0)) for key in LISTS}
        shows["body"] = bool(meta.get("shows", {}).get("body", False))
        lists = {key: int(n) for key, n in (meta.get("lists") or {}).items() if key in LISTS}
    except (AttributeError, TypeError, ValueError):
        raise SceneError(f"{where}: 'meta' của mẫu cần shows: {{stats: n, …}} và lists: {{stats: n, …}}") from None
    return {"shows": shows, "lists": lists}


def build_scene(data: dict[str, Any], width: float, height: float, units: str, *, colors: dict[str, str],
                fonts: dict[str, str], root: str | Path, where: str, meta: dict[str, Any] | None = None,
                files: dict[str, str] | None = None, keep: tuple[str, ...] = ()) -> Scene:
    """Plain scene data (from a template or any caller) → a laid-out ``Scene``.

    ``keep``: phrases no line break may split (``studio.context.keep_phrases``).
    """
    ctx = {"colors": colors, "fonts": fonts, "root": root or ".", "units": units, "where": where, "files": files,
           "keep": keep}
    raw_pages = data.get("pages") or [{"background": data.get("background"), "layers": data.get("layers") or []}]
    safe = float(data.get("safe") or 0)
    pages = []
    for number, raw in enumerate(raw_pages, 1):
        here = {**ctx, "where": where if len(raw_pages) == 1 else f"{where}, trang {number}"}
        background = _color(raw.get("background") or data.get("background") or colors.get("paper", "#FFFFFF"),
                            colors, here["where"])
        layers = _layers(raw.get("layers") or [], here)
        for layer in layers:
            inside = (safe - 1e-6 <= layer.x and layer.x + layer.w <= width - safe + 1e-6
                      and safe - 1e-6 <= layer.y and layer.y + layer.h <= height - safe + 1e-6)
            if layer.type == "text" and safe and not inside:
                raise SceneError(f"{here['where']}, lớp {layer.name!r}: khung chữ ra ngoài vùng an toàn "
                                 f"(lề {safe:g} {units}); sửa vị trí lớp trong mẫu")
        folds = raw.get("folds") or data.get("folds") or []
        pages.append(Page(background or "#FFFFFF", layers, [float(x) for x in folds]))
    return Scene(float(width), float(height), units, pages, dict(meta or {}))


def scene_for(campaign, brief, template: str, width: float, height: float, units: str = "px", unit=None,
              files: dict[str, str] | None = None, reserve: float = 0.0) -> Scene:
    """The laid-out scene of ``brief`` with ``template`` on a ``width``×``height`` canvas (px or mm).

    ``files``: a build job's declared inputs (``scene_files``); images outside them are refused.
    ``reserve``: a band at the bottom kept free of the layout (a video's subtitles; ``context_for``).
    """
    if units not in ("px", "mm"):
        raise SceneError(f"đơn vị {units!r} không hợp lệ: dùng px hoặc mm")
    where = f"tin bài {brief.id} ({brief.source or 'không rõ tệp'}), mẫu {template}"
    context = context_for(campaign, brief, width, height, units, unit, reserve)
    data = render_template(template, context)
    drawn = template_meta(data, where)
    from .alt import alt_text

    meta = {"brief": brief.id, "template": template, "unit": unit.id if unit is not None else None, **drawn}
    scene = build_scene(data, width, height, units, colors=campaign.brand.colors, fonts=campaign.brand.fonts,
                        root=campaign.root, where=where, meta=meta, files=files, keep=keep_phrases(campaign))
    layers = [layer for page in scene.pages for layer in page.layers]
    scene.meta["alt"] = alt_text(campaign, brief, unit, drawn["shows"], drawn["lists"], context["brief"]["timeline"],
                                 pictures=[str(layer.get("alt")) for layer in layers
                                           if layer.type == "image" and layer.get("alt")],
                                 qr=next((str(layer.get("data")) for layer in layers if layer.type == "qr"), None))
    return scene
