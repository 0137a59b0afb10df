"""Visual renderers: scene model, shared layout, raster / PDF / pptx backends, renderer and CLI."""

from __future__ import annotations

import hashlib
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import as_read
from PIL import Image
from pypdf import PdfReader

from studio.context import keep_phrases
from studio.text import NO_BREAK_SPACE
from studio.visual import add_scene_slide, render_pdf, render_png, render_pptx, scene_for
from studio.visual.fonts import font_path, metrics
from studio.visual.layout import FitError, MissingGlyphError, fit_text
from studio.visual.scene import SceneError, build_scene
from studio.visual.words import WORD_JOINER, groups

INFOGRAPHIC_SIZES = [(1080, 1080), (1080, 1350), (1200, 628), (1080, 1920)]
TEMPLATES = ["key-number", "stat-chart", "slogan-card", "timeline", "notice"]
BOLD = font_path("BeVietnamPro-ExtraBold")


@pytest.fixture(scope="module")
def campaign(example_campaign):
    return example_campaign


@pytest.fixture(scope="module")
def brief(campaign):
    """A brief with figures, slogans and (for the timeline template) the campaign's phases as its timeline."""
    return campaign.brief("dot1-y-nghia-thanh-tuu").model_copy(update={"timeline": "phases"})


def with_text(brief, **changes):
    return brief.model_copy(update=changes)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- layout -------------------------------------------------------------------------------

def test_fit_picks_smaller_size_for_longer_text():
    short = fit_text("Hướng tới Đại hội", BOLD, 900, 300, 20, 120, 1.2)
    long = fit_text("Hướng tới Đại hội đại biểu Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025-2030, "
                    "đoàn kết, dân chủ, kỷ cương, đổi mới, phát triển", BOLD, 900, 300, 20, 120, 1.2)
    assert short.size > long.size
    assert long.height <= 300 and len(long.lines) > 1
    m = metrics(BOLD)
    for fit in (short, long):
        assert all(m.width(line) * fit.size <= 900 for line in fit.lines)


def test_lines_break_only_between_words():
    text = "Nhiệt liệt chào mừng Đại hội đại biểu Đảng bộ tỉnh lần thứ XV"
    fit = fit_text(text, BOLD, 400, 1000, 40, 40, 1.2)
    assert " ".join(fit.lines) == text
    assert all(word in text.split() for line in fit.lines for word in line.split())
    words = {"Nhiệt liệt", "chào mừng", "Đại hội", "đại biểu", "Đảng bộ"}
    assert not any(f"{a.split()[-1]} {b.split()[0]}" in words for a, b in zip(fit.lines, fit.lines[1:]))


def test_fit_error_when_text_cannot_fit():
    with pytest.raises(FitError, match="không vừa khung"):
        fit_text("Một dòng chữ rất dài " * 20, BOLD, 300, 60, 20, 40, 1.2)


def test_scene_fit_error_names_brief_template_and_layer(campaign, brief):
    long = with_text(brief, headline="Một tiêu đề dài không thể nào vừa khung hình " * 30)
    with pytest.raises(SceneError) as info:
        scene_for(campaign, long, "key-number", 1080, 1080)
    message = str(info.value)
    assert brief.id in message and "key-number" in message and "tieu-de" in message and "không vừa" in message


def test_missing_glyph_is_caught_before_drawing(campaign, brief):
    with pytest.raises(MissingGlyphError, match="U\\+4E2D"):
        fit_text("Đại hội 中", BOLD, 900, 300, 20, 60)
    with pytest.raises(SceneError, match="U\\+4E2D"):
        scene_for(campaign, with_text(brief, headline="Đại hội 中"), "key-number", 1080, 1080)


def test_declared_fallback_font_is_used_for_missing_glyph(tmp_path):
    bvp, noto = metrics(BOLD), metrics(font_path("NotoSans-Regular"))
    char = next(chr(cp) for cp in sorted(noto.advances) if cp > 0x250 and not bvp.covers(chr(cp))
                and unicodedata.category(chr(cp)).startswith(("L", "S")))
    data = {"layers": [{"type": "text", "name": "t", "x": 10, "y": 10, "w": 500, "h": 200, "text": f"Đợt {char}",
                        "font": "BeVietnamPro-ExtraBold", "fallback": ["NotoSans-Regular"], "size": [20, 60]}]}
    scene = build_scene(data, 520, 220, "px", colors={}, fonts={}, root=tmp_path, where="thử")
    assert scene.layers[0].font.name == "NotoSans-Regular.ttf"
    data["layers"][0].pop("fallback")
    with pytest.raises(SceneError, match=f"U\\+{ord(char):04X}"):
        build_scene(data, 520, 220, "px", colors={}, fonts={}, root=tmp_path, where="thử")


# --- raster --------------------------------------------------------------------------------

@pytest.mark.parametrize("template", TEMPLATES)
def test_png_sizes_exact_for_every_template(campaign, brief, template, tmp_path):
    for w, h in INFOGRAPHIC_SIZES:
        path = render_png(scene_for(campaign, brief, template, w, h), tmp_path / f"{w}x{h}.png")
        with Image.open(path) as img:
            assert img.size == (w, h) and img.format == "PNG"


def test_same_inputs_same_bytes(campaign, brief, tmp_path):
    a = render_png(scene_for(campaign, brief, "stat-chart", 1080, 1350), tmp_path / "a.png")
    b = render_png(scene_for(campaign, brief, "stat-chart", 1080, 1350), tmp_path / "b.png")
    assert sha(a) == sha(b)
    scene = scene_for(campaign, brief, "pano", 3000, 1500, "mm")
    assert sha(render_pdf(scene, tmp_path / "a.pdf")) == sha(render_pdf(scene, tmp_path / "b.pdf"))


def test_nfd_input_renders_identically_to_nfc(campaign, brief, tmp_path):
    text = "Ể Ộ Ữ — Đổi mới, phát triển bền vững"
    nfd = with_text(brief, headline=unicodedata.normalize("NFD", text))
    nfc = with_text(brief, headline=unicodedata.normalize("NFC", text))
    assert nfd.headline != nfc.headline
    a = render_png(scene_for(campaign, nfd, "key-number", 1080, 1080), tmp_path / "nfd.png")
    b = render_png(scene_for(campaign, nfc, "key-number", 1080, 1080), tmp_path / "nfc.png")
    assert sha(a) == sha(b)


INJECTION = 'A & B <b>x</b> "trích" \'đơn\' {{ 7*7 }} {% if true %}X{% endif %} #: - [1] ${x}'
DRAWN = 'A & B <b>x</b> “trích” ‘đơn’ {{ 7*7 }} {% if true %}X{% endif %} #: - [1] ${x}'  # typographic quotes


def test_brief_text_renders_literally(campaign, brief, tmp_path):
    tricky = with_text(brief, headline=INJECTION, slogans=["{{ brand }} & <script>"],
                       key_messages=["dòng 1\n- dòng 2: {a: 1}"])
    for template in TEMPLATES:
        scene = scene_for(campaign, tricky, template, 1080, 1350)
        texts = " ".join(scene.texts())
        assert DRAWN.upper() in texts or DRAWN in texts
        assert "49" not in texts
    # Text that looks like an internal token stays itself (and no font draws U+E000, so it is refused by name).
    forged = with_text(brief, headline="giả mạo \ue0000\ue001 mã thay thế")
    with pytest.raises(SceneError, match="U\\+E000"):
        scene_for(campaign, forged, "key-number", 1080, 1080)
    pdf = render_pdf(scene_for(campaign, tricky, "pano", 4000, 2000, "mm"), tmp_path / "t.pdf")
    extracted = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(extracted.split())
    assert "{{ BRAND }} & <SCRIPT>" in flat  # the slogan, uppercase on the pa nô
    assert DRAWN in flat


def test_timeline_dates_carry_the_year_when_a_phase_crosses_one(campaign):
    from datetime import date

    last = campaign.phases[-1].model_copy(update={"start": date(2025, 12, 10), "end": date(2026, 3, 8)})
    crossing = campaign.model_copy(update={"phases": [*campaign.phases[:-1], last]})
    brief = crossing.brief("dot1-y-nghia-thanh-tuu").model_copy(update={"timeline": "phases"})
    for w, h in ((1080, 1080), (1080, 1920)):  # the horizontal and the vertical timeline
        texts = " ".join(scene_for(crossing, brief, "timeline", w, h).texts())
        assert "10/12/2025 – 08/03/2026" in texts and "01/01 – 31/07/2025" in texts, texts


def test_capitals_keep_times_and_units_as_written(campaign, brief):
    """``uppercase: true`` (headlines, slogans on the pa nô) leaves "7h00" and "312,5 mm" as written."""
    timed = with_text(brief, headline="Bỏ phiếu từ 7h00 đến 17h30, mưa 312,5 mm", slogans=["Đi bầu lúc 7h00!"])
    for template, w, h, units in (("timeline", 1080, 1350, "px"), ("pano", 4000, 2000, "mm")):
        texts = " ".join(scene_for(campaign, timed, template, w, h, units).texts())
        drawn = "BỎ PHIẾU TỪ 7h00 ĐẾN 17h30, MƯA 312,5 mm" if template == "timeline" else "ĐI BẦU LÚC 7h00!"
        assert drawn in texts, texts
        assert "7H00" not in texts and "MM" not in texts


def test_a_statistic_is_one_unbreakable_text_in_every_backend(campaign, brief, tmp_path):
    """The leaflet draws ``vi.stat``: "312,5 mm" joined by a no-break space, which the slide keeps too."""
    from pptx import Presentation

    stats = [{"label": "Lượng mưa", "value": 312.5, "unit": "mm", "illustrative": True, "source": ""},
             {"label": "Tỷ lệ hộ", "value": 8.75, "unit": "%", "illustrative": True, "source": ""}]
    figures = brief.model_copy(update={"stats": [type(brief.stats[0])(**s) for s in stats]})
    scene = scene_for(campaign, figures, "leaflet", 297, 210, "mm")
    assert "312,5\u00a0mm*" in scene.texts() and "8,75%*" in scene.texts()
    pptx = render_pptx(scene, tmp_path / "l.pptx")
    texts = [sh.text_frame.text for slide in Presentation(pptx).slides for sh in slide.shapes if sh.has_text_frame]
    assert "312,5\u00a0mm*" in texts  # PowerPoint and Impress do not break at a no-break space
    pdf = render_pdf(scene, tmp_path / "l.pdf")
    extracted = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "312,5\u00a0mm*" in extracted or "312,5 mm*" in extracted


def test_illustrative_stats_are_flagged(campaign, tmp_path):
    brief = campaign.brief("dot21-thanh-tuu-van-kien")
    assert all(s.illustrative for s in brief.stats)
    for template in ("key-number", "stat-chart"):
        assert any("Số liệu minh họa" in t for t in scene_for(campaign, brief, template, 1080, 1080).texts())
    for template, (w, h) in {"pano": (4000, 2000), "leaflet": (297, 210)}.items():
        assert any("Số liệu minh họa" in t for t in scene_for(campaign, brief, template, w, h, "mm").texts())


# --- PDF -----------------------------------------------------------------------------------

MM = 72 / 25.4
SLUG_MM = 10


@pytest.mark.parametrize("bleed", [3.0, 5.0])
def test_pdf_page_is_trim_plus_bleed_and_fonts_embedded(campaign, brief, tmp_path, bleed):
    scene = scene_for(campaign, brief, "pano", 4000, 2000, "mm")
    pdf = render_pdf(scene, tmp_path / "p.pdf", bleed_mm=bleed)
    page = PdfReader(pdf).pages[0]
    assert float(page.mediabox.width) == pytest.approx((4000 + 2 * (bleed + SLUG_MM)) * MM, abs=0.01)  # marks' slug
    assert float(page.mediabox.height) == pytest.approx((2000 + 2 * (bleed + SLUG_MM)) * MM, abs=0.01)
    assert float(page.bleedbox.width) == pytest.approx((4000 + 2 * bleed) * MM, abs=0.01)
    assert float(page.trimbox.width) == pytest.approx(4000 * MM, abs=0.01)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(re.search(r"\byes\s+yes\b", row) for row in rows), fonts


def test_cmyk_pdf_has_no_rgb_operators(campaign, brief, tmp_path):
    scene = scene_for(campaign, brief, "leaflet", 297, 210, "mm")
    rgb = render_pdf(scene, tmp_path / "rgb.pdf")
    cmyk = render_pdf(scene, tmp_path / "cmyk.pdf", cmyk=True)

    def operators(path):
        ops = set()
        for page in PdfReader(path).pages:
            content = page.get_contents().get_data().decode("latin-1")
            ops |= set(re.findall(r"(?<![A-Za-z])(rg|RG|k|K)(?![A-Za-z])", content))
        return ops

    assert "rg" in operators(rgb)
    assert not operators(cmyk) & {"rg", "RG"} and "k" in operators(cmyk)
    assert len(PdfReader(cmyk).pages) == 2  # tri-fold leaflet: both sides


def test_pdf_preview_is_drawn_from_the_scene(campaign, brief, tmp_path):
    from studio.visual.raster import preview

    img = preview(scene_for(campaign, brief, "pano", 4000, 2000, "mm"))
    assert img.size == (2000, 1000)


def test_pdf_diacritics_on_capitals(campaign, brief, tmp_path):
    scene = scene_for(campaign, with_text(brief, slogans=["ĐỂ ĐỘNG LỰC VỮNG BƯỚC"]), "pano", 3000, 1500, "mm")
    pdf = render_pdf(scene, tmp_path / "d.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "ĐỂ ĐỘNG LỰC VỮNG BƯỚC" in " ".join(unicodedata.normalize("NFC", text).split())


# --- pptx ----------------------------------------------------------------------------------

def test_scene_as_editable_slide(campaign, brief, tmp_path):
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)
    scene = scene_for(campaign, brief, "key-number", 1200, 628)
    slide = add_scene_slide(prs, scene)
    prs.save(tmp_path / "s.pptx")
    reopened = Presentation(tmp_path / "s.pptx").slides[0]
    shown = [s.text_frame.text for s in reopened.shapes if s.has_text_frame and s.text_frame.text]
    texts = [as_read(t) for t in shown]
    assert brief.headline.upper() in texts
    assert any(brief.slogans[0] == t for t in texts)
    # PowerPoint and LibreOffice wrap again: inside a word the spaces are no-break, between words not.
    written = shown[texts.index(brief.headline.upper())].replace(WORD_JOINER, "")
    words = groups(brief.headline.upper(), keep_phrases(campaign))
    assert written.split(" ") == [NO_BREAK_SPACE.join(g) for g in words] and any(len(g) > 1 for g in words)
    assert len(slide.shapes) == len(scene.layers)  # one native shape per layer
    for shape in reopened.shapes:
        assert 0 <= shape.left <= prs.slide_width and shape.left + shape.width <= prs.slide_width + 1
    # Line pitch is written in exact points, as measured by the layout, so the text keeps its fitted height.
    headline = next(layer for layer in scene.layers if layer.fit and brief.headline.upper() in layer.get("text"))
    shape = next(s for s in reopened.shapes if s.name == headline.name)
    scale = prs.slide_width / scene.width / 12700  # template px -> pt
    expected = headline.fit.size * headline.fit.line_height * scale
    assert all(abs(p.line_spacing.pt - expected) < 0.05 for p in shape.text_frame.paragraphs)


# --- renderer and CLI ----------------------------------------------------------------------

def test_renderer_outputs_per_job(campaign, tmp_path):
    from studio.build import BuildContext, run_job
    from studio.plan import expand

    ctx = BuildContext(campaign, tmp_path, {"visual": {"cmyk": True, "bleed_mm": 3}})
    jobs = [j for j in expand(campaign, ["dot-1"]) if j.kind == "visual"]
    info = next(j for j in jobs if j.format == "infographic-1080x1920")
    pano = next(j for j in jobs if j.format == "pano-3000x1500")
    arts = run_job(info, ctx)
    assert [Path(a.path).suffix for a in arts] == [".png", ".txt"]
    assert arts[0].meta["alt"].startswith("Đồ họa thông tin:")
    assert (ctx.out_root / arts[1].path).read_text(encoding="utf-8").strip() == arts[0].meta["alt"]
    arts = run_job(pano, ctx)
    assert [a.media_type for a in arts] == ["application/pdf", "image/png"]
    pdf = ctx.out_root / arts[0].path
    unit = ctx.tree[pano.unit]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert unit.name.upper() in unicodedata.normalize("NFC", text)
    with Image.open(ctx.out_root / arts[1].path) as img:
        assert max(img.size) == 2000


def test_cli_render_and_preview(example_path, tmp_path):
    from typer.testing import CliRunner

    from studio.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["render", str(example_path), "--brief", "dot1-thi-dua", "--template", "stat-chart",
                                 "--format", "pptx", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "preview" / "ninh-thuan-2025" / "dot1-thi-dua--stat-chart-1080x1080px.pptx").is_file()
    result = runner.invoke(app, ["render", str(example_path), "--brief", "khong-co", "--template", "stat-chart"])
    assert result.exit_code == 2 and "Không có tin bài" in result.output
    sheet = tmp_path / "sheet.png"
    result = runner.invoke(app, ["preview", str(example_path), "--brief", "dot1-y-nghia-thanh-tuu",
                                 "--out", str(sheet)])
    assert result.exit_code == 0, result.output
    with Image.open(sheet) as img:
        assert img.width >= 1600


def test_image_qr_and_logo_layers_in_every_backend(campaign, brief, tmp_path):
    from pptx import Presentation

    root = tmp_path / "camp"
    root.mkdir()
    photo = Image.new("RGB", (400, 300), (20, 120, 200))
    photo.paste((250, 250, 0), (180, 130, 220, 170))
    photo.save(root / "anh.png")
    data = {"background": "#FFFFFF", "layers": [
        {"type": "image", "name": "anh", "x": 0, "y": 0, "w": 100, "h": 100, "path": "anh.png", "fit": "cover"},
        {"type": "qr", "name": "ma-qr", "x": 110, "y": 10, "w": 80, "h": 80, "data": "https://ninhthuan.gov.vn/?a=1&b=<2>",
         "color": "#1A1A1A", "background": "#FFFFFF"},
        {"type": "ellipse", "name": "tron", "x": 10, "y": 110, "w": 30, "h": 30, "fill": "#C8102E"},
        {"type": "line", "name": "ke", "points": [[50, 120], [190, 120]], "color": "#000000", "width": 1}]}
    scene = build_scene(data, 200, 150, "mm", colors={}, fonts={}, root=root, where="thử")
    png = render_png(scene, tmp_path / "x.png", scale=4)
    with Image.open(png) as img:
        assert img.size == (800, 600)
        assert img.getpixel((20, 20)) == (20, 120, 200) and img.getpixel((200, 200)) == (250, 250, 0)  # cover, centred
    pdf = render_pdf(scene, tmp_path / "x.pdf", cmyk=True)
    xobjects = [x.get_object() for x in PdfReader(pdf).pages[0]["/Resources"]["/XObject"].values()]
    assert [x["/Subtype"] for x in xobjects] == ["/Image"] and xobjects[0]["/ColorSpace"] == "/DeviceCMYK"
    from studio.visual import render_pptx

    pptx = render_pptx(scene, tmp_path / "x.pptx")
    assert len(Presentation(pptx).slides[0].shapes) == 5  # the QR code is its light square and its picture
    with pytest.raises(SceneError, match="không tìm thấy ảnh"):
        build_scene({"layers": [{**data["layers"][0], "path": "../../etc/passwd"}]}, 200, 150, "mm",
                    colors={}, fonts={}, root=root, where="thử")


def test_stacked_marks_on_capitals_stay_inside_the_box(tmp_path):
    from PIL import ImageOps

    from studio.visual.raster import rasterize

    def ink(text):
        data = {"background": "#FFFFFF", "layers": [
            {"type": "text", "name": "t", "x": 100, "y": 100, "w": 800, "h": 200, "text": text,
             "font": "BeVietnamPro-ExtraBold", "size": [20, 400], "color": "#000000", "valign": "top"}]}
        scene = build_scene(data, 1000, 400, "px", colors={}, fonts={}, root=tmp_path, where="thử")
        return ImageOps.invert(rasterize(scene).convert("L")).getbbox(), scene.layers[0].fit

    (left, top, right, bottom), fit = ink("ỂỘỮ ĐẠI HỘI")
    # nothing outside the box, nothing clipped (FreeType's grid fitting may lift a mark's top by under a pixel)
    assert 100 <= left and right <= 900 and 99 <= top and bottom <= 300
    assert top <= 103  # the box is used up to the top of the highest mark
    plain_box, plain_fit = ink("EOU DAI HOI")
    assert plain_fit.size >= fit.size and plain_box[1] <= 103  # no marks: the capitals themselves reach the top


def test_text_outside_the_safe_area_is_refused(tmp_path):
    layer = {"type": "text", "name": "sat-mep", "x": 2, "y": 40, "w": 200, "h": 60, "text": "Sát mép", "size": [10, 20]}
    with pytest.raises(SceneError, match="sat-mep.*vùng an toàn"):
        build_scene({"safe": 10, "layers": [layer]}, 300, 200, "px", colors={}, fonts={"body": "NotoSans-Regular"},
                    root=tmp_path, where="thử")
    assert build_scene({"safe": 10, "layers": [{**layer, "x": 10}]}, 300, 200, "px", colors={},
                       fonts={"body": "NotoSans-Regular"}, root=tmp_path, where="thử").layers[0].fit


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L"])
def test_png_writer_round_trips(mode):
    import io

    from studio.visual.png import encode_png

    img = Image.new(mode, (123, 45), (10, 20, 30, 128)[:len(mode)] if mode != "L" else 7)
    img.putpixel((5, 6), (250, 0, 9, 255)[:len(mode)] if mode != "L" else 250)
    back = Image.open(io.BytesIO(encode_png(img)))
    assert back.mode == mode and back.size == img.size and back.tobytes() == img.tobytes()


def test_every_visual_format_and_template_lays_out_for_every_example_brief(campaign):
    from studio.formats import FORMATS
    from studio.visual.scene import default_template, template_names

    sizes = {(f.options["width"], f.options["height"], f.options["units"])
             for f in FORMATS.values() if f.kind == "visual"}
    sizes |= {(1920, 1080, "px")}  # the video subsystem's stills
    district = next(u for u in campaign.unit_tree() if u.level == "district")
    for brief in campaign.briefs:
        assert default_template("infographic", brief) == (brief.template or "key-number")
        brief = brief if brief.timeline else brief.model_copy(update={"timeline": "phases"})  # the timeline's
        for name in template_names():
            screen = name in TEMPLATES
            for w, h, units in sizes:
                if (units == "px") != screen and (w, h) not in ((1080, 1080), (297, 420)):
                    continue  # off-family pairs: one sample each way
                scene = scene_for(campaign, brief, name, w, h, units, district)
                assert scene.texts() and scene.meta["template"] == name


def test_inputs_hash_covers_included_templates_and_fonts(campaign, tmp_path):
    from studio.build import BuildContext
    from studio.plan import expand
    from studio.visual import VisualRenderer

    ctx = BuildContext(campaign, tmp_path)
    jobs = {j.format: j for j in expand(campaign, ["dot-1"]) if j.kind == "visual"}
    names = lambda fmt: {Path(p).name for p in VisualRenderer().inputs(jobs[fmt], ctx).files.values()}  # noqa: E731
    assert {"poster.yaml", "pano.yaml", "_qr.yaml", "BeVietnamPro-ExtraBold.ttf"} <= names("poster-a3")
    assert {"_frame.yaml", "BeVietnamPro-SemiBold.ttf", "NotoSans-Regular.ttf"} <= names("infographic-1080x1080")
