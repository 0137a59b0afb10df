"""Broadcast post-production with ffmpeg: high-pass, two-pass loudness, join, MP3, ID3.

Every segment (an item, a commune opening, the jingle) is normalised once, on its
own, to the target loudness and true-peak limit, into the one working format
(PCM s16, mono, 44.1 kHz). A bulletin is then only a byte-level join of such
segments with silences, and one MP3 encode: integrated loudness gates silence
out, so the join lands on the target without a second analysis per commune
(measured by the tests with ``ebur128``; see docs/radio.md).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..artifacts import atomic_path
from ..campaign import URGENCY_WORDS

RATE = 44100
#: Extra true-peak headroom kept for MP3 encoding, which adds inter-sample overs.
MP3_HEADROOM_DB = 1.0


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
                     mp3_gain_db: float) -> tuple[float, float]:
    """Encode a normalised WAV whose loudness is ``measured`` as a bare MP3 segment on the target.

    The gain is the WAV's remaining distance to the target plus the encoder's
    calibrated loss (``mp3_offset``), kept under the true-peak limit. Returns the
    expected loudness and true peak of the segment (the tests measure real files).
    """
    lufs, peak = measured
    gain = min(loud.target_lufs - lufs + mp3_gain_db, loud.true_peak_db - 0.3 - peak)
    encode_segment(wav, target, bitrate_kbps, gain)
    return lufs + gain - mp3_gain_db, peak + gain


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
    priority as TXXX frames; the comment names the priority in Vietnamese."""
    from mutagen.id3 import COMM, ID3, TALB, TDRC, TIT2, TLAN, TPE1, TXXX

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
    id3.save(str(path), v2_version=3)


_EBU = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS(?:.*?True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS)?",
                  re.S)


def _ebur128(stderr: str, path: Path) -> tuple[float, float]:
    match = _EBU.search(stderr[stderr.rfind("Summary:"):])
    if not match:
        raise AudioError(f"{path}: không đọc được kết quả ebur128.")
    return tuple(float(v) if v not in (None, "-inf") else -999.0 for v in match.groups())


def measure(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) with ffmpeg's EBU R128 meter."""
    return _ebur128(run(["-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"], "đo độ lớn âm thanh"),
                    path)


@lru_cache(maxsize=1)
def ffmpeg_version() -> str:
    out = subprocess.run([ffmpeg(), "-version"], capture_output=True, text=True, check=False).stdout
    return out.splitlines()[0] if out else "unknown"
