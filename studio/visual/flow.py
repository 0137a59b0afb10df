"""Vertical flow: a ``stack`` layer places its items one below the other, each as tall as its content.

A template gives the stack a region (``x``, ``y``, ``w``, ``h``) and each item the most it
may take (``h``: a text box's largest height, a shape's height). Text is fitted first at that
height; then every item takes only the height its content needs, ``grow`` items share what is
left (a figure set bigger, a card that grows with it) and what still remains goes where
``align`` says. An item may be a ``row``: items side by side, as tall as the tallest (a figure
beside its label). A stack with a ``fill`` (or ``stroke``) is a card: a rect as tall as its items
plus ``padding``, drawn behind them, which they are drawn ``over`` (``studio.visual.collide``).

The stack is expanded into plain layers when the scene is built: no backend knows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

ALIGN = ("top", "middle", "bottom", "spread", "even")
PLACE = ("left", "center", "right")
CARD_KEYS = ("fill", "radius", "stroke", "stroke_width")
ITEM_TYPES = ("text", "rect", "ellipse", "polygon", "image", "qr", "stack", "row")
OWN_KEYS = ("gap_before", "grow", "place")
GROW_ROUNDS = 3  # an item's keys for the flow, not for its layer

Build = Callable[[dict[str, Any]], Any]  # raw layer with x, y, w, h → a built Layer


class FlowError(ValueError):
    """A stack whose items cannot be placed (the template's error: its maxima exceed the region)."""


def _num(raw: dict, key: str, default: float = 0.0) -> float:
    value = raw.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise FlowError(f"lớp {raw.get('name')!r}: trường {key!r} phải là số, nhận được {value!r}") from None


def _column(item: dict, x: float, w: float) -> tuple[float, float]:
    """An item's x and width inside the stack's inner column: ``w`` (default: all of it) placed by ``place``."""
    width = min(w, _num(item, "w", w))
    place = item.get("place", "left")
    if place not in PLACE:
        raise FlowError(f"lớp {item.get('name')!r}: place {place!r} không hợp lệ; dùng {', '.join(PLACE)}")
    return x + (w - width) * PLACE.index(place) / 2, width


def _measure(item: dict, x: float, w: float, cap: float, build: Build) -> tuple[list, float]:
    """An item laid out at most ``cap`` high (its ``h``, or more when it grows): its layers (y from 0)
    and the height it takes."""
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        raise FlowError(f"lớp {item.get('name')!r}: loại {kind!r} không đặt được trong stack; dùng "
                        f"{', '.join(ITEM_TYPES)}")
    ix, iw = _column(item, x, w)
    if kind == "stack":
        return place(item, ix, iw, cap, build)
    if kind == "row":
        return row(item, ix, iw, cap, build)
    raw = {k: v for k, v in item.items() if k not in OWN_KEYS}
    if kind == "polygon":  # its own points: x as drawn, y from the item's top; as tall as it says
        return [build(raw)], cap
    if kind != "text":  # a shape is as tall as it says, or as its grown share
        return [build({**raw, "x": ix, "y": 0, "w": iw, "h": cap})], cap
    layer = build({**raw, "x": ix, "y": 0, "w": iw, "h": cap})
    layer.h = layer.fit.height if layer.fit and layer.fit.lines else 0.0  # the box hugs its lines
    return [layer], layer.h


def place(raw: dict, x: float, w: float, h: float, build: Build) -> tuple[list, float]:
    """Lay a stack out in a column ``x``…``x + w`` at most ``h`` high.

    Returns its layers (y measured from the top of the block they fill) and that block's
    height: all of ``h`` for ``align: spread`` or ``even``, the items plus gaps and padding otherwise.
    """
    name = raw.get("name")
    align = raw.get("align", "top")
    if align not in ALIGN:
        raise FlowError(f"lớp {name!r}: align {align!r} không hợp lệ; dùng {', '.join(ALIGN)}")
    pad, gap = _num(raw, "padding"), _num(raw, "gap")
    items = [dict(i) for i in raw.get("items") or [] if i]
    card = raw.get("fill") or raw.get("stroke")
    over = name if card and name else raw.get("over")  # a card's items are over it; else over what it is over
    for item in items:
        if over:
            item.setdefault("over", over)
    ix, iw, room = x + pad, w - 2 * pad, h - 2 * pad
    gaps = [_num(item, "gap_before", gap) for item in items[1:]]
    caps = [_num(item, "h", room) for item in items]
    built = [_measure(item, ix, iw, cap, build) for item, cap in zip(items, caps)]
    left = room - sum(b[1] for b in built) - sum(gaps)
    if left < -1e-6 * max(1.0, h):
        raise FlowError(f"lớp {name!r}: các khối cao tối đa {room - left:g}, vùng chỉ cao {room:g}; "
                        "giảm 'h' của các khối trong mẫu")
    weights = [_num(item, "grow") for item in items]
    for _ in range(GROW_ROUNDS):  # what a full item (a figure at its largest size) leaves goes to the others
        total = sum(weights)
        if total <= 0 or left <= 1e-6 * max(1.0, h):
            break
        before = built
        built = [_measure(item, ix, iw, b[1] + left * wt / total, build) if wt > 0 else b
                 for item, b, wt in zip(items, built, weights)]
        weights = [wt if new[1] > old[1] + 1e-6 * max(1.0, h) else 0.0 for new, old, wt in zip(built, before, weights)]
        left = room - sum(b[1] for b in built) - sum(gaps)
    if align == "spread" and len(items) > 1:  # first item at the top, last at the bottom
        start, extra = 0.0, left / (len(items) - 1)
    elif align in ("spread", "even"):  # the same space before, between and after the items
        start = extra = left / (len(items) + 1)
    else:
        start = extra = 0.0
    height = h if align in ("spread", "even") else room - left + 2 * pad
    out = []
    if card:
        out.append(build({**{k: raw[k] for k in (*CARD_KEYS, "over") if k in raw}, "type": "rect", "name": name,
                          "x": x, "y": 0, "w": w, "h": height}))
    cursor = pad + start
    for i, (layers, taken) in enumerate(built):
        for layer in layers:
            shift(layer, cursor)
        out.extend(layers)
        cursor += taken + (gaps[i] + extra if i < len(gaps) else 0.0)
    return out, height


def _columns(raw: dict, x: float, w: float) -> list[tuple[dict, float, float]]:
    """A row's items with their x and width: ``w`` where given, the rest shared by the others."""
    gap = _num(raw, "gap")
    items = [dict(i) for i in raw.get("items") or [] if i]
    if raw.get("over"):
        for item in items:
            item.setdefault("over", raw["over"])
    rest = w - gap * (len(items) - 1) - sum(_num(i, "w") for i in items if "w" in i)
    loose = sum(1 for i in items if "w" not in i)
    out, cursor = [], x
    for item in items:
        width = _num(item, "w") if "w" in item else rest / loose
        out.append(({**item, "w": width}, cursor, width))
        cursor += width + gap
    return out


def row(raw: dict, x: float, w: float, h: float, build: Build) -> tuple[list, float]:
    """Items side by side (each ``w`` wide, ``gap`` apart, left to right), as tall as the tallest;
    a shorter one is centred on it (``align: top``: set at its top). What a row adds to a stack:
    a figure beside its label."""
    built = [_measure(item, ix, iw, h if _num(item, "grow") else min(h, _num(item, "h", h)), build)
             for item, ix, iw in _columns(raw, x, w)]
    height = max((b[1] for b in built), default=0.0)
    centre = raw.get("align", "middle") == "middle"  # or "top": a bullet beside the first line
    out = []
    for layers, taken in built:
        for layer in layers:
            shift(layer, (height - taken) / 2 if centre else 0.0)
        out.extend(layers)
    return out, height


def shift(layer, dy: float) -> None:
    layer.y += dy
    if "points" in layer.props:
        layer.props["points"] = [(px, py + dy) for px, py in layer.props["points"]]
    if getattr(layer, "place", None) is not None:  # a picture's or QR code's drawn box moves with it
        layer.place = replace(layer.place, y=layer.place.y + dy)


def expand(raw: dict, build: Build) -> list:
    """A page's ``stack`` layer → its laid-out layers, the block placed in the region by ``align``."""
    x, y, w, h = (_num(raw, k) for k in ("x", "y", "w", "h"))
    if w <= 0 or h <= 0:
        raise FlowError(f"lớp {raw.get('name')!r}: kích thước lớp phải dương (w={w:g}, h={h:g})")
    layers, height = place(raw, x, w, h, build)
    align = raw.get("align", "top")
    offset = y + (h - height) * {"top": 0.0, "middle": 0.5, "bottom": 1.0}.get(align, 0.0)
    for layer in layers:
        shift(layer, offset)
    return layers


def leaves(raw: dict) -> Iterator[dict]:
    """Each text or shape item of a stack alone, in the box it is fitted to first (x, w of its
    column; y at the stack's top; its largest height): what fails there fails in the stack."""
    x, w, y, h = (_num(raw, k) for k in ("x", "w", "y", "h"))
    yield from _leaves(raw, x, w, y, h)


def _leaves(raw: dict, x: float, w: float, y: float, h: float) -> Iterator[dict]:
    pad = _num(raw, "padding")
    for item in raw.get("items") or []:
        if not item:
            continue
        ix, iw = _column(item, x + pad, w - 2 * pad)
        cap = min(h - 2 * pad, _num(item, "h", h - 2 * pad))
        if item.get("type") == "stack":
            yield from _leaves(item, ix, iw, y + pad, cap)
        elif item.get("type") == "row":
            for one, cx, cw in _columns(item, ix, iw):
                yield from _leaves({"items": [one]}, cx, cw, y + pad, cap)
        else:
            yield {**{k: v for k, v in item.items() if k not in OWN_KEYS}, "x": ix, "y": y + pad, "w": iw, "h": cap}
