"""What a video is made of, taken from the other renderers: narration and stills.

The voice track and its sentence timings come from the radio pipeline (same TTS
engine, same loudness target, same cache entries as the bulletins); the stills are
the brief's infographic scenes from the visual renderer, laid out at the video's
own size. Cards are drawn here from the brand kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..artifacts import file_digest
from ..context import keep_phrases
from ..visual import words
from . import cards

CARD_VERSION = 4  # 2: the draft mark; 3: lines break between words, the campaign's phrases kept whole;
# 4: an emergency's cards in its notice colours
STILL_VERSION = 2  # 2: the scene spans the frame, the subtitle band is part of it
SCENE_FILES = ("template", "font", "image")  # the kinds of declared file a still reads


@dataclass(frozen=True)
class Narration:
    audio_path: Path
    segments: list[tuple[float, float, str]]  # (start, end, written text), narration time
    engine: str = ""
    note: str = ""  # e.g. why another TTS engine than the one asked for was used


def narration(ctx, brief) -> Narration:
    """The brief's narration (headline and key messages) from ``studio.radio.narrate_brief``."""
    from ..radio import narrate_brief

    found = narrate_brief(ctx, brief)
    return Narration(Path(found.audio_path), [tuple(s) for s in found.segments], found.engine, found.note)


def card(ctx, brief, kind: str, width: int, height: int) -> Path:
    brand = ctx.campaign.brand
    fonts = [cards.resolve(role, brand.fonts) for role in ("heading", "body")]
    key = {"card": kind, "v": CARD_VERSION, "breaks": words.VERSION, "size": [width, height],
           "brand": brand.model_dump(mode="json"),
           "fonts": [file_digest(f) for f in fonts], "issuer": ctx.campaign.issuer, "title": ctx.campaign.title,
           "brief": [brief.headline, brief.title, brief.slogans[:1], brief.approved, brief.priority],
           "keep": keep_phrases(ctx.campaign)}
    return ctx.cache.get_or_make(key, ".png",
                                 lambda tmp: cards.card(kind, ctx.campaign, brief, width, height, tmp))


def stills(ctx, brief, width: int, height: int, reserve: int = 0) -> list[Path]:
    """The brief's infographic scenes rendered at the video size (visual renderer).

    The scene is laid out above a band of ``reserve`` px at the bottom, where the
    subtitles go, so they never cover a figure; the brand background continues under
    them (the template declares the band as open space). The brief's own template
    must render (its errors are the user's to fix); the extra scenes that only add
    variety are skipped when they do not fit this brief.
    """
    from ..visual.layout import FitError
    from ..visual.raster import rasterize, save_image
    from ..visual.scene import SceneError, scene_for

    files = ctx.inputs.files
    # A still depends on the campaign slice and the scene's files (templates with what they
    # include, fonts, images): all of them key the cache, so no edit leaves a stale still.
    scene = {name: file_digest(path) for name, path in sorted(files.items()) if name.split(":")[0] in SCENE_FILES}
    out = []
    for i, template in enumerate(still_templates(brief)):
        key = {"still": template, "v": STILL_VERSION, "breaks": words.VERSION, "size": [width, height],
               "reserve": reserve,
               "values": [brief.model_dump(mode="json", exclude={"source", "approval"}), brief.approved,
                          ctx.campaign.model_dump(mode="json", include={"title", "issuer", "brand", "phases"})],
               "files": scene}

        def make(tmp: Path, template=template) -> None:
            save_image(rasterize(scene_for(ctx.campaign, brief, template, width, height, "px", files=files,
                                           reserve=reserve)), tmp, "png")

        try:
            out.append(ctx.cache.get_or_make(key, ".png", make))
        except (SceneError, FitError):
            if i == 0:
                raise
    return out


#: Scenes added after the brief's own: its figures as a chart, then its timeline (when it has them).
EXTRA_TEMPLATES = ("stat-chart", "timeline")


def still_templates(brief) -> list[str]:
    """The brief's own scene, then the extras; a brief with pictures whose own template shows none
    gets the key-number scene too, which does. An emergency brief's notice stands alone."""
    from ..visual.scene import EMERGENCY_TEMPLATE, PICTURE_TEMPLATES, default_template, template_names

    own = default_template("infographic", brief)
    if own == EMERGENCY_TEMPLATE:
        return [own]  # an emergency's video is its notice, in the emergency style throughout
    pictured = ["key-number"] if brief.images and own not in PICTURE_TEMPLATES else []
    has = {"stat-chart": len(brief.stats) >= 2, "timeline": bool(brief.timeline)}
    extras = [t for t in EXTRA_TEMPLATES if t != own and t in template_names() and has[t]]
    return [own, *pictured, *extras]
