"""``studio validate`` is the build's dry run: what it accepts builds, what it rejects is located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image
from typer.testing import CliRunner

from studio.build import build
from studio.check import dry_run
from studio.cli import app
from studio.loader import CampaignError, load_campaign

runner = CliRunner()
WORDS = "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV thành công tốt đẹp "
BASE = {"phase": "dot-3", "title": "Kết quả Đại hội", "headline": "Đưa Nghị quyết vào cuộc sống",
        "key_messages": ["Tuyên truyền kết quả Đại hội."], "channels": ["hoi-nghi", "mxh"], "template": "key-number",
        "stats": [{"label": "Chỉ tiêu chủ yếu", "value": 24, "unit": "chỉ tiêu", "illustrative": True}]}
#: Briefs at the edges of what the renderers can draw; ``ok`` is in every campaign built below.
EDGES = {
    "ok": {},
    "long-headline": {"headline": (WORDS * 6).strip()},
    "headline-at-the-limit": {"headline": (WORDS * 2).strip()},
    "many-stats": {"template": "stat-chart", "stats": [
        {"label": f"Chỉ tiêu số {i}", "value": i * 10, "unit": "xã", "illustrative": True} for i in range(1, 13)]},
    "long-label": {"stats": [{"label": (WORDS * 6).strip(), "value": 5, "unit": "chỉ tiêu", "illustrative": True}]},
    "long-labels-in-cards": {"stats": [{"label": (WORDS * 3).strip() + f" {i}", "value": i, "unit": u,
                                        "illustrative": True} for i, u in enumerate(["xã", "hộ", "người", "km"])]},
    "many-messages": {"key_messages": [f"Ý chính số {i}: {WORDS.strip()}." for i in range(1, 16)]},
    "emoji": {"headline": "Chào mừng Đại hội 🎉"},
    "cjk-slogan": {"slogans": ["Đoàn kết 团结"]},
    "unknown-template": {"template": "../../etc/passwd"},
    "partial-template": {"template": "_frame"},
    "missing-image": {"images": [{"path": "images/khong-co.png", "alt": "ảnh"}]},
    "image-outside": {"images": [{"path": "../ngoai.png", "alt": "ảnh"}]},
    "webp-image": {"images": [{"path": "anh.webp", "alt": "ảnh"}]},
    "good-image": {"images": [{"path": "anh.png", "alt": "ảnh"}]},
    "missing-image-and-long-label": {"images": [{"path": "khong-co.png"}], "stats": [
        {"label": (WORDS * 6).strip(), "value": 5, "unit": "chỉ tiêu", "illustrative": True}]},
}


def trimmed(example: Path, target: Path, briefs: dict[str, dict]) -> Path:
    """The example's last phase with one infographic and the deck: small enough to build in a test."""
    target.mkdir(parents=True)
    shutil.copy(example / "units.yaml", target)
    data = yaml.safe_load((example / "campaign.yaml").read_text(encoding="utf-8"))
    data["phases"] = [p for p in data["phases"] if p["id"] == "dot-3"]
    data["channels"] = [{"id": "hoi-nghi", "name": "Hội nghị", "formats": ["deck-16x9"]},
                        {"id": "mxh", "name": "Mạng xã hội",
                         "formats": ["infographic-1080x1080", "poster-a3", "leaflet-a4"]}]
    (target / "campaign.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (target / "briefs").mkdir()
    for name, change in briefs.items():
        (target / "briefs" / f"{name}.yaml").write_text(
            yaml.safe_dump({"id": name, **BASE, **change}, allow_unicode=True), encoding="utf-8")
    for path in (target.parent / "ngoai.png", target / "anh.png", target / "anh.webp"):
        Image.new("RGB", (40, 30), "red").save(path)
    return target


def rejected(folder: Path) -> set[str]:
    """Brief files ``studio validate`` (loading, then the dry run) reports problems in."""
    try:
        problems = dry_run(load_campaign(folder))
    except CampaignError as exc:
        problems = exc.problems
    return {Path(p.file).stem for p in problems}


def build_failures(folder: Path, out: Path) -> set[str | None]:
    """The briefs (None: a phase-wide job, the deck) whose jobs the real build fails on."""
    try:
        report = build(load_campaign(folder), out, workers=1)
    except Exception:  # noqa: BLE001 — a build that cannot even plan fails as surely as a job
        return {None}
    assert report.rendered > 0
    return {f["brief"] for f in report.failures}


def test_every_brief_validate_accepts_builds_and_every_one_it_rejects_fails(example_path, tmp_path):
    """Each edge brief beside a good one: validate rejects it exactly when the real build fails."""
    disagree, accepted = {}, set()
    for name, change in EDGES.items():
        folder = trimmed(example_path, tmp_path / name / "campaign", {"ok": {}, name: change})
        says = rejected(folder)
        failed = build_failures(folder, tmp_path / name / "out")
        assert "ok" not in says | failed
        if (name in says) != bool(failed):
            disagree[name] = {"validate rejects": name in says, "build fails": sorted(map(str, failed))}
        if name not in says:
            accepted.add(name)
    assert not disagree
    # The edges are real: both outcomes occur.
    assert {"ok", "headline-at-the-limit", "many-stats", "good-image"} <= accepted
    assert {"long-headline", "emoji", "unknown-template", "missing-image", "image-outside"}.isdisjoint(accepted)


def line_of(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def test_every_problem_is_located_on_its_field(example_path, tmp_path):
    folder = trimmed(example_path, tmp_path / "c", EDGES)
    problems = dry_run(load_campaign(folder))
    by = {(Path(p.file).stem, p.field): p for p in problems}
    template = by[("unknown-template", "template")]
    assert template.line == line_of(folder / "briefs/unknown-template.yaml", "template:")
    (headline,) = [p for p in problems
                   if p.file == "briefs/long-headline.yaml" and "infographic-1080x1080" in p.message]
    assert headline.field == "headline"
    assert headline.line == line_of(folder / "briefs/long-headline.yaml", "headline:")
    assert "key-number" in template.message and "_frame" not in template.message.split("có sẵn:")[1]
    assert ("partial-template", "template") in by
    assert "không vừa khung" in headline.message
    assert "rút gọn còn khoảng" in headline.message
    keep = int(headline.message.split("rút gọn còn khoảng ")[1].split()[0])
    assert 40 < keep < len(EDGES["long-headline"]["headline"])
    assert "U+1F389" in by[("emoji", "headline")].message
    assert "U+56E2" in by[("cjk-slogan", "slogans[0]")].message
    assert "ngoài thư mục chiến dịch" in by[("image-outside", "images[0].path")].message
    assert ("long-label", "stats[0].label") in by
    # a broken image does not hide the brief's other problems
    assert {("missing-image-and-long-label", "images[0].path"), ("missing-image-and-long-label", "stats[0].label")} \
        <= set(by)
    assert "PNG hoặc JPEG" in by[("webp-image", "images[0].path")].message
    for p in problems:  # every problem is on a brief file, with a line
        assert p.file.startswith("briefs/") and p.line > 0, p


def test_the_advised_length_fits(example_path, tmp_path):
    """Shortening a field to the length validate advises makes it fit."""
    folder = trimmed(example_path, tmp_path / "c", {"long-headline": EDGES["long-headline"]})
    (problem,) = [p for p in dry_run(load_campaign(folder)) if "infographic" in p.message]
    keep = int(problem.message.split("rút gọn còn khoảng ")[1].split()[0])
    path = folder / "briefs/long-headline.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["headline"] = data["headline"][:keep]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert not [p for p in dry_run(load_campaign(folder)) if "infographic" in p.message]


def edit_campaign(folder: Path, change) -> None:
    path = folder / "campaign.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_brand_and_audio_are_checked_with_their_lines(example_path, tmp_path):
    folder = trimmed(example_path, tmp_path / "c", {"ok": {}})
    (folder / "logo.png").write_text("không phải ảnh")

    def change(data):
        data["brand"]["colors"]["primary"] = "red"
        data["brand"]["fonts"]["heading"] = "Arial"
        data["brand"]["logo"] = "logo.png"
        data["audio"].update(target_lufs=-3, true_peak_db=2, bitrate_kbps=100, sample_rate=8000, voice="en")
        data["channels"][1]["name"] = "Mạng"

    edit_campaign(folder, change)
    problems = dry_run(load_campaign(folder))
    fields = {p.field: p for p in problems if p.file == "campaign.yaml"}
    assert {"brand.colors.primary", "brand.fonts.heading", "brand.logo", "audio.target_lufs", "audio.true_peak_db",
            "audio.bitrate_kbps", "audio.sample_rate", "audio.voice"} <= set(fields)
    assert all(p.line > 0 for p in fields.values())
    assert "#RRGGBB" in fields["brand.colors.primary"].message
    assert "BeVietnamPro-Bold" in fields["brand.fonts.heading"].message  # the fonts there are
    assert "vi-vn-x-south" in fields["audio.voice"].message  # the voices there are
    # the broken brand kit is reported once, not again by every scene drawn with it
    assert not [p for p in problems if p.file != "campaign.yaml"]
    edit_campaign(folder, lambda data: data["audio"].update(engine="siri"))
    (engine,) = [p for p in dry_run(load_campaign(folder)) if p.field == "audio.engine"]
    assert "espeak-ng" in engine.message


def test_one_long_brief_does_not_hide_the_others_in_the_deck(example_path, tmp_path):
    """The deck fails as a whole at build; validate names each brief that breaks it, and only those."""
    folder = trimmed(example_path, tmp_path / "c", {
        "ok": {}, "a": {"key_messages": [(WORDS * 40).strip()]}, "b": {"headline": (WORDS * 5).strip()}})
    deck = [p for p in dry_run(load_campaign(folder)) if "bài trình chiếu" in p.message]
    assert {(Path(p.file).stem, p.field) for p in deck} == {("a", "key_messages[0]"), ("b", "headline")}


def test_cli_validate_prints_every_problem_and_exits_2(example_path, tmp_path):
    folder = trimmed(example_path, tmp_path / "c", EDGES)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 2
    for name in ("long-headline", "emoji", "unknown-template", "missing-image"):
        assert f"briefs/{name}.yaml:" in result.output
    assert "Traceback" not in result.output
    quick = runner.invoke(app, ["validate", "--no-fit", str(folder)])
    assert quick.exit_code == 2 and "long-headline" not in quick.output and "unknown-template" in quick.output


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\x07"])
def test_invisible_and_control_characters_are_named(example_path, tmp_path, char):
    folder = trimmed(example_path, tmp_path / "c", {"ok": {"headline": f"Đại hội{char} thành công"}})
    rejected_ = rejected(folder)
    assert "ok" in rejected_
    problems = dry_run(load_campaign(folder))
    assert f"U+{ord(char):04X}" in problems[0].message and problems[0].field == "headline"


def test_video_cards_and_subtitles_are_checked_as_the_renderer_draws_them(example_path, tmp_path):
    """A title too long for the opening card and a word wider than the subtitles fail the video
    (the renderer's own ``cards.card`` raises); validate names both fields."""
    from studio.video import cards
    from studio.visual.layout import FitError

    folder = trimmed(example_path, tmp_path / "c", {
        "ok": {}, "long-title": {"title": (WORDS * 9).strip()},
        "long-word": {"key_messages": ["Xem tại " + "a" * 120]}})
    edit_campaign(folder, lambda data: data["channels"][1].update(formats=["video-16x9"]))
    campaign = load_campaign(folder)
    located: dict[tuple, str] = {}
    for p in dry_run(campaign):
        located[(Path(p.file).stem, p.field)] = located.get((Path(p.file).stem, p.field), "") + p.message
    assert "thẻ mở đầu" in located[("long-title", "title")]
    assert "phụ đề" in located[("long-word", "key_messages[0]")]
    assert not [key for key in located if key[0] == "ok"]
    with pytest.raises(FitError):
        cards.card("opening", campaign, campaign.brief("long-title"), 1920, 1080, tmp_path / "card.png")
    cards.card("opening", campaign, campaign.brief("ok"), 1920, 1080, tmp_path / "card.png")


@pytest.mark.parametrize("text,found", [
    ("<b>Họp</b> khẩn", ["</b>", "<b>"]),
    ('Xem <a href="x">đây</a>', ["</a>", '<a href="x">']),
    ("An toàn &amp; kịp thời", ["&amp;"]),
    ("Mã &#8211; và &#x2013;", ["&#8211;", "&#x2013;"]),
    ("Bụi PM2.5 < 50 và > 25 µg/m³", []),
    ("Lượng mưa <100 mm, gió cấp 8-9", []),
    ("Tôm & cá, A&B", []),
])
def test_markup_pattern_finds_tags_and_entities_only(text, found):
    """Pasted HTML is refused; a comparison sign or an ampersand in plain text is not markup."""
    from studio.text import MARKUP

    assert sorted(MARKUP.findall(text)) == sorted(found)
