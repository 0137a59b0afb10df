"""Word-aware line breaking: Vietnamese words, numbers with their units, dates and campaign phrases stay whole."""

from __future__ import annotations

import json
import re
import subprocess
import time
import unicodedata

import pytest
from conftest import EXAMPLES, as_read

from studio import vi
from studio.context import keep_phrases
from studio.formats import FORMATS
from studio.text import NO_BREAK_SPACE
from studio.visual import scene_for
from studio.visual.fonts import font_path, metrics
from studio.visual.layout import fit_text, wrapper
from studio.visual.scene import build_scene
from studio.visual.words import WORD_JOINER, groups

BOLD = font_path("BeVietnamPro-ExtraBold")
INFOGRAPHIC_SIZES = [(1080, 1080), (1080, 1350), (1200, 628), (1080, 1920)]
TEMPLATES = ["key-number", "stat-chart", "slogan-card", "timeline"]
# The breaks the issue saw in the example's assets: each pair is one word (or a number and its unit).
WRONG = ["ĐẠI / HỘI", "HỘI / ĐỒNG", "THAM / GIA", "cử / tri", "Nghị / quyết", "Ninh / Thuận", "2026- / 2031"]


def joined(text: str, keep: tuple[str, ...] = ()) -> list[str]:
    return [" ".join(g) for g in groups(text, keep) if len(g) > 1]


def breaks_inside(lines: list[str] | tuple[str, ...], keep: tuple[str, ...] = ()) -> list[str]:
    """Line breaks of ``lines`` (one paragraph) that fall inside a group, as "end / start" strings."""
    tokens: list[str] = []
    ends: set[int] = set()
    for line in lines:
        tokens += line.split()
        ends.add(len(tokens) - 1)
    bad = []
    k = 0
    for group in groups(" ".join(tokens), keep):
        for j in range(len(group) - 1):
            if k + j in ends:
                bad.append(f"{tokens[k + j]} / {tokens[k + j + 1]}")
        k += len(group)
    return bad


# --- the breaker ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, words", [
    ("ĐẠI HỘI ĐẠI BIỂU TOÀN QUỐC", ["ĐẠI HỘI", "ĐẠI BIỂU", "TOÀN QUỐC"]),
    ("HỘI ĐỒNG NHÂN DÂN TỈNH", ["HỘI ĐỒNG NHÂN DÂN"]),  # words.COMPOUNDS: one institution
    ("THAM GIA BẦU CỬ LÀ QUYỀN CỦA CÔNG DÂN", ["THAM GIA", "BẦU CỬ", "CÔNG DÂN"]),
    ("Mỗi cử tri thực hiện Nghị quyết", ["cử tri", "thực hiện", "Nghị quyết"]),
])
def test_segmenter_words_stay_whole_in_any_case(text, words):
    assert set(words) <= set(joined(text))


def test_terms_the_segmenter_leaves_apart_stay_whole():
    """pyvi splits "ven biển", "tổ dân phố", "trung học cơ sở": a deck column broke "phường ven / biển", a
    subtitle "Trường Trung học cơ sở / Thạch Khê". Never across punctuation ("ven, biển")."""
    text = "Ủy ban nhân dân các xã, phường ven biển, tổ dân phố và Trường Trung học cơ sở Thạch Khê"
    assert {"Ủy ban nhân dân", "ven biển,", "tổ dân phố", "Trung học cơ sở"} <= set(joined(text))
    assert "ven, biển" not in joined("đi ven, biển động")


def test_single_capital_letters_break_like_words():
    """All caps are read lower-case and capitalised; a capital letter alone is both (it recursed)."""
    assert groups("Ệ Ỗ E O") == (("Ệ",), ("Ỗ",), ("E",), ("O",))


@pytest.mark.parametrize("text, together", [
    ("đạt 98,5 % cử tri", "98,5 %"),
    ("có 1.234 người tham gia", "1.234 người"),
    ("khai mạc lúc 7 giờ sáng ngày mai", "7 giờ sáng"),
    ("họp ngày 15 tháng 3 năm 2025 tại tỉnh", "ngày 15 tháng 3 năm 2025"),
    ("nhiệm kỳ 2026 - 2031 của tỉnh", "2026 - 2031"),
    ("theo Nghị quyết số 45/NQ-HĐND của tỉnh", "số 45/NQ-HĐND"),
    ("nhiệm kỳ 2020-2025 “ Đoàn kết ” nhé", "“ Đoàn kết ”"),
    ("thành phố Phan Rang – Tháp Chàm", "Rang –"),
])
def test_numbers_keep_their_unit_and_dates_and_lone_marks_stay_whole(text, together):
    assert any(together in group for group in joined(text)), joined(text)


def test_a_no_break_space_joins_a_statistic():
    text = f"Lượng mưa đạt {vi.stat(312.5, 'mm')} và {vi.stat(1250, 'hộ')} phải sơ tán"
    stats = ["312,5\u00a0mm", "1.250\u00a0hộ"]
    assert [t for g in groups(text) for t in g if "\u00a0" in t] == stats  # each one token
    m = metrics(BOLD)
    for width in range(int(max(m.width(t) for t in stats) * 40) + 1, 1400, 29):
        lines = wrapper(text, BOLD, 40)(width)
        assert "".join(lines).count("\u00a0") == 2, (width, lines)  # drawn as a no-break space, never a break
        assert not any(line.startswith(("mm", "hộ")) for line in lines), (width, lines)


def test_a_font_without_a_no_break_space_is_refused_by_the_glyph_check(tmp_path):
    """The no-break space is drawn as a glyph (PDF, PNG, office apps): a font must have it."""
    from fontTools import subset

    from studio.visual.layout import MissingGlyphError, pick_font

    font = tmp_path / "khong-nbsp.ttf"
    options = subset.Options()
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(text="0123456789,.% mhộ")
    ttf = subset.load_font(str(font_path("NotoSans-Regular")), options)
    sub.subset(ttf)
    subset.save_font(ttf, str(font), options)
    assert pick_font("312,5 mm", [font]) == font
    with pytest.raises(MissingGlyphError, match="U\\+00A0"):
        pick_font(vi.stat(312.5, "mm"), [font])
    assert pick_font(vi.stat(312.5, "mm"), [font, font_path("NotoSans-Regular")]) == font_path("NotoSans-Regular")


@pytest.mark.parametrize("headline", [
    "ĐẢNG BỘ TỈNH ĐOÀN KẾT, DÂN CHỦ, KỶ CƯƠNG, ĐỔI MỚI, PHÁT TRIỂN",
    "THAM GIA BẦU CỬ LÀ QUYỀN VÀ NGHĨA VỤ CỦA MỖI CÔNG DÂN",
])
def test_a_headline_in_capitals_is_read_as_capitals_with_its_times(headline):
    """``vi.upper`` leaves ``7h00`` as written; the headline is still segmented as capitals."""
    assert groups(f"{headline} LÚC 7h00")[:-1] == groups(f"{headline} LÚC 7H00")[:-1]


def test_keep_phrases_hold_names_the_segmenter_splits():
    text = "CỬ TRI XÃ PHƯỚC HÀ ĐI BẦU"
    assert "PHƯỚC HÀ" not in joined(text)  # the segmenter alone does not know the commune
    assert "PHƯỚC HÀ" in joined(text, ("Phước Hà",))


def test_campaign_dictionary_names_units_issuer_and_keep_together(example_campaign):
    campaign = example_campaign.model_copy(update={"keep_together": ["Đảng bộ tỉnh", "lần thứ XV"]})
    phrases = keep_phrases(campaign)
    assert {"Đảng bộ tỉnh", "lần thứ XV", "Ninh Thuận", "Bác Ái", "Huyện Bác Ái"} <= set(phrases)
    assert all(len(p.split()) > 1 for p in phrases)
    assert "LẦN THỨ XV" in joined("ĐẠI HỘI LẦN THỨ XV", phrases)


def test_keep_together_is_read_from_campaign_yaml(campaign_copy):
    from studio.loader import load_campaign

    yaml = campaign_copy / "campaign.yaml"
    decomposed = unicodedata.normalize("NFD", "Trường Sa")
    yaml.write_text(yaml.read_text(encoding="utf-8") + f"keep_together:\n  - lần thứ XV\n  - {decomposed}\n",
                    encoding="utf-8")
    campaign = load_campaign(campaign_copy)
    assert campaign.keep_together == ["lần thứ XV", "Trường Sa"]  # NFC at the edge, like every text
    assert {"lần thứ XV", "Trường Sa"} <= set(keep_phrases(campaign))


def test_breaker_is_deterministic_and_cached():
    text = "Hội đồng nhân dân tỉnh nhiệm kỳ 2026-2031 họp phiên thứ nhất"
    first = groups(text)
    assert groups(text) is first  # cached: the same headline is laid out for every unit and size
    groups.cache_clear()
    assert groups(text) == first


@pytest.mark.parametrize("text, number", [
    ("Khi cần hỗ trợ, gọi trực ban phòng thủ dân sự xã, phường: 0239 3856 112, hoặc số khẩn cấp 112.",
     "0239 3856 112,"),
    ("Gọi đường dây nóng +84 912 345 678 khi thấy tàu thuyền gặp nạn", "+84 912 345 678"),
    ("Tổng đài 1800 599 920 trực 24/24 giờ", "1800 599 920"),
    ("Liên hệ 0912 345 678 hoặc 1900 1234 để được hỗ trợ", "0912 345 678"),
])
def test_a_phone_number_in_groups_never_breaks(text, number):
    """The digit groups of a phone number are one number: a line break between them makes two numbers."""
    assert number in joined(text), joined(text)
    m = metrics(BOLD)
    for width in range(int(m.width(number) * 40) + 1, 1400, 23):
        lines = wrapper(text, BOLD, 40)(width)
        assert any(number in line for line in lines), (width, lines)
    assert "0 5" not in " ".join(joined("Năm 2025 có 0 5 hộ"))  # a count is no phone number (8 to 12 digits)


# --- the layout -----------------------------------------------------------------------------

def test_lines_break_between_words_at_every_width():
    text = "Nhiệt liệt chào mừng Đại hội đại biểu Đảng bộ tỉnh Ninh Thuận lần thứ XV, nhiệm kỳ 2025 - 2030"
    keep = ("Ninh Thuận",)
    for width in range(300, 1400, 37):
        lines = wrapper(text, BOLD, 40, keep)(width)
        assert " ".join(lines) == text
        assert not breaks_inside(lines, keep), width
        assert not any(f"{a.split()[-1]} / {b.split()[0]}" in WRONG for a, b in zip(lines, lines[1:]))


def test_a_word_wider_than_its_box_breaks_between_its_syllables():
    m = metrics(BOLD)
    size = 40
    width = m.width("NGHĨA") * size * 1.05  # one syllable fits, "NGHĨA VỤ" does not
    lines = wrapper("NGHĨA VỤ", BOLD, size)(width)
    assert lines == ["NGHĨA", "VỤ"]
    assert wrapper("NGHĨA VỤ", BOLD, size)(m.width("NGH") * size) is None  # a syllable is never split


def test_no_single_syllable_last_line_when_another_break_fits():
    text = "Toàn dân tham gia bầu cử đại biểu Hội đồng nhân dân các cấp và xã"
    m = metrics(BOLD)
    size = 40
    for width in range(400, 1300, 23):
        lines = wrapper(text, BOLD, size)(width)
        greedy_last = len(lines) > 1 and len(lines[-1].split()) == 1
        if greedy_last:  # only possible when the previous line's last word cannot come down
            prev_word = " ".join(groups(" ".join(lines[:-1]))[-1])
            assert m.width(f"{prev_word} {lines[-1]}") * size > width, (width, lines)


def test_balanced_headline_keeps_words_whole():
    text = "THAM GIA BẦU CỬ LÀ QUYỀN VÀ NGHĨA VỤ CỦA MỖI CÔNG DÂN"
    for width in (500, 700, 900):
        fit = fit_text(text, BOLD, width, 2000, 30, 90, balance=True)
        assert not breaks_inside(fit.lines), fit.lines


def layer_lines(layer) -> list[tuple[str, tuple[str, ...]]]:
    """(paragraph, its lines) for each paragraph of a laid-out text layer."""
    out = []
    lines = list(layer.fit.lines)
    for para in layer.get("text").split("\n"):
        n = len(para.split())
        mine: list[str] = []
        while n > 0 and lines:
            mine.append(lines.pop(0))
            n -= len(mine[-1].split())
        out.append((para, tuple(mine)))
    return out


def test_example_texts_at_template_sizes_break_between_words(example_campaign):
    """Headlines, key messages and slogans of every brief, at every infographic size and template."""
    checked = 0
    for brief in example_campaign.briefs:
        brief = brief if brief.timeline else brief.model_copy(update={"timeline": "phases"})  # the timeline's
        for template in TEMPLATES:
            for w, h in INFOGRAPHIC_SIZES:
                scene = scene_for(example_campaign, brief, template, w, h)
                for layer in scene.layers:
                    if not layer.fit:
                        continue
                    for para, lines in layer_lines(layer):
                        assert " ".join(lines) == " ".join(para.split())
                        bad = breaks_inside(lines)
                        assert not bad, (brief.id, template, w, h, layer.name, bad)
                        checked += len(lines) > 1
    assert checked > 100  # many wrapped paragraphs were actually looked at


# --- print and deck PDFs -------------------------------------------------------------------

def pdf_rows(pdf) -> list[list[str]]:
    """``pdftotext -layout``'s non-blank lines, each cut into its text runs: side-by-side boxes share a
    line there, at least two spaces apart (a no-break space comes out as a space)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    rows = [[" ".join(run.split()) for run in re.split(r"\s{2,}", unicodedata.normalize("NFC", line).strip())]
            for line in text.splitlines()]
    return [[run for run in row if run] for row in rows if any(row)]


def pdf_breaks(pdf, paragraphs: list[str], keep: tuple[str, ...]) -> tuple[int, list[str]]:
    """The line breaks of ``pdf`` inside one of ``paragraphs`` (the texts its boxes were given), and the
    bad ones: inside a word, a phrase or a number with its unit, or inside a token ("2025-" / "2030").

    A break is a run that ends a line followed by a run that starts the next one, which follow each
    other in one paragraph (a unit or label set in its own box below a number is no break)."""
    paras = list(dict.fromkeys(" ".join(p.split()) for p in paragraphs if p.strip()))
    keys = [p.casefold() for p in paras]
    rows = pdf_rows(pdf)
    pairs, bad = 0, []
    for above, below in zip(rows, rows[1:]):
        for a, b in ((a.lstrip("•▪– ").casefold(), b.lstrip("•▪– ").casefold()) for a in above for b in below):
            # Runs start at a word; a run may end inside one when the next line breaks it ("2025-").
            end = r"(?=\s|$)" if b[-1:] not in "-–/" else ""
            for para, key in zip(paras, keys):
                spaced = re.search(rf"(?:^|(?<=\s)){re.escape(f'{a} {b}')}{end}", key)
                if spaced:
                    k = len(key[:spaced.start() + len(a)].split())  # the break follows the k-th token
                    tokens = para.split()
                    bad += breaks_inside([" ".join(tokens[:k]), " ".join(tokens[k:])], keep)
                elif re.search(rf"(?:^|(?<=\s)){re.escape(a + b)}{end}", key):
                    bad.append(f"{a} / {b} (giữa một từ)")
                else:
                    continue
                pairs += 1
                break
    return pairs, bad


def deck_paragraphs(pptx) -> list[str]:
    """Every paragraph of a deck's slides and layouts as read (no-break spaces as spaces, no word joiners)."""
    from pptx import Presentation

    prs = Presentation(str(pptx))
    out = []

    def walk(shapes) -> None:
        for shape in shapes:
            if hasattr(shape, "shapes"):
                walk(shape.shapes)
            if shape.has_text_frame:
                out.extend(as_read(p.text) for p in shape.text_frame.paragraphs)

    for slide in prs.slides:
        walk(slide.shapes)
    for layout in prs.slide_layouts:
        walk(layout.shapes)
    return out


def print_paragraphs(campaign, artifact: dict) -> list[str]:
    """The texts a print PDF's layers were given (before layout), from its manifest entry."""
    tree = campaign.unit_tree()
    unit = tree[artifact["unit"]]
    meta = artifact["meta"]
    scene = scene_for(campaign, campaign.brief(artifact["brief"]), meta["template"], meta["width"], meta["height"],
                      meta["units"], None if unit.level == "province" else unit)
    return [para for page in scene.pages for layer in page.layers if layer.fit
            for para in layer.get("text").split("\n")]


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_deck_and_print_pdfs_break_between_words(example_build, root):
    """Issue 16: in every deck PDF and print PDF of the example (``pdftotext -layout``) no line break falls
    inside a word as the segmenter sees it, inside a campaign phrase, or between a number and its unit."""
    campaign, _ = example_build(root, ("visual",))
    keep = keep_phrases(campaign)
    checked = {"deck": [0, 0], "print": [0, 0]}  # PDFs, line breaks inside a paragraph
    outs = {example_build(root, kinds)[1] for kinds in (("deck",), ("visual",))}  # one folder may hold both
    for out in sorted(outs):
        for manifest in sorted(out.glob("*/manifest.json")):
            for artifact in json.loads(manifest.read_text(encoding="utf-8"))["artifacts"]:
                if artifact["media_type"] != "application/pdf":
                    continue
                pdf = out / artifact["path"]
                kind = "deck" if FORMATS[artifact["format"]].kind == "deck" else "print"
                paragraphs = deck_paragraphs(pdf.with_suffix(".pptx")) if kind == "deck" \
                    else print_paragraphs(campaign, artifact)
                pairs, bad = pdf_breaks(pdf, paragraphs, keep)
                assert not bad, (artifact["path"], bad)
                checked[kind][0] += 1
                checked[kind][1] += pairs
    assert all(pdfs and pairs >= 2 * pdfs for pdfs, pairs in checked.values()), checked


def test_the_pdf_check_sees_breaks_inside_words(tmp_path):
    """The check above, on a PDF whose lines break inside words, a number range and a phrase."""
    from studio.visual.pdf import render_pdf

    text = "Đại hội đại biểu Đảng bộ tỉnh Ninh Thuận nhiệm kỳ 2025-2030"
    scene = build_scene({"layers": [{"type": "text", "name": "t", "x": 10, "y": 10, "w": 180, "h": 100,
                                     "text": "Đại\nhội đại biểu Đảng bộ tỉnh Ninh\nThuận nhiệm kỳ 2025-\n2030",
                                     "size": 6}]}, 200, 120, "mm", colors={}, fonts={"body": "NotoSans-Regular"},
                        root=".", where="t")
    pdf = render_pdf(scene, tmp_path / "t.pdf")
    pairs, bad = pdf_breaks(pdf, [text], ("Ninh Thuận",))
    assert pairs == 3 and len(bad) == 3, bad


# --- video cards and subtitles ---------------------------------------------------------------

FRAMES = [(1920, 1080), (1080, 1920), (1080, 1080)]


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_video_cards_and_subtitles_break_between_words(root):
    """Every brief's cards and narration subtitles at every frame size: lines, and the cuts between the cues
    of one sentence, fall between words; the ``.srt`` holds the drawn lines as plain text."""
    from studio.loader import load_campaign
    from studio.radio import split_sentences
    from studio.video import cards, subtitles

    campaign = load_campaign(root)
    keep = keep_phrases(campaign)
    cut = 0
    for brief in campaign.briefs:
        sentences = [s for text in [brief.headline, *brief.key_messages] for s in split_sentences(text)]
        for width, height in FRAMES:
            for kind in ("opening", "closing"):
                for block in cards.blocks(kind, campaign, brief, width, height):
                    lines = cards.fit_block(block).lines
                    assert not breaks_inside(lines, keep), (brief.id, kind, width, height, lines)
            font = subtitles.subtitle_font(campaign.brand.fonts, " ".join(sentences))
            style = subtitles.Style.for_frame(width, height, font, keep)
            cues = subtitles.split_cues([(10.0 * i, 10.0 * i + 9, s) for i, s in enumerate(sentences)], style)
            for i, sentence in enumerate(sentences):
                parts = [c.text for c in cues if 10 * i <= c.start < 10 * i + 9.5]
                assert " ".join(parts) == " ".join(sentence.split())
                assert not breaks_inside(parts, keep), (brief.id, width, height, parts)
                cut += len(parts) > 1
            srt = subtitles.srt_text(cues, style)
            # plain text: no joiner, and a no-break space only where the brief wrote one
            assert WORD_JOINER not in srt
            assert srt.count(NO_BREAK_SPACE) == sum(s.count(NO_BREAK_SPACE) for s in sentences)
            for cue, block in zip(cues, srt.strip().split("\n\n")):
                lines = subtitles.wrap(cue.text, style)
                assert block.splitlines()[2:] == lines and len(lines) <= style.max_lines
                assert not breaks_inside(lines, keep), (brief.id, width, height, lines)
    assert cut  # some sentence is long enough to need several cues


# --- speed -----------------------------------------------------------------------------------

def test_breaker_is_fast_once_loaded():
    groups("khởi động")  # the first call loads pyvi's model (about a second)
    texts = [f"Đại hội đại biểu Đảng bộ tỉnh lần thứ {i}, nhiệm kỳ 2025-2030: đoàn kết, đổi mới" for i in range(200)]
    start = time.perf_counter()
    for text in texts:
        groups(text)
    per_text = (time.perf_counter() - start) / len(texts)
    assert per_text < 0.005, per_text


def test_scene_keeps_campaign_phrases_and_unit_names_whole(example_campaign):
    """``keep_together`` in campaign.yaml and the campaign's unit names hold in a laid-out scene."""
    brief = example_campaign.brief("dot1-y-nghia-thanh-tuu").model_copy(
        update={"headline": "Toàn dân hướng về Đại hội Đảng bộ tỉnh lần thứ XV tại Phan Rang – Tháp Chàm"})
    phrase = ("lần thứ XV",)
    plain = example_campaign.model_copy(update={"units": []})
    kept = example_campaign.model_copy(update={"keep_together": list(phrase)})
    split_without = 0
    for w, h in INFOGRAPHIC_SIZES:
        for template in ("key-number", "stat-chart"):
            lines = next(layer.fit.lines for layer in scene_for(plain, brief, template, w, h).layers
                         if layer.name == "tieu-de")
            split_without += bool(breaks_inside(lines, phrase + ("Phan Rang – Tháp Chàm",)))
            lines = next(layer.fit.lines for layer in scene_for(kept, brief, template, w, h).layers
                         if layer.name == "tieu-de")
            assert not breaks_inside(lines, phrase + ("Phan Rang – Tháp Chàm",)), (template, w, h, lines)
    assert split_without  # without the dictionary some size does split them


def test_a_slice_keeps_exactly_the_campaign_phrases_its_text_holds():
    """The phrase index (by first word pair) finds what a plain search for every phrase finds:
    names with a dash, a kind word, one-word phrases; nothing the text does not hold."""
    from studio.context import _Phrases

    phrases = ("Bác Ái", "Phan Rang–Tháp Chàm", "Xã Phước Hà", "A -", "Ninh Thuận", "Thuận Bắc", "Đại hội XV")
    text = '{"name": "Phường Phan Rang–Tháp Chàm", "body": "huyện Bác Ái và Xã Phước Hà; A - b; Đại hội XV."}'
    assert _Phrases.of(phrases).found_in(text) == [p for p in phrases if p in text]
    assert _Phrases.of(phrases).found_in(text) == ["Bác Ái", "Phan Rang–Tháp Chàm", "Xã Phước Hà", "A -", "Đại hội XV"]
