"""One rendering of a value (issue 15): every statistic a print PDF or a deck shows is the brief's
value as ``studio.vi`` writes it (``8,75%``, ``312,5 mm``, ``1.250 hộ``), in the PDF's text
(``pdftotext``), in the pptx (text, chart labels and data, speaker notes) and in the infographics'
alt text; never a rounded (``8,8``) or English (``8.75``, ``1,250``) variant."""

from __future__ import annotations

import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import EXAMPLES, as_read
from pptx import Presentation
from small_campaign import example_brief, small_campaign

from studio import vi
from studio.build import build
from studio.campaign import Stat
from studio.formats import FORMATS
from studio.loader import load_campaign
from studio.plan import RenderJob, Selection, briefs_for

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PRINT = ["pano-4000x2000", "poster-a3", "leaflet-a4"]
DECIMALS = [  # statistics written with decimals, as a storm campaign has them
    {"label": "Tỷ lệ hộ được hỗ trợ", "value": 8.75, "unit": "%", "illustrative": True},
    {"label": "Tỷ lệ che phủ rừng", "value": 47.25, "unit": "%", "illustrative": True},
    {"label": "Lượng mưa cao nhất", "value": 312.5, "unit": "mm", "illustrative": True},
    {"label": "Hộ phải di dời", "value": 1250, "unit": "hộ", "illustrative": True},
]


def flat(text: str) -> str:
    """NFC with every run of spaces (the no-break space too) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\u00a0", " ").split())


def pdf_text(path: Path) -> str:
    return flat(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)


def has_figure(text: str, figure: str) -> bool:
    """``figure`` (a number, or a number with its unit) whole in ``text``: not part of ``18,75`` or ``8,750``."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)", text) is not None


def wrong_forms(value: float) -> list[str]:
    """How the issue saw figures go wrong: rounded (``8,8``), English (``8.75``, ``1,250``)."""
    forms = [vi.number(round(value, d), d) for d in range(1, vi.decimals(value))]
    if vi.decimals(value):
        forms.append(repr(float(value)))
    elif abs(value) >= 1000:
        forms.append(f"{int(value):,d}")
    return forms


def unclear(briefs) -> set[str]:
    """Labels that also occur in other text of the briefs (a headline, another label): seeing them
    does not tell that the figure is shown."""
    texts = [flat(t).casefold() for b in briefs for t in (b.title, b.headline, *b.key_messages, b.body, *b.slogans)]
    stats = [s for b in briefs for s in b.stats]
    return {stat.label for stat in stats
            if any(flat(stat.label).casefold() in t for t in texts + [flat(s.label).casefold() for s in stats
                                                                      if s is not stat])}


def check_text(text: str, stats, legit: set[str], where: str, skip: set[str] = frozenset()) -> list[str]:
    """Every statistic whose label ``text`` shows comes with its value as written (labels in ``skip``
    are not looked for); no wrong form of any value appears. Returns the labels checked."""
    checked = []
    folded = text.casefold()
    for stat in stats:
        if stat.label not in skip and flat(stat.label).casefold() in folded:
            shown = flat(vi.stat(stat.value, stat.unit))
            together = has_figure(text, shown)  # "8,75%", "312,5 mm" in one text
            apart = has_figure(text, vi.number(stat.value)) and (not stat.unit or flat(stat.unit) in text)
            assert together or apart, f"{where}: {stat.label}: {shown!r} not in {text!r}"
            checked.append(stat.label)
        for form in wrong_forms(stat.value):
            assert form in legit or not has_figure(text, form), f"{where}: {stat.label}: {form!r} in {text!r}"
    return checked


def shapes_of(shapes):
    for shape in shapes:
        yield shape
        if shape.shape_type == 6:  # a group
            yield from shapes_of(shape.shapes)


def check_deck(path: Path, stats, legit: set[str], skip: set[str]) -> tuple[list[str], str]:
    """The slides' text, each native chart (labels, data and number format) and the speaker notes;
    returns the statistics checked and the slides' text."""
    prs = Presentation(str(path))
    by_label = {s.label: s for s in stats}
    checked, deck = [], []
    for n, slide in enumerate(prs.slides, 1):
        texts = [as_read(sh.text_frame.text) for sh in shapes_of(slide.shapes) if sh.has_text_frame]
        for shape in shapes_of(slide.shapes):
            if not getattr(shape, "has_chart", False):
                continue
            series = shape.chart.plots[0].series[0]
            labels = [pt.data_label.text_frame.text for pt in series.points]
            fmt = re.search(r"<c:formatCode>([^<]*)</c:formatCode>", shape.chart.part.blob.decode()).group(1)
            places = len(fmt.split(".", 1)[1]) if "." in fmt else 0
            categories = [as_read(c) for c in shape.chart.plots[0].categories]  # bound: words.bind
            for category, value, label in zip(categories, series.values, labels):
                stat = by_label[re.sub(r" \(\*\)$", "", category)]
                assert value == stat.value and places >= vi.decimals(value), (path.name, n, category, fmt)
                assert label == vi.stat(stat.value, stat.unit.strip()), (path.name, n, category, label)
                texts.append(f"{category} {label}")
        text = flat(" ".join(texts))
        checked += check_text(text, stats, legit, f"{path.name} trang {n}", skip)
        deck.append(text)
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        for stat in stats:
            if f"\n- {stat.label}:" in notes:  # the notes list every figure as a sentence
                assert f"- {stat.label}: {vi.stat(stat.value, stat.unit)}" in notes, (path.name, n, stat.label)
    return checked, " ".join(deck)


def check_build(campaign, root: Path) -> dict[str, tuple[set[str], str]]:
    """Check every print PDF, deck PDF, deck and alt text of a build; returns, by file, the statistics
    checked and the text."""
    legit = {vi.number(s.value) for b in campaign.briefs for s in b.stats}
    tree = campaign.unit_tree()
    seen: dict[str, tuple[set[str], str]] = {}
    for manifest in sorted(root.glob("*/manifest.json")):
        for art in json.loads(manifest.read_text(encoding="utf-8"))["artifacts"]:
            job = RenderJob(art["phase"], art["channel"], art["format"], FORMATS[art["format"]].kind, art["unit"],
                            art.get("brief"))
            briefs = briefs_for(campaign, job, tree)  # a deck: its phase's briefs
            stats, skip = [s for b in briefs for s in b.stats], unclear(briefs)
            path = root / art["path"]
            if art["media_type"] == "application/pdf":
                text = pdf_text(path)
                seen[art["path"]] = (set(check_text(text, stats, legit, art["path"], skip)), text)
            elif art["media_type"] == PPTX:
                labels, text = check_deck(path, stats, legit, skip)
                seen[art["path"]] = (set(labels), text)
            elif art["media_type"] == "image/png" and "shows" in art["meta"]:  # an infographic's alt text names
                text = path.with_name(path.name.replace(".png", ".alt.txt")).read_text(encoding="utf-8")  # each figure
                named = [s for s in stats if f"{s.label}:" in text]
                for stat in named:
                    assert f"{stat.label}: {vi.stat(stat.value, stat.unit)}" in text, (art["path"], stat.label)
                shown = min(len(stats), art["meta"]["shows"]["stats"])  # what its template says it draws
                assert len(named) >= shown, (art["path"], "figures drawn but not in the alt text")
                seen[art["path"]] = ({s.label for s in named}, text)
    return seen


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_statistic_in_every_pdf_and_deck_is_the_brief_value(path, example_build):
    campaign, root = example_build(path, ("visual", "deck"))
    seen = check_build(campaign, root)
    decks = [p for p in seen if p.endswith(".pptx")]
    assert decks and len([p for p in seen if p.endswith("deck-16x9.pdf")]) == len(decks)
    assert sum(len(labels) for labels, _ in seen.values()) > 20
    for brief in (b for b in campaign.briefs if b.stats):  # what was checked is what is shown
        clear = [s.label for s in brief.stats if s.label not in unclear([brief])]
        for deck in decks:
            if flat(brief.title) in seen[deck][1]:  # the brief has a section in this deck: all its figures
                assert set(clear) <= seen[deck][0], (deck, brief.id)
        for pdf in (p for p in seen if f"/{brief.id}--" in p and p.endswith(".pdf")):  # print: the first figure
            assert brief.stats[0].label not in clear or brief.stats[0].label in seen[pdf][0], (pdf, brief.id)


@pytest.fixture(scope="module")
def decimal_build(tmp_path_factory):
    """A small campaign whose brief has decimal statistics, built to its print PDFs and its deck."""
    root = tmp_path_factory.mktemp("decimals")
    brief = example_brief("dot21-thanh-tuu-van-kien", stats=DECIMALS, formats=["deck-16x9", *PRINT])
    campaign = load_campaign(small_campaign(root / "campaign", [brief]))
    report = build(campaign, root / "out", select=Selection(kinds=("visual", "deck")), options={"deck": {"pdf": True}})
    assert report.ok, report.failures
    return campaign, root / "out" / campaign.id


def test_decimal_statistics_keep_their_digits_everywhere(decimal_build):
    campaign, root = decimal_build
    seen = check_build(campaign, root)
    labels = {s["label"] for s in DECIMALS}
    by_name = {Path(p).name: found for p, (found, _) in seen.items()}
    assert by_name["deck-16x9.pptx"] == labels and by_name["deck-16x9.pdf"] == labels
    assert by_name["dot21-thanh-tuu-van-kien--leaflet-a4.pdf"] == labels  # the leaflet shows four
    assert by_name["dot21-thanh-tuu-van-kien--pano-4000x2000.pdf"] == {"Tỷ lệ hộ được hỗ trợ"}  # pa nô: the first
    leaflet = pdf_text(next(root.glob("*/*/*/*--leaflet-a4.pdf")))
    assert "8,75%* " in leaflet and "312,5 mm* " in leaflet and "1.250 hộ* " in leaflet  # value and unit as one


def test_the_check_sees_a_rounded_or_english_figure():
    figures = [Stat(**s) for s in DECIMALS]
    legit = {vi.number(s.value) for s in figures}
    assert check_text("Tỷ lệ hộ được hỗ trợ 8,75%", figures, legit, "ok") == ["Tỷ lệ hộ được hỗ trợ"]
    for wrong in ("Tỷ lệ hộ được hỗ trợ 8,8*", "Tỷ lệ hộ được hỗ trợ 8.75 %", "Hộ phải di dời 1,250 hộ",
                  "Tỷ lệ hộ được hỗ trợ 18,75%", "Lượng mưa cao nhất 312,5"):
        with pytest.raises(AssertionError):
            check_text(wrong, figures, legit, "sai")
