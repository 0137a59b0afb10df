"""A timeline as ONE ffmpeg filtergraph: the per-frame work never touches Python.

Each still is decoded, scaled and converted to yuv420p once, then repeated by the
``loop`` filter (reference-counted frames, no copy); motion is a ``crop`` whose
window slides a few pixels per frame over the still, slightly reduced inside an
edge-smeared canvas (a quarter of ``zoompan``'s cost, which rescales every frame,
and nothing at the still's edges is ever cut); only the crossfade windows go
through ``xfade``, the rest is joined by ``concat``; subtitles are PNGs switched on
by ``overlay=enable='between(t,a,b)'``. Every picture is converted to YUV once, with
the BT.709 matrix in limited range, and the stream is tagged so (HD television).

The sound is mastered before the picture is encoded: the voice is delayed to its
place, padded, optionally mixed over a music bed ducked by a sidechain compressor,
measured (EBU R128 ``ebur128``), brought to the timeline's loudness target, encoded
as AAC and measured again as encoded; an encode that misses the target is redone
once with the difference. The video encode copies that AAC stream as it is, so the
file carries exactly the sound that was measured.
The ffmpeg binary is the static build shipped by ``imageio-ffmpeg`` (libx264, AAC).
"""

from __future__ import annotations

import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from ..artifacts import atomic_path
from ..radio import audio
from .timeline import Timeline

SAMPLE_RATE = 48000
#: HD colour (ITU-R BT.709 primaries, transfer and matrix, limited "tv" range): how pictures are converted to YUV
#: (``TO_YUV``) and what the stream says they are.
BT709 = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"]
TO_YUV = "out_color_matrix=bt709:out_range=tv"
TAG_BT709 = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"  # frames say so too
# One encoder thread: with frame threads this x264 gave different bytes for the same input in
# about one run in four on a loaded machine (incremental must equal clean); the filter graph,
# not the encoder, takes most of the time, so the cost was within the noise (8.1 → 9.3 s, 1 min video).
X264 = ["-c:v", "libx264", "-threads", "1", "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p",
        "-profile:v", "high", *BT709]
AAC = ["-c:a", "aac", "-b:a", "160k", "-ar", str(SAMPLE_RATE), "-ac", "2"]
#: AAC adds inter-sample overs: the mix is limited this far under the true-peak ceiling before encoding.
AAC_HEADROOM_DB = 0.5
#: An encoded sound track further than this from its target (LU) is encoded once more with the difference.
RETRY_LU = 0.2


class VideoError(RuntimeError):
    """ffmpeg could not make the video; the message is for the user (Vietnamese)."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _even(value: float) -> int:
    return int(round(value / 2)) * 2


def _shot_chain(index: int, tl: Timeline, frames: int, motion: str) -> str:
    """The still ``index`` as a stream of ``frames`` frames, decoded and converted once."""
    w, h = tl.width, tl.height
    head = f"[{index}:v]"
    tail = f"loop=loop=-1:size=1:start=0,fps={tl.fps},trim=end_frame={frames},setpts=PTS-STARTPTS"
    if motion == "none":
        return f"{head}scale={w}:{h}:{TO_YUV},setsar=1,format=yuv420p,{tail}"
    # The still shrinks by ``pan`` inside a canvas whose borders repeat its edge pixels,
    # so the sliding window always holds the whole picture: no text at an edge is cut.
    cw, ch = _even(w * (1 - tl.pan)), _even(h * (1 - tl.pan))
    dx, dy, last = w - cw, h - ch, max(frames - 1, 1)
    x = {"pan-right": f"{dx}*n/{last}", "pan-left": f"{dx}*(1-n/{last})"}.get(motion, str(_even(dx / 2)))
    y = {"pan-down": f"{dy}*n/{last}", "pan-up": f"{dy}*(1-n/{last})"}.get(motion, str(_even(dy / 2)))
    return (f"{head}scale={cw}:{ch}:flags=bicubic:{TO_YUV},setsar=1,format=yuv420p,pad={w + dx}:{h + dy}:{dx}:{dy},"
            f"fillborders=left={dx}:right={dx}:top={dy}:bottom={dy}:mode=smear,{tail},"
            f"crop={w}:{h}:x='{x}':y='{y}'")


def _video_graph(tl: Timeline) -> tuple[list[str], str]:
    """Shots joined by crossfades; returns the graph lines and the output label.

    ``xfade`` costs ~5 ms per frame even outside its transition, so each shot is
    split into head / body / tail: only the short head+tail pairs go through
    ``xfade``, and the pieces are joined by ``concat`` (free).
    """
    fade = round(tl.crossfade * tl.fps)
    lengths = [max(1, round(s.duration * tl.fps)) for s in tl.shots]
    last = len(tl.shots) - 1
    graph, pieces = [], []
    for i, (shot, frames) in enumerate(zip(tl.shots, lengths)):
        parts = (["h"] if i > 0 and fade else []) + ["b"] + (["t"] if i < last and fade else [])
        outs = "".join(f"[{p}{i}]" for p in parts)
        fan_out = f"split={len(parts)}{outs}" if len(parts) > 1 else f"null[b{i}]"
        graph.append(f"{_shot_chain(i, tl, frames, shot.motion)},{fan_out}")
        start = fade if i > 0 else 0
        end = frames - fade if i < last else frames
        if "h" in parts:
            graph.append(f"[h{i}]trim=end_frame={fade},setpts=PTS-STARTPTS[hh{i}]")
            graph.append(f"[tt{i - 1}][hh{i}]xfade=transition=fade:duration={fade / tl.fps:g}:offset=0[x{i}]")
            pieces.append(f"[x{i}]")
        if end > start:
            graph.append(f"[b{i}]trim=start_frame={start}:end_frame={end},setpts=PTS-STARTPTS[bb{i}]")
            pieces.append(f"[bb{i}]")
        else:
            graph.append(f"[b{i}]nullsink")
        if "t" in parts:
            graph.append(f"[t{i}]trim=start_frame={frames - fade},setpts=PTS-STARTPTS[tt{i}]")
    if len(pieces) == 1:
        return graph, pieces[0][1:-1]
    graph.append(f"{''.join(pieces)}concat=n={len(pieces)}:v=1:a=0[joined]")
    return graph, "joined"


def command(tl: Timeline, target: Path, sound: Path) -> list[str]:
    """The ffmpeg argument list (no shell) that renders ``tl``'s pictures into ``target`` (.mp4), with the
    mastered sound track ``sound`` (``master``) copied in as it is."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    graph: list[str] = []
    for shot in tl.shots:
        args += ["-i", str(shot.image)]
    first_overlay = len(tl.shots)
    for overlay in tl.overlays:
        args += ["-i", str(overlay.image)]
    args += ["-i", str(sound)]

    shots, label = _video_graph(tl)
    graph += shots
    for j, ov in enumerate(tl.overlays):
        # The subtitle PNG is converted once, with the same matrix as the stills.
        graph.append(f"[{first_overlay + j}:v]scale={TO_YUV},format=yuva420p[s{j}]")
        graph.append(f"[{label}][s{j}]overlay=x={ov.x}:y={ov.y}:"
                     f"enable='between(t,{ov.start:.3f},{ov.end:.3f})'[o{j}]")
        label = f"o{j}"
    graph.append(f"[{label}]format=yuv420p,{TAG_BT709}[vout]")
    args += ["-filter_complex", ";".join(graph), "-map", "[vout]", "-map", f"{first_overlay + len(tl.overlays)}:a",
             *X264, "-r", str(tl.fps), "-g", str(2 * tl.fps), "-c:a", "copy", "-t", f"{tl.duration:.3f}",
             "-movflags", "+faststart", str(target)]
    return args


def mix_command(tl: Timeline, target: Path) -> list[str]:
    """The ffmpeg argument list that mixes ``tl``'s sound (voice in place, music bed ducked under it) into a
    float WAV as long as the video, before any loudness change."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    if tl.voice is not None:
        args += ["-i", str(tl.voice)]
    else:
        args += ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
    if tl.music is not None:
        args += ["-stream_loop", "-1", "-i", str(tl.music)]
    total = tl.duration
    delay = round(tl.voice_start * 1000)
    voice = (f"[0:a]aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
             f"adelay=delays={delay}:all=1,apad,atrim=end={total:.3f}")
    if tl.music is None:
        graph = [voice + "[aout]"]
    else:
        fade = max(total - 1.5, 0)
        graph = [voice + ",asplit=2[voice][key]",
                 f"[1:a]aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo,"
                 f"volume={tl.music_db:g}dB,atrim=end={total:.3f},afade=t=in:d=1,"
                 f"afade=t=out:st={fade:.3f}:d=1.5[bed]",
                 "[bed][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[ducked]",
                 "[ducked][voice]amix=inputs=2:duration=first:normalize=0[aout]"]
    return args + ["-filter_complex", ";".join(graph), "-map", "[aout]", "-c:a", "pcm_f32le",
                   "-ar", str(SAMPLE_RATE), "-ac", "2", "-t", f"{total:.3f}", str(target)]


def master(tl: Timeline, folder: Path) -> Path:
    """The timeline's sound as the AAC track the video carries, on ``tl.loudness`` when it has one.

    The mix is measured and brought to the target: a gain, and a true-peak limiter oversampled 4× only
    when the gain would push the peaks over the ceiling less the encoder's headroom. The encoded track
    is measured; one more than ``RETRY_LU`` off its target, or over its ceiling, is encoded once more
    with the difference.
    """
    mix, track = folder / "mix.wav", folder / "sound.m4a"
    run(mix_command(tl, mix))
    loud = tl.loudness
    lufs, peak = audio.measure(mix) if loud is not None and tl.voice is not None else (-99.0, -99.0)
    if lufs <= -70:  # no target, or nothing to bring to it
        _encode_sound(mix, track, 0.0)
        return track
    gain = loud.target_lufs - lufs
    for _ in range(2):
        limit = loud.true_peak_db - AAC_HEADROOM_DB
        _encode_sound(mix, track, gain, limit if peak + gain > limit else None)
        got, got_peak = audio.measure(track)
        if abs(loud.target_lufs - got) <= RETRY_LU and got_peak <= loud.true_peak_db:
            break
        gain += min(loud.target_lufs - got, loud.true_peak_db - 0.1 - got_peak)
    return track


def _encode_sound(mix: Path, target: Path, gain: float, limit: float | None = None) -> None:
    """``mix`` × ``gain`` dB as AAC; with a true-peak limiter at ``limit`` dBTP when given."""
    chain = f"volume={gain:.2f}dB"
    if limit is not None:
        chain += (f",aresample={SAMPLE_RATE * 4},alimiter=limit={10 ** (limit / 20):.4f}:attack=1:release=50:"
                  f"level=false,aresample={SAMPLE_RATE}")
    run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(mix), "-af", chain,
         *AAC, str(target)])


def render(tl: Timeline, target: str | Path) -> Path:
    """Render ``tl`` to ``target`` atomically (a failed run leaves no file behind)."""
    target = Path(target)
    with tempfile.TemporaryDirectory(prefix="studio-sound-") as folder, atomic_path(target) as tmp:
        run(command(tl, tmp, master(tl, Path(folder))))
    return target


def run(args: list[str]) -> None:
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-6:])
        raise VideoError(f"ffmpeg không tạo được video (mã lỗi {proc.returncode}): {tail}")


def audio_seconds(path: str | Path) -> float:
    """Duration of an audio file, read from its header (no decoding)."""
    import mutagen

    info = mutagen.File(str(path))
    if info is None or not getattr(info.info, "length", 0):
        raise VideoError(f"không đọc được độ dài tệp âm thanh {path}: kiểm tra tệp lời đọc")
    return float(info.info.length)
