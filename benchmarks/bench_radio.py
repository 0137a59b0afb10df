"""Radio benchmark: engine real-time factors and the time to produce every commune bulletin.

    .venv/bin/python benchmarks/bench_radio.py [--phase dot-1] [--all] [--baseline-sample 3]

Prints, all measured in this run:
- real-time factor (synthesis seconds / audio seconds) of each engine available offline,
  and of the post chain (two-pass loudness + MP3);
- the normaliser's throughput;
- the time to build all bulletins of a phase through ``studio.build.build`` (only the
  bulletin renderer loaded, the process pool of ``studio build``), cold and warm cache;
- the cost of measuring loudness after encoding (issue 16): a cold build with the segment
  encode as it was before (loudness predicted, not measured), and the time a second
  ``ebur128`` pass over every finished MP3 would add instead of gating the segments' blocks;
- the baseline: the same bulletins made without sharing (whole bulletin synthesised,
  two-pass loudnorm and MP3 per commune), timed on a sample and extrapolated; and the ratio;
- loudness of a sample of the built MP3s (ffmpeg ebur128).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio import plugins, renderers  # noqa: E402
from studio.build import build  # noqa: E402
from studio.loader import load_campaign  # noqa: E402
from studio.plan import briefs_for, expand  # noqa: E402
from studio.radio import audio  # noqa: E402
from studio.radio.normalize import normalizer_for  # noqa: E402
from studio.radio.script import build_script  # noqa: E402
from studio.radio.tts import EspeakNg, get_engine  # noqa: E402

EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"
TEXT = ("Đại hội đại biểu Đảng bộ tỉnh lần thứ mười lăm, nhiệm kỳ hai nghìn không trăm hai mươi lăm đến hai nghìn "
        "không trăm ba mươi là đợt sinh hoạt chính trị quan trọng, tiến tới Đại hội đại biểu toàn quốc lần thứ mười "
        "bốn của Đảng. Qua năm năm thực hiện Nghị quyết, tỉnh đạt nhiều thành tựu về phát triển kinh tế, xã hội.")


def rtf(engine, work: Path, runs: int = 3) -> tuple[float, float]:
    times, length = [], 0.0
    for i in range(runs):
        raw = work / f"{engine.name}-{engine.voice}-{i}{engine.suffix}"
        started = time.perf_counter()
        engine.synthesize(TEXT, raw)
        times.append(time.perf_counter() - started)
        wav = work / f"pcm-{i}.wav"
        audio.to_pcm(raw, wav)
        length = audio.duration(wav)
    return statistics.median(times) / length, length


def post_rtf(work: Path) -> float:
    raw = work / "post.wav"
    EspeakNg().synthesize(TEXT, raw)
    started = time.perf_counter()
    wav, mp3 = work / "post-n.wav", work / "post.mp3"
    measured = audio.normalize(raw, wav, audio.Loudness())
    audio.encode_on_target(wav, mp3, 128, audio.Loudness(), measured, 0.5)
    return (time.perf_counter() - started) / audio.duration(wav)


def baseline(campaign, jobs, work: Path, sample: int) -> float:
    """Seconds per bulletin without sharing: one synthesis, two-pass loudnorm and MP3 per commune."""
    tree = campaign.unit_tree()
    engine = EspeakNg()
    started = time.perf_counter()
    for job in jobs[:sample]:
        script = build_script(campaign, campaign.phase(job.phase), tree[job.unit], briefs_for(campaign, job, tree),
                              job.day)
        raw, wav = work / f"b-{job.unit}.wav", work / f"b-{job.unit}-n.wav"
        engine.synthesize(script.spoken_text, raw)
        loud = audio.Loudness()
        first = audio.run(["-i", str(raw), "-af", "highpass=f=120,loudnorm=I=-16:TP=-2.5:print_format=json",
                           "-f", "null", "-"], "đo")
        import json

        m = json.loads(first[first.rfind("{"):first.rfind("}") + 1])
        audio.run(["-y", "-i", str(raw), "-af",
                   f"highpass=f=120,loudnorm=I=-16:TP=-2.5:measured_I={m['input_i']}:measured_TP={m['input_tp']}"
                   f":measured_LRA={m['input_lra']}:measured_thresh={m['input_thresh']}:offset={m['target_offset']}"
                   ":linear=true,aresample=44100", "-ac", "1", "-c:a", "pcm_s16le", str(wav)], "chuẩn hóa")
        audio.encode_mp3(wav, work / f"b-{job.unit}.mp3", 128,
                         audio.Tags("t", "s", job.unit, job.phase, "", "normal"))
        del loud
    return (time.perf_counter() - started) / sample


def unmeasured(wav, target, bitrate_kbps, loud, measured, mp3_gain_db):
    """The segment encode before issue 16: one encode, loudness and true peak predicted from the WAV."""
    lufs, peak = measured
    gain = min(loud.target_lufs - lufs + mp3_gain_db, loud.true_peak_db - 0.3 - peak)
    audio.encode_segment(wav, target, bitrate_kbps, gain)
    return audio.Measurement(lufs + gain - mp3_gain_db, peak + gain)


def integrated_only(path: Path) -> float:
    """One integrated-loudness pass over a finished file (no true peak, no frame log): the cheapest re-measure."""
    stderr = audio.run(["-i", str(path), "-af", "ebur128=framelog=quiet", "-f", "null", "-"], "đo")
    return float(re.search(r"I:\s+(-?[\d.]+) LUFS", stderr[stderr.rfind("Summary:"):]).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase", default="dot-1")
    parser.add_argument("--all", action="store_true", help="every bulletin of the campaign (206), not one phase")
    parser.add_argument("--baseline-sample", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=2, help="cold builds before/after issue 16, alternated")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    campaign = load_campaign(EXAMPLE)
    work = Path(tempfile.mkdtemp(prefix="bench-radio-"))
    try:
        print(f"CPU: {os.cpu_count()} lõi; tải hệ thống: {os.getloadavg()[0]:.1f}")
        print("== Hệ số thời gian thực (giây tổng hợp / giây âm thanh; nhỏ hơn là nhanh hơn)")
        for voice in EspeakNg.VOICES:
            factor, length = rtf(EspeakNg(voice=voice), work)
            print(f"  espeak-ng {voice:16s} RTF {factor:.4f}  ({length:.1f} s âm thanh)")
        for name, why in (("gtts", "cần Internet, không đo ngoại tuyến"), ("piper", "cần STUDIO_PIPER_MODEL")):
            model = os.environ.get("STUDIO_PIPER_MODEL") if name == "piper" else None
            if model:
                factor, length = rtf(get_engine("piper", model), work)
                print(f"  piper {Path(model).name:20s} RTF {factor:.4f}  ({length:.1f} s âm thanh)")
            else:
                print(f"  {name:26s} bỏ qua: {why}")
        print(f"  hậu kỳ (2 lượt đo/chuẩn hóa + MP3)  RTF {post_rtf(work):.4f}")

        speak = normalizer_for()
        lines = [line for b in campaign.briefs for line in [b.headline, *b.key_messages, *b.body.splitlines()]]
        started = time.perf_counter()
        for line in lines:
            speak._speak(line)
        per_line = (time.perf_counter() - started) / len(lines)
        print(f"== Chuẩn hóa dạng đọc: {per_line * 1000:.1f} ms/dòng ({len(lines)} dòng, không dùng bộ nhớ đệm)")

        phases = None if args.all else campaign.phase_with_children(args.phase)
        jobs = [j for j in expand(campaign, phases) if j.kind == "bulletin"]
        plugins.load()
        only = {"bulletin": renderers.REGISTRY["bulletin"]}
        saved = dict(renderers.REGISTRY), plugins.BUILTIN
        renderers.REGISTRY.clear()
        renderers.REGISTRY.update(only)
        plugins.BUILTIN = ("studio.radio",)
        try:
            out = work / "out"

            def cold(measured: bool) -> float:
                """A cold build of the phase's bulletins, with the segment encode of now or of before issue 16."""
                shutil.rmtree(out, ignore_errors=True)
                patched, audio.encode_on_target = audio.encode_on_target, (
                    audio.encode_on_target if measured else unmeasured)  # pool workers fork: they see it
                try:
                    started = time.perf_counter()
                    report = build(campaign, out, phases, workers=args.workers)
                    assert report.ok, report.failures
                    return time.perf_counter() - started
                finally:
                    audio.encode_on_target = patched

            # Before and after alternate (the machine's load drifts); the fastest of each counts.
            times: dict[bool, list[float]] = {False: [], True: []}
            for turn in range(args.pairs):
                for measured in ((False, True) if turn % 2 == 0 else (True, False)):
                    times[measured].append(cold(measured))
            if args.pairs % 2 == 0:  # the last build was the old chain: the rest of the run needs the new one
                times[True].append(cold(True))
            before, after = min(times[False]), min(times[True])
            print(f"== {len(jobs)} bản tin, bộ nhớ đệm trống, chuỗi cũ (độ lớn ước tính, không đo sau mã hóa): "
                  f"{before:.1f} s (nhanh nhất của {', '.join(f'{t:.1f}' for t in times[False])})")
            print(f"== {len(jobs)} bản tin ({'cả chiến dịch' if args.all else args.phase}), bộ nhớ đệm trống: "
                  f"{after:.1f} s (nhanh nhất của {', '.join(f'{t:.1f}' for t in times[True])}; "
                  f"{after / len(jobs) * 1000:.0f} ms/bản tin, {args.workers} tiến trình)")
            print(f"   đo độ lớn sau mã hóa (từng đoạn, cộng khối): ×{after / before:.2f} so với chuỗi cũ")
            mp3s = sorted((out / campaign.id).rglob("*.mp3"))
            started = time.perf_counter()
            with ProcessPoolExecutor(args.workers) as pool:
                list(pool.map(integrated_only, mp3s))
            again = time.perf_counter() - started
            print(f"   nếu đo lại từng tệp MP3 cuối bằng ebur128 (chỉ độ lớn tích hợp): +{again:.1f} s, "
                  f"×{(after + again) / before:.2f} so với chuỗi cũ")
            shutil.rmtree(out / campaign.id)  # warm: outputs removed, shared cache kept
            started = time.perf_counter()
            assert build(campaign, out, phases, workers=args.workers).ok
            warm = time.perf_counter() - started
            print(f"== {len(jobs)} bản tin, bộ nhớ đệm đầy (kết xuất lại, chỉ ghép): {warm:.1f} s "
                  f"({warm / len(jobs) * 1000:.0f} ms/bản tin)")
            results = [after, warm]
        finally:
            renderers.REGISTRY.clear()
            renderers.REGISTRY.update(saved[0])
            plugins.BUILTIN = saved[1]

        per = baseline(campaign, jobs, work, args.baseline_sample)
        naive = per * len(jobs) / args.workers
        print(f"== Cách làm không chia sẻ (mỗi xã tổng hợp + loudnorm 2 lượt + MP3): {per:.2f} s/bản tin "
              f"(đo {args.baseline_sample}), ước {naive:.0f} s cho {len(jobs)} bản tin với {args.workers} tiến trình")
        print(f"   tỷ lệ: nhanh hơn {naive / results[0]:.1f}× (đệm trống), {naive / results[1]:.0f}× (đệm đầy)")

        sample = sorted((out / campaign.id).rglob("*.mp3"))[:: max(1, len(jobs) // 6)]
        measured = [audio.measure(p) for p in sample]
        lufs = [m[0] for m in measured]
        print(f"== Độ lớn ({len(sample)} tệp mẫu): {min(lufs):.1f} … {max(lufs):.1f} LUFS (đích "
              f"{campaign.audio.target_lufs:g}), đỉnh thực lớn nhất {max(m[1] for m in measured):.1f} dBTP")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
