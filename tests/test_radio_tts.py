"""TTS engines: espeak-ng offline, gTTS against a fake local endpoint, auto fallback, piper's local model."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest

from studio.artifacts import Cache
from studio.build import BuildContext, run_job
from studio.campaign import AudioSettings
from studio.plan import RenderJob
from studio.radio import audio
from studio.radio.speech import Voice
from studio.radio.tts import GTTS, Auto, EspeakNg, TTSError, get_engine


def _mp3_bytes(tmp_path: Path) -> bytes:
    target = tmp_path / "tone.mp3"
    subprocess.run([audio.ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=440:d=1.5", "-ac", "1",
                    "-c:a", "libmp3lame", "-b:a", "64k", str(target)], check=True)
    return target.read_bytes()


class FakeGoogle(BaseHTTPRequestHandler):
    """Answers gTTS's batchexecute POST the way translate.google.com does (base64 MP3 in a JSON line)."""

    audio_bytes = b""
    delay = 0.0
    requests: list[str] = []

    def do_POST(self):  # noqa: N802 (http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        type(self).requests.append(body)
        time.sleep(self.delay)
        compact = {"separators": (",", ":")}
        payload = json.dumps([["wrb.fr", "jQ1olc", json.dumps([base64.b64encode(self.audio_bytes).decode()]),
                               None, None, None, "generic"]], **compact)
        data = (")]}'\n\n" + payload + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_google(tmp_path, monkeypatch):
    """A local HTTP server standing in for translate.google.com; gTTS's URL builder points at it."""
    import gtts.tts

    handler = type("Handler", (FakeGoogle,), {"audio_bytes": _mp3_bytes(tmp_path), "delay": 0.0, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    Auto.forget()
    yield handler
    server.shutdown()
    server.server_close()
    Auto.forget()


@pytest.fixture
def google_offline(monkeypatch):
    """gTTS's endpoint is a closed local port: what it sees without the internet."""
    import gtts.tts

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(gtts.tts, "_translate_url", lambda tld="com", path="": f"http://127.0.0.1:{port}/{path}")
    monkeypatch.delenv("STUDIO_OFFLINE", raising=False)
    Auto.forget()
    yield
    Auto.forget()


def test_espeak_voices(tmp_path):
    sizes = set()
    for voice in EspeakNg.VOICES:
        target = tmp_path / f"{voice}.wav"
        EspeakNg(voice=voice).synthesize("Đây là Đài truyền thanh xã Phước Hòa.", target)
        assert audio.duration(target) > 1.0
        sizes.add(target.stat().st_size)
    assert len(sizes) > 1  # the regional voices really differ


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(TTSError, match="espeak-ng"):
        get_engine("festival")


def test_gtts_against_fake_endpoint(fake_google, tmp_path):
    target = tmp_path / "out.mp3"
    GTTS(options={"timeout": 5}).synthesize("Ủy ban nhân dân tỉnh", target)
    assert target.read_bytes() == fake_google.audio_bytes
    assert "jQ1olc" in unquote(fake_google.requests[0])  # gTTS's own request reached the fake endpoint
    # and through the cached voice: normalised to the working format
    voice = Voice(Cache(tmp_path / "cache"), GTTS(options={"timeout": 5}), audio.Loudness())
    wav = voice.speech("Xin chào bà con.")
    assert abs(audio.duration(wav) - 1.5) < 0.2


def test_gtts_offline_is_a_clear_error_and_leaves_no_file(google_offline, tmp_path):
    target = tmp_path / "out.mp3"
    with pytest.raises(TTSError, match="Internet"):
        GTTS(options={"timeout": 3}).synthesize("Xin chào.", target)
    assert not target.exists()
    voice = Voice(Cache(tmp_path / "cache"), GTTS(options={"timeout": 3}), audio.Loudness())
    with pytest.raises(TTSError):
        voice.speech("Xin chào bà con.")
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.stat().st_size == 0]


def test_gtts_times_out(fake_google, tmp_path):
    fake_google.delay = 3.0
    started = time.monotonic()
    with pytest.raises(TTSError, match="Internet"):
        GTTS(options={"timeout": 0.5}).synthesize("Xin chào.", tmp_path / "slow.mp3")
    assert time.monotonic() - started < 2.5
    assert not (tmp_path / "slow.mp3").exists()


def test_auto_uses_gtts_when_it_answers(fake_google, tmp_path):
    voice = Voice.for_campaign(Cache(tmp_path), AudioSettings(), engine="auto")
    assert voice.engine_name == "gtts" and not voice.note


JOB = RenderJob("dot-3", "truyen-thanh-co-so", "bulletin", "bulletin", "my-son-2025")


@pytest.fixture(scope="module")
def espeak_cache(tmp_path_factory, example_path):
    """A cache holding the espeak-ng segments of one dot-3 bulletin, so fallback tests stay quick."""
    from studio.loader import load_campaign

    out = tmp_path_factory.mktemp("espeak-cache")
    run_job(JOB, BuildContext(load_campaign(example_path), out))
    return out / ".cache"


def _ctx_with_cache(campaign, out: Path, cache: Path, engine: str) -> BuildContext:
    import shutil

    shutil.copytree(cache, out / ".cache")
    return BuildContext(campaign, out, {"bulletin": {"engine": engine}})


def test_auto_falls_back_to_espeak_and_says_so(google_offline, example_campaign, espeak_cache, tmp_path):
    voice = Voice.for_campaign(Cache(tmp_path), AudioSettings(), engine="auto")
    assert voice.engine_name == "espeak-ng"
    assert "gTTS" in voice.note and "espeak-ng" in voice.note
    # in a build, the manifest records the engine used and why
    ctx = _ctx_with_cache(example_campaign, tmp_path / "out", espeak_cache, "auto")
    mp3 = run_job(JOB, ctx)[0]
    assert mp3.meta["engine"] == "espeak-ng" and mp3.meta["engine_requested"] == "auto"
    assert "gTTS" in mp3.meta["engine_note"]
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.stat().st_size == 0]


def test_auto_falls_back_when_gtts_fails_mid_build(fake_google, example_campaign, espeak_cache, tmp_path):
    """gTTS answers the probe, then fails: the bulletin is made with espeak-ng, and says so."""
    handler = fake_google
    original = handler.do_POST

    def flaky(self):
        if len(type(self).requests) >= 1:  # after the probe: the server errors
            type(self).requests.append("fail")
            self.send_error(500)
            return
        original(self)

    handler.do_POST = flaky
    ctx = _ctx_with_cache(example_campaign, tmp_path / "out", espeak_cache, "auto")
    mp3 = run_job(JOB, ctx)[0]
    assert mp3.meta["engine"] == "espeak-ng" and "gTTS" in mp3.meta["engine_note"]
    assert len(handler.requests) >= 2
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.stat().st_size == 0]


def test_piper_needs_a_local_model(tmp_path):
    with pytest.raises(TTSError, match="không tự tải"):
        get_engine("piper", str(tmp_path / "missing.onnx")).synthesize("Xin chào.", tmp_path / "x.wav")
    assert not (tmp_path / "x.wav").exists()


def test_bad_audio_settings_are_clear_errors(tmp_path):
    with pytest.raises(TTSError, match="audio.voice"):
        Voice.for_campaign(Cache(tmp_path), AudioSettings(voice="vi-bac"))
    with pytest.raises(audio.AudioError, match="audio.bitrate_kbps"):
        Voice.for_campaign(Cache(tmp_path), AudioSettings(bitrate_kbps=100))
    with pytest.raises(audio.AudioError, match="audio.sample_rate"):
        Voice.for_campaign(Cache(tmp_path), AudioSettings(sample_rate=48000))


FAKE_PIPER = """#!{python}
# Stands in for the piper CLI: same arguments, reads the text on stdin, writes a WAV.
import sys, wave, math
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
assert open(args["--model"], "rb").read(4) == b"ONNX"
text = sys.stdin.read()
with wave.open(args["--output_file"], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(22050)
    n = 22050 * max(1, len(text.split())) // 3
    w.writeframes(b"".join(int(8000 * math.sin(i / 8)).to_bytes(2, "little", signed=True) for i in range(n)))
"""


def test_piper_reads_a_local_model(tmp_path, monkeypatch):
    """The wrapper's contract with piper's CLI, against a stand-in executable (no voice ships offline)."""
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "piper"
    exe.write_text(FAKE_PIPER.format(python=sys.executable))
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    campaign_root = tmp_path / "campaign"
    (campaign_root / "voices").mkdir(parents=True)
    (campaign_root / "voices" / "vi.onnx").write_bytes(b"ONNX fake model")
    settings = AudioSettings(engine="piper", voice="voices/vi.onnx")
    voice = Voice.for_campaign(Cache(tmp_path / "cache"), settings, root=campaign_root)
    assert voice.engine_name == "piper"
    wav = voice.speech("Xin chào bà con xã Phước Hòa.")
    assert abs(audio.duration(wav) - 7 / 3) < 0.1
    lufs, peak = audio.measure(wav)
    assert abs(lufs - settings.target_lufs) <= 1.0 and peak <= settings.true_peak_db
    # a different model is a different voice: not served from the cache
    (campaign_root / "voices" / "vi.onnx").write_bytes(b"ONNX another model")
    other = Voice.for_campaign(Cache(tmp_path / "cache"), settings, root=campaign_root)
    assert other.identity != voice.identity
