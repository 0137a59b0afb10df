"""``studio render`` (one visual of one brief: planned through the build pipeline, or an ad-hoc preview)
and ``studio preview`` (contact sheet of a brief's visuals)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer

from ..build import DEFAULT_OUT
from .common import PREVIEW, build_options, console, err, load_or_exit, run_build

FORMATS_OUT = ("png", "jpeg", "webp", "pdf", "pptx")


def _brief_or_exit(c, brief_id: str, campaign: Path):
    try:
        return c.brief(brief_id)
    except StopIteration:
        err.print(f"Không có tin bài {brief_id!r} trong {campaign}/briefs. Các tin bài: "
                  f"{', '.join(b.id for b in c.briefs)}", markup=False)
        raise typer.Exit(2) from None


#: The size a template is previewed at without ``--size``.
DEFAULT_SIZES = {"pano": "pano-4000x2000", "poster": "poster-a3", "leaflet": "leaflet-a4"}


def _size(size: str | None, template: str) -> tuple[float, float, str]:
    """``--size``: a catalogue format id (pano-3000x1500), ``WxH`` in px or ``WxHmm``; else the template's size."""
    from ..formats import FORMATS

    size = size or DEFAULT_SIZES.get(template, "infographic-1080x1080")
    if size in FORMATS and FORMATS[size].kind == "visual":
        o = FORMATS[size].options
        return float(o["width"]), float(o["height"]), o["units"]
    match = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(px|mm)?", size)
    if not match:
        raise ValueError(f"kích thước {size!r} không hợp lệ: dùng mã định dạng (vd. pano-3000x1500), "
                         "1080x1350 (px) hoặc 297x420mm")
    return float(match.group(1)), float(match.group(2)), match.group(3) or "px"


def _preview_bleed(c, planned, size: str | None, template: str, unit: str | None, bleed: float | None) -> float:
    """A print preview's bleed, as the build would give it (``visual.print_bleed``): the format's (``--size``, else
    the template's print format), the channel's that prints it (or its family) for the brief, the campaign's."""
    from ..formats import FORMATS
    from ..visual import print_bleed
    from ..visual.pdf import DEFAULT_BLEED_MM

    fmt = FORMATS.get(size or DEFAULT_SIZES.get(template, ""))
    if fmt is None or fmt.options.get("units") != "mm":
        fmt = FORMATS.get(DEFAULT_SIZES.get(template, ""))
    if fmt is None:  # a screen template printed: the A-size default
        return DEFAULT_BLEED_MM if bleed is None else bleed
    mine = [j for j in planned if unit in (None, j.unit)]
    job = next((j for j in mine if j.format == fmt.id), None) or next(  # else the channel printing its family
        (j for j in mine if FORMATS[j.format].options.get("family") == fmt.options["family"]), None)
    return print_bleed(c, fmt, c.channel(job.channel) if job else None, bleed)


def register(app: typer.Typer) -> None:
    @app.command()
    def render(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
               brief: str = typer.Option(..., "--brief", help="Mã tin bài"),
               template: Optional[str] = typer.Option(None, "--template",
                                                      help="Mẫu: key-number, stat-chart, slogan-card, timeline, "
                                                           "notice, pano, poster, leaflet (mặc định: mẫu của tin bài)"),
               fmt: Optional[str] = typer.Option(None, "--format", help="png, jpeg, webp, pdf hoặc pptx "
                                                                        "(bản xem thử; mặc định png)"),
               unit: Optional[str] = typer.Option(None, "--unit", help="Mã đơn vị (tên đơn vị ở chân pa nô)"),
               size: Optional[str] = typer.Option(None, "--size", help="Mã định dạng, WxH (px) hoặc WxHmm"),
               out: Path = typer.Option(Path(DEFAULT_OUT), "--out", help="Thư mục đầu ra (như studio build)"),
               cmyk: bool = typer.Option(False, "--cmyk", help="PDF hệ màu CMYK (như studio build --cmyk)"),
               bleed: Optional[float] = typer.Option(None, "--bleed",
                                                     help="Lề xén (mm) của PDF (mặc định: như studio build, theo "
                                                          "khổ và kênh: khổ A 3, pa nô 50)")):
        """Tạo một sản phẩm đồ họa của một tin bài.

        --size là một định dạng của kế hoạch (vd. pano-4000x2000), không kèm --template/--format: tạo như studio
        build (cùng thư mục, cùng manifest; bản đã có được giữ nguyên). Các trường hợp khác là bản xem thử,
        ghi vào <out>/preview/<chiến dịch>/ và không vào manifest.
        """
        from ..formats import FORMATS
        from ..plan import Selection, expand
        from ..visual import render_pdf, render_pptx, render_raster, scene_for
        from ..visual.scene import SceneError, default_template, template_names

        c = load_or_exit(campaign)
        b = _brief_or_exit(c, brief, campaign)
        if fmt is not None and fmt not in FORMATS_OUT:
            err.print(f"Định dạng {fmt!r} không hợp lệ: chọn một trong {', '.join(FORMATS_OUT)}.")
            raise typer.Exit(2)
        tree = c.unit_tree()
        if unit is not None and unit not in tree:
            err.print(f"Không có đơn vị {unit!r} trong {c.units_file}.", markup=False)
            raise typer.Exit(2)
        planned = [j for j in expand(c, [b.phase]) if Selection(briefs={b.id}, kinds={"visual"}).matches(j)]
        catalogue = FORMATS[size] if size in FORMATS and FORMATS[size].kind == "visual" else None
        if catalogue and template is None and fmt is None:
            select = Selection(briefs={b.id}, formats={size}, units={unit} if unit else None)
            if any(select.matches(j) for j in planned):
                made = run_build(c, out, [b.phase], build_options(cmyk=cmyk, bleed=bleed), select=select)
                for art in made:
                    console.print(f"{out / c.id / art['path']}", markup=False, highlight=False)
                return
            have = sorted({j.format for j in planned})
            console.print(f"Kế hoạch không có {size} của tin bài {b.id}{' cho đơn vị ' + unit if unit else ''} "
                          f"(tin bài có: {', '.join(have) or 'không có sản phẩm đồ họa'}): tạo bản xem thử.",
                          markup=False, highlight=False)
        name = template or default_template(catalogue.options["family"] if catalogue else "infographic", b)
        if name not in template_names():
            err.print(f"Không có mẫu {name!r}. Các mẫu: {', '.join(template_names())}.", markup=False)
            raise typer.Exit(2)
        try:
            width, height, units = _size(size, name)
        except ValueError as exc:
            err.print(f"--size: {exc}", markup=False)
            raise typer.Exit(2) from None
        fmt = fmt or "png"
        target = out / PREVIEW / c.id / f"{b.id}--{name}-{width:g}x{height:g}{units}{'--' + unit if unit else ''}.{fmt}"
        try:
            scene = scene_for(c, b, name, width, height, units, tree[unit] if unit else None)
            if fmt == "pdf":
                render_pdf(scene, target, bleed_mm=_preview_bleed(c, planned, size, name, unit, bleed), cmyk=cmyk)
            elif fmt == "pptx":
                render_pptx(scene, target)
            else:
                render_raster(scene, target, fmt)
        except (SceneError, ValueError, LookupError, OSError) as exc:
            err.print(f"Không tạo được: {exc}", markup=False)
            raise typer.Exit(1) from None
        console.print(f"Bản xem thử (không thuộc kế hoạch, không ghi manifest): {target}", markup=False,
                      highlight=False)
        if units == "px":
            console.print(f"Mô tả ảnh (alt): {scene.meta['alt']}", markup=False, highlight=False)

    @app.command()
    def preview(campaign: Path = typer.Argument(..., help="Thư mục chiến dịch (chứa campaign.yaml)"),
                brief: str = typer.Option(..., "--brief", help="Mã tin bài"),
                out: Optional[Path] = typer.Option(None, "--out", help="Tệp PNG (mặc định "
                                                                       "outputs/preview/<chiến dịch>/<tin bài>.png)")):
        """Ghi một tờ xem trước (PNG) gồm mọi sản phẩm đồ họa của một tin bài."""
        from ..visual.contact import contact_sheet
        from ..visual.scene import SceneError

        c = load_or_exit(campaign)
        b = _brief_or_exit(c, brief, campaign)
        target = out or Path(DEFAULT_OUT) / PREVIEW / c.id / f"{b.id}.png"
        try:
            count = contact_sheet(c, b, target)
        except (SceneError, ValueError, LookupError, OSError) as exc:
            err.print(f"Không tạo được tờ xem trước: {exc}", markup=False)
            raise typer.Exit(1) from None
        if not count:
            err.print(f"Tin bài {b.id} không có sản phẩm đồ họa nào (kiểm tra channels/formats).")
            raise typer.Exit(1)
        console.print(f"Đã ghi {target} ({count} sản phẩm)", markup=False, highlight=False)
