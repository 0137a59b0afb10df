"""Benchmark: a 20 s 1080×1920 video, Studio's renderer vs plain ffmpeg in the same run.

Studio (timeline → one filtergraph: cards, stills with pan, crossfades, burned-in
subtitles, narration) is timed against one hand-written ffmpeg command making the
same stills + crossfades + audio (no motion, no subtitles) with the same encoder
settings. ``--moviepy`` also times moviepy 2.x compositing the same timeline frame by
frame in Python (slow: ~40 s).

    .venv/bin/python benchmarks/bench_video.py [--moviepy]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.build import BuildContext, job_context  # noqa: E402
from studio.formats import FORMATS  # noqa: E402
from studio.loader import load_campaign  # noqa: E402
from studio.plan import expand  # noqa: E402
from studio.video import ffmpeg, sources, subtitles  # noqa: E402
from studio.video.timeline import Timeline, plan_shots, to_moviepy  # noqa: E402

W, H, SECONDS, CROSSFADE = 1080, 1920, 20.0, 0.5
TEXT = ("Đại hội đại biểu Đảng bộ tỉnh lần thứ XV là sự kiện chính trị quan trọng. "
        "Toàn tỉnh thi đua lập thành tích chào mừng Đại hội.")


def voice(folder: Path) -> tuple[Path, list]:
    wav = folder / "voice.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(wav)], input=TEXT.encode(), check=True)
    n = ffmpeg.audio_seconds(wav)
    half = TEXT.index("Toàn")
    return wav, [(0.0, n * half / len(TEXT), TEXT[:half].strip()), (n * half / len(TEXT), n, TEXT[half:])]


def loudness() -> dict:
    """The social format's loudness target, mastered as a build does (older checkouts have none)."""
    if "loudness" not in FORMATS["video-9x16"].options:
        return {}
    from studio.radio.audio import Loudness

    return {"loudness": Loudness(*FORMATS["video-9x16"].options["loudness"], 0)}


def studio_render(ctx, brief, wav: Path, segments: list, stills: list[Path], target: Path) -> Timeline:
    """What the renderer does after narration and stills exist: cards, cues, graph, encode."""
    n = ffmpeg.audio_seconds(wav)
    card_s = (SECONDS - n) / 2
    cards = (sources.card(ctx, brief, "opening", W, H), sources.card(ctx, brief, "closing", W, H))
    shots = plan_shots(cards, stills, n, card_seconds=card_s, crossfade=CROSSFADE)
    style = subtitles.Style.for_frame(W, H, subtitles.subtitle_font(ctx.campaign.brand.fonts, TEXT))
    cues = subtitles.split_cues(segments, style, offset=card_s)
    tl = Timeline(W, H, shots, crossfade=CROSSFADE, overlays=subtitles.overlays(cues, style, target.parent),
                  voice=wav, voice_start=card_s, **loudness())
    ffmpeg.render(tl, target)
    return tl


def plain_ffmpeg(tl: Timeline, target: Path) -> None:
    """The baseline: loop + xfade + audio, written by hand, same encoder settings."""
    args = [ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
    graph = []
    for i, shot in enumerate(tl.shots):
        args += ["-i", str(shot.image)]
        graph.append(f"[{i}:v]format=yuv420p,loop=-1:1:0,fps=25,trim=end_frame={round(shot.duration * 25)},"
                     f"setpts=PTS-STARTPTS[v{i}]")
    label = "v0"
    for i, offset in enumerate(tl.offsets()[1:], start=1):
        graph.append(f"[{label}][v{i}]xfade=duration={CROSSFADE}:offset={offset:.3f}[x{i}]")
        label = f"x{i}"
    args += ["-i", str(tl.voice), "-filter_complex", ";".join(graph),
             "-map", f"[{label}]", "-map", f"{len(tl.shots)}:a",
             "-af", f"adelay={round(tl.voice_start * 1000)}:all=1,apad",
             *ffmpeg.X264, "-r", "25", *ffmpeg.AAC, "-t", f"{tl.duration:.3f}", "-movflags", "+faststart", str(target)]
    subprocess.run(args, check=True)


def moviepy_render(tl: Timeline, target: Path) -> None:
    to_moviepy(tl).write_videofile(str(target), fps=tl.fps, codec="libx264", preset="veryfast", audio_codec="aac",
                                   logger=None)


def cpu() -> float:
    """CPU seconds used so far by this process and its finished children (ffmpeg): robust to a busy machine."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, *args):
    wall, used = time.perf_counter(), cpu()
    result = fn(*args)
    return result, time.perf_counter() - wall, cpu() - used


def main() -> None:
    campaign = load_campaign(ROOT / "examples" / "ninh-thuan-2025")
    job = next(j for j in expand(campaign) if j.kind == "video")
    brief = campaign.brief(job.brief)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ctx = job_context(job, BuildContext(campaign, folder / "out"))  # what the video renderer sees
        wav, segments = voice(folder)
        stills = sources.stills(ctx, brief, W, H)
        stills = (stills * 3)[:3]
        tl, studio_s, studio_cpu = timed(studio_render, ctx, brief, wav, segments, stills, folder / "studio.mp4")
        _, plain_s, plain_cpu = timed(plain_ffmpeg, tl, folder / "plain.mp4")
        print(f"video {W}×{H}, {tl.duration:.2f} s at 25 fps, {len(tl.shots)} shots, {len(tl.overlays)} subtitle cues")
        print(f"studio (cards + subtitles + pan + crossfades + voice): {studio_s:6.2f} s wall, {studio_cpu:6.2f} s CPU")
        print(f"plain ffmpeg (stills + crossfades + voice):           {plain_s:6.2f} s wall, {plain_cpu:6.2f} s CPU")
        print(f"ratio studio / plain ffmpeg: {studio_s / plain_s:.2f}× wall, {studio_cpu / plain_cpu:.2f}× CPU "
              "(goal ≤ 1.5×)")
        if "--moviepy" in sys.argv:
            _, mp_s, mp_cpu = timed(moviepy_render, tl, folder / "moviepy.mp4")
            print(f"moviepy 2.x per-frame compositing:                   {mp_s:6.2f} s wall, {mp_cpu:6.2f} s CPU "
                  f"({mp_s / studio_s:.1f}× studio)")


if __name__ == "__main__":
    main()
