"""Videos: real renders probed with ffprobe, subtitles checked on the frame."""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from PIL import Image

from studio.video import ffmpeg, subtitles
from studio.video.timeline import Shot, Timeline, plan_shots

ROOT = Path(__file__).resolve().parent.parent
BRIEF = "dot1-y-nghia-thanh-tuu"
LONG = ("Đại hội đại biểu Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025-2030 là đợt sinh hoạt chính trị quan trọng, "
        "tiến tới Đại hội đại biểu toàn quốc lần thứ XIV của Đảng; Nhân dân kỳ vọng, tin tưởng.")


def probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def luminance(path: Path, t: float) -> float:
    raw = subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-ss", f"{t:.2f}", "-i", str(path), "-frames:v", "1",
                          "-vf", "scale=96:-2,format=gray", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    assert raw, "no frame decoded"
    return sum(raw) / len(raw)


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    def sec(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        assert lines[0].isdigit()
        start, end = lines[1].split(" --> ")
        cues.append((sec(start), sec(end), "\n".join(lines[2:])))
    return cues


@pytest.fixture(scope="module")
def short_campaign(tmp_path_factory) -> Path:
    """The example campaign with one brief cut short, so its narration lasts a few seconds."""
    import shutil

    root = tmp_path_factory.mktemp("video") / "campaign"
    shutil.copytree(ROOT / "examples" / "ninh-thuan-2025", root)
    path = root / "briefs" / f"{BRIEF}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["headline"] = "Hướng tới Đại hội Đảng bộ tỉnh lần thứ XV"
    data["key_messages"] = ["Toàn tỉnh thi đua lập thành tích, chào mừng Đại hội."]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def rendered(short_campaign, tmp_path_factory):
    """One 9:16 and one 16:9 video of the short brief, through the ``studio video`` command."""
    from typer.testing import CliRunner

    from studio.cli import app

    out = tmp_path_factory.mktemp("out")
    runner = CliRunner()
    videos = {}
    for ratio in ("9x16", "16x9"):
        result = runner.invoke(app, ["video", str(short_campaign), "--brief", BRIEF, "--format", ratio,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        videos[ratio] = next(out.rglob(f"{BRIEF}--video-{ratio}.mp4"))
    return videos


def video_context(campaign, out_root: Path, ratio: str = "16x9"):
    """The context the video renderer gives the brief's video job: its declared inputs."""
    from studio.build import BuildContext, job_context
    from studio.plan import expand

    job = next(j for j in expand(campaign) if j.format == f"video-{ratio}" and j.brief == BRIEF)
    return job_context(job, BuildContext(campaign, out_root))


def narration_seconds(short_campaign, out_root: Path) -> tuple[float, list]:
    from studio.loader import load_campaign
    from studio.video import sources

    campaign = load_campaign(short_campaign)
    voice = sources.narration(video_context(campaign, out_root), campaign.brief(BRIEF))
    return ffmpeg.audio_seconds(voice.audio_path), voice.segments


@pytest.mark.parametrize("ratio,size", [("9x16", (1080, 1920)), ("16x9", (1920, 1080))])
def test_streams_duration_and_faststart(rendered, short_campaign, ratio, size):
    mp4 = rendered[ratio]
    info = probe(mp4)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert (video["width"], video["height"]) == size
    assert video["codec_name"] == "h264" and video["pix_fmt"] == "yuv420p"
    assert audio and audio[0]["codec_name"] == "aac"
    voice, _ = narration_seconds(short_campaign, mp4.parents[4])
    # Duration = opening card + narration + closing card (to the frame, plus AAC's last packet).
    assert abs(float(info["format"]["duration"]) - (voice + 2 * 3.0)) < 0.1
    head = mp4.read_bytes()[:1 << 16]
    assert b"moov" in head and head.index(b"moov") < (head.index(b"mdat") if b"mdat" in head else 1 << 16)
    poster = mp4.with_name(mp4.name.replace(".mp4", ".poster.png"))
    with Image.open(poster) as im:
        assert im.size == size


def test_srt_timings_cover_narration(rendered, short_campaign):
    mp4 = rendered["9x16"]
    srt = mp4.with_suffix(".srt").read_text(encoding="utf-8")
    cues = parse_srt(srt)
    voice, segments = narration_seconds(short_campaign, mp4.parents[4])
    assert len(cues) >= len(segments) >= 2
    for (s1, e1, _), (s2, e2, _) in zip(cues, cues[1:]):
        assert s1 < e1 <= s2 < e2
    assert abs(cues[0][0] - (3.0 + segments[0][0])) < 0.05
    assert abs(cues[-1][1] - (3.0 + segments[-1][1])) < 0.05
    for start, end, _ in segments:  # every sentence is on screen while it is read
        assert any(s <= 3.0 + start + 0.04 and 3.0 + end - 0.04 <= e for s, e, _ in cues) or \
            sum(min(e, 3.0 + end) - max(s, 3.0 + start) for s, e, _ in cues if e > 3.0 + start and s < 3.0 + end) \
            >= end - start - 0.08
    assert segments[-1][1] >= voice - 0.5  # the sentences span the whole voice track
    for _, _, text in cues:
        assert unicodedata.is_normalized("NFC", text)
    spoken = " ".join(" ".join(t.split()) for _, _, t in cues)  # a cue is on its drawn lines
    assert "Hướng tới Đại hội" in spoken and "thi đua" in spoken


def test_frames_are_not_black(rendered):
    mp4 = rendered["16x9"]
    duration = float(probe(mp4)["format"]["duration"])
    for t in (1.0, duration / 2, duration - 1.0):
        assert luminance(mp4, t) > 30


def test_subtitle_on_frame_not_clipped(rendered, short_campaign, tmp_path):
    """The frame at a cue's middle shows the subtitle box inside the frame; saved for a look."""
    mp4 = rendered["9x16"]
    cues = parse_srt(mp4.with_suffix(".srt").read_text(encoding="utf-8"))
    start, end, _ = cues[0]
    frame = tmp_path / "frame.png"
    subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{(start + end) / 2:.2f}", "-i", str(mp4),
                    "-frames:v", "1", str(frame)], check=True)
    with Image.open(frame) as im:
        assert im.size == (1080, 1920)
        gray = im.convert("L")
        # The dark subtitle box sits above the bottom fifth, with white text inside it.
        band = gray.crop((0, 1100, 1080, 1920 - 380))
        dark = sum(1 for v in band.getdata() if v < 60)
        bright = sum(1 for v in band.getdata() if v > 220)
        assert dark > 20000 and bright > 2000


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080), (1080, 1080)])
def test_cue_image_fits_and_keeps_marks(size):
    """Each line of a long Vietnamese sentence fits the frame; no mark touches the box edge."""
    font = subtitles.subtitle_font(None, LONG)
    style = subtitles.Style.for_frame(*size, font)
    cues = subtitles.split_cues([(0.0, 9.0, LONG)], style)
    assert len(cues) >= 2
    assert " ".join(c.text for c in cues) == LONG
    for cue in cues:
        assert len(subtitles.wrap(cue.text, style)) <= style.max_lines
        image = subtitles.cue_image(cue.text, style)
        assert image.width <= size[0] - 2 * round(size[0] * 0.07) + 2 * style.pad + 2
        white = image.convert("RGBA").point(lambda v: 255 if v > 200 else 0).convert("L")
        left, top, right, bottom = white.getbbox()
        assert left > 2 and top > 2 and right < image.width - 2 and bottom < image.height - 2


def test_plan_shots_duration_is_cards_plus_narration():
    stills = [Path("a.png"), Path("b.png"), Path("c.png")]
    for voice in (2.3, 7.0, 19.96, 44.12):
        shots = plan_shots((Path("o.png"), Path("c.png")), stills, voice, card_seconds=3.0, crossfade=0.5)
        tl = Timeline(1080, 1920, shots, crossfade=0.5)
        assert abs(tl.duration - (voice + 6.0)) <= 0.04 + 1e-9
        assert all(s.duration > 0.5 for s in shots)
        assert max(s.duration for s in shots[1:-1]) <= 9.5
        # The voice starts when the opening card is half faded out.
        assert abs(tl.offsets()[1] + 0.25 - 3.0) <= 0.04 + 1e-9


def test_srt_text_format():
    style = subtitles.Style.for_frame(1920, 1080, subtitles.subtitle_font(None, "Xin chào"))
    cues = subtitles.split_cues([(0.0, 1.5, "Xin chào."), (3720.0, 3723.25, "Hẹn gặp lại.")], style)
    text = subtitles.srt_text(cues, style)
    assert text.startswith("1\n00:00:00,000 --> 00:00:01,520\nXin chào.\n")  # snapped to 25 fps frames
    assert "01:02:00,000 --> 01:02:03,240\nHẹn gặp lại.\n" in text


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_cues_and_lines_break_where_phrases_meet(size):
    """A subtitler's breaks: after a comma or before the word that opens a phrase; never after "của" or
    "và", inside "lần thứ XV", or at the dash of "kinh tế - xã hội" (each was a break before)."""
    sentences = [
        "Đại hội Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025-2030 là sự kiện chính trị quan trọng của toàn Đảng bộ "
        "và Nhân dân trong tỉnh.",
        "Phát triển kinh tế - xã hội nhanh và bền vững, bảo đảm quốc phòng, an ninh trên địa bàn tỉnh Ninh Thuận "
        "trong giai đoạn mới.",
        "Ban Chỉ huy Phòng chống thiên tai và Tìm kiếm cứu nạn xã Thạch Hải đề nghị bà con di dời đến nơi an toàn "
        "trước 17 giờ chiều nay.",
        "Hướng về Đại hội Đảng bộ tỉnh lần thứ XV",  # 9:16 set "Hướng / về Đại hội…": a lone word over a line
    ]
    style = subtitles.Style.for_frame(*size, subtitles.subtitle_font(None, " ".join(sentences)))
    for sentence in sentences:
        cues = subtitles.split_cues([(0.0, len(sentence) / 13, sentence)], style)
        assert " ".join(c.text for c in cues) == sentence
        cue_lines = [subtitles.wrap(cue.text, style) for cue in cues]
        assert all(len(pair) == 1 or min(len(line.split()) for line in pair) >= 2 for pair in cue_lines), cue_lines
        lines = [line for pair in cue_lines for line in pair]
        assert all(len(line) <= subtitles.MAX_CHARS for line in lines) and (len(cues) >= 2 or len(sentence) < 50)
        for line in lines:
            last, first = line.split()[-1], line.split()[0]
            assert last not in {"của", "và", "-", "lần", "thứ"} and first != "-", (size, lines)
    wide = subtitles.Style.for_frame(1920, 1080, style.font)
    first = subtitles.split_cues([(0.0, 9.0, sentences[0])], wide)[0]
    assert subtitles.wrap(first.text, wide) == ["Đại hội Đảng bộ tỉnh lần thứ XV,", "nhiệm kỳ 2025-2030"]


def test_a_change_in_line_breaking_reaches_cached_cue_pictures(tmp_path, monkeypatch):
    """Cue pictures are shared through the cache: a new rule for where lines break (words.VERSION) must
    make them again, or an incremental build keeps the old lines where a clean one draws the new."""
    from studio.artifacts import Cache
    from studio.video.timeline import Cue
    from studio.visual import words

    style = subtitles.Style.for_frame(1080, 1920, subtitles.subtitle_font(None, "Hướng về Đại hội"))
    cache = Cache(tmp_path / "cache")
    [before] = subtitles.overlays([Cue(0.0, 2.0, "Hướng về Đại hội")], style, tmp_path, cache)
    assert subtitles.overlays([Cue(0.0, 2.0, "Hướng về Đại hội")], style, tmp_path, cache)[0].image == before.image
    monkeypatch.setattr(words, "VERSION", words.VERSION + 1)
    [after] = subtitles.overlays([Cue(0.0, 2.0, "Hướng về Đại hội")], style, tmp_path, cache)
    assert after.image != before.image


def test_subtitles_draw_typographic_quotes_and_keep_a_figure_with_its_unit():
    said = ('Hưởng ứng phong trào "Ngày thứ Bảy tình nguyện", lượng mưa đo được 312,5\u00a0mm, các xã, '
            "phường đã di dời 1.250\u00a0hộ dân đến nơi an toàn trước khi bão đổ bộ vào đất liền.")
    style = subtitles.Style.for_frame(1080, 1920, subtitles.subtitle_font(None, said))
    cues = subtitles.split_cues([(0.0, 9.0, said)], style)
    shown = " ".join(c.text for c in cues)
    assert len(cues) >= 2 and "“Ngày thứ Bảy tình nguyện”" in shown and '"' not in shown
    assert "312,5\u00a0mm" in shown and "1.250\u00a0hộ" in shown  # a cue never ends between them
    assert "“Ngày thứ Bảy tình nguyện”" in subtitles.srt_text(cues, style).replace("\n", " ")


def test_music_bed_ducked_under_voice(tmp_path):
    """A music bed plays alone on the cards and drops by more than 6 dB while the voice speaks.

    The "voice" is a 1 kHz tone and the music a 60 Hz tone, so a low-pass isolates the music.
    """
    for name, color in (("a.png", "#C8102E"), ("b.png", "#FFCD00")):
        Image.new("RGB", (320, 180), color).save(tmp_path / name)
    voice, music = tmp_path / "voice.wav", tmp_path / "music.wav"
    for path, source in ((voice, "sine=frequency=1000:duration=3"), (music, "sine=frequency=60:duration=2")):
        subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", source, str(path)], check=True)
    shots = plan_shots((tmp_path / "a.png", tmp_path / "b.png"), [tmp_path / "b.png"], 3.0, card_seconds=2.0)
    tl = Timeline(320, 180, shots, voice=voice, voice_start=2.0, music=music, music_db=-6)
    out = ffmpeg.render(tl, tmp_path / "m.mp4")
    assert abs(float(probe(out)["format"]["duration"]) - 7.0) < 0.1  # music loops, length unchanged

    def music_level(start: float, length: float) -> float:
        err = subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "info", "-ss", str(start), "-t", str(length), "-i", str(out),
                              "-map", "0:a", "-af", "lowpass=f=150,lowpass=f=150,volumedetect", "-f", "null", "-"],
                             capture_output=True, text=True).stderr
        return float(re.search(r"mean_volume: (-?[\d.]+) dB", err).group(1))

    alone = music_level(1.0, 0.8)  # opening card, after the bed's 1 s fade-in
    under_voice = music_level(3.0, 1.5)
    assert -45 < alone < -15
    assert under_voice < alone - 6


def test_bad_input_errors(short_campaign, tmp_path):
    from typer.testing import CliRunner

    from studio.cli import app

    result = CliRunner().invoke(app, ["video", str(short_campaign), "--brief", "khong-co", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Không có tin bài" in result.output
    result = CliRunner().invoke(app, ["video", str(short_campaign), "--brief", BRIEF, "--format", "4x3",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Khung hình" in result.output
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    tl = Timeline(320, 180, [Shot(broken, 1.0)])
    with pytest.raises(ffmpeg.VideoError, match="ffmpeg"):
        ffmpeg.render(tl, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists() and not list(tmp_path.glob(".x.mp4*"))


def test_filtergraph_matches_moviepy_composition(tmp_path):
    """The ffmpeg render and moviepy's frame-by-frame composition of one timeline agree frame for frame."""
    import numpy as np

    from studio.video.timeline import Overlay, to_moviepy

    colors = ("#C8102E", "#FFCD00", "#1A6FB0")
    paths = []
    for i, color in enumerate(colors):
        im = Image.new("RGB", (320, 180), color)
        im.paste((255, 255, 255), (40 * i + 20, 40, 40 * i + 80, 120))
        paths.append(tmp_path / f"s{i}.png")
        im.save(paths[-1])
    style = subtitles.Style.for_frame(320, 180, subtitles.subtitle_font(None, "Chào"))
    cue = subtitles.cue_image("Chào mừng Đại hội", style)
    cue.save(tmp_path / "cue.png")
    shots = [Shot(p, 2.0) for p in paths]
    tl = Timeline(320, 180, shots, crossfade=0.5, overlays=[Overlay(tmp_path / "cue.png", 1.0, 3.0, 40, 120)])
    out = ffmpeg.render(tl, tmp_path / "m.mp4")
    reference = to_moviepy(tl)
    for t in (0.52, 1.76, 2.52, 4.4):  # plain, inside a crossfade with subtitle, subtitle, last shot
        raw = subprocess.run([ffmpeg.ffmpeg_exe(), "-v", "error", "-i", str(out),
                              "-vf", f"select=eq(n\\,{round(t * 25)})",
                              "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                             capture_output=True, check=True).stdout
        ours = np.frombuffer(raw, np.uint8).reshape(180, 320, 3).astype(int)
        theirs = reference.get_frame(round(t * 25) / 25).astype(int)
        assert np.abs(ours - theirs).mean() < 8, t


def test_inputs_follow_voice_and_templates(example_campaign, tmp_path):
    """A change of voice settings re-renders the videos; the stills' templates are part of the inputs."""
    from studio.build import BuildContext
    from studio.plan import RenderJob
    from studio.video import VideoRenderer

    renderer = VideoRenderer()
    job = RenderJob("dot-1", "truyen-hinh", "video-16x9", "video", "ninh-thuan", BRIEF)
    before = renderer.inputs(job, BuildContext(example_campaign, tmp_path))
    assert any(p.endswith("key-number.yaml") for p in before.files.values())
    assert any(p.endswith("_frame.yaml") for p in before.files.values())  # what the stills include, too
    assert any(p.endswith(".ttf") for p in before.files.values())
    south = example_campaign.audio.model_copy(update={"voice": "vi-vn-x-south"})
    changed = example_campaign.model_copy(update={"audio": south})
    assert renderer.inputs(job, BuildContext(changed, tmp_path)).digest() != before.digest()


def test_square_timeline_fits_the_frame(rendered, short_campaign):
    """1:1: cards and stills at 1080×1080, every subtitle inside the frame (no encode needed)."""
    from studio.loader import load_campaign
    from studio.video.compose import timeline_for

    campaign = load_campaign(short_campaign)
    ctx = video_context(campaign, rendered["9x16"].parents[4])  # same cache: the narration is reused
    tl, cues, _, _ = timeline_for(ctx, campaign.brief(BRIEF), 1080, 1080)
    assert len(tl.shots) >= 3 and cues
    for shot in tl.shots:
        with Image.open(shot.image) as im:
            assert im.size == (1080, 1080)
    for ov in tl.overlays:
        with Image.open(ov.image) as im:
            assert 0 <= ov.x and ov.x + im.width <= 1080 and 0 <= ov.y and ov.y + im.height <= 1080


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_subtitles_never_cover_the_picture(short_campaign, tmp_path, size):
    """Stills are laid out above a band where only the brand background goes on; every cue box sits
    inside that band."""
    from studio.loader import load_campaign
    from studio.video import sources

    width, height = size
    campaign = load_campaign(short_campaign)
    ctx = video_context(campaign, tmp_path)
    brief = campaign.brief(BRIEF)
    voice = sources.narration(ctx, brief)
    style = subtitles.Style.for_frame(width, height, subtitles.subtitle_font(campaign.brand.fonts, "Đại hội"))
    band = style.band()
    for overlay in subtitles.overlays(subtitles.split_cues(voice.segments, style), style, tmp_path):
        with Image.open(overlay.image) as im:
            assert height - band <= overlay.y and overlay.y + im.height <= height - style.bottom
    primary = tuple(int(campaign.brand.colors["primary"][i:i + 2], 16) for i in (1, 3, 5))
    still = sources.stills(ctx, brief, width, height, reserve=band)[0]
    with Image.open(still) as im:
        assert im.size == size
        assert set(im.convert("RGB").crop((0, height - band, width, height)).getdata()) == {primary}
        assert len(set(im.convert("RGB").crop((0, 0, width, height - band)).getdata())) > 10


def test_a_change_in_line_breaking_renders_every_laid_out_job_again(example_campaign, tmp_path, monkeypatch):
    """Where lines may break (words.VERSION) is an input of every job that lays text out: visuals, decks,
    videos (whose cached cards, stills and cue pictures it keys too), and of no bulletin."""
    from studio import plugins
    from studio.build import BuildContext
    from studio.plan import expand
    from studio.visual import words

    ctx = BuildContext(example_campaign, tmp_path)
    jobs = {}
    for job in expand(example_campaign, ["dot-1"]):
        jobs.setdefault(job.kind, job)
    assert {"visual", "deck", "video", "bulletin"} <= set(jobs)

    def digests() -> dict[str, str]:
        return {kind: plugins.load()[kind].inputs(job, ctx).digest() for kind, job in jobs.items()}

    before = digests()
    monkeypatch.setattr(words, "VERSION", words.VERSION + 1)
    after = digests()
    assert {kind for kind in jobs if after[kind] != before[kind]} == set(jobs) - {"bulletin"}
