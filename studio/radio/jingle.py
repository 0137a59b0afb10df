"""Licence-free jingles, synthesised by ffmpeg at build time (no shipped audio).

A bell-like arpeggio on a major pentatonic (each note a sine with its octave and
an exponential decay) over a soft fifth. The intro rises, the outro falls; an
emergency bulletin opens with a two-tone alert instead. The recipe is data, so
the cache key is the recipe itself.
"""

from __future__ import annotations

from pathlib import Path

from .audio import RATE, run

#: (start seconds, frequency Hz) per note; C major pentatonic around C5.
INTRO = ((0.00, 523.25), (0.22, 659.25), (0.44, 783.99), (0.66, 1046.50), (0.88, 783.99), (1.10, 1046.50))
OUTRO = ((0.00, 1046.50), (0.22, 783.99), (0.44, 659.25), (0.66, 587.33), (0.88, 523.25))
ALERT = tuple((i * 0.25, 880.0 if i % 2 == 0 else 659.25) for i in range(8))
NOTES = {"intro": INTRO, "outro": OUTRO, "alert": ALERT}
LENGTH_S = 2.6
VERSION = "1"


def recipe(kind: str) -> dict:
    return {"jingle": kind, "notes": NOTES[kind], "length": LENGTH_S, "version": VERSION}


def expression(notes) -> str:
    """An ``aevalsrc`` expression: decaying bells plus a quiet pad that fades out."""
    bells = "+".join(
        f"gte(t,{t0})*exp(-3.2*(t-{t0}))*(sin(2*PI*{f}*(t-{t0}))+0.35*sin(4*PI*{f}*(t-{t0})))"
        for t0, f in notes)
    root = notes[0][1] if notes[0][1] < notes[-1][1] else notes[-1][1]
    pad = f"0.25*exp(-1.2*t)*(sin(2*PI*{root / 2}*t)+sin(2*PI*{root * 0.75}*t))"
    return f"0.18*({bells})+{pad}"


def synthesize(kind: str, target: Path) -> None:
    """Write the ``intro``, ``outro`` or ``alert`` jingle as a WAV (not yet loudness-normalised)."""
    notes = NOTES[kind]
    run(["-y", "-f", "lavfi", "-i", f"aevalsrc='{expression(notes)}':s={RATE}:d={LENGTH_S}",
         "-af", f"afade=t=in:d=0.01,afade=t=out:st={LENGTH_S - 0.6}:d=0.6", "-ac", "1", "-c:a", "pcm_s16le",
         "-f", "wav", str(target)], "tạo nhạc hiệu")
