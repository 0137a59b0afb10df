"""Incremental equals clean: after any edit, a rebuild into the old output folder gives exactly
the files a clean build into an empty folder gives, and renders again only what the edit touched.

Each edit is one a user makes: the campaign's own files (a phase renamed, a brand colour, a
unit renamed, an audio setting) and Studio's shipped files (a template partial, a font). The
shipped files are edited in a private copy of the package, so the real checkout is never touched;
builds run as ``python -m studio.cli build`` with that copy first on ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ninh-thuan-2025"
DISTRICT = "thuan-bac"  # the district with the fewest communes: bulletins stay few
VOLATILE = {"status.json"}  # build times; everything else must match byte for byte


def _trim_units(path: Path) -> None:
    """Keep the province, one district, its communes and the units they became in 2025."""
    units = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_id = {u["id"]: u for u in units}
    kept = {u["id"] for u in units if u["level"] == "province" or u["id"] == DISTRICT or u.get("parent") == DISTRICT}
    for uid in list(kept):
        kept.update(by_id[uid].get("successors", []))
    trimmed = []
    for unit in units:
        if unit["id"] in kept:
            if "successors" in unit:
                unit["successors"] = [s for s in unit["successors"] if s in kept]
            trimmed.append(unit)
    path.write_text(yaml.safe_dump(trimmed, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A private copy of the package (to edit shipped files) and a small campaign: two Đợt 1 briefs,
    one of them drawn with the timeline template, over one district."""
    base = tmp_path_factory.mktemp("incremental")
    package = base / "package"
    for name in ("studio", "templates", "assets"):
        shutil.copytree(ROOT / name, package / name, ignore=shutil.ignore_patterns("__pycache__"))
    campaign = base / "campaign"
    shutil.copytree(EXAMPLE, campaign, ignore=shutil.ignore_patterns("briefs"))
    (campaign / "briefs").mkdir()
    _trim_units(campaign / "units.yaml")
    main = yaml.safe_load((EXAMPLE / "briefs" / "dot1-y-nghia-thanh-tuu.yaml").read_text(encoding="utf-8"))
    main["formats"] = ["deck-16x9", "bulletin", "video-9x16", "infographic-1080x1080", "pano-4000x2000", "poster-a3"]
    main["key_messages"] = main["key_messages"][:1]  # a short narration keeps the video quick
    side = yaml.safe_load((EXAMPLE / "briefs" / "dot1-tinh-cam-ky-vong.yaml").read_text(encoding="utf-8"))
    side.update(template="timeline", timeline="phases", formats=["bulletin", "infographic-1080x1350"])
    for brief in (main, side):
        (campaign / "briefs" / f"{brief['id']}.yaml").write_text(
            yaml.safe_dump(brief, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return package, campaign, base


def build(package: Path, campaign: Path, out: Path) -> dict[str, dict]:
    """Run ``studio build`` with the package copy; return the manifest's artifacts by path."""
    env = {**os.environ, "PYTHONPATH": str(package)}
    probe = subprocess.run([sys.executable, "-c", "import studio; print(studio.__file__)"], env=env, cwd=package,
                           capture_output=True, text=True, check=True)
    assert probe.stdout.startswith(str(package)), probe.stdout  # the copy, not the checkout
    result = subprocess.run([sys.executable, "-m", "studio.cli", "build", str(campaign), "--out", str(out),
                             "--workers", "2"], capture_output=True, text=True, env=env, timeout=600,
                            cwd=package)  # `-m` puts the working folder first on sys.path
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((out / "ninh-thuan-2025" / "dot-1" / "manifest.json").read_text(encoding="utf-8"))
    return {a["path"]: a for a in manifest["artifacts"]}


def files(out: Path) -> dict[str, str]:
    """Every file of the campaign's output with its sha256 (hidden temp files would show up too)."""
    import hashlib

    root = out / "ninh-thuan-2025"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name not in VOLATILE}


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def rename_later_phase(package, campaign):
    def change(data):  # the name the public sees (the timeline draws it)
        data["phases"][-1]["public_name"] = "Sau Đại hội tỉnh"
    _edit_yaml(campaign / "campaign.yaml", change)


def edit_frame_partial(package, campaign):
    frame = package / "templates" / "infographic" / "_frame.yaml"
    text = frame.read_text(encoding="utf-8")
    edited = text.replace("fill: primary", "fill: accent", 1)
    assert edited != text
    frame.write_text(edited, encoding="utf-8")


def change_brand_colour(package, campaign):
    def change(data):
        data["brand"]["colors"]["primary"] = "#A50E28"
    _edit_yaml(campaign / "campaign.yaml", change)


def rename_commune(package, campaign):
    def change(units):
        commune = next(u for u in units if u.get("parent") == DISTRICT)
        commune["name"] = commune["name"] + " Mới"
    _edit_yaml(campaign / "units.yaml", change)


def change_font_file(package, campaign):
    """The body font's space gets wider: every text set in it moves."""
    from fontTools.ttLib import TTFont

    path = package / "assets" / "fonts" / "NotoSans-Regular.ttf"
    font = TTFont(str(path))
    width, lsb = font["hmtx"].metrics["space"]
    font["hmtx"].metrics["space"] = (width * 2, lsb)
    font.save(str(path))


def change_audio_setting(package, campaign):
    def change(data):
        data.setdefault("audio", {})["target_lufs"] = -18.0
    _edit_yaml(campaign / "campaign.yaml", change)


# (edit, kinds of job that must render again, kinds that must not)
EDITS = [
    (rename_later_phase, {"visual", "deck", "video"}, {"bulletin"}),
    (edit_frame_partial, {"visual", "video"}, {"bulletin"}),
    (change_brand_colour, {"visual", "deck", "video", "bulletin"}, set()),  # bulletins carry the cover (APIC)
    (rename_commune, {"bulletin"}, {"visual", "deck", "video"}),
    (change_font_file, {"visual", "deck", "video"}, {"bulletin"}),
    (change_audio_setting, {"bulletin", "video"}, {"visual", "deck"}),
]
KIND = {"deck": "deck", "bulletin": "bulletin", "video": "video"}


def kind_of(art: dict) -> str:
    return KIND.get(re.sub(r"-.*", "", art["format"]), "visual")


def test_incremental_build_equals_clean_build_after_each_edit(workspace):
    package, campaign, base = workspace
    incremental = base / "incremental"
    before = build(package, campaign, incremental)
    assert files(incremental) == files_of_clean(package, campaign, base / "clean-0")
    for number, (edit, must, must_not) in enumerate(EDITS, 1):
        edit(package, campaign)
        after = build(package, campaign, incremental)
        clean = files_of_clean(package, campaign, base / f"clean-{number}")
        got = files(incremental)
        assert got == clean, (edit.__name__, sorted(k for k in got.keys() | clean.keys()
                                                    if got.get(k) != clean.get(k)))
        rendered = {a["job"]: kind_of(a) for a in after.values()
                    if before.get(a["path"], {}).get("inputs_hash") != a["inputs_hash"]}
        kinds = set(rendered.values())
        assert must <= kinds, (edit.__name__, "nothing re-rendered for", must - kinds)
        assert not kinds & must_not, (edit.__name__, "re-rendered needlessly", sorted(
            j for j, k in rendered.items() if k in must_not))
        if edit is rename_commune:
            assert len(rendered) == 1, rendered  # only the renamed commune's bulletin
        before = after


def files_of_clean(package: Path, campaign: Path, out: Path) -> dict[str, str]:
    build(package, campaign, out)
    return files(out)


def test_a_statistics_source_and_an_approval_re_render_what_shows_them(tmp_path):
    """A statistic's source is content (the infographic's alt text and the deck's notes say it) and a
    brief's approval is read on air ("DỰ THẢO") and drawn: changing either re-renders what shows it, and
    the rebuild equals a clean build. The checkout's own package, one brief as a draft, over one district."""
    campaign = tmp_path / "campaign"
    shutil.copytree(EXAMPLE, campaign, ignore=shutil.ignore_patterns("briefs"))
    (campaign / "briefs").mkdir()
    _trim_units(campaign / "units.yaml")
    brief = yaml.safe_load((EXAMPLE / "briefs" / "dot1-y-nghia-thanh-tuu.yaml").read_text(encoding="utf-8"))
    brief.update(formats=["deck-16x9", "bulletin", "infographic-1080x1080"], approval={"status": "draft"})
    path = campaign / "briefs" / f"{brief['id']}.yaml"
    path.write_text(yaml.safe_dump(brief, allow_unicode=True, sort_keys=False), encoding="utf-8")
    new_source = "Niên giám thống kê tỉnh Ninh Thuận 2024"

    def change_source(data):
        data["stats"][0]["source"] = new_source  # the key number: drawn, so its alt text says the source

    def approve(data):
        data["approval"] = {"status": "approved", "by": "Phòng Thông tin - Báo chí", "at": "2025-01-06T09:00:00+07:00"}

    out = tmp_path / "incremental"
    before = build(ROOT, campaign, out)
    bulletins = [a for a in before.values() if kind_of(a) == "bulletin" and a["path"].endswith(".mp3")]
    assert bulletins and all(a["meta"]["drafts"] == [brief["id"]] for a in bulletins)
    for number, (edit, must) in enumerate([(change_source, {"visual", "deck"}),
                                           (approve, {"visual", "deck", "bulletin"})]):
        _edit_yaml(path, edit)
        after = build(ROOT, campaign, out)
        clean = files_of_clean(ROOT, campaign, tmp_path / f"clean-{number}")
        got = files(out)
        assert got == clean, (edit.__name__, sorted(k for k in got.keys() | clean.keys() if got.get(k) != clean.get(k)))
        kinds = {kind_of(a) for a in after.values() if before[a["path"]]["inputs_hash"] != a["inputs_hash"]}
        assert must <= kinds, (edit.__name__, "nothing re-rendered for", must - kinds)
        before = after
    root = out / "ninh-thuan-2025"
    assert any(new_source in p.read_text(encoding="utf-8") for p in root.rglob("*.alt.txt"))
    spoken = [p.read_text(encoding="utf-8") for p in root.rglob("*.spoken.txt")]
    assert spoken and not any("DỰ THẢO" in text for text in spoken)
    assert all(a["meta"]["drafts"] == [] for a in after.values() if kind_of(a) == "bulletin" and "drafts" in a["meta"])
