"""The video timeline as plain data: shots, crossfades, timed overlays, audio.

A timeline says *what* the video is; ``studio.video.ffmpeg`` turns it into one
ffmpeg filtergraph (the fast path) and ``to_moviepy`` into a moviepy 2.x
composition (the reference, ~5× slower: every frame composited in Python).
Times are in seconds and snapped to whole frames, so both agree to the frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..radio.audio import Loudness

FPS = 25  # PAL, the frame rate of Vietnamese television
MOTIONS = ("none", "pan-right", "pan-left", "pan-down", "pan-up")


def snap(seconds: float, fps: int = FPS) -> float:
    """Round to a whole number of frames."""
    return round(seconds * fps) / fps


@dataclass(frozen=True)
class Shot:
    """A still on screen for ``duration`` seconds (crossfades included), with gentle motion."""

    image: Path
    duration: float
    motion: str = "none"


@dataclass(frozen=True)
class Overlay:
    """A transparent PNG (a subtitle) shown at ``(x, y)`` from ``start`` to ``end``."""

    image: Path
    start: float
    end: float
    x: int
    y: int


@dataclass(frozen=True)
class Cue:
    """One subtitle: what is said from ``start`` to ``end`` (video time)."""

    start: float
    end: float
    text: str


@dataclass
class Timeline:
    width: int
    height: int
    shots: list[Shot]
    crossfade: float = 0.5
    fps: int = FPS
    overlays: list[Overlay] = field(default_factory=list)
    voice: Path | None = None
    voice_start: float = 0.0
    music: Path | None = None
    music_db: float = -20.0  # music bed level under silence; ducked further under the voice
    pan: float = 0.04  # pan travel as a fraction of the frame (the still is reduced by this much)
    loudness: Loudness | None = None  # what the sound is mastered to (integrated LUFS, true peak), or left as mixed

    @property
    def duration(self) -> float:
        return snap(sum(s.duration for s in self.shots) - self.crossfade * (len(self.shots) - 1), self.fps)

    def offsets(self) -> list[float]:
        """Start time of each shot in the video (where its crossfade in begins)."""
        out, t = [], 0.0
        for shot in self.shots:
            out.append(snap(t, self.fps))
            t += shot.duration - self.crossfade
        return out


def plan_shots(cards: tuple[Path, Path], stills: list[Path], voice_seconds: float, *, card_seconds: float = 3.0,
               crossfade: float = 0.5, max_shot: float = 9.0, fps: int = FPS) -> list[Shot]:
    """Opening card, stills over the narration, closing card; the video lasts cards + narration.

    Crossfades are centred on the cut points, so the voice starts exactly when the
    opening card has half faded. Stills repeat (with another motion) when the
    narration is long, so no shot lingers more than ``max_shot`` seconds.
    """
    if not stills:
        raise ValueError("cần ít nhất một ảnh tĩnh cho video")
    min_shot = max_shot / 3  # a still stays long enough to be read
    count = max(min(len(stills), math.ceil(voice_seconds / min_shot)), math.ceil(voice_seconds / max_shot), 1)
    edges = [snap(voice_seconds * i / count, fps) for i in range(count + 1)]
    half = crossfade / 2
    shots = [Shot(cards[0], snap(card_seconds + half, fps))]
    motions = MOTIONS[1:]
    for i in range(count):
        shots.append(Shot(stills[i % len(stills)], snap(edges[i + 1] - edges[i] + crossfade, fps), motions[i % 4]))
    shots.append(Shot(cards[1], snap(card_seconds + half, fps)))
    return shots


def to_moviepy(tl: Timeline):
    """The same timeline as a moviepy 2.x composition: the reference, composited frame by frame in Python.

    Used to preview a single frame (``clip.get_frame(t)``) and by the benchmark;
    pan motion and the music bed are left out (they only exist in the filtergraph).
    """
    from moviepy import AudioFileClip, CompositeVideoClip, ImageClip, vfx

    clips = []
    for shot, start in zip(tl.shots, tl.offsets()):
        clip = ImageClip(str(shot.image)).with_duration(shot.duration).with_start(start)
        clips.append(clip.with_effects([vfx.CrossFadeIn(tl.crossfade)]) if start else clip)
    for ov in tl.overlays:
        clips.append(ImageClip(str(ov.image)).with_start(ov.start).with_duration(ov.end - ov.start)
                     .with_position((ov.x, ov.y)))
    video = CompositeVideoClip(clips, size=(tl.width, tl.height)).with_duration(tl.duration)
    if tl.voice is not None:
        video = video.with_audio(AudioFileClip(str(tl.voice)).with_start(tl.voice_start))
    return video
