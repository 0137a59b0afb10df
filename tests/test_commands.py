"""``studio radio|video|deck|render`` go through ``studio.build``: same layout, same hashes, nothing made twice.

Real renderers (espeak-ng, ffmpeg, python-pptx, the visual backends) on a small campaign:
one brief of phase dot-3, one district with two communes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader
from small_campaign import example_brief, small_campaign
from typer.testing import CliRunner

from studio.cli import app

ROOT = Path(__file__).resolve().parent.parent
BRIEF = "dot3-ket-qua-dai-hoi"
# Non-default options, given the same way to studio build and to each command: equal inputs hashes.
ENGINE = ["--engine", "espeak-ng"]
BLEED = ["--bleed", "5"]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    brief = example_brief(BRIEF, key_messages=["Học tập Nghị quyết."], body="Đại hội đã thành công.\n",
                          channels=["hoi-nghi", "truyen-thanh-co-so", "truyen-hinh", "mang-xa-hoi", "pano"],
                          formats=["deck-16x9", "bulletin", "video-16x9", "video-9x16", "infographic-1080x1080",
                                   "pano-3000x1500"])
    return small_campaign(tmp_path_factory.mktemp("cmds") / "campaign", [brief])


def studio(*args: str) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def commands(campaign: Path, out: Path) -> dict[str, list[str]]:
    """Every single-asset command for the small campaign's plan, with the options build gets."""
    return {
        "radio": ["radio", campaign, "--phase", "dot-3", *ENGINE, "--out", out, "--workers", "1"],
        "video 16x9": ["video", campaign, "--brief", BRIEF, *ENGINE, "--out", out],
        "video 9x16": ["video", campaign, "--brief", BRIEF, "--format", "9x16", *ENGINE, "--out", out],
        "deck": ["deck", campaign, "--phase", "dot-3", "--out", out],
        "render pano": ["render", campaign, "--brief", BRIEF, "--size", "pano-3000x1500", *BLEED, "--out", out],
        "render infographic": ["render", campaign, "--brief", BRIEF, "--size", "infographic-1080x1080", *BLEED,
                               "--out", out],
    }


def tree(out: Path) -> dict[str, str]:
    """sha256 of every file below ``out`` except status.json (it records when the run finished)."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "status.json"}


def manifest(out: Path) -> dict[str, dict]:
    data = json.loads((out / "ninh-thuan-2025" / "dot-3" / "manifest.json").read_text(encoding="utf-8"))
    return {a["path"]: a for a in data["artifacts"]}


def printed_paths(output: str, out: Path) -> set[str]:
    """Files a command says it made (or kept), relative to the campaign's output folder."""
    found = re.findall(re.escape(f"{out}/ninh-thuan-2025/") + r"([^\s:]+)", output)
    return {p for p in found if not p.endswith("manifest.json")}


def test_commands_fill_builds_layout_and_build_then_makes_nothing(small, tmp_path):
    """Each command alone writes its jobs where studio build would, adds them to the phase manifest
    without dropping what the others made, and a later studio build finds every job up to date."""
    out = tmp_path / "out"
    listed: set[str] = set()
    for name, args in commands(small, out).items():
        output = studio(*args)
        assert "Đã tạo 1" in output or "Đã tạo 2" in output, (name, output)
        paths = printed_paths(output, out)
        now = set(manifest(out))
        assert paths and paths <= now, (name, paths)
        assert listed < now, name  # it added its files and dropped none of what the others made
        listed = now
    for path in listed:
        phase, channel, unit, name = path.split("/")
        assert phase == "dot-3" and name.startswith((f"{BRIEF}--", "bulletin.", "deck-16x9.")), path
    output = studio("build", small, "--out", out, *ENGINE, *BLEED, "--workers", "1")
    assert "Đã tạo 0, giữ nguyên 7, lỗi 0" in output, output
    assert set(manifest(out)) == listed


def test_commands_after_build_render_nothing_and_change_no_byte(small, tmp_path):
    out = tmp_path / "out"
    output = studio("build", small, "--out", out, *ENGINE, *BLEED, "--workers", "2")
    assert "Đã tạo 7, giữ nguyên 0, lỗi 0" in output, output
    before = tree(out)
    built = manifest(out)
    for name, args in commands(small, out).items():
        output = studio(*args)
        assert "Đã tạo 0" in output and "lỗi 0" in output, (name, output)
        paths = printed_paths(output, out)
        assert paths and paths <= set(built), (name, paths)  # the files build made, at build's paths
    assert tree(out) == before
    assert manifest(out) == built


def test_what_the_plan_does_not_have_is_named_or_kept_apart(small, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["video", str(small), "--brief", BRIEF, "--format", "1x1", "--out", str(out)])
    assert result.exit_code == 2 and "Kế hoạch không có video 1x1" in result.output
    assert "Tin bài này có video: 16x9, 9x16" in result.output
    result = CliRunner().invoke(app, ["deck", str(small), "--phase", "dot-1", "--out", str(out)])
    assert result.exit_code == 2 and "Các giai đoạn có: dot-3" in result.output
    result = CliRunner().invoke(app, ["radio", str(small), "--phase", "dot-3", "--unit", "bac-ai", "--out", str(out)])
    assert result.exit_code == 2 and "không có bản tin" in result.output
    output = studio("render", small, "--brief", BRIEF, "--size", "pano-4000x2000", "--out", out)
    assert "Kế hoạch không có pano-4000x2000" in output and "pano-3000x1500" in output
    preview = out / "preview" / "ninh-thuan-2025" / f"{BRIEF}--pano-4000x2000mm.png"
    with Image.open(preview) as img:
        assert img.size == (2000, 1000)
    assert not (out / "ninh-thuan-2025").exists()  # a preview is in no phase folder and no manifest


MAGIC = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def test_render_writes_every_advertised_format(example_path, tmp_path):
    from studio.commands.visual import FORMATS_OUT

    assert set(FORMATS_OUT) == {"png", "jpeg", "webp", "pdf", "pptx"}
    for fmt in FORMATS_OUT:
        output = studio("render", example_path, "--brief", "dot1-thi-dua", "--template", "key-number",
                        "--format", fmt, "--out", tmp_path)
        made = tmp_path / "preview" / "ninh-thuan-2025" / f"dot1-thi-dua--key-number-1080x1080px.{fmt}"
        assert str(made) in output, output
        data = made.read_bytes()
        if fmt in MAGIC:
            with Image.open(io.BytesIO(data)) as img:
                assert img.format == MAGIC[fmt] and img.size == (1080, 1080)
        elif fmt == "pdf":
            assert data.startswith(b"%PDF-") and len(PdfReader(made).pages) == 1
        else:
            assert data.startswith(b"PK") and len(Presentation(str(made)).slides) == 1


def test_preview_sheet_shows_the_briefs_planned_visuals(small, tmp_path):
    output = studio("preview", small, "--brief", BRIEF, "--out", tmp_path / "sheet.png")
    assert "(2 sản phẩm)" in output  # infographic-1080x1080 and pano-3000x1500: what the plan lists
    with Image.open(tmp_path / "sheet.png") as img:
        assert img.format == "PNG" and img.width == 2 * 420
