"""``studio render`` (one visual of one brief) and ``studio preview`` (contact sheet of a brief's visuals)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer

FORMATS_OUT = ("png", "jpeg", "webp", "pdf", "pptx")


def _brief_or_exit(c, brief_id: str, campaign: Path):
    from ..cli import err

    try:
        return c.brief(brief_id)
    except StopIteration:
        err.print(f"Không có tin bài {brief_id!r} trong {campaign}/briefs. Các tin bài: "
                  f"{', '.join(b.id for b in c.briefs)}", markup=False)
        raise typer.Exit(2)


def _size(size: str | None, template: str) -> tuple[float, float, str]:
    """``--size``: a catalogue format id (pano-3000x1500), ``WxH`` in px or ``WxHmm``; else the template's usual size."""
    from ..formats import FORMATS

    defaults = {"pano": "pano-4000x2000", "poster": "poster-a3", "leaflet": "leaflet-a4"}
    size = size or defaults.get(template, "infographic-1080x1080")
    if size in FORMATS and "width" in FORMATS[size].options:
        o = FORMATS[size].options
        return float(o["width"]), float(o["height"]), o["units"]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(px|mm)?", size)
    if not match:
        raise ValueError(f"kích thước {size!r} không hợp lệ: dùng mã định dạng (vd. pano-3000x1500), "
                         "1080x1350 (px) hoặc 297x420mm")
    return float(match.group(1)), float(match.group(2)), match.group(3) or "px"


def register(app: typer.Typer) -> None:
    @app.command()
    def render(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
               brief: str = typer.Option(..., "--brief", help="Mã tin bài"),
               template: Optional[str] = typer.Option(None, "--template",
                                                      help="Mẫu: key-number, stat-chart, slogan-card, timeline, "
                                                           "pano, poster, leaflet (mặc định: mẫu của tin bài)"),
               fmt: str = typer.Option("png", "--format", help="png, jpeg, webp, pdf hoặc pptx"),
               unit: Optional[str] = typer.Option(None, "--unit", help="Mã đơn vị (tên đơn vị ở chân pa nô)"),
               size: Optional[str] = typer.Option(None, "--size", help="Mã định dạng, WxH (px) hoặc WxHmm"),
               out: Optional[Path] = typer.Option(None, "--out", help="Tệp đầu ra (mặc định trong outputs/render)"),
               cmyk: bool = typer.Option(False, "--cmyk", help="PDF hệ màu CMYK"),
               bleed: float = typer.Option(3.0, "--bleed", help="Lề xén (mm) của PDF")):
        """Tạo một sản phẩm đồ họa của một tin bài theo một mẫu (PNG, PDF in ấn hoặc slide PowerPoint)."""
        from ..cli import console, err, load_or_exit
        from ..visual import render_pdf, render_pptx, render_raster, scene_for
        from ..visual.scene import SceneError, default_template, template_names

        c = load_or_exit(campaign)
        b = _brief_or_exit(c, brief, campaign)
        if fmt not in FORMATS_OUT:
            err.print(f"Định dạng {fmt!r} không hợp lệ: chọn một trong {', '.join(FORMATS_OUT)}.")
            raise typer.Exit(2)
        name = template or default_template("infographic", b)
        tree = c.unit_tree()
        if unit is not None and unit not in tree:
            err.print(f"Không có đơn vị {unit!r} trong {c.units_file}.", markup=False)
            raise typer.Exit(2)
        if name not in template_names():
            err.print(f"Không có mẫu {name!r}. Các mẫu: {', '.join(template_names())}.", markup=False)
            raise typer.Exit(2)
        try:
            width, height, units = _size(size, name)
        except ValueError as exc:
            err.print(f"--size: {exc}", markup=False)
            raise typer.Exit(2)
        try:
            scene = scene_for(c, b, name, width, height, units, tree[unit] if unit else None)
            suffix = "pdf" if fmt == "pdf" else fmt
            target = out or Path("outputs") / "render" / f"{b.id}--{name}-{width:g}x{height:g}{units}"\
                f"{'--' + unit if unit else ''}.{suffix}"
            if fmt == "pdf":
                render_pdf(scene, target, bleed_mm=bleed, cmyk=cmyk)
            elif fmt == "pptx":
                render_pptx(scene, target)
            else:
                render_raster(scene, target, fmt)
        except (SceneError, ValueError, LookupError, OSError) as exc:
            err.print(f"Không tạo được: {exc}", markup=False)
            raise typer.Exit(1)
        console.print(f"Đã ghi {target}", markup=False, highlight=False)
        if units == "px":
            console.print(f"Mô tả ảnh (alt): {scene.meta['alt']}", markup=False, highlight=False)

    @app.command()
    def preview(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
                brief: str = typer.Option(..., "--brief", help="Mã tin bài"),
                out: Optional[Path] = typer.Option(None, "--out", help="Tệp PNG (mặc định outputs/preview/<tin bài>.png)")):
        """Ghi một tờ xem trước (PNG) gồm mọi sản phẩm đồ họa của một tin bài."""
        from ..cli import console, err, load_or_exit
        from ..visual.contact import contact_sheet
        from ..visual.scene import SceneError

        c = load_or_exit(campaign)
        b = _brief_or_exit(c, brief, campaign)
        target = out or Path("outputs") / "preview" / f"{b.id}.png"
        try:
            count = contact_sheet(c, b, target)
        except (SceneError, ValueError, LookupError, OSError) as exc:
            err.print(f"Không tạo được tờ xem trước: {exc}", markup=False)
            raise typer.Exit(1)
        if not count:
            err.print(f"Tin bài {b.id} không có sản phẩm đồ họa nào (kiểm tra channels/formats).")
            raise typer.Exit(1)
        console.print(f"Đã ghi {target} ({count} sản phẩm)", markup=False, highlight=False)
