"""Layout that checks itself: where each layer's ink lands on a fitted scene, and what collides.

Every layer gets the box it really covers: a text layer the ink of its fitted lines as
Pillow/raqm shapes them (stacked marks on capitals such as Ệ or Ỗ included), an image the
box it is drawn in (``contain`` keeps the picture's ratio), a shape its outline's box.
``check(scene)`` then reports

- ``overlap``: two layers covering each other, or a text closer than ``CLEARANCE`` to another
  layer (touching), unless
  one is drawn ``over`` the other (a text over its card, a dot over its axis; a chain of
  ``over`` counts) or one is a ``backdrop`` (page colour, background star: anything may cover it);
- ``outside``: text ink outside its own box or outside the layer it is drawn ``over``, content
  outside the page, and on a folded page (``folds``) any layer not inside one panel (but a mark
  of the whole page: a layer as wide as the page, or drawn over one, like the draft band);
- ``empty``: a horizontal band with no content (backdrops and the cards other layers are
  drawn over are not content; what is on them is; a ``space`` layer is an area left open on
  purpose) taller than ``MAX_EMPTY_BAND`` of the page or panel height: wasted space.

Templates declare ``over``, ``backdrop``, ``space`` and ``folds`` (docs/visual.md; not ``on``,
which YAML reads as true); ``flow.py`` stacks set ``over`` for the items of a card. The tests
run this over every template, size and example brief; ``studio validate`` reports what it
finds as warnings on the brief's field.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .raster import ALIGN_ANCHOR, VALIGN, pillow_font
from .scene import Layer, Page, Scene

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in scene units

REF_PX = 1000  # lines are measured at this size (getbbox gives whole pixels) and scaled; one font per face
CLEARANCE = 0.4  # u (1 % of the short side): ink nearer than this to another layer touches it
TOLERANCE = 0.1  # u: rounding allowed at an edge (raqm vs. the layout's unkerned widths)
MAX_EMPTY_BAND = 0.25  # of the page (or panel) height


@dataclass(frozen=True)
class Collision:
    kind: str  # "overlap" | "outside" | "empty"
    page: int  # 0-based
    layers: tuple[str, ...]  # the layers involved (none for an empty band)
    box: Box  # where, in scene units
    what: str  # what, in Vietnamese, without the coordinates (the same in every size)
    units: str = "px"

    def __str__(self) -> str:
        return f"{self.what} ({_where(self.box, self.units)})"


@dataclass(frozen=True)
class Band:
    """The tallest run of rows with no content in a page or panel, and all such rows together."""

    page: int
    region: Box
    y0: float
    y1: float
    empty: float  # fraction of the region's height that no content reaches

    @property
    def fraction(self) -> float:
        return (self.y1 - self.y0) / max(1e-9, self.region[3] - self.region[1])


@lru_cache(maxsize=8192)
def _line_ink(font: str, line: str, anchor: str) -> Box:
    """A line's ink box at ``REF_PX`` relative to its anchor point (raqm shaping, stacked marks)."""
    return pillow_font(font, REF_PX).getbbox(line, anchor=anchor)


def ink_box(layer: Layer) -> Box | None:
    """Where ``layer`` puts paint, in scene units; None when it draws nothing."""
    x, y, w, h = layer.x, layer.y, layer.w, layer.h
    if layer.type == "text":
        fit = layer.fit
        if not fit or not any(line.strip() for line in fit.lines):
            return None
        align = layer.get("align", "left")
        anchor = ALIGN_ANCHOR[align]
        left = {"left": x, "center": x + w / 2, "right": x + w}[align]
        top = y + (h - fit.height) * VALIGN[layer.get("valign", "top")]
        k = fit.size / REF_PX
        boxes = [_line_ink(str(layer.font), line, anchor) for line in fit.lines]
        return _union([(left + b[0] * k, base + b[1] * k, left + b[2] * k, base + b[3] * k)
                       for b, base, line in zip(boxes, fit.baselines(top), fit.lines) if line.strip()])
    if layer.type in ("line", "polygon"):
        points = layer.get("points")
        half = float(layer.get("width", 1)) / 2 if layer.type == "line" else 0.0
        return (min(p[0] for p in points) - half, min(p[1] for p in points) - half,
                max(p[0] for p in points) + half, max(p[1] for p in points) + half)
    if layer.type == "image" and layer.place is not None:  # the drawn box (images.place), not the slot
        pl = layer.place
        return (pl.x, pl.y, pl.x + pl.w, pl.y + pl.h)
    if layer.type in ("rect", "ellipse") and not (layer.get("fill") or layer.get("stroke")):
        return None
    return (x, y, x + w, y + h)


def _union(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _inside(inner: Box, outer: Box, tol: float) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _meet(a: Box, b: Box, clear: float) -> Box | None:
    """The part of ``b`` within ``clear`` of ``a`` (None when they are farther apart)."""
    x0, y0 = max(a[0] - clear, b[0]), max(a[1] - clear, b[1])
    x1, y1 = min(a[2] + clear, b[2]), min(a[3] + clear, b[3])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def _layer_box(layer: Layer) -> Box:
    return (layer.x, layer.y, layer.x + layer.w, layer.y + layer.h)


def _bases(layer: Layer, named: dict[str, Layer]) -> set[str]:
    """The layers ``layer`` is drawn over, directly or through the layer it is drawn over."""
    out: set[str] = set()
    name = layer.get("over")
    while name and name not in out:
        out.add(name)
        name = named[name].get("over") if name in named else None
    return out


def _held(text: Layer, box: Box, other: Layer, other_box: Box, named: dict[str, Layer], tol: float) -> bool:
    """Whether ``text`` sits inside the card it is drawn over and ``other``, a shape, lies outside that card."""
    base = named.get(text.get("over") or "")
    if text.type != "text" or other.type == "text" or base is None:
        return False
    card = _layer_box(base)
    return _inside(box, card, tol) and _meet(card, other_box, 0.0) is None


def _page_wide(layer: Layer, named: dict[str, Layer], width: float, tol: float) -> bool:
    """A mark of the whole page (it spans its width, or is drawn over what does): above the folds."""
    return any(n in named and named[n].x <= tol and named[n].x + named[n].w >= width - tol
               for n in (layer.name, *_bases(layer, named)))


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}"


def _where(box: Box, units: str) -> str:
    return f"x {_fmt(box[0])}–{_fmt(box[2])}, y {_fmt(box[1])}–{_fmt(box[3])} {units}"


def regions(scene: Scene, page: Page) -> list[Box]:
    """The boxes content must stay within: the panels between the page's folds, or the page."""
    edges = [0.0, *sorted(page.folds), scene.width]
    return [(x0, 0.0, x1, scene.height) for x0, x1 in zip(edges, edges[1:])]


def content(layer: Layer) -> bool:
    return not layer.get("backdrop")


def empty_bands(scene: Scene, inks: list[list[tuple[Layer, Box]]] | None = None) -> list[Band]:
    """Per page and panel, the tallest band that no content reaches. Content: what a layer draws,
    except backdrops and the cards, strips and panels other layers are drawn ``over`` (what is
    on them counts, so an empty half of a card is an empty band)."""
    inks = inks if inks is not None else [_inks(page) for page in scene.pages]
    out = []
    for number, (page, drawn) in enumerate(zip(scene.pages, inks)):
        bases = {layer.get("over") for layer in page.layers}
        filled = [b for layer, b in drawn if content(layer) and layer.name not in bases]
        for region in regions(scene, page):
            spans = sorted((max(b[1], region[1]), min(b[3], region[3])) for b in filled
                           if b[0] < region[2] and b[2] > region[0] and b[1] < region[3] and b[3] > region[1])
            best, cursor, free = (region[1], region[1]), region[1], 0.0
            for y0, y1 in [*spans, (region[3], region[3])]:
                if y0 - cursor > best[1] - best[0]:
                    best = (cursor, y0)
                free += max(0.0, y0 - cursor)
                cursor = max(cursor, y1)
            out.append(Band(number, region, *best, free / max(1e-9, region[3] - region[1])))
    return out


def _inks(page: Page) -> list[tuple[Layer, Box]]:
    return [(layer, box) for layer in page.layers if (box := ink_box(layer)) is not None]


def check(scene: Scene) -> list[Collision]:
    """Every overlap, overflow and wasted band of a fitted scene (empty list: the layout is clean)."""
    u = min(scene.width, scene.height) / 100
    clear, tol, units = CLEARANCE * u, TOLERANCE * u, scene.units
    page_box = (0.0, 0.0, scene.width, scene.height)
    found: list[Collision] = []
    inks = [_inks(page) for page in scene.pages]
    for number, (page, drawn) in enumerate(zip(scene.pages, inks)):
        named = {layer.name: layer for layer in page.layers}
        panels = regions(scene, page) if page.folds else []

        def out(layer: Layer, box: Box, what: str) -> None:
            found.append(Collision("outside", number, (layer.name,), box,  # noqa: B023 — used at once
                                   f"lớp {layer.name!r} {what}", units))

        for layer, box in drawn:
            if layer.type == "text" and not _inside(box, _layer_box(layer), tol):
                out(layer, box, "có chữ ra ngoài khung của nó")
            base = named.get(layer.get("over") or "")
            if layer.type == "text" and base is not None and not _inside(box, _layer_box(base), tol):
                out(layer, box, f"có chữ ra ngoài lớp {base.name!r} mà nó nằm trên")
            if content(layer) and not _inside(box, page_box, tol):
                out(layer, box, "ra ngoài trang")
            clipped = (max(box[0], 0.0), max(box[1], 0.0), min(box[2], scene.width), min(box[3], scene.height))
            folded = panels and not _page_wide(layer, named, scene.width, tol)
            if folded and not any(_inside(clipped, panel, tol) for panel in panels):
                out(layer, box, "vắt qua nếp gấp: không nằm gọn trong một lá")
        solid = [(layer, box) for layer, box in drawn if content(layer)]
        for i, (a, box_a) in enumerate(solid):
            bases_a = _bases(a, named)
            for b, box_b in solid[i + 1:]:
                if b.name in bases_a or a.name in _bases(b, named):
                    continue
                # touching counts for text (a unit run into its label); shapes may abut (a strip under a
                # strip), and content may end where open space starts; covering counts for all
                near = clear if "text" in (a.type, b.type) and "space" not in (a.type, b.type) else 0.0
                if near and (_held(a, box_a, b, box_b, named, tol) or _held(b, box_b, a, box_a, named, tol)):
                    near = 0.0  # a text inside its own card is parted by the card's edge from what is outside it
                where = _meet(box_a, box_b, near or -tol)  # covering: by more than rounding
                if where is not None:
                    cover = _meet(box_a, box_b, 0.0) is not None
                    found.append(Collision("overlap", number, (a.name, b.name), where,
                                           f"lớp {a.name!r} {'chồng lên' if cover else 'chạm'} lớp {b.name!r}", units))
    for band in empty_bands(scene, inks):
        if band.fraction > MAX_EMPTY_BAND:
            box = (band.region[0], band.y0, band.region[2], band.y1)
            found.append(Collision("empty", band.page, (), box,
                                   f"một dải trống cao {band.fraction:.0%} "
                                   f"{'lá gấp' if scene.pages[band.page].folds else 'trang'} (tối đa "
                                   f"{MAX_EMPTY_BAND:.0%}; cả trang trống {band.empty:.0%})", units))
    return found
