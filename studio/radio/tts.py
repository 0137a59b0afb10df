"""Text-to-speech engines behind one small interface, with a registry by name.

An engine turns spoken-form text into an audio file. ``identity`` says what its
output depends on (engine version, voice, model bytes) so the cache can share a
synthesised item between every commune that broadcasts it. Engines:

- ``espeak-ng``: offline default (voices vi, vi-vn-x-central, vi-vn-x-south);
- ``gtts``: Google Translate's voice, online, opt-in, always with a timeout;
- ``piper``: a neural voice from a model file the user already has (never downloaded);
- ``auto``: gtts when it answers, otherwise espeak-ng, and says so.

A recorded voice-over (``voiceovers/<brief id>.<ext>`` in the campaign) replaces
the engine for its item; see ``studio.radio.bulletin``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from ..artifacts import atomic_write_bytes, file_digest


class TTSError(RuntimeError):
    """A synthesis that could not be done; the message is for the user (Vietnamese)."""


@dataclass
class Engine:
    """Base class: ``synthesize`` writes ``target`` (complete, never empty) or raises ``TTSError``."""

    name = ""
    suffix = ".wav"
    voice: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        return {"engine": self.name, "voice": self.voice}

    def synthesize(self, text: str, target: Path) -> None:
        raise NotImplementedError


ENGINES: dict[str, type[Engine]] = {}


def register(cls: type[Engine]) -> type[Engine]:
    ENGINES[cls.name] = cls
    return cls


def get_engine(name: str, voice: str = "", **options: Any) -> Engine:
    try:
        cls = ENGINES[name]
    except KeyError:
        raise TTSError(f"Không có bộ đọc {name!r}. Chọn một trong: {', '.join(sorted(ENGINES))}.") from None
    return cls(voice=voice, options=options)


def _check_written(target: Path, engine: str) -> None:
    if not target.exists() or target.stat().st_size == 0:
        target.unlink(missing_ok=True)
        raise TTSError(f"Bộ đọc {engine} không tạo ra âm thanh.")


def _run_cli(command: list[str], text: str, target: Path, engine: str, label: str) -> None:
    """Run a command-line engine; the text goes on stdin, never on the command line,
    so nothing in it is read as an option."""
    proc = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, check=False)
    if proc.returncode != 0:
        raise TTSError(f"{label} lỗi: {proc.stderr.decode(errors='replace').strip()[-500:]}")
    _check_written(target, engine)


@lru_cache(maxsize=1)
def _espeak_version() -> str:
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


@register
@dataclass
class EspeakNg(Engine):
    name = "espeak-ng"
    suffix = ".wav"
    VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")

    def __post_init__(self) -> None:
        self.voice = self.voice or "vi"
        if self.voice not in self.VOICES:
            raise TTSError(f"espeak-ng không có giọng {self.voice!r}; chọn một trong {', '.join(self.VOICES)}.")

    @property
    def speed(self) -> int:
        return int(self.options.get("speed", 150))  # words (syllables) per minute

    def identity(self) -> dict[str, Any]:
        return {**super().identity(), "speed": self.speed, "version": _espeak_version()}

    def synthesize(self, text: str, target: Path) -> None:
        if shutil.which("espeak-ng") is None:
            raise TTSError("Chưa cài espeak-ng (gói Debian espeak-ng): chạy bash scripts/dev để cài.")
        _run_cli(["espeak-ng", "-v", self.voice, "-s", str(self.speed), "-w", str(target)], text, target,
                 self.name, "espeak-ng")


@register
@dataclass
class GTTS(Engine):
    """gTTS needs the internet; it gets a timeout and its bytes are written only when complete."""

    name = "gtts"
    suffix = ".mp3"

    @property
    def timeout(self) -> float:
        return float(self.options.get("timeout", 15))

    def identity(self) -> dict[str, Any]:
        from gtts.version import __version__

        return {"engine": self.name, "lang": "vi", "tld": self.options.get("tld", "com"), "version": __version__}

    def synthesize(self, text: str, target: Path) -> None:
        from gtts import gTTS, gTTSError

        buffer = io.BytesIO()
        try:
            gTTS(text, lang="vi", tld=self.options.get("tld", "com"), timeout=self.timeout).write_to_fp(buffer)
        except (gTTSError, OSError, ValueError) as exc:
            raise TTSError(f"gTTS không đọc được (cần Internet tới máy chủ Google, chờ tối đa {self.timeout:g} giây): "
                           f"{exc}. Dùng --engine espeak-ng để đọc ngoại tuyến, hoặc --engine auto.") from exc
        if not buffer.getbuffer().nbytes:
            raise TTSError("gTTS trả về tệp rỗng; thử lại sau hoặc dùng --engine espeak-ng.")
        atomic_write_bytes(target, buffer.getvalue())


@register
@dataclass
class Piper(Engine):
    """Piper with a voice model (``.onnx`` + ``.onnx.json``) from a local path; never downloaded."""

    name = "piper"
    suffix = ".wav"

    def model(self) -> Path:
        path = Path(self.options.get("model") or self.voice or "")
        if not path.name or not path.is_file():
            raise TTSError(f"Không tìm thấy mô hình giọng Piper {str(path) or '(chưa chỉ định)'}. Studio không tự tải "
                           "mô hình: tải tệp .onnx (kèm .onnx.json) về máy rồi ghi đường dẫn vào audio.voice "
                           "trong campaign.yaml.")
        return path

    def identity(self) -> dict[str, Any]:
        return {"engine": self.name, "model": file_digest(self.model())}  # tens of MB: hashed once per version

    def synthesize(self, text: str, target: Path) -> None:
        model = self.model()
        exe = shutil.which("piper")
        if exe is None:
            raise TTSError("Chưa cài Piper: pip install piper-tts (chương trình piper phải có trong PATH).")
        _run_cli([exe, "--model", str(model), "--output_file", str(target)], text, target, self.name, "Piper")


@register
@dataclass
class Auto(Engine):
    """gTTS when it answers, else espeak-ng. ``resolve`` picks once per process and remembers why."""

    name = "auto"
    note: str = ""

    _offline_reason: ClassVar[str | None] = None  # one failed attempt is enough for the process
    _online_ok: ClassVar[bool] = False

    def resolve(self, probe_text: str = "Xin chào.") -> Engine:
        online = GTTS(voice=self.voice, options={**self.options, "timeout": self.options.get("timeout", 5)})
        if os.environ.get("STUDIO_OFFLINE"):
            Auto._offline_reason = Auto._offline_reason or "biến môi trường STUDIO_OFFLINE được đặt"
        if Auto._online_ok:
            return online
        if Auto._offline_reason is None:
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    online.synthesize(probe_text, Path(tmp) / "probe.mp3")
                    Auto._online_ok = True
                    return online
                except TTSError as exc:
                    Auto._offline_reason = str(exc)
        self.note = f"gTTS không dùng được, chuyển sang espeak-ng: {Auto._offline_reason}"
        return EspeakNg(voice=self.voice, options=self.options)

    @classmethod
    def give_up(cls, reason: str) -> None:
        """gTTS failed after all: use espeak-ng for the rest of the process."""
        cls._offline_reason, cls._online_ok = reason, False

    @classmethod
    def forget(cls) -> None:
        """Probe again on next use (after the network came back, in tests)."""
        cls._offline_reason, cls._online_ok = None, False


def resolve(engine: Engine) -> tuple[Engine, str]:
    """The concrete engine to use and a note for the user when it is not the one asked for."""
    if isinstance(engine, Auto):
        concrete = engine.resolve()
        return concrete, engine.note
    return engine, ""
