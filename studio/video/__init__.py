"""Short videos for TV, LED screens and social media (kind ``video``).

moviepy-style composition (a timeline of shots, crossfades, timed overlays and
audio) rendered by one ffmpeg filtergraph, so no frame is composited in Python.
See docs/video.md for the design and the benchmark.
"""

from __future__ import annotations

from ..artifacts import Output
from ..formats import FORMATS
from ..renderers import Renderer, register
from .ffmpeg import VideoError
from .timeline import Timeline


class VideoRenderer(Renderer):
    kind = "video"
    version = "2"  # 2: subtitles in a band below the picture

    def template_files(self, job, ctx):
        from ..visual.fonts import resolve
        from ..visual.scene import template_path
        from .sources import still_templates

        brief = ctx.campaign.brief(job.brief)
        fonts = {resolve(role, ctx.campaign.brand.fonts) for role in ("heading", "body")}
        return sorted(fonts) + [template_path(t) for t in still_templates(brief)]

    def inputs(self, job, ctx):
        """Besides the brief and templates: the voice (engine, loudness) and the music bed."""
        from ..artifacts import sha256_file
        from ..radio.speech import VERSION

        music = ctx.options_for(self.kind).get("music")
        return {**super().inputs(job, ctx), "audio": ctx.campaign.audio.model_dump(mode="json"),
                "voice": [ctx.options_for("bulletin"), VERSION], "music": sha256_file(music) if music else None}

    def render(self, job, ctx) -> list[Output]:
        from .compose import make_video

        options = FORMATS[job.format].options
        brief = ctx.campaign.brief(job.brief)
        stem = ctx.job_path(job, "")
        return make_video(ctx, brief, options["width"], options["height"], stem,
                          music=ctx.options_for(self.kind).get("music"))


register(VideoRenderer())

__all__ = ["VideoRenderer", "VideoError", "Timeline"]
