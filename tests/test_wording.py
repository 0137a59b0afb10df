"""Public wording and visual priority (issue 15): what every public output says, checked on the laid-out
scenes and the decks' pptx text (nothing is OCR'd), for every example campaign and a small campaign with
the edge cases: an emergency notice, a brief's own timeline across a year, six and seven statistics,
eight and nine key messages.

- an emergency brief's visuals are notices: the "KHẨN" banner in the emergency colours, every key message
  and the body, the headline once;
- a draft's every visual and every slide of a deck that carries it say "DỰ THẢO"; an approved one's none;
- a phase's internal name (``name``) appears in no public output; its ``public_name`` where phases are named;
- the timeline draws the brief's own steps, with both years when a step crosses one;
- stat-chart shows 6 figures, the leaflet 8 key messages and 6 figures; what a template leaves out is a
  located note of ``studio validate`` and the alt text lists only what is drawn.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import EXAMPLES, as_read
from small_campaign import example_brief, small_campaign

from studio import vi
from studio.build import BuildContext
from studio.campaign import Approval, Campaign
from studio.check import dry_run
from studio.context import JobInputs
from studio.deck import DeckRenderer
from studio.deck.builder import build_deck
from studio.formats import FORMATS
from studio.loader import load_campaign
from studio.plan import expand
from studio.publish.publish import classify
from studio.video import cards
from studio.video.sources import still_templates
from studio.visual.contact import planned_visuals
from studio.visual.scene import default_template, scene_for

EMERGENCY = {
    "id": "khan-bao-so-5", "phase": "dot-3", "priority": "emergency",
    "title": "Thông báo khẩn về sơ tán dân trước bão số 5",
    "headline": "Bão số 5 sắp đổ bộ — sơ tán ngay khỏi vùng trũng ven biển",
    "key_messages": ["Nơi tập trung mới: Trường THCS Phước Bình (thay cho nhà văn hóa thôn, đã ngập).",
                     "Xe đưa đón từ 14h00 đến 18h00 hôm nay, 27/10, tại chợ Phước Bình.",
                     "Cần hỗ trợ, gọi Ban Chỉ huy phòng chống thiên tai huyện: 0259 3861 114."],
    "body": "Bão số 5 dự kiến đổ bộ vào đêm 27/10, gió cấp 11–12, giật cấp 14, kèm mưa rất to.\n"
            "Người dân mang theo giấy tờ, thuốc men, nước uống và làm theo hướng dẫn của lực lượng chức năng.\n",
    "channels": ["hoi-nghi", "mang-xa-hoi", "pano", "an-pham"],
    "formats": ["deck-16x9", "infographic-1080x1080", "infographic-1080x1350", "infographic-1200x628",
                "infographic-1080x1920", "pano-4000x2000", "pano-3000x1500", "pano-1200x2400", "poster-a0",
                "poster-a3", "leaflet-a4"],
    "template": "stat-chart",  # an emergency is a notice whatever the brief chose
    "approval": {"status": "approved", "by": "Ban Chỉ huy PCTT tỉnh", "at": "2025-10-27T08:00:00+07:00"},
}
ROUNDS = {
    "id": "ba-vong-gop-y", "phase": "dot-3", "title": "Ba vòng lấy ý kiến Nhân dân về quy hoạch",
    "headline": "Ba vòng lấy ý kiến Nhân dân", "template": "timeline",
    "key_messages": ["Mỗi người dân đều có thể góp ý tại nhà văn hóa thôn."],
    "timeline": [{"label": "Vòng 1: cán bộ, đảng viên", "start": "2025-11-20", "end": "2025-12-10"},
                 {"label": "Vòng 2: Nhân dân góp ý", "start": "2025-12-15", "end": "2026-01-15"},
                 {"label": "Vòng 3: công bố kết quả", "start": "2026-01-20"}],
    "channels": ["mang-xa-hoi"],
    "formats": ["infographic-1080x1080", "infographic-1080x1350", "infographic-1200x628", "infographic-1080x1920"],
    "approval": {"status": "approved", "by": "Sở TT&TT", "at": "2025-11-01T08:00:00+07:00"},
}
ROUND_DATES = ["20/11 – 10/12/2025", "15/12/2025 – 15/01/2026", "20/01/2026"]
FIGURES = [("Hộ được hỗ trợ", 1250, "hộ"), ("Nhà được gia cố", 430, "nhà"), ("Tàu thuyền vào bờ", 812, "chiếc"),
           ("Lực lượng ứng trực", 2600, "người"), ("Điểm sơ tán", 57, "điểm"), ("Lượng mưa", 312.5, "mm"),
           ("Kè biển cần theo dõi", 19, "km")]


def figures(n: int) -> list[dict]:
    return [{"label": label, "value": value, "unit": unit, "illustrative": True} for label, value, unit in FIGURES[:n]]


def many(brief_id: str, stats: int, messages: int) -> dict:
    return {"id": brief_id, "phase": "dot-3", "title": f"Tin bài {stats} số liệu", "headline": f"{stats} con số",
            "key_messages": [f"Ý chính số {i}: chuẩn bị sẵn sàng ứng phó." for i in range(1, messages + 1)],
            "body": "Nội dung chi tiết.", "stats": figures(stats), "template": "stat-chart",
            "channels": ["mang-xa-hoi", "an-pham"],
            "formats": ["infographic-1080x1080", "infographic-1080x1350", "infographic-1200x628",
                        "infographic-1080x1920", "leaflet-a4"],
            "approval": {"status": "approved", "by": "Sở TT&TT", "at": "2025-11-01T08:00:00+07:00"}}


CAMPAIGNS = ["edges", *(p.name for p in EXAMPLES)]


@pytest.fixture(scope="module")
def campaigns(tmp_path_factory):
    """Campaigns by name, loaded once: every example, and ``edges`` (a small campaign with the cases above,
    an approved dot-1 brief and the draft dot-3 brief of the example)."""
    root = small_campaign(tmp_path_factory.mktemp("wording") / "edges", [
        example_brief("dot1-y-nghia-thanh-tuu"), example_brief("dot3-ket-qua-dai-hoi"), EMERGENCY, ROUNDS,
        many("sau-so-lieu", 6, 8), many("bay-so-lieu", 7, 9)])
    found = {"edges": root, **{p.name: p for p in EXAMPLES}}
    loaded: dict[str, Campaign] = {}

    def get(name: str) -> Campaign:
        if name not in loaded:
            loaded[name] = load_campaign(found[name])
        return loaded[name]

    return get


def layout(campaign, brief, fmt: str):
    o = FORMATS[fmt].options
    district = next((u for u in campaign.unit_tree() if u.level == "district"), None)
    unit = district if fmt.startswith("pano") else None
    return scene_for(campaign, brief, default_template(o["family"], brief), o["width"], o["height"], o["units"], unit)


@pytest.fixture(scope="module")
def outputs(campaigns, tmp_path_factory):
    """Per campaign: every planned visual of every brief (one unit per format) and every video still, as
    (brief, what, scene); and every deck, as (briefs, built deck) — laid out once, shared by the tests."""
    made: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name in made:
            return made[name]
        campaign = campaigns(name)
        tree = campaign.unit_tree()
        scenes = []
        for brief in campaign.briefs:
            for job in planned_visuals(campaign, brief):
                o = FORMATS[job.format].options
                unit = tree[job.unit] if tree[job.unit].level != "province" else None
                scenes.append((brief, job.format, scene_for(campaign, brief, default_template(o["family"], brief),
                                                             o["width"], o["height"], o["units"], unit)))
            for fmt in sorted({j.format for j in expand(campaign, [brief.phase])
                               if j.kind == "video" and j.brief == brief.id}):
                o = FORMATS[fmt].options
                scenes += [(brief, f"{fmt} {t}", scene_for(campaign, brief, t, o["width"], o["height"]))
                           for t in still_templates(brief)]
        ctx = BuildContext(campaign, tmp_path_factory.mktemp("decks"))
        decks = []
        for job in expand(campaign):
            if job.kind == "deck":
                inputs = DeckRenderer().inputs(job, ctx)
                part = inputs.campaign
                decks.append((part.briefs, build_deck(part, part.phase(job.phase), part.briefs, files=inputs.files)))
        made[name] = {"scenes": scenes, "decks": decks}
        return made[name]

    return get


def page_texts(page) -> list[str]:
    """Every text layer's whole text, as drawn (uppercased where the template says so)."""
    return [layer.props["text"] for layer in page.layers if layer.type == "text"]


def texts(scene) -> list[str]:
    return [text for page in scene.pages for text in page_texts(page)]


def flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def pptx_texts(prs) -> list[str]:
    """Every run of text in the saved package: slides, notes, layouts (the footer), master."""
    out = []
    for part in prs.part.package.iter_parts():
        if part.content_type.endswith("+xml") and b"<a:t>" in getattr(part, "blob", b""):
            out += [as_read(m.decode("utf-8")) for m in re.findall(rb"<a:t>([^<]*)</a:t>", part.blob)]
    return out


def slide_texts(slide) -> str:
    return "\n".join(as_read(shape.text_frame.text) for shape in slide.shapes if shape.has_text_frame)


# --- emergency ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CAMPAIGNS)
def test_emergency_visuals_are_notices_with_every_message_the_body_and_the_headline_once(outputs, campaigns, name):
    campaign = campaigns(name)
    found = [(b, what, s) for b, what, s in outputs(name)["scenes"] if b.priority == "emergency"]
    if name == "edges":
        assert len({what for _, what, _ in found}) == len(EMERGENCY["formats"]) - 1  # every visual format
    for brief, what, scene in found:
        layers = {layer.name: layer for page in scene.pages for layer in page.layers}
        assert layers["khan"].props["text"] == "KHẨN", what
        ground = campaign.brand.colors["emergency-ground"].upper()
        assert ground in {scene.pages[0].background, layers.get("nen-bia", layers["khan"]).get("fill")}, what
        assert ground != campaign.brand.colors["primary"].upper()
        drawn = flat(" ".join(texts(scene)))
        for message in brief.key_messages:
            assert flat(message) in drawn, (what, message)
        for line in filter(str.strip, brief.body.splitlines()):
            assert flat(line) in drawn, (what, line)
        assert drawn.count(flat(brief.headline)) == 1, what
        assert scene.meta["alt"].casefold().startswith("thông báo khẩn")
        assert not scene.meta["alt"].casefold().startswith("thông báo khẩn: thông báo khẩn")


def test_emergency_colours_come_from_the_brand_kit(campaigns):
    campaign = campaigns("edges")
    brand = campaign.brand.model_copy(update={"colors": {**campaign.brand.colors, "emergency": "#123456",
                                                         "emergency-ground": "#ABCDEF"}})
    scene = layout(campaign.model_copy(update={"brand": brand}), campaign.brief(EMERGENCY["id"]),
                   "infographic-1080x1080")
    fills = {layer.name: layer.get("fill") for layer in scene.layers}
    assert scene.background == "#ABCDEF" and fills["bang"] == "#123456"


def test_a_pano_without_slogans_never_prints_its_headline_twice(campaigns):
    campaign = campaigns("edges")
    brief = campaign.brief("dot3-ket-qua-dai-hoi").model_copy(update={"slogans": []})
    for fmt in ("pano-4000x2000", "pano-1200x2400", "poster-a3"):
        drawn = flat(" ".join(texts(layout(campaign, brief, fmt))))
        assert drawn.count(flat(brief.headline)) == 1 and flat(brief.key_messages[0]) in drawn, fmt


# --- drafts -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CAMPAIGNS)
def test_a_draft_says_so_on_every_visual_and_every_slide_an_approved_one_nowhere(outputs, name):
    made = outputs(name)
    assert {b.approved for b, _, _ in made["scenes"]} == {True, False} or name != "edges"
    for brief, what, scene in made["scenes"]:
        marked = [page for page in scene.pages if any("DỰ THẢO" in t for t in page_texts(page))]
        assert len(marked) == (0 if brief.approved else len(scene.pages)), (brief.id, what)
        assert scene.meta["alt"].startswith("Bản dự thảo") != brief.approved
    assert made["decks"]
    for briefs, deck in made["decks"]:
        draft = any(not b.approved for b in briefs)
        for number, slide in enumerate(deck.prs.slides, 1):
            assert ("DỰ THẢO" in slide_texts(slide)) == draft, (deck.phase.id, number)


def test_video_cards_of_a_draft_carry_the_mark(campaigns, tmp_path):
    from PIL import Image

    campaign = campaigns("edges")
    brief = campaign.brief("dot1-y-nghia-thanh-tuu")
    ink = tuple(int(campaign.brand.colors["ink"][i:i + 2], 16) for i in (1, 3, 5))
    for approval, expect in (("approved", False), ("draft", True)):
        drawn = brief.model_copy(update={"approval": Approval(status=approval)})
        path = cards.card("opening", campaign, drawn, 640, 360, tmp_path / f"{approval}.png")
        with Image.open(path) as img:
            assert (img.getpixel((4, 16)) == ink) == expect  # the band, left of its centred text


def test_approval_status_changes_the_inputs_hash_who_and_when_do_not(campaigns):
    brief = campaigns("edges").brief("dot1-y-nghia-thanh-tuu").model_dump(mode="json")

    def digest(**approval) -> str:
        return JobInputs(("visual", "3"), {}, {"briefs": [{**brief, "approval": approval}]}).digest()

    approved = digest(status="approved", by="A", at="2025-01-06T09:00:00+07:00")
    assert approved == digest(status="approved", by="B", at="2025-02-01T09:00:00+07:00")
    assert approved != digest(status="draft")


def test_an_output_built_as_a_draft_is_never_published_as_approved(campaigns):
    campaign = campaigns("edges")
    job = next(j for j in expand(campaign) if j.brief == "dot1-y-nghia-thanh-tuu" and j.kind == "visual")
    art = {"path": "x.png", "format": job.format, "phase": job.phase, "channel": job.channel, "unit": job.unit,
           "brief": job.brief, "meta": {}}
    assert [len(group) for group in classify(campaign, [art])] == [1, 0]
    assert [len(group) for group in classify(campaign, [{**art, "meta": {"drafts": [job.brief]}}])] == [0, 1]


# --- phase names --------------------------------------------------------------------------------------

def without_public_names(campaign: Campaign) -> Campaign:
    def strip(phase):
        return phase.model_copy(update={"public_name": "", "subphases": [strip(s) for s in phase.subphases]})

    briefs = [b.model_copy(update={"timeline": "phases"}) if b.template == "timeline" and not b.timeline else b
              for b in campaign.briefs]
    return campaign.model_copy(update={"phases": [strip(p) for p in campaign.phases], "briefs": briefs})


@pytest.mark.parametrize("name", CAMPAIGNS)
def test_internal_phase_names_appear_in_no_public_output(outputs, campaigns, name):
    campaign = campaigns(name)
    made = outputs(name)
    names = {flat(p.name) for p in campaign.all_phases()}
    for brief, what, scene in made["scenes"]:
        drawn = flat(" ".join(texts(scene)) + " " + scene.meta["alt"])
        assert not [n for n in names if n in drawn], (brief.id, what)
    for _, deck in made["decks"]:
        said = flat(" ".join(pptx_texts(deck.prs)))
        assert not [n for n in names if n in said], deck.phase.id
        if deck.phase.public_name:
            assert flat(deck.phase.public_name) in said
    for brief in campaign.briefs:
        for kind in ("opening", "closing"):
            said = flat(" ".join(block[0] for block in cards.blocks(kind, campaign, brief, 1920, 1080)))
            assert not [n for n in names if n in said]
    panos = [(b, s) for b, what, s in made["scenes"] if what.startswith("pano") and b.priority != "emergency"]
    for brief, scene in panos:  # the pa nô's header names the phase, by its public name
        header = flat(next(layer.props["text"] for layer in scene.layers if layer.name == "co-quan"))
        phase = campaign.phase(brief.phase)
        assert (flat(phase.public_name) in header) == bool(phase.public_name)


def test_without_public_names_no_phase_is_named_at_all(campaigns, tmp_path):
    campaign = without_public_names(campaigns("edges"))
    names = {flat(p.name) for p in campaign.all_phases()}
    brief = campaign.brief("dot1-y-nghia-thanh-tuu")
    for fmt in ("pano-4000x2000", "infographic-1080x1080"):
        assert not [n for n in names if n in flat(" ".join(texts(layout(campaign, brief, fmt))))]
    phases = brief.model_copy(update={"timeline": "phases", "template": "timeline"})
    drawn = texts(layout(campaign, phases, "infographic-1080x1350"))
    assert not [n for n in names if n in flat(" ".join(drawn))]
    assert vi.date_range(campaign.phases[0].start, campaign.phases[0].end) in drawn  # dated, not named
    deck = build_deck(campaign, campaign.phase("dot-1"), [brief])
    said = flat(" ".join(pptx_texts(deck.prs)))
    assert not [n for n in names if n in said]


# --- timeline -------------------------------------------------------------------------------------------

def test_the_timeline_draws_the_briefs_own_steps_with_both_years_across_one(campaigns):
    campaign = campaigns("edges")
    brief = campaign.brief(ROUNDS["id"])
    for fmt in ROUNDS["formats"]:
        scene = layout(campaign, brief, fmt)
        drawn = texts(scene)
        for step, dates in zip(ROUNDS["timeline"], ROUND_DATES):
            assert step["label"] in drawn and any(t.startswith(dates) for t in drawn), (fmt, dates)
        assert not {p.public_name for p in campaign.all_phases()} & set(drawn), fmt
        assert "Các mốc: Vòng 1: cán bộ, đảng viên (20/11 – 10/12/2025);" in scene.meta["alt"]


@pytest.mark.parametrize("name", CAMPAIGNS)
def test_timeline_steps_of_every_example_are_drawn_with_their_dates(outputs, campaigns, name):
    from studio.visual.scene import timeline_items

    campaign = campaigns(name)
    for brief, what, scene in outputs(name)["scenes"]:
        if scene.meta["template"] != "timeline":
            continue
        drawn = flat(" ".join(texts(scene)))
        steps = timeline_items(campaign, brief)[:scene.meta["shows"]["timeline"]]
        assert steps, (brief.id, what)
        for step in steps:
            assert flat(step["label"]) in drawn and flat(step["dates"]) in drawn, (brief.id, what, step)


def test_a_timeline_template_without_steps_is_a_located_error(campaigns, tmp_path):
    root = small_campaign(tmp_path / "c", [{**ROUNDS, "timeline": []}])
    problems = dry_run(load_campaign(root))
    assert [(p.file, p.field) for p in problems] == [("briefs/ba-vong-gop-y.yaml", "template")]
    assert "timeline: phases" in problems[0].message and problems[0].line > 0


# --- capacity: what a template shows, what validate says, what the alt text lists --------------------

def test_six_figures_on_the_stat_chart_and_eight_messages_on_the_leaflet(campaigns):
    campaign = campaigns("edges")
    brief = campaign.brief("sau-so-lieu")
    for fmt in brief.formats:
        drawn = " ".join(texts(layout(campaign, brief, fmt)))
        for stat in brief.stats:
            assert vi.number(stat.value) in drawn and stat.label in drawn, (fmt, stat.label)
        if fmt == "leaflet-a4":
            assert all(message in drawn for message in brief.key_messages)


def test_what_a_template_leaves_out_is_a_located_note_and_the_alt_text_says_so(campaigns):
    campaign = campaigns("edges")
    notes: list = []
    assert dry_run(campaign, notes=notes) == []
    notes = [p for p in notes if not p.message.startswith("bố cục")]  # not the layout's (test_collide.py)
    ours = {p.field: p for p in notes if p.file == "briefs/bay-so-lieu.yaml"}
    assert sorted(ours) == ["key_messages[8]", "stats[6]"] and len(notes) == len({(p.file, p.field) for p in notes})
    stats = ours["stats[6]"]
    assert "stat-chart" in stats.message and "leaflet" in stats.message and "“Kè biển cần theo dõi”" in stats.message
    assert stats.line > 0 and "để thể hiện đủ" in stats.message
    assert "key_messages[8] “Ý chính số 9" in ours["key_messages[8]"].message
    assert not [p for p in notes if p.file == "briefs/sau-so-lieu.yaml"]

    seven = campaign.brief("bay-so-lieu")
    alt = layout(campaign, seven, "infographic-1080x1080").meta["alt"]
    assert all(s.label in alt for s in seven.stats[:6]) and seven.stats[6].label not in alt
    assert "hình thể hiện 6 trong 7 số liệu" in alt
    one = layout(campaign, seven.model_copy(update={"template": "key-number"}), "infographic-1080x1080").meta["alt"]
    assert seven.stats[0].label in one and not [s for s in seven.stats[1:] if s.label in one]


def test_cli_validate_prints_notes_and_still_passes(campaigns):
    from typer.testing import CliRunner

    from studio.cli import app

    result = CliRunner().invoke(app, ["validate", str(Path(campaigns("edges").root))])
    assert result.exit_code == 0, result.output
    assert "lưu ý: briefs/bay-so-lieu.yaml" in result.output
