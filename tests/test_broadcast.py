"""Videos a TV station and a social platform accept: loudness measured on the built files (EBU R128),
BT.709 colour, subtitle sidecars within the common limits (read with the ``srt`` package), and an
emergency's cards in its notice colours. Both examples are built once (videos only)."""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
import srt
from conftest import EXAMPLES
from PIL import Image

from studio.context import keep_phrases
from studio.formats import BROADCAST_LOUDNESS, SOCIAL_LOUDNESS
from studio.video import ffmpeg, subtitles
from studio.video.timeline import Shot, Timeline
from studio.visual.words import groups

SUMMARY = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+) LUFS.*True peak:\s+Peak:\s+(-?[\d.]+) dBFS", re.S)


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file's sound, as ffmpeg's R128 meter reads it."""
    err = subprocess.run([ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a",
                          "-af", "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True).stderr
    lufs, peak = SUMMARY.search(err[err.rfind("Summary:"):]).groups()
    return float(lufs), float(peak)


def ffprobe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


@pytest.fixture(scope="module", params=EXAMPLES, ids=lambda p: p.name)
def videos(request, example_build):
    """``(campaign, [(manifest entry, mp4 path)])`` of an example's videos as built."""
    campaign, out = example_build(request.param, ("video",))
    found = []
    for manifest in sorted(out.glob("*/manifest.json")):
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["artifacts"]:
            if entry["media_type"] == "video/mp4":
                found.append((entry, out / entry["path"]))
    assert found
    return campaign, found


def test_tv_videos_on_ebu_r128_and_social_on_its_target(videos):
    """TV (``truyen-hinh``, 16:9): −23 ±0.5 LUFS, true peak ≤ −1 dBTP; social (9:16): −16 ±0.5 LUFS, ≤ −1 dBTP,
    measured on the encoded files; the manifest records what was measured."""
    campaign, found = videos
    channels = {entry["channel"] for entry, _ in found}
    assert {"truyen-hinh", "mang-xa-hoi"} <= channels
    for entry, mp4 in found:
        target, ceiling = BROADCAST_LOUDNESS if entry["channel"] == "truyen-hinh" else SOCIAL_LOUDNESS
        lufs, peak = ebur128(mp4)
        assert abs(lufs - target) <= 0.5, (mp4.name, lufs)
        assert peak <= ceiling, (mp4.name, peak)
        assert abs(entry["meta"]["lufs"] - lufs) <= 0.15 and entry["meta"]["true_peak_db"] <= ceiling


def test_hd_colour_is_bt709(videos):
    _, found = videos
    for _, mp4 in found:
        video = next(s for s in ffprobe(mp4)["streams"] if s["codec_type"] == "video")
        assert (video["color_primaries"], video["color_transfer"], video["color_space"], video["color_range"]) == \
            ("bt709", "bt709", "bt709", "tv"), mp4.name


def test_rgb_to_yuv_uses_the_bt709_matrix(tmp_path):
    """A brand red still decodes to BT.709's Y'CbCr (limited range), not BT.601's: the matrix, not only the tags."""
    Image.new("RGB", (320, 180), "#C8102E").save(tmp_path / "red.png")
    for motion in ("none", "pan-right"):
        out = ffmpeg.render(Timeline(320, 180, [Shot(tmp_path / "red.png", 1.0, motion)]), tmp_path / f"{motion}.mp4")
        raw = subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(out), "-frames:v", "1",
                              "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"], capture_output=True, check=True).stdout
        n = 320 * 180
        y, cb, cr = raw[n // 2 + 160], raw[n + n // 8 + 80], raw[n + n // 4 + n // 8 + 80]
        r, g, b = 200 / 255, 16 / 255, 46 / 255
        bt709 = (16 + 219 * (0.2126 * r + 0.7152 * g + 0.0722 * b), 128 + 224 * (b - (0.2126 * r + 0.7152 * g
                 + 0.0722 * b)) / 1.8556, 128 + 224 * (r - (0.2126 * r + 0.7152 * g + 0.0722 * b)) / 1.5748)
        assert abs(y - bt709[0]) <= 2 and abs(cb - bt709[1]) <= 2 and abs(cr - bt709[2]) <= 2, (motion, y, cb, cr)
        assert abs(y - (16 + 219 * (0.299 * r + 0.587 * g + 0.114 * b))) > 10  # BT.601 would give Y' ≈ 80


MARKUP = re.compile(r"<[^>]*>|\{\\|&[#\w]+;")


def check_srt(text: str, duration: float, keep: tuple[str, ...]) -> list[srt.Subtitle]:
    cues = list(srt.parse(text))
    assert cues
    for cue, following in zip(cues, cues[1:] + [None]):
        start, end = cue.start.total_seconds(), cue.end.total_seconds()
        lines = cue.content.split("\n")
        said = " ".join(lines)
        assert 0 <= start < end <= duration + 1e-6, cue
        assert len(lines) <= 2 and all(0 < len(line) <= 42 for line in lines), cue.content
        assert end - start <= 7.0 + 1e-6, cue
        assert len(said) / (end - start) <= 17.0 + 1e-6, (said, end - start)
        assert not MARKUP.search(cue.content) and unicodedata.is_normalized("NFC", cue.content), cue.content
        assert "\u00a0" not in cue.content
        # Lines break between words: no word group of the breaker spans two lines.
        cut, at = set(), 0
        for line in lines[:-1]:
            at += len(line.split(" "))
            cut.add(at)
        at = 0
        for group in groups(said, keep):
            assert not any(at < c < at + len(group) for c in cut), (group, lines)
            at += len(group)
        if following is not None:
            assert following.start > cue.start and following.start >= cue.end, (cue, following)
    return cues


def test_srt_sidecars_within_the_common_limits(videos):
    """Every .srt: ≤ 2 lines of ≤ 42 characters, ≤ 7 s, ≤ 17 characters/s, plain NFC text, lines broken
    between words, cues in order without overlap, inside the video."""
    campaign, found = videos
    keep = keep_phrases(campaign)
    for _, mp4 in found:
        duration = float(ffprobe(mp4)["format"]["duration"])
        check_srt(mp4.with_suffix(".srt").read_text(encoding="utf-8"), duration, keep)


def test_long_sentence_markup_and_fast_reading_make_cues_within_limits():
    """A 124-character sentence read in 11.4 s, markup and character references from a brief, and a short
    sentence read faster than 17 characters/s before a pause: cues within the limits, plain text, in sync."""
    long = ("Đại hội Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025-2030 là sự kiện chính trị quan trọng của toàn "
            "Đảng bộ và Nhân dân trong tỉnh.")
    fast = "Sơ tán <b>ngay</b> khỏi vùng trũng &amp; ven sông."
    segments = [(0.0, 11.4, long), (11.6, 13.2, fast), (15.0, 17.0, "Giữ liên lạc.")]
    for size in ((1920, 1080), (1080, 1920), (1080, 1080)):
        style = subtitles.Style.for_frame(*size, subtitles.subtitle_font(None, long))
        cues = subtitles.split_cues(segments, style, offset=3.0, until=23.0)
        text = subtitles.srt_text(cues, style)
        parsed = check_srt(text, 23.0, ())
        assert " ".join(c.content.replace("\n", " ") for c in parsed) == \
            long + " Sơ tán ngay khỏi vùng trũng & ven sông. Giữ liên lạc."
        said = next(c for c in parsed if "ven sông" in c.content)
        assert said.start.total_seconds() <= 3.0 + 11.6 + 0.5  # on screen when it is said, kept on after
        assert said.end.total_seconds() >= 3.0 + 13.2
        assert next(c for c in parsed if "Giữ" in c.content).start.total_seconds() == pytest.approx(18.0)
        for cue in cues:  # the burned-in cue is the .srt's cue
            assert len(subtitles.wrap(cue.text, style)) <= 2


def test_channel_loudness_wins_over_the_format_default(example_campaign):
    from studio.campaign import Loudness
    from studio.video import compose

    def loudness_for(campaign, channel, fmt):
        found = compose.loudness_for(campaign, channel, fmt)
        return found.target_lufs, found.true_peak_db

    assert loudness_for(example_campaign, "truyen-hinh", "video-16x9") == BROADCAST_LOUDNESS
    assert loudness_for(example_campaign, "mang-xa-hoi", "video-9x16") == SOCIAL_LOUDNESS
    assert loudness_for(example_campaign, "video", "video-1x1") == SOCIAL_LOUDNESS  # no channel carries it
    portal = example_campaign.channel("truyen-hinh").model_copy(update={"loudness": Loudness(target_lufs=-14)})
    changed = example_campaign.model_copy(update={"channels": [portal]})
    assert loudness_for(changed, "truyen-hinh", "video-16x9") == (-14.0, -1.0)
    with pytest.raises(ValueError, match="EBU R128: -23"):
        Loudness(target_lufs=-40)


def test_emergency_video_cards_in_notice_colours(example_build):
    """Hà Tĩnh's evacuation notice: its video's cards are on the notice's ground (as its stills), not the brand's."""
    campaign, out = example_build(next(p for p in EXAMPLES if p.name.startswith("ha-tinh")), ("video",))
    brief = campaign.brief("so-tan-khan-cap")
    assert brief.priority == "emergency"
    ground = campaign.brand.colors["emergency-ground"]
    ground = tuple(int(ground[i:i + 2], 16) for i in (1, 3, 5))
    mp4s = sorted(out.rglob("so-tan-khan-cap--video-*.mp4"))
    assert mp4s
    for mp4 in mp4s:
        duration = float(ffprobe(mp4)["format"]["duration"])
        for t in (0.5, duration - 0.5):  # opening card, closing card
            frame = subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-ss", f"{t:.2f}", "-i", str(mp4),
                                    "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "64x64", "-"],
                                   capture_output=True, check=True).stdout
            corner = frame[(20 * 64 + 3) * 3:(20 * 64 + 3) * 3 + 3]  # left edge, away from text and bars
            assert all(abs(a - b) <= 12 for a, b in zip(corner, ground)), (mp4.name, t, tuple(corner))
        with Image.open(mp4.with_name(mp4.name.replace(".mp4", ".poster.png"))) as poster:
            assert poster.convert("RGB").getpixel((5, poster.height // 3)) == ground
