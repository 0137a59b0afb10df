"""Word-aware line breaking: Vietnamese words, numbers with their units, dates and campaign phrases stay whole."""

from __future__ import annotations

import subprocess
import time
import unicodedata

import pytest

from studio import vi
from studio.context import keep_phrases
from studio.visual import scene_for
from studio.visual.fonts import font_path, metrics
from studio.visual.layout import fit_text, wrap_text
from studio.visual.words import groups

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
    ("HỘI ĐỒNG NHÂN DÂN TỈNH", ["HỘI ĐỒNG", "NHÂN DÂN"]),
    ("THAM GIA BẦU CỬ LÀ QUYỀN CỦA CÔNG DÂN", ["THAM GIA", "BẦU CỬ", "CÔNG DÂN"]),
    ("Mỗi cử tri thực hiện Nghị quyết", ["cử tri", "thực hiện", "Nghị quyết"]),
])
def test_segmenter_words_stay_whole_in_any_case(text, words):
    assert set(words) <= set(joined(text))


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
        lines = wrap_text(text, BOLD, 40, width)
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


# --- the layout -----------------------------------------------------------------------------

def test_lines_break_between_words_at_every_width():
    text = "Nhiệt liệt chào mừng Đại hội đại biểu Đảng bộ tỉnh Ninh Thuận lần thứ XV, nhiệm kỳ 2025 - 2030"
    keep = ("Ninh Thuận",)
    for width in range(300, 1400, 37):
        lines = wrap_text(text, BOLD, 40, width, keep)
        assert " ".join(lines) == text
        assert not breaks_inside(lines, keep), width
        assert not any(f"{a.split()[-1]} / {b.split()[0]}" in WRONG for a, b in zip(lines, lines[1:]))


def test_a_word_wider_than_its_box_breaks_between_its_syllables():
    m = metrics(BOLD)
    size = 40
    width = m.width("NGHĨA") * size * 1.05  # one syllable fits, "NGHĨA VỤ" does not
    lines = wrap_text("NGHĨA VỤ", BOLD, size, width)
    assert lines == ["NGHĨA", "VỤ"]
    assert wrap_text("NGHĨA VỤ", BOLD, size, m.width("NGH") * size) is None  # a syllable is never split


def test_no_single_syllable_last_line_when_another_break_fits():
    text = "Toàn dân tham gia bầu cử đại biểu Hội đồng nhân dân các cấp và xã"
    m = metrics(BOLD)
    size = 40
    for width in range(400, 1300, 23):
        lines = wrap_text(text, BOLD, size, width)
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


# --- print PDFs ------------------------------------------------------------------------------

PRINT = ["pano-4000x2000", "pano-1200x2400", "poster-a3", "leaflet-a4"]


def test_print_pdfs_break_between_words(example_campaign, tmp_path):
    """The visual renderer's print PDFs, as pdftotext reads them, never break inside a word or after a number."""
    from studio.build import BuildContext, run_job
    from studio.plan import expand

    ctx = BuildContext(example_campaign, tmp_path, {})
    briefs = {"dot1-y-nghia-thanh-tuu", *(b.id for b in example_campaign.briefs[-2:])}
    jobs = [j for j in expand(example_campaign) if j.kind == "visual" and j.format in PRINT and j.brief in briefs]
    seen = {}
    for job in jobs:
        seen.setdefault((job.brief, job.format), job)
    assert len(seen) >= 6
    pairs = 0
    for job in seen.values():
        pdf = next(ctx.out_root / a.path for a in run_job(job, ctx) if a.media_type == "application/pdf")
        # -raw keeps each text layer's lines together in drawing order (-layout interleaves side-by-side
        # columns on one output line, so a layer's consecutive lines would not be adjacent).
        raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        lines = [" ".join(unicodedata.normalize("NFC", line).split()) for line in raw.splitlines()]
        lines = [line for line in lines if line]
        paragraphs = [" ".join(p.split()) for p in _scene_texts(example_campaign, job)]
        for a, b in zip(lines, lines[1:]):
            para = next((p for p in paragraphs if f" {a} {b} " in f" {p} "), None)  # whole words ("5 năm" ≠ "05 năm")
            if para is None:
                continue  # two different layers, or a forced newline
            pairs += 1
            start = f" {para} ".index(f" {a} {b} ")
            head = para[:start + len(a)].split()
            tokens = para.split()
            k = len(head) - 1  # the gap after tokens[k] is this line break
            assert f"{tokens[k]} / {tokens[k + 1]}" not in WRONG
            g = 0
            for group in groups(para):
                assert not (g <= k < g + len(group) - 1), (job.format, job.brief, a, b, group)
                g += len(group)
    assert pairs > 20


def _scene_texts(campaign, job) -> list[str]:
    """The texts the PDF's layers were given (before layout), one per paragraph."""
    from studio.formats import FORMATS
    from studio.visual.scene import default_template

    fmt = FORMATS[job.format].options
    tree = campaign.unit_tree()
    unit = tree[job.unit] if job.unit in tree and tree[job.unit].level != "province" else None
    brief = campaign.brief(job.brief)
    scene = scene_for(campaign, brief, default_template(fmt["family"], brief), fmt["width"], fmt["height"],
                      fmt["units"], unit)
    return [para for page in scene.pages for layer in page.layers if layer.fit
            for para in layer.get("text").split("\n")]


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
