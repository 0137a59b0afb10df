"""Speech segments through the shared cache: synthesise once, normalise once, reuse everywhere.

A ``Voice`` is an engine plus the campaign's audio settings. Every step is a
``ctx.cache.get_or_make`` entry keyed by what it depends on (engine identity,
spoken text, loudness target, bitrate), taken under a file lock, so an item read
in 60 communes is synthesised, normalised and encoded once even by two workers.
Measured loudness travels beside each entry in a ``.loud.json`` sidecar.
"""

from __future__ import annotations

import fcntl
import json
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..artifacts import Cache, atomic_write_json, sha256_file, sha256_json
from . import audio, jingle
from .tts import Engine, EspeakNg, TTSError, get_engine, resolve

VERSION = "4"  # bump when the processing chain changes: cached segments are then remade (4: measured MP3s)
VOICEOVER_SUFFIXES = (".wav", ".mp3", ".m4a", ".ogg", ".flac")


@dataclass
class Segment:
    """A bare MP3 segment as measured after encoding: loudness, true peak and its 400 ms gating blocks."""

    path: Path
    lufs: float
    true_peak: float
    blocks: tuple[float, ...] = ()


@dataclass
class Voice:
    cache: Cache
    engine: Engine
    loud: audio.Loudness
    bitrate_kbps: int = 128
    requested: str = ""
    note: str = ""  # why the engine used is not the one requested (auto fallback)

    @classmethod
    def for_campaign(cls, cache: Cache, settings, engine: str | None = None, root: str | Path = "",
                     **engine_options) -> Voice:
        check_settings(settings)
        name = engine or settings.engine
        voice = settings.voice
        if name == "piper" and voice and root and not Path(voice).is_absolute():
            voice = str(Path(root) / voice)  # a model path in campaign.yaml is relative to the campaign
        elif name in ("espeak-ng", "auto") and voice not in EspeakNg.VOICES:
            if voice and not voice.endswith(".onnx"):
                raise TTSError(f"campaign.yaml: audio.voice: espeak-ng không có giọng {voice!r}; "
                               f"chọn một trong {', '.join(EspeakNg.VOICES)}.")
            voice = "vi"  # a Piper model path while another engine was asked for on the command line
        concrete, note = resolve(get_engine(name, voice, **engine_options))
        return cls(cache, concrete, audio.Loudness.of(settings), settings.bitrate_kbps, name, note)

    @property
    def engine_name(self) -> str:
        return self.engine.name

    @cached_property
    def identity(self) -> dict:
        return self.engine.identity()

    def _make(self, key: dict, suffix: str, make) -> Path:
        """``cache.get_or_make`` under a per-key-prefix file lock: two workers starting on two
        communes of the same phase wait for each other's shared item instead of both making it."""
        digest = sha256_json(key)
        target = self.cache.path(digest, suffix)
        if target.exists():
            return target
        locks = self.cache.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / digest[:2], "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if lock.tell() == 0:
                lock.write("studio.radio cache lock\n")  # never an empty file in an operator's folder
                lock.flush()
            try:
                return self.cache.get_or_make(key, suffix, make)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _key(self, **extra) -> dict:
        return {"v": VERSION, "loud": [self.loud.target_lufs, self.loud.true_peak_db, self.loud.highpass_hz], **extra}

    # --- normalised WAVs in the working format ---------------------------------------

    def raw(self, text: str) -> Path:
        """The engine's own output for ``text`` (spoken form), cached."""
        return self._make({"tts": self.identity, "text": text}, self.engine.suffix,
                          lambda tmp: self.engine.synthesize(text, tmp))

    def speech(self, text: str) -> Path:
        """``text`` (spoken form) synthesised and loudness-normalised."""
        if not text.strip():
            raise TTSError("Đoạn đọc rỗng.")
        raw = self.raw(text)
        return self._normalized(self._key(tts=self.identity, text=text), raw, self.loud)

    def recording(self, path: Path) -> Path:
        """A human-read voice-over file, loudness-normalised like synthesised speech."""
        return self._normalized(self._key(recording=sha256_file(path)), Path(path), self.loud)

    def _normalized(self, key: dict, src: Path, loud: audio.Loudness) -> Path:
        """Cached normalised WAV, with its measured loudness beside it (``.loud.json``)."""
        final = self.cache.path(sha256_json(key), ".wav")

        def make(tmp: Path) -> None:
            lufs, peak = audio.normalize(src, tmp, loud)
            atomic_write_json(_loudness_file(final), {"lufs": lufs, "true_peak": peak})

        return self._make(key, ".wav", make)

    def jingle(self, kind: str) -> Path:
        raw = self._make(jingle.recipe(kind), ".raw.wav", lambda tmp: jingle.synthesize(kind, tmp))
        return self._normalized(self._key(**jingle.recipe(kind)), raw,
                                audio.Loudness(self.loud.target_lufs, self.loud.true_peak_db, 0))

    # --- encoded MP3 segments that join byte by byte ----------------------------------

    @cached_property
    def mp3_gain_db(self) -> float:
        """The encoder's loudness loss at this bitrate, measured once and cached."""
        key = self._key(calibration="mp3", kbps=self.bitrate_kbps, ffmpeg=audio.ffmpeg_version())
        path = self._make(key, ".txt", lambda tmp: audio.mp3_offset(tmp, self.bitrate_kbps, self.loud))
        return float(path.read_text())

    def segment(self, wav: Path, pause_s: float) -> Segment:
        """``wav`` followed by ``pause_s`` of silence, as a bare MP3 segment on the loudness target,
        with what ``ebur128`` measured of it (``audio.encode_on_target``) in its sidecar."""
        key = self._key(wav=wav.name, pause=pause_s, kbps=self.bitrate_kbps, gain=self.mp3_gain_db)
        final = self.cache.path(sha256_json(key), ".mp3")
        if not final.exists() or not _loudness_file(final).exists():
            def make(tmp: Path) -> None:
                with tempfile.TemporaryDirectory() as work:
                    padded = Path(work) / "padded.wav"
                    audio.join([wav, pause_s], padded)
                    got = audio.encode_on_target(padded, tmp, self.bitrate_kbps, self.loud, loudness_of(wav),
                                                 self.mp3_gain_db)
                atomic_write_json(_loudness_file(final), {"lufs": got.lufs, "true_peak": got.true_peak,
                                                          "blocks": got.blocks})

            self._make(key, ".mp3", make)
        data = json.loads(_loudness_file(final).read_text())
        return Segment(final, data["lufs"], data["true_peak"], tuple(data["blocks"]))


MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def check_settings(settings) -> None:
    """Clear errors for audio settings the chain cannot honour, naming the campaign.yaml field."""
    if settings.bitrate_kbps not in MP3_BITRATES:
        raise audio.AudioError(f"campaign.yaml: audio.bitrate_kbps: {settings.bitrate_kbps} không phải tốc độ MP3 "
                               f"hợp lệ; dùng 128 (mặc định) hoặc 64 cho loa IP băng thông thấp.")
    if settings.sample_rate != audio.RATE:
        raise audio.AudioError(f"campaign.yaml: audio.sample_rate: bản tin luôn là {audio.RATE} Hz; bỏ trường này "
                               f"hoặc đặt {audio.RATE}.")
    if not -40 <= settings.target_lufs <= -5 or settings.true_peak_db > 0:
        raise audio.AudioError("campaign.yaml: audio.target_lufs / true_peak_db: cần độ lớn từ -40 đến -5 LUFS "
                               "(-16 mặc định, -23 theo EBU R128) và đỉnh thực không quá 0 dBTP (-1.5 mặc định).")


def _loudness_file(path: Path) -> Path:
    return path.with_name(path.name + ".loud.json")


def loudness_of(path: Path) -> tuple[float, float]:
    """Measured loudness of a cached file, from its sidecar (or measured now if it has none)."""
    side = _loudness_file(path)
    if side.exists():
        data = json.loads(side.read_text())
        return data["lufs"], data["true_peak"]
    return audio.measure(path)


def find_voiceover(root: str | Path, brief_id: str) -> Path | None:
    """``voiceovers/<brief id>.<wav|mp3|m4a|ogg|flac>`` in the campaign folder, if there is one."""
    folder = Path(root) / "voiceovers"
    for suffix in VOICEOVER_SUFFIXES:
        path = folder / f"{brief_id}{suffix}"
        if path.is_file():
            return path
    return None
