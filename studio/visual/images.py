"""Pictures and QR codes in a scene, decided once for every backend.

``place`` turns an image's pixel size, its layer's box and the layer's ``fit`` into
the box the picture is drawn in and the part of the source it shows; the raster,
PDF and slide backends, the deck and the video stills all draw that, so no output
stretches, crops or moves a picture differently from another. A picture always
keeps its aspect ratio: ``contain`` (the default) shows all of it inside the box,
``cover`` fills the box and crops around the ``focal`` point.

``qr_matrix`` is the QR code of a web address (segno, error correction M or better,
with its 4-module quiet zone), the same modules in every backend.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageOps

FITS = ("contain", "cover")
QR_BORDER = 4  # the quiet zone scanners need, in modules
MIN_MODULE_MM = 0.5  # smallest printed module: read from about 30 cm (leaflet, A3 poster)
ORIENTATION = 0x0112  # EXIF tag: a rotated photo's width and height are swapped when drawn


@dataclass(frozen=True)
class Placement:
    """Where a picture is drawn (scene units) and which source pixels it shows."""

    x: float
    y: float
    w: float
    h: float
    crop: tuple[float, float, float, float]  # (left, top, right, bottom) in source pixels
    size: tuple[int, int]  # the source's width and height, upright

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.x, self.y, self.w, self.h


def place(size: tuple[int, int], box: tuple[float, float, float, float], fit: str = "contain",
          focal: tuple[float, float] = (0.5, 0.5)) -> Placement:
    """The drawn box and source crop of a ``size`` picture in ``box`` (x, y, w, h), same scale on both axes."""
    iw, ih = size
    bx, by, bw, bh = box
    if fit == "cover":
        scale = max(bw / iw, bh / ih)
        cw, ch = bw / scale, bh / scale
        left = min(max(focal[0] * iw - cw / 2, 0.0), iw - cw)
        top = min(max(focal[1] * ih - ch / 2, 0.0), ih - ch)
        return Placement(bx, by, bw, bh, (left, top, left + cw, top + ch), (iw, ih))
    scale = min(bw / iw, bh / ih)
    w, h = iw * scale, ih * scale
    return Placement(bx + (bw - w) / 2, by + (bh - h) / 2, w, h, (0.0, 0.0, float(iw), float(ih)), (iw, ih))


def image_size(path: str) -> tuple[int, int]:
    """Width and height of the picture as it is shown (EXIF orientation applied), without decoding it."""
    with Image.open(path) as img:
        w, h = img.size
        turned = img.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
    return (h, w) if turned else (w, h)


def upright_file(path: str) -> str | io.BytesIO:
    """The picture as a file for python-pptx (which ignores EXIF orientation): the file itself when it
    is stored upright, else a PNG of the turned picture."""
    with Image.open(path) as img:
        if img.getexif().get(ORIENTATION, 1) == 1:
            return str(path)
    buf = io.BytesIO()
    open_image(path).save(buf, "PNG")
    buf.seek(0)
    return buf


def open_image(path: str) -> Image.Image:
    """The picture upright, as RGBA (remembered per process until the file changes; do not modify it)."""
    st = os.stat(path)
    return _open(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4)  # decoded pictures are large; a build draws one brief's few pictures many times
def _open(path: str, _size: int, _mtime: int) -> Image.Image:
    with Image.open(path) as src:
        return ImageOps.exif_transpose(src).convert("RGBA")


def pixels(path: str, placement: Placement, size: tuple[int, int]) -> Image.Image:
    """The shown part of the picture resampled to ``size`` pixels (RGBA, colours premultiplied while resampling,
    so transparent pixels never bleed their hidden colour into the edges)."""
    src = open_image(path)
    crop = placement.crop
    if size == src.size and crop == (0.0, 0.0, float(src.width), float(src.height)):
        return src.copy()
    return src.convert("RGBa").resize(size, Image.Resampling.LANCZOS, box=crop).convert("RGBA")


@lru_cache(maxsize=64)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) and light modules of the QR code of ``data``, quiet zone included."""
    import segno

    code = segno.make(data, error="m", micro=False)  # segno raises the level when the same version allows
    return tuple(tuple(bool(v) for v in row) for row in code.matrix_iter(scale=1, border=QR_BORDER))
