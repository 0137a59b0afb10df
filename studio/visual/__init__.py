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

from functools import lru_cache
from pathlib import Path

from ..artifacts import Output, atomic_write_text
from ..formats import FORMATS
from ..renderers import Renderer, register
from .fonts import FONT_DIR
from .layout import FitError, FitResult, MissingGlyphError, fit_text
from .pdf import DEFAULT_BLEED_MM, render_pdf
from .pptx import add_scene_slide, render_pptx
from .raster import preview, render_png, render_raster, save_image
from .scene import Scene, SceneError, default_template, scene_for, template_sources

__all__ = ["Scene", "SceneError", "FitError", "FitResult", "MissingGlyphError", "scene_for", "render_png",
           "render_raster", "render_pdf", "render_pptx", "add_scene_slide", "fit_text", "VisualRenderer",
           "job_scene"]


def job_scene(job, ctx) -> Scene:
    """The scene of a planned job: its brief, its format's size and, for per-unit channels, its unit."""
    fmt = FORMATS[job.format].options
    campaign = ctx.campaign
    brief = campaign.brief(job.brief)
    unit = ctx.tree[job.unit] if job.unit in ctx.tree and ctx.tree[job.unit].level != "province" else None
    template = default_template(fmt["family"], brief)
    return scene_for(campaign, brief, template, fmt["width"], fmt["height"], fmt["units"], unit)


@lru_cache(maxsize=64)
def _fonts_named(templates: tuple[Path, ...], brand_fonts: tuple[str, ...]) -> list[Path]:
    text = "".join(p.read_text(encoding="utf-8") for p in templates)
    return [p for p in sorted(FONT_DIR.glob("*.ttf")) if p.stem in text or p.stem in brand_fonts]


class VisualRenderer(Renderer):
    kind = "visual"
    version = "1"

    def template_files(self, job, ctx) -> list[Path]:
        """The job's template, the partials it includes and the fonts they or the brand kit name."""
        fmt = FORMATS[job.format].options
        templates = tuple(template_sources(default_template(fmt["family"], ctx.campaign.brief(job.brief))))
        return [*templates, *_fonts_named(templates, tuple(sorted(ctx.campaign.brand.fonts.values())))]

    def render(self, job, ctx) -> list[Output]:
        scene = job_scene(job, ctx)
        meta = {"template": scene.meta["template"], "width": scene.width, "height": scene.height,
                "units": scene.units}
        if scene.units == "px":
            png = render_png(scene, ctx.job_path(job, ".png"))
            alt = atomic_write_text(ctx.job_path(job, ".alt.txt"), scene.meta["alt"] + "\n")
            return [Output(png, "image/png", {**meta, "alt": scene.meta["alt"]}),
                    Output(alt, "text/plain", {"alt_for": png.name})]
        options = ctx.options_for("visual")
        bleed = float(options.get("bleed_mm", DEFAULT_BLEED_MM))
        cmyk = bool(options.get("cmyk", False))
        pdf = render_pdf(scene, ctx.job_path(job, ".pdf"), bleed_mm=bleed, cmyk=cmyk,
                         crop_marks=bool(options.get("crop_marks", True)), title=scene.meta["brief"])
        shot = save_image(preview(scene), ctx.job_path(job, ".preview.png"), "png")
        return [Output(pdf, "application/pdf", {**meta, "bleed_mm": bleed, "cmyk": cmyk, "pages": len(scene.pages),
                                                "alt": scene.meta["alt"]}),
                Output(shot, "image/png", {"preview_of": pdf.name})]


register(VisualRenderer())
