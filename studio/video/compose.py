"""One brief → one video: cards + stills + narration + subtitles, rendered by ffmpeg.

The timeline is decided here (cheap, in Python); the frames are made by one
ffmpeg process (``studio.video.ffmpeg``). The poster is the opening card itself,
lossless, rather than a decoded video frame.
"""

from __future__ import annotations

from pathlib import Path

from ..artifacts import Output, atomic_write_bytes
from ..campaign import draft_meta
from ..context import keep_phrases
from ..formats import FORMATS
from ..radio import audio
from . import ffmpeg, sources, subtitles
from .timeline import Timeline, plan_shots

CARD_SECONDS = 3.0
CROSSFADE = 0.5


def loudness_for(campaign, channel_id: str, format_id: str) -> audio.Loudness:
    """What a video is mastered to: its channel's ``loudness``, else its format's default (TV −23 LUFS,
    social −16 LUFS, both ≤ −1 dBTP: ``studio.formats``). A video no channel carries takes its format's."""
    own = next((c.loudness for c in campaign.channels if c.id == channel_id), None)
    lufs, peak = (own.target_lufs, own.true_peak_db) if own else FORMATS[format_id].options["loudness"]
    return audio.Loudness(lufs, peak, 0)


def timeline_for(ctx, brief, width: int, height: int, music: str | Path | None = None,
                 loudness: audio.Loudness | None = None) -> tuple[Timeline, list, sources.Narration, subtitles.Style]:
    """The brief's timeline, its subtitle cues, the narration they follow and the subtitles' style."""
    voice = sources.narration(ctx, brief)
    voice_seconds = ffmpeg.audio_seconds(voice.audio_path)
    opening = sources.card(ctx, brief, "opening", width, height)
    closing = sources.card(ctx, brief, "closing", width, height)
    text = " ".join(s[2] for s in voice.segments)
    style = subtitles.Style.for_frame(width, height, subtitles.subtitle_font(ctx.campaign.brand.fonts, text),
                                      keep_phrases(ctx.campaign))
    shots = plan_shots((opening, closing), sources.stills(ctx, brief, width, height, reserve=style.band()),
                       voice_seconds, card_seconds=CARD_SECONDS, crossfade=CROSSFADE)
    # A cue read too fast may stay on into the closing card's first half, never later.
    cues = subtitles.split_cues(voice.segments, style, offset=CARD_SECONDS,
                                until=CARD_SECONDS + voice_seconds + CARD_SECONDS / 2)
    tl = Timeline(width, height, shots, crossfade=CROSSFADE,
                  overlays=subtitles.overlays(cues, style, ctx.cache.root, ctx.cache),
                  voice=voice.audio_path, voice_start=CARD_SECONDS, music=Path(music) if music else None,
                  loudness=loudness)
    return tl, cues, voice, style


def make_video(ctx, brief, width: int, height: int, stem: Path, music: str | Path | None = None,
               loudness: audio.Loudness | None = None) -> list[Output]:
    """Write ``<stem>.mp4`` (its sound mastered to ``loudness``), ``<stem>.srt`` and ``<stem>.poster.png``."""
    tl, cues, voice, style = timeline_for(ctx, brief, width, height, music, loudness)
    mp4 = ffmpeg.render(tl, stem.with_name(stem.name + ".mp4"))
    lufs, peak = audio.measure(mp4)  # the file as encoded, as a station's meter reads it
    srt = subtitles.write_srt(cues, stem.with_name(stem.name + ".srt"), style)
    poster = atomic_write_bytes(stem.with_name(stem.name + ".poster.png"), tl.shots[0].image.read_bytes())
    draft = draft_meta([brief])
    meta = {"width": width, "height": height, "fps": tl.fps, "duration": tl.duration, "shots": len(tl.shots),
            "subtitles": len(cues), "voice_engine": voice.engine, "lufs": round(lufs, 1),
            "true_peak_db": round(peak, 1), **draft}
    if voice.note:
        meta["voice_note"] = voice.note
    return [Output(mp4, "video/mp4", meta), Output(srt, "application/x-subrip", {"cues": len(cues), **draft}),
            Output(poster, "image/png", {"poster": True, **draft})]
