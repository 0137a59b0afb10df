"""Broadcast post-production with ffmpeg: high-pass, two-pass loudness, join, MP3, ID3.

Every segment (an item, a commune opening, the jingle) is normalised once, on its
own, to the target loudness and true-peak limit, into the one working format
(PCM s16, mono, 44.1 kHz), then encoded once as a bare MP3 segment and measured
after encoding (``ebur128``: loudness, true peak and every 400 ms gating block);
a segment that misses the target is encoded once more with the difference. A
bulletin is a byte-level join of such segments: its loudness is the BS.1770
gating of its segments' measured blocks (``gated``), the figure ``ebur128`` gives
for the joined file, without decoding it again per commune (see docs/radio.md).
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..artifacts import atomic_path
from ..campaign import URGENCY_WORDS

RATE = 44100
#: Extra true-peak headroom kept for MP3 encoding, which adds inter-sample overs.
MP3_HEADROOM_DB = 1.0
#: An encoded segment further than this from the target is encoded once more with the difference.
RETRY_LU = 0.3
#: Silence a segment is measured after: in a bulletin it follows another segment's trailing pause, and the
#: 400 ms gating blocks that straddle that join (three, one per 100 ms) belong to the bulletin's loudness.
JOIN_LEAD_S = 0.3


class AudioError(RuntimeError):
    """An ffmpeg step that failed; the message is for the user (Vietnamese)."""


@lru_cache(maxsize=1)
def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run(args: list[str], what: str) -> str:
    """Run ffmpeg with an argument list (never a shell); return its stderr (where it reports)."""
    proc = subprocess.run([ffmpeg(), "-hide_banner", "-nostdin", *args], capture_output=True, check=False)
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise AudioError(f"ffmpeg không {what} được: {stderr.strip()[-600:]}")
    return stderr


@dataclass(frozen=True)
class Loudness:
    """Loudness targets and the horn-speaker high-pass."""

    target_lufs: float = -16.0
    true_peak_db: float = -1.5
    highpass_hz: int = 120

    @classmethod
    def of(cls, settings) -> Loudness:
        return cls(settings.target_lufs, settings.true_peak_db, settings.highpass_hz)


#: Speech dynamics for horn speakers: a gentle compressor lowers the crest factor so that
#: loudness can rise without the limiter working hard.
COMPRESSOR = "acompressor=threshold=0.1:ratio=3:attack=5:release=80"


def _chain(loud: Loudness) -> str:
    return f"highpass=f={loud.highpass_hz},{COMPRESSOR}" if loud.highpass_hz else COMPRESSOR


def normalize(src: Path, target: Path, loud: Loudness) -> tuple[float, float]:
    """Two-pass loudness normalisation of ``src`` into the working format.

    Pass one measures the processed signal (high-pass, compressor) with ``ebur128``;
    pass two applies the gain that lands on the target and a true-peak limiter
    (oversampled 4×, with headroom for MP3 encoding). Returns the output's integrated
    loudness and true peak, measured in the same pass.
    """
    chain = _chain(loud)
    i, _ = _ebur128(run(["-i", str(src), "-af", f"{chain},ebur128", "-f", "null", "-"],  # no true peak: 4× cheaper
                        "đo độ lớn âm thanh"), src)
    if i < -70:
        raise AudioError(f"{src.name}: đoạn âm thanh im lặng, không chuẩn hóa được.")
    gain = loud.target_lufs - i
    limit = 10 ** ((loud.true_peak_db - MP3_HEADROOM_DB) / 20)
    second = (f"{chain},volume={gain:.2f}dB,aresample={RATE * 4},"
              f"alimiter=limit={limit:.4f}:attack=1:release=50:level=false,aresample={RATE},ebur128=peak=true")
    # The second pass measures its own output: the limiter may have cost a few tenths of a LU.
    return _ebur128(run(["-y", "-i", str(src), "-af", second, "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le",
                         "-f", "wav", str(target)], "chuẩn hóa độ lớn âm thanh"), src)


def to_pcm(src: Path, target: Path, highpass_hz: int = 0) -> None:
    """Any audio file → the working format (no loudness change)."""
    af = [f"highpass=f={highpass_hz}"] if highpass_hz else []
    run(["-y", "-i", str(src), *(["-af", ",".join(af)] if af else []), "-ac", "1", "-ar", str(RATE),
         "-c:a", "pcm_s16le", "-f", "wav", str(target)], "chuyển định dạng âm thanh")


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


def join(parts: list[Path | float], target: Path) -> float:
    """Concatenate working-format WAVs and silences (floats, seconds) into ``target``; return its duration."""
    frames = 0
    with atomic_path(target) as tmp, wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for part in parts:
            if isinstance(part, (int, float)):
                n = int(round(part * RATE))
                out.writeframes(b"\0\0" * n)
                frames += n
                continue
            with wave.open(str(part), "rb") as w:
                if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, RATE):
                    raise AudioError(f"{part}: không đúng định dạng làm việc (mono, 16 bit, {RATE} Hz).")
                out.writeframes(w.readframes(w.getnframes()))
                frames += w.getnframes()
    return frames / RATE


@dataclass(frozen=True)
class Tags:
    title: str
    station: str
    commune: str
    phase: str
    date: str
    priority: str
    album: str = ""
    cover: bytes | None = None  # JPEG: the unit's cover art (``publish.cover``), as the front cover


def encode_segment(wav: Path, target: Path, bitrate_kbps: int, gain_db: float = 0.0) -> None:
    """A bare CBR MP3 stream (no Xing header, no tags): such streams join byte by byte."""
    gain = ["-af", f"volume={gain_db:.2f}dB"] if abs(gain_db) >= 0.01 else []
    run(["-y", "-i", str(wav), *gain, "-ac", "1", "-ar", str(RATE), "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
         "-compression_level", "9", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", str(target)],
        "mã hóa MP3")


def mp3_offset(target: Path, bitrate_kbps: int, loud: Loudness) -> float:
    """Measure how much MP3 encoding at ``bitrate_kbps`` lowers loudness (about 0.5 LU at 128k).

    A speech-band pink-noise burst is normalised, encoded and measured; the
    difference (written to ``target`` as text) is the gain segments get when encoded.
    """
    with tempfile.TemporaryDirectory() as work:
        noise, wav, mp3 = Path(work) / "noise.wav", Path(work) / "n.wav", Path(work) / "n.mp3"
        run(["-y", "-f", "lavfi", "-i", f"anoisesrc=color=pink:seed=7:r={RATE}:d=8", "-af",
             "highpass=f=150,lowpass=f=7000", "-ac", "1", "-c:a", "pcm_s16le", str(noise)], "tạo tín hiệu hiệu chỉnh")
        before, _ = normalize(noise, wav, loud)
        encode_segment(wav, mp3, bitrate_kbps)
        after, _ = measure(mp3)
    offset = round(before - after, 2)
    target.write_text(f"{offset}\n")
    return offset


def encode_on_target(wav: Path, target: Path, bitrate_kbps: int, loud: Loudness, measured: tuple[float, float],
                     mp3_gain_db: float) -> Measurement:
    """Encode a normalised WAV whose loudness is ``measured`` as a bare MP3 segment on the target.

    The gain is the WAV's remaining distance to the target plus the encoder's
    calibrated loss (``mp3_offset``, from noise: speech loses a little more at low
    bitrates), kept under the true-peak limit. The MP3 is then measured; further than
    ``RETRY_LU`` from the target, it is encoded once more with the difference added
    (still under the limit). Returns the measurement of the file written.
    """
    lufs, peak = measured
    gain = min(loud.target_lufs - lufs + mp3_gain_db, loud.true_peak_db - 0.3 - peak)
    encode_segment(wav, target, bitrate_kbps, gain)
    got = measure_blocks(target, JOIN_LEAD_S)
    miss = min(loud.target_lufs - got.lufs, loud.true_peak_db - 0.2 - got.true_peak)
    if got.lufs > -70 and abs(loud.target_lufs - got.lufs) > RETRY_LU and abs(miss) >= 0.05:
        encode_segment(wav, target, bitrate_kbps, gain + miss)
        got = measure_blocks(target, JOIN_LEAD_S)
    return got


def join_mp3(segments: list[Path], target: Path, tags: Tags) -> None:
    """Join bare MP3 segments of the same format into one tagged file, atomically."""
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as out:
            for seg in segments:
                out.write(Path(seg).read_bytes())
        write_tags(tmp, tags)


def encode_mp3(wav: Path, target: Path, bitrate_kbps: int, tags: Tags) -> None:
    """MP3 CBR mono 44.1 kHz with ID3v2 tags, written atomically."""
    with atomic_path(target) as tmp:
        encode_segment(wav, tmp, bitrate_kbps)
        write_tags(tmp, tags)


def write_tags(path: Path, tags: Tags) -> None:
    """ID3v2.3 tags (what older players read): title, station, campaign, date, and commune / phase /
    priority as TXXX frames; the comment names the priority in Vietnamese; the cover as an APIC front cover."""
    from mutagen.id3 import APIC, COMM, ID3, TALB, TDRC, TIT2, TLAN, TPE1, TXXX, PictureType

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.station))
    if tags.album:
        id3.add(TALB(encoding=3, text=tags.album))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TLAN(encoding=3, text="vie"))
    for desc, value in (("commune", tags.commune), ("phase", tags.phase), ("priority", tags.priority)):
        if value:  # a phase without a public name is not named
            id3.add(TXXX(encoding=3, desc=desc, text=value))
    id3.add(COMM(encoding=3, lang="vie", desc="", text=f"Mức ưu tiên: {URGENCY_WORDS[tags.priority]}"))
    if tags.cover:
        id3.add(APIC(encoding=3, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="", data=tags.cover))
    id3.save(str(path), v2_version=3)


_BLOCK = re.compile(r"\bM:\s*(-?[\d.]+)")  # ebur128's frame log: the last 400 ms block's loudness, every 100 ms
_EBU = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS(?:.*?True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS)?",
                  re.S)


def _ebur128(stderr: str, path: Path) -> tuple[float, float]:
    match = _EBU.search(stderr[stderr.rfind("Summary:"):])
    if not match:
        raise AudioError(f"{path}: không đọc được kết quả ebur128.")
    return tuple(float(v) if v not in (None, "-inf") else -999.0 for v in match.groups())


@dataclass(frozen=True)
class Measurement:
    """What ``ebur128`` measured of a file: its integrated loudness, true peak, and the loudness of each
    400 ms gating block (one every 100 ms, with those straddling a lead of silence), from which a join's
    loudness is computed (``gated``)."""

    lufs: float
    true_peak: float
    blocks: tuple[float, ...] = ()


def measure_blocks(path: Path, lead_s: float = 0.0) -> Measurement:
    """One ``ebur128=peak=true`` pass: the summary's true peak and the frame log's blocks, whose gating
    (``gated``, to 0.01 LU where the summary prints 0.1) is the integrated loudness. ``lead_s``: silence
    measured before the file (``JOIN_LEAD_S`` for a segment that will follow another)."""
    lead = f"adelay={round(lead_s * 1000)}:all=1," if lead_s else ""
    stderr = run(["-i", str(path), "-af", f"{lead}ebur128=peak=true", "-f", "null", "-"], "đo độ lớn âm thanh")
    summary = stderr.rfind("Summary:")
    lufs, peak = _ebur128(stderr, path)
    blocks = tuple(float(v) for v in _BLOCK.findall(stderr[:summary]))
    # The file's own blocks start once the window has left the lead: after as many ticks again.
    own = blocks[2 * round(lead_s * 10):]
    return Measurement(gated(own) if own else lufs, peak, blocks)


def gated(blocks: Iterable[float]) -> float:
    """Integrated loudness (LUFS) from 400 ms blocks' loudness, gated as BS.1770-4 and ``ebur128`` do:
    blocks under −70 LUFS are dropped, then those more than 10 LU under the energy mean of the rest.
    A join of segments is measured by gating all their blocks together. −99 when all is silence."""
    def mean(values: list[float]) -> float:
        return 10 * math.log10(sum(10 ** (v / 10) for v in values) / len(values))

    kept = [b for b in blocks if b >= -70]
    if not kept:
        return -99.0
    threshold = mean(kept) - 10
    return mean([b for b in kept if b >= threshold])


def measure(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) with ffmpeg's EBU R128 meter."""
    found = measure_blocks(path)
    return found.lufs, found.true_peak


@lru_cache(maxsize=1)
def ffmpeg_version() -> str:
    out = subprocess.run([ffmpeg(), "-version"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else "unknown"
