"""Visual renderers: one scene model, three backends (raster, vector PDF, editable slide).

Public API used by other subsystems:

- ``scene_for(campaign, brief, template, width, height, units="px", unit=None) -> Scene``
- ``render_png(scene, path)``: atomic, deterministic PNG (1:1 for px scenes)
- ``add_scene_slide(prs, scene, layout=None) -> slide``: native editable python-pptx slide
- ``layout.fit_text(...) -> FitResult``: the shared auto-fit

The ``visual`` renderer makes every infographic (PNG + alt text) and print
format (PDF with bleed and crop marks + a ~2000 px PNG preview) a plan lists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

from ..artifacts import Output, atomic_write_text
from ..campaign import draft_meta
from ..color import PRINT_PROFILE, SRGB_PROFILE, Color, Separation
from ..formats import FORMATS
from ..renderers import Renderer, register
from . import words
from .layout import FitError, FitResult, MissingGlyphError, fit_text
from .pdf import DEFAULT_BLEED_MM, VN, DocInfo, render_pdf
from .pptx import add_scene_slide, render_pptx
from .raster import preview, render_png, render_raster, save_image
from .scene import Scene, SceneError, default_template, scene_files, scene_for

__all__ = ["Scene", "SceneError", "FitError", "FitResult", "MissingGlyphError", "scene_for", "render_png",
           "render_raster", "render_pdf", "render_pptx", "add_scene_slide", "fit_text", "VisualRenderer",
           "job_scene", "print_bleed"]


def job_scene(job, ctx) -> Scene:
    """The scene of a planned job: its brief, its format's size and, for per-unit channels, its unit."""
    fmt = FORMATS[job.format].options
    campaign = ctx.campaign
    brief = campaign.brief(job.brief)
    unit = ctx.tree[job.unit] if job.unit in ctx.tree and ctx.tree[job.unit].level != "province" else None
    template = default_template(fmt["family"], brief)
    return scene_for(campaign, brief, template, fmt["width"], fmt["height"], fmt["units"], unit, ctx.inputs.files)


def print_bleed(campaign, fmt, channel=None, override: float | None = None) -> float:
    """The bleed (mm) of a print format: ``override`` (``--bleed``) > the channel's > the campaign's for the
    format or its family > the format's default (3 mm A-sizes, 50 mm pa nô)."""
    bleed = override if override is not None else channel.bleed_mm if channel is not None else None
    if bleed is None:
        bleed = campaign.bleed_mm.get(fmt.id, campaign.bleed_mm.get(fmt.options["family"],
                                                                    fmt.options.get("bleed_mm", DEFAULT_BLEED_MM)))
    return float(bleed)


def print_options(job, campaign, options: dict) -> dict:
    """A print job's options: CMYK, crop marks, the bleed (``print_bleed``) and the PDF's date (the brief's
    approval, else its phase's start)."""
    bleed = print_bleed(campaign, FORMATS[job.format], campaign.channel(job.channel), options.get("bleed_mm"))
    brief = campaign.brief(job.brief)
    created = brief.approval.at or datetime.combine(campaign.phase(brief.phase).start, time(), VN)
    created = created if created.tzinfo else created.replace(tzinfo=VN)
    return {"cmyk": bool(options.get("cmyk", False)), "crop_marks": bool(options.get("crop_marks", True)),
            "bleed_mm": bleed, "created": created.isoformat()}


def separation(brand) -> Separation:
    """The brand kit's CMYK values (role → %) as the spots of the one CMYK conversion."""
    return Separation({Color.parse(brand.colors[role]).hex: tuple(v / 100 for v in values)
                       for role, values in brand.cmyk.items() if role in brand.colors})


class VisualRenderer(Renderer):
    kind = "visual"
    version = "7"  # 2: word-aware breaks; 3: pictures placed once, QR codes; 4: PDF/X, slug, ICC CMYK;
    # 5: public wording, draft mark, notices; 6: kerned widths (fonts.width), flow layout (flow.py); 7: terms
    # the segmenter leaves apart kept whole (words.COMPOUNDS)

    def inputs(self, job, ctx):
        """The brief (its approval status: a draft is marked; its timeline, priority), every phase (public
        names, ``timeline: phases``), the unit, and the scene's files; for print, the resolved print
        options and the ICC profiles."""
        inputs = super().inputs(job, ctx)
        brief = ctx.campaign.brief(job.brief)
        fmt = FORMATS[job.format].options
        template = default_template(fmt["family"], brief)
        files = scene_files(ctx.campaign.root, ctx.campaign.brand, [brief], [template])
        inputs = replace(inputs, files=files, extra={**inputs.extra, "breaks": words.VERSION})
        if fmt["units"] != "mm":
            return replace(inputs, options={self.kind: {}})
        files |= {"icc/print": str(PRINT_PROFILE), "icc/srgb": str(SRGB_PROFILE)}
        return replace(inputs, files=files,
                       options={self.kind: print_options(job, ctx.campaign, ctx.options_for(self.kind))})

    def render(self, job, ctx) -> list[Output]:
        scene = job_scene(job, ctx)
        draft = draft_meta([ctx.campaign.brief(job.brief)])
        meta = {"template": scene.meta["template"], "width": scene.width, "height": scene.height,
                "units": scene.units, **draft}
        if scene.units == "px":
            png = render_png(scene, ctx.job_path(job, ".png"))
            alt = atomic_write_text(ctx.job_path(job, ".alt.txt"), scene.meta["alt"] + "\n")
            return [Output(png, "image/png", {**meta, "alt": scene.meta["alt"]}),
                    Output(alt, "text/plain", {"alt_for": png.name, **draft})]
        options = ctx.options_for("visual")
        bleed, cmyk = options["bleed_mm"], options["cmyk"]
        campaign, brief = ctx.campaign, ctx.campaign.brief(job.brief)
        info = DocInfo(brief.title, campaign.issuer, f"{FORMATS[job.format].name} — {campaign.title}",
                       datetime.fromisoformat(options["created"]), f"{campaign.id}, {brief.id}, {job.format}")
        pdf = render_pdf(scene, ctx.job_path(job, ".pdf"), bleed_mm=bleed, cmyk=cmyk, crop_marks=options["crop_marks"],
                         info=info, separation=separation(campaign.brand))
        shot = save_image(preview(scene), ctx.job_path(job, ".preview.png"), "png")
        return [Output(pdf, "application/pdf", {**meta, "bleed_mm": bleed, "cmyk": cmyk, "pages": len(scene.pages),
                                                "alt": scene.meta["alt"]}),
                Output(shot, "image/png", {"preview_of": pdf.name, **draft})]


register(VisualRenderer())
