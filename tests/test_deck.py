"""Briefing decks: master and layouts, per-section structure, text fit, native charts, notes, PDF fonts."""

from __future__ import annotations

import re
import subprocess
import unicodedata

import pytest
from conftest import as_read
from pptx import Presentation
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.oxml.ns import qn
from pptx.util import Emu
from typer.testing import CliRunner

from studio.build import BuildContext, run_job
from studio.campaign import BrandKit, Stat
from studio.context import keep_phrases
from studio.deck.builder import ILLUSTRATIVE, DeckError, build_deck
from studio.deck.convert import ConvertError, to_pdf
from studio.deck.master import EMU_PER_PT, LAYOUTS, BrandError, build_master
from studio.deck.textfit import block_height
from studio.plan import briefs_for, expand
from studio.text import NO_BREAK_SPACE
from studio.visual.fonts import FONT_DIR, metrics
from studio.visual.words import bind

SECTION_21 = ["section", "bullets", "two-column", "chart", "big-number", "blank"]  # dot21-thanh-tuu-van-kien


def deck_briefs(campaign, phase):
    job = next(j for j in expand(campaign, [phase]) if j.kind == "deck")
    return briefs_for(campaign, job)


@pytest.fixture(scope="module")
def deck21(example_campaign, tmp_path_factory):
    built = build_deck(example_campaign, example_campaign.phase("dot-2-1"), deck_briefs(example_campaign, "dot-2-1"))
    path = built.save(tmp_path_factory.mktemp("deck") / "dot-2-1.pptx")
    return built, Presentation(str(path)), path


def faces() -> dict[tuple[str, bool], str]:
    out = {}
    for path in FONT_DIR.glob("*.ttf"):
        m = metrics(path)
        out.setdefault((m.family, m.bold), str(path))
    return out


def layout_of(slide) -> str:
    return slide.slide_layout.name


def visible_text(slide) -> str:
    return "\n".join(as_read(sh.text_frame.text) for sh in slide.shapes if sh.has_text_frame)


def test_master_is_16x9_with_named_brand_layouts(example_campaign):
    prs = build_master(example_campaign.brand, footer="chân trang")
    assert (prs.slide_width, prs.slide_height) == (Emu(12192000), Emu(6858000))  # 13.333 × 7.5 in
    assert [lay.name for lay in prs.slide_layouts] == [lay.name for lay in LAYOUTS]
    assert {"title", "section", "bullets", "two-column", "big-number", "chart", "quote", "image", "closing"} <= \
        {lay.name for lay in prs.slide_layouts}
    for lay in prs.slide_layouts:
        for ph in lay.placeholders:
            assert 0 <= ph.left and ph.left + ph.width <= prs.slide_width, (lay.name, ph.name)
            assert 0 <= ph.top and ph.top + ph.height <= prs.slide_height, (lay.name, ph.name)
    chart = prs.slide_layouts.get_by_name("chart")
    assert any(ph.placeholder_format.type == PP_PLACEHOLDER.CHART for ph in chart.placeholders)
    theme = next(rel.target_part for rel in prs.slide_master.part.rels.values() if rel.reltype.endswith("/theme"))
    xml = theme.blob.decode()
    assert '<a:majorFont><a:latin typeface="Be Vietnam Pro"/>' in xml
    assert '<a:minorFont><a:latin typeface="Noto Sans"/>' in xml
    assert '<a:accent1><a:srgbClr val="C8102E"/>' in xml


def test_bad_brand_colour_is_a_clear_error():
    with pytest.raises(BrandError, match=r"brand\.colors\.primary: 'đỏ'"):
        build_master(BrandKit(colors={"primary": "đỏ"}))


def test_slide_count_and_layout_per_section(deck21, example_campaign):
    built, prs, _ = deck21
    layouts = [layout_of(s) for s in prs.slides]
    assert layouts == ["title", "bullets", *SECTION_21, "quote", "timeline", "closing"]
    assert [name for name, _ in built.slides] == layouts
    sections = [b for _, b in built.slides if b]
    assert set(sections) == {"dot21-thanh-tuu-van-kien"} and len(sections) == len(SECTION_21)
    agenda = visible_text(prs.slides[1])
    assert "Thành tựu nhiệm kỳ 2020-2025 và dự thảo Văn kiện trình Đại hội" in agenda
    assert "Các đợt tuyên truyền" in agenda
    title = visible_text(prs.slides[0])  # the phase by its public name, never its internal one
    assert "Trước Đại hội" in title and "Đợt 2.1" not in title


def frame_height(shape, by_face, keep) -> float | None:
    """Re-measure a finished text frame from what the file says: fonts, sizes, spacing, indents."""
    tf = shape.text_frame
    assert tf.word_wrap is True and tf.auto_size == MSO_AUTO_SIZE.NONE, shape.name
    paragraphs, size, line, gap, indent = [], None, 1.2, 0.0, 0.0
    for i, p in enumerate(tf.paragraphs):
        runs = [r for r in p.runs if r.text.strip()]
        font = runs[-1].font
        assert font.name in {"Be Vietnam Pro", "Noto Sans"}, font.name
        size = font.size.pt
        text = as_read("".join(r.text for r in p.runs).split("\t")[-1])
        paragraphs.append((text, by_face[(font.name, bool(font.bold))]))
        line = p.line_spacing.pt / size
        if i:
            gap = p.space_before.pt / size
        indent = int(p._pPr.get("marL", "0")) / EMU_PER_PT
    return block_height(paragraphs, shape.width / EMU_PER_PT, size, line, gap, indent, keep)


@pytest.mark.parametrize("phase", ["dot-1", "dot-2-1", "dot-2-2", "dot-3"])
def test_every_text_frame_fits_its_box(example_campaign, phase):
    built = build_deck(example_campaign, example_campaign.phase(phase), deck_briefs(example_campaign, phase))
    by_face = faces()
    keep = keep_phrases(example_campaign)
    checked = 0
    for number, slide in enumerate(built.prs.slides, 1):
        if layout_of(slide) == "blank":
            continue  # infographic scene: laid out by the visual renderer
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                height = frame_height(shape, by_face, keep)
                assert height is not None and height <= shape.height / EMU_PER_PT + 0.01, \
                    (number, shape.name, shape.text_frame.text[:60], height, shape.height / EMU_PER_PT)
                checked += 1
    for lay in built.prs.slide_layouts:  # the footer and other static text of the layouts
        for shape in lay.shapes:
            if not shape.is_placeholder and shape.has_text_frame and shape.text_frame.text.strip() \
                    and not shape.text_frame.paragraphs[0]._p.findall(qn("a:fld")):
                height = frame_height(shape, by_face, keep)
                assert height is not None and height <= shape.height / EMU_PER_PT + 0.01, (lay.name, shape.name)
                checked += 1
    assert checked > 25


def test_charts_are_native_chart_parts_with_the_brief_numbers(deck21, example_campaign):
    _, prs, path = deck21
    brief = example_campaign.brief("dot21-thanh-tuu-van-kien")
    percent = [s for s in brief.stats if s.unit == "%"]
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) == 1
    chart = charts[0]
    assert chart.part.content_type == "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    assert chart.part.chart_workbook.xlsx_part is not None  # editable data behind the chart
    categories = list(chart.plots[0].categories)
    assert [as_read(c) for c in categories] == [s.label for s in percent]
    # the office app wraps the labels again: only between words, as the deck's text (words.bind)
    assert categories == [bind(s.label, keep=keep_phrases(example_campaign)) for s in percent]
    assert any(NO_BREAK_SPACE in c for c in categories), categories
    assert list(chart.plots[0].series[0].values) == [s.value for s in percent]
    labels = [pt.data_label.text_frame.text for pt in chart.plots[0].series[0].points]
    assert labels == ["8,5%", "2,9%"]  # Vietnamese decimal comma, "%" against the number (vi.stat)
    assert "<c:formatCode>#,##0.0</c:formatCode>" in chart.part.blob.decode()  # the data: the digits written
    big = next(s for s in prs.slides if layout_of(s) == "big-number")
    text = visible_text(big)
    assert "78,5" in text and "triệu đồng" in text and "32" in text


def test_illustrative_figures_carry_a_visible_note(deck21):
    _, prs, _ = deck21
    for slide in prs.slides:
        if layout_of(slide) in ("chart", "big-number"):
            assert ILLUSTRATIVE in visible_text(slide).lower()


def test_speaker_notes_hold_the_full_brief(deck21, example_campaign):
    _, prs, _ = deck21
    brief = example_campaign.brief("dot21-thanh-tuu-van-kien")
    for slide in prs.slides:
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip(), layout_of(slide)
    section = next(s for s in prs.slides if layout_of(s) == "section")
    notes = section.notes_slide.notes_text_frame.text
    for part in [brief.headline, *brief.key_messages, *brief.body.strip().splitlines(), *brief.slogans]:
        assert part in notes
    assert "Tăng trưởng GRDP bình quân: 8,5% (số liệu minh họa)" in notes
    assert unicodedata.is_normalized("NFC", notes)


def test_long_messages_split_over_slides_and_hopeless_text_names_the_brief(example_campaign):
    brief = example_campaign.brief("dot3-ket-qua-dai-hoi")
    long = [f"Ý chính số {i}: " + "tuyên truyền sâu rộng kết quả Đại hội đến cán bộ, đảng viên và Nhân dân " * 3
            for i in range(1, 9)]
    built = build_deck(example_campaign, example_campaign.phase("dot-3"),
                       [brief.model_copy(update={"key_messages": long})], scenes=False)
    bullets = [i for i, (name, b) in enumerate(built.slides) if name == "bullets" and b]
    assert len(bullets) >= 2
    titles = [as_read(built.prs.slides[i].shapes.title.text_frame.text) for i in bullets]
    assert titles[0] == brief.headline and all(t.endswith("(tiếp)") for t in titles[1:])
    shown = "\n".join(visible_text(built.prs.slides[i]) for i in bullets)
    assert all(m.strip() in shown for m in long)
    hopeless = brief.model_copy(update={"key_messages": ["chữ " * 3000]})
    with pytest.raises(DeckError, match="tin bài dot3-ket-qua-dai-hoi: .*ô body, trường key_messages"):
        build_deck(example_campaign, example_campaign.phase("dot-3"), [hopeless], scenes=False)


def test_the_body_slide_leaves_out_what_the_key_messages_slide_says(example_campaign):
    """A body that restates a key message shows it once (on the key messages slide); the notes keep it."""
    brief = example_campaign.brief("dot3-ket-qua-dai-hoi")
    repeated = "Đại hội đã bầu Ban Chấp hành Đảng bộ tỉnh khóa mới."
    body = f"{repeated} Nghị quyết Đại hội được phổ biến đến từng chi bộ.\nMỗi thôn tổ chức một buổi học tập."
    built = build_deck(example_campaign, example_campaign.phase("dot-3"),
                       [brief.model_copy(update={"key_messages": [repeated, "Học tập Nghị quyết."], "body": body})],
                       scenes=False)
    slides = {name: built.prs.slides[i] for i, (name, _) in enumerate(built.slides)}
    assert repeated in visible_text(slides["bullets"])
    content = visible_text(slides["two-column"])
    assert "Nghị quyết Đại hội được phổ biến đến từng chi bộ." in content and "Mỗi thôn" in content
    assert repeated not in content, "said on the slide before"
    assert repeated in slides["two-column"].notes_slide.notes_text_frame.text


def test_same_unit_stats_make_one_chart_and_mixed_sources_are_marked(example_campaign):
    brief = example_campaign.brief("dot3-ket-qua-dai-hoi").model_copy(update={"stats": [
        Stat(label="Huyện Ninh Hải", value=12, unit="xã"),
        Stat(label="Huyện Ninh Phước", value=9, unit="xã", source="Sở Nội vụ"),
        Stat(label="Huyện Thuận Nam", value=8, unit="xã", illustrative=True),
    ]})
    built = build_deck(example_campaign, example_campaign.phase("dot-3"), [brief], scenes=False)
    slide = next(built.prs.slides[i] for i, (name, _) in enumerate(built.slides) if name == "chart")
    chart = next(sh.chart for sh in slide.shapes if sh.has_chart)
    assert [as_read(c) for c in chart.plots[0].categories] == ["Huyện Ninh Hải", "Huyện Ninh Phước",
                                                                "Huyện Thuận Nam (*)"]
    assert list(chart.plots[0].series[0].values) == [12, 9, 8]
    note = visible_text(slide)
    assert "(*) Số liệu minh họa" in note and "Nguồn: Sở Nội vụ" in note
    assert "big-number" not in [name for name, _ in built.slides]


def test_renderer_writes_pptx_and_pdf_with_the_campaign_fonts_embedded(example_campaign, tmp_path):
    ctx = BuildContext(example_campaign, tmp_path)  # the PDF ships beside the pptx by default
    job = next(j for j in expand(example_campaign, ["dot-3"]) if j.kind == "deck")
    artifacts = run_job(job, ctx)
    assert [a.media_type for a in artifacts] == [
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/pdf"]
    pptx, pdf = (tmp_path / example_campaign.id / a.path for a in artifacts)
    slides = len(Presentation(str(pptx)).slides)
    assert artifacts[0].meta["slides"] == slides
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(slides)
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    fonts = {row.split()[0].split("+")[-1]: row.split() for row in rows}
    assert fonts and all(name.startswith(("BeVietnamPro-", "NotoSans-")) for name in fonts), fonts
    assert all(cols[-5] == "yes" for cols in fonts.values()), rows  # emb column
    assert {"BeVietnamPro-Bold", "NotoSans-Regular"} <= set(fonts)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Đưa Nghị quyết Đại hội XV vào cuộc sống" in text and "Xin trân trọng cảm ơn!" in text


def test_pdf_conversion_error_is_clear(tmp_path):
    broken = tmp_path / "hong.pptx"
    broken.write_bytes(b"not a deck")
    with pytest.raises(ConvertError, match="hong.pptx: LibreOffice không xuất được PDF"):
        to_pdf(broken, tmp_path / "hong.pdf")
    assert not (tmp_path / "hong.pdf").exists()


def test_cli_deck_for_a_phase_and_a_brief(example_path, tmp_path):
    from studio.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["deck", str(example_path), "--phase", "dot-2-2", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    made = tmp_path / "ninh-thuan-2025" / "dot-2-2" / "hoi-nghi" / "ninh-thuan" / "deck-16x9.pptx"  # build's layout
    assert made.is_file() and len(Presentation(str(made)).slides) >= 8
    result = runner.invoke(app, ["deck", str(example_path), "--phase", "dot-2-1", "--brief", "dot21-gop-y-van-kien",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # one brief's deck is not a planned asset: a preview, outside every manifest
    assert (tmp_path / "preview" / "ninh-thuan-2025" / "dot21-gop-y-van-kien--deck-16x9.pptx").is_file()
    result = runner.invoke(app, ["deck", str(example_path), "--phase", "dot-9", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Không có giai đoạn 'dot-9'" in result.output


def test_infographic_scene_is_an_editable_slide(deck21, example_campaign):
    _, prs, _ = deck21
    brief = example_campaign.brief("dot21-thanh-tuu-van-kien")
    scene = next(s for s in prs.slides if layout_of(s) == "blank")
    texts = [as_read(sh.text_frame.text) for sh in scene.shapes if sh.has_text_frame and sh.text_frame.text.strip()]
    assert any(brief.headline.lower() in t.lower() for t in texts), texts  # real text, not a picture
    assert len(list(scene.shapes)) > 5


def test_brief_images_use_the_image_layout(example_campaign, tmp_path):
    from PIL import Image as PILImage

    from studio.campaign import Image

    PILImage.new("RGB", (800, 600), "#C8102E").save(tmp_path / "anh.png")
    campaign = example_campaign.model_copy(update={"root": str(tmp_path)})
    brief = campaign.brief("dot3-ket-qua-dai-hoi").model_copy(
        update={"images": [Image(path="anh.png", alt="Quang cảnh hội nghị quán triệt Nghị quyết")]})
    built = build_deck(campaign, campaign.phase("dot-3"), [brief], scenes=False)
    slide = next(built.prs.slides[i] for i, (name, _) in enumerate(built.slides) if name == "image")
    picture = next(sh for sh in slide.placeholders if sh.placeholder_format.type == PP_PLACEHOLDER.PICTURE)
    assert picture.image.content_type == "image/png" and picture.image.size == (800, 600)
    assert "Quang cảnh hội nghị quán triệt Nghị quyết" in visible_text(slide)
    missing = brief.model_copy(update={"images": [Image(path="khong-co.png")]})
    with pytest.raises(DeckError, match="tin bài dot3-ket-qua-dai-hoi: images: không thấy tệp ảnh khong-co.png"):
        build_deck(campaign, campaign.phase("dot-3"), [missing], scenes=False)


def test_a_long_agenda_continues_on_a_second_slide(example_campaign):
    base = example_campaign.brief("dot3-ket-qua-dai-hoi")
    briefs = [base.model_copy(update={"id": f"tin-{i}", "title": f"Tin bài số {i}: tuyên truyền kết quả Đại hội "
                                      "và việc học tập, quán triệt Nghị quyết ở cơ sở", "key_messages": [],
                                      "body": "", "stats": [], "slogans": []}) for i in range(1, 15)]
    built = build_deck(example_campaign, example_campaign.phase("dot-3"), briefs, scenes=False)
    agenda = [built.prs.slides[i] for i, (name, b) in enumerate(built.slides) if name == "bullets" and b is None]
    assert len(agenda) == 2 and as_read(agenda[1].shapes.title.text_frame.text) == "Nội dung (tiếp)"
    shown = "\n".join(visible_text(s) for s in agenda)
    assert "Tin bài số 14" in shown and "Các đợt tuyên truyền" in shown
    assert [name for name, _ in built.slides].count("section") == 14


def test_how_column_names_the_channels_not_their_ids(example_campaign, tmp_path):
    """A brief without audiences shows the channels that carry it: the deck job's slice holds them all."""
    ctx = BuildContext(example_campaign, tmp_path, {"deck": {"pdf": False}})
    job = next(j for j in expand(example_campaign, ["dot-3"]) if j.kind == "deck")
    pptx = tmp_path / example_campaign.id / run_job(job, ctx)[0].path
    slide = next(s for s in Presentation(str(pptx)).slides if layout_of(s) == "two-column")
    text = visible_text(slide)
    brief = example_campaign.brief("dot3-ket-qua-dai-hoi")
    names = {c.id: c.name for c in example_campaign.channels}
    assert "HÌNH THỨC TUYÊN TRUYỀN" in text and not brief.audiences
    assert all(names[c] in text for c in brief.channels), text
    assert not any(re.search(rf"(?m)^{c}$", text) for c in brief.channels if c != names[c]), text
