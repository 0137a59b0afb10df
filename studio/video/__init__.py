"""Short videos for TV, LED screens and social media (kind ``video``).

moviepy-style composition (a timeline of shots, crossfades, timed overlays and
audio) rendered by one ffmpeg filtergraph, so no frame is composited in Python.
See docs/video.md for the design and the benchmark.
"""

from __future__ import annotations

from ..artifacts import Output
from ..context import JobInputs
from ..formats import FORMATS
from ..renderers import Renderer, register
from .ffmpeg import VideoError
from .timeline import Timeline


class VideoRenderer(Renderer):
    kind = "video"
    version = "11"  # 2: subtitles below the picture; 3: word-aware breaks; 4: pictures, QR codes; 5: draft mark,
    # public wording, an emergency's notice; 6: stills span the frame (the subtitle band part of it), flow layout;
    # 7: campaign phrases kept whole in cards and subtitles; 8: loudness per channel measured as encoded, BT.709,
    # subtitles within broadcast limits, an emergency's cards in its notice colours; 9: cues and their lines
    # break where phrases meet; 10: words.COMPOUNDS kept whole; 11: no lone word over a subtitle line

    def inputs(self, job, ctx):
        """The brief, every phase (stills draw the timeline), the brand, the audio settings and the
        voice's options, the stills' and cards' files, the brief's voice-over and the music bed."""
        from ..context import campaign_slice
        from ..radio import voiceover_files
        from ..radio.speech import VERSION
        from ..visual import words
        from ..visual.fonts import resolve
        from ..visual.scene import scene_files
        from .sources import CARD_VERSION, STILL_VERSION, still_templates
        from .subtitles import CUE_VERSION, SUBTITLE_FONTS

        campaign = ctx.campaign
        brief = campaign.brief(job.brief)
        values = campaign_slice(campaign, [brief], [ctx.tree[job.unit]], channels=[job.channel], audio=True)
        files = scene_files(campaign.root, campaign.brand, [brief], still_templates(brief))
        for name in ("heading", "body", *SUBTITLE_FONTS):
            path = resolve(name, campaign.brand.fonts)
            files[f"font:{path.name}"] = str(path)
        files.update(voiceover_files(campaign.root, [brief]))
        options = dict(ctx.options_for(self.kind))
        if options.get("music"):
            files["music"] = options.pop("music")  # by content, not by where it lies
        return JobInputs((self.kind, self.version), job.to_dict(), values, files,
                         {self.kind: options, "bulletin": ctx.options_for("bulletin")},
                         {"chain": VERSION, "cards": CARD_VERSION, "stills": STILL_VERSION, "cues": CUE_VERSION,
                          "breaks": words.VERSION})

    def render(self, job, ctx) -> list[Output]:
        from .compose import loudness_for, make_video

        options = FORMATS[job.format].options
        brief = ctx.campaign.brief(job.brief)
        stem = ctx.job_path(job, "")
        return make_video(ctx, brief, options["width"], options["height"], stem, music=ctx.inputs.files.get("music"),
                          loudness=loudness_for(ctx.campaign, job.channel, job.format))


register(VideoRenderer())

__all__ = ["VideoRenderer", "VideoError", "Timeline"]
