"""Layout that checks itself: the collision check on hand-made scenes, the vertical flow, and the
sweep of every template × size × example brief (fit only, nothing is drawn)."""

from __future__ import annotations

import pytest
from conftest import EXAMPLES
from PIL import Image

from studio.formats import FORMATS
from studio.loader import load_campaign
from studio.visual import collide
from studio.visual.scene import FAMILY_TEMPLATES, SceneError, build_scene, default_template, scene_for, template_names

FONTS = {"body": "NotoSans-Regular"}
INFOGRAPHICS = [t for t in template_names() if t not in FAMILY_TEMPLATES]  # notice included


def scene(layers, width=1000, height=1000, units="px", root=".", **page):
    return build_scene({"layers": layers, **page}, width, height, units, colors={}, fonts=FONTS, root=root,
                       where="thử")


def text(name, x, y, w, h, words="Đại hội", **more):
    return {"type": "text", "name": name, "x": x, "y": y, "w": w, "h": h, "text": words, "size": [10, 80], **more}


def kinds(found):
    return sorted((c.kind, c.layers) for c in found)


FILLED = [{"type": "rect", "name": "nen", "x": 0, "y": 0, "w": 1000, "h": 1000, "fill": "#C8102E", "backdrop": True},
          {"type": "space", "name": "con-lai", "x": 0, "y": 300, "w": 1000, "h": 700}]  # no empty band in these


# --- the check on hand-made scenes ----------------------------------------------------------------

def test_overlapping_text_is_caught_and_apart_is_clean():
    overlap = scene([*FILLED, text("a", 50, 50, 600, 120), text("b", 300, 100, 600, 120)])
    assert kinds(collide.check(overlap)) == [("overlap", ("a", "b"))]
    apart = scene([*FILLED, text("a", 50, 50, 600, 100), text("b", 50, 170, 600, 100)])
    assert collide.check(apart) == []


def test_touching_is_a_collision_within_the_clearance():
    """Ink closer than CLEARANCE (0.4 % of the short side) touches: a unit run into its label."""
    first = scene([*FILLED, text("so", 50, 50, 400, 100, "120")]).layers[-1]
    bottom = collide.ink_box(first)[3]
    touching = scene([*FILLED, text("so", 50, 50, 400, 100, "120"), {"type": "rect", "name": "vach", "x": 50,
                      "y": bottom + 1, "w": 200, "h": 8, "fill": "#FFCD00"}])
    assert kinds(collide.check(touching)) == [("overlap", ("so", "vach"))]
    clear = scene([*FILLED, text("so", 50, 50, 400, 100, "120"), {"type": "rect", "name": "vach", "x": 50,
                   "y": bottom + 6, "w": 200, "h": 8, "fill": "#FFCD00"}])
    assert collide.check(clear) == []


def test_text_over_its_declared_card_and_on_a_backdrop_is_allowed():
    card = {"type": "rect", "name": "the", "x": 40, "y": 40, "w": 700, "h": 200, "fill": "#FFFFFF"}
    over = scene([*FILLED, card, text("so", 60, 60, 600, 150, over="the")])
    assert collide.check(over) == []
    undeclared = scene([*FILLED, card, text("so", 60, 60, 600, 150)])
    assert kinds(collide.check(undeclared)) == [("overlap", ("the", "so"))]
    star = {"type": "polygon", "name": "sao", "points": [[0, 0], [900, 0], [450, 280]], "fill": "#AA0000"}
    assert kinds(collide.check(scene([*FILLED, star, text("so", 60, 60, 600, 150)]))) == [("overlap", ("sao", "so"))]
    assert collide.check(scene([*FILLED, {**star, "backdrop": True}, text("so", 60, 60, 600, 150)])) == []


def test_text_outside_its_box_or_its_card_is_caught():
    laid = scene([*FILLED, text("rong", 50, 50, 800, 150, "Đại hội đại biểu")])
    layer = laid.layers[-1]
    layer.w = 200  # the box no longer holds the lines fitted for 800
    assert ("outside", ("rong",)) in kinds(collide.check(laid))
    card = {"type": "rect", "name": "the", "x": 40, "y": 40, "w": 300, "h": 200, "fill": "#FFFFFF"}
    spill = scene([*FILLED, card, text("so", 60, 60, 900, 150, "Đại hội đại biểu", over="the")])
    assert kinds(collide.check(spill)) == [("outside", ("so",))]


def test_stacked_marks_make_the_ink_box_taller_than_the_capitals():
    plain, marked = (scene([text("t", 50, 100, 900, 400, words, font="BeVietnamPro-ExtraBold", size=[200, 200])])
                     .layers[0] for words in ("E O", "Ệ Ỗ"))
    def above(layer):  # ink height above the baseline
        return layer.fit.baselines(layer.y)[0] - collide.ink_box(layer)[1]

    assert above(plain) == pytest.approx(0.74 * 200, rel=0.05)  # the capitals alone: the cap height
    assert above(marked) > above(plain) + 0.3 * 200  # Ỗ stacks a circumflex and a tilde well above it
    below = [collide.ink_box(layer)[3] - layer.fit.baselines(layer.y)[0] for layer in (plain, marked)]
    assert below[1] > below[0] + 0.15 * 200  # the dot below Ệ
    assert collide.check(scene([*FILLED[:1], {**FILLED[1], "y": 600, "h": 400},
                                text("t", 50, 100, 900, 400, "Ệ Ỗ", font="BeVietnamPro-ExtraBold",
                                     size=[200, 200])])) == []  # and it stays inside its box


def test_art_crossing_a_fold_is_caught():
    folds = [97, 197]  # flap | back | cover
    star = {"type": "polygon", "name": "sao", "backdrop": True, "fill": "#AA0000",
            "points": [[150, 20], [260, 100], [150, 190]]}  # from the back panel over the fold into the cover
    found = collide.check(scene([star], 297, 210, "mm", folds=folds))
    assert ("outside", ("sao",)) in kinds(found)
    inside = {**star, "points": [[210, 20], [290, 100], [210, 190]]}
    assert ("outside", ("sao",)) not in kinds(collide.check(scene([inside], 297, 210, "mm", folds=folds)))


def test_an_empty_band_is_reported_unless_declared_open():
    top_only = [FILLED[0], text("tieu-de", 50, 50, 900, 150)]
    (band,) = [c for c in collide.check(scene(top_only)) if c.kind == "empty"]
    assert band.box[1] < 250 and band.box[3] == 1000 and "dải trống" in band.what
    assert collide.check(scene([*top_only, {"type": "space", "name": "phu-de", "x": 0, "y": 300, "w": 1000,
                                            "h": 700}])) == []
    laid = scene(top_only)
    (measured,) = collide.empty_bands(laid)
    top, bottom = collide.ink_box(laid.layers[-1])[1::2]
    assert (measured.y0, measured.y1) == (bottom, 1000)  # from the text's ink to the foot of the page
    assert measured.fraction == pytest.approx((1000 - bottom) / 1000)
    assert measured.empty == pytest.approx((1000 - bottom + top) / 1000)  # the margin above it too


def test_a_drawn_logo_covering_header_text_is_caught(tmp_path):
    Image.new("RGB", (300, 100), "blue").save(tmp_path / "logo.png")
    header = text("co-quan", 50, 40, 900, 60, "Ủy ban nhân dân tỉnh Ninh Thuận", size=[20, 40])
    logo = {"type": "image", "name": "logo", "x": 450, "y": 30, "w": 250, "h": 250, "path": "logo.png",
            "fit": "contain"}  # drawn 250×83, centred: y 113–197, below the header
    assert collide.check(scene([*FILLED, header, logo], root=tmp_path)) == []
    assert kinds(collide.check(scene([*FILLED, header, {**logo, "y": -50}], root=tmp_path))) == \
        [("overlap", ("co-quan", "logo"))]


# --- the vertical flow ---------------------------------------------------------------------------

def item(name, h, words, size, **more):
    return {"type": "text", "name": name, "h": h, "text": words, "size": size, "align": "center", **more}


def card(label):
    return {"type": "stack", "name": "cot", "x": 100, "y": 100, "w": 800, "h": 800, "gap": 20, "items": [
        {"type": "stack", "name": "the", "fill": "#FFFFFF", "padding": 30, "gap": 10, "h": 700, "items": [
            item("so", 250, "8,5", [40, 200], max_lines=1),
            {"type": "rect", "name": "vach", "w": 100, "h": 8, "place": "center", "fill": "#FFCD00"},
            item("don-vi", 60, "giờ sáng", [20, 40]),
            item("nhan", 260, label, [20, 30])]}]}


def test_a_card_grows_with_its_label_and_its_blocks_never_touch():
    short = {layer.name: layer for layer in scene([card("Tăng trưởng")]).layers}
    long = {layer.name: layer for layer in scene([card("Tăng trưởng kinh tế bình quân " * 4)]).layers}
    assert long["the"].h > short["the"].h  # the card is as tall as what it holds
    for laid in (short, long):
        order = [laid[n] for n in ("so", "vach", "don-vi", "nhan")]
        assert all(a.y + a.h < b.y for a, b in zip(order, order[1:]))  # stacked in order with a gap
        assert laid["the"].y < order[0].y and order[-1].y + order[-1].h < laid["the"].y + laid["the"].h
        assert laid["vach"].x + laid["vach"].w / 2 == pytest.approx(500)  # placed in the centre
        assert all(layer.get("over") == "the" for layer in order)  # declared over their card
    assert [c for c in collide.check(scene([card("Tăng trưởng kinh tế bình quân " * 4)])) if c.kind != "empty"] == []


def test_a_stack_whose_maxima_exceed_its_region_is_a_template_error():
    too_tall = {"type": "stack", "name": "cot", "x": 0, "y": 0, "w": 500, "h": 100, "items": [
        {"type": "rect", "name": "a", "h": 60, "fill": "#000000"}, {"type": "rect", "name": "b", "h": 60}]}
    with pytest.raises(SceneError, match="cot.*vùng chỉ cao 100"):
        scene([too_tall])


# --- every template × size × example ------------------------------------------------------------

def drawn(campaign, brief):
    """Every (template, width, height, units, reserve, label) the brief can be drawn at: each infographic
    template (a brief may choose any) at the four infographic sizes; the video's stills at the three
    video sizes, above their subtitle band (as ``studio.video`` draws them); and the print formats with
    the template each uses for this brief (``default_template``: a notice for an emergency)."""
    from studio.video import subtitles
    from studio.video.sources import still_templates

    out = []
    for f in FORMATS.values():
        o = f.options
        if o.get("family") == "infographic":
            out += [(t, o["width"], o["height"], "px", 0.0, f.id) for t in INFOGRAPHICS]
        elif o.get("family"):
            out.append((default_template(o["family"], brief), o["width"], o["height"], o["units"], 0.0, f.id))
        elif f.kind == "video":
            w, h = o["width"], o["height"]
            font = subtitles.subtitle_font(campaign.brand.fonts, " ".join([brief.headline, *brief.key_messages]))
            band = subtitles.Style.for_frame(w, h, font).band()
            out += [(t, w, h, "px", band, f.id) for t in still_templates(brief)]
    return out


def sweep(campaign, briefs):
    tree = campaign.unit_tree()
    units = [u for u in tree if u.level != "province"]
    longest = max(units, key=lambda u: len(u.display_name), default=None)  # the widest pa nô footer
    failures, count = [], 0
    for brief in briefs:
        brief = brief if brief.timeline else brief.model_copy(update={"timeline": "phases"})  # the timeline's
        for template, w, h, units_, reserve, label in drawn(campaign, brief):
            unit = longest if units_ == "mm" and template != "leaflet" else None
            laid = scene_for(campaign, brief, template, w, h, units_, unit, reserve=reserve)
            count += 1
            failures += [f"{brief.id} {template} {label} trang {c.page + 1}: {c}" for c in collide.check(laid)]
    return failures, count


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_no_template_collides_at_any_size_for_any_example_brief(example):
    campaign = load_campaign(example)
    failures, count = sweep(campaign, campaign.briefs)
    assert count >= len(campaign.briefs) * (len(INFOGRAPHICS) * 4 + 6)
    assert failures == []


def test_no_template_collides_with_a_brand_logo(example_campaign, tmp_path):
    """The logo box of the frame and the pa nô stays clear of the issuer line, wide logo or tall."""
    Image.new("RGB", (300, 100), "blue").save(tmp_path / "wide.png")
    Image.new("RGB", (100, 300), "blue").save(tmp_path / "tall.png")
    for logo in ("wide.png", "tall.png"):
        branded = example_campaign.model_copy(update={
            "root": tmp_path, "brand": example_campaign.brand.model_copy(update={"logo": logo})})
        failures, _ = sweep(branded, branded.briefs[:2])
        assert failures == [], logo
        drawn = scene_for(branded, branded.briefs[0], "key-number", 1080, 1080)
        assert "logo" in {layer.name for layer in drawn.layers}


def test_validate_notes_a_collision_on_the_field_whose_text_collides(example_campaign):
    """``studio validate`` (check_scene → check_layout) notes a collision on the brief's field, once for
    every format it is met in: a note (``lưu ý``), never an error, since the build still makes the asset."""
    from studio.check import Checker, check_layout, dry_run

    brief = example_campaign.brief("dot1-y-nghia-thanh-tuu")
    ck = Checker(example_campaign, layout=True)
    for label in ("infographic-1080x1080", "infographic-1080x1350"):
        laid = scene_for(example_campaign, brief, "key-number", 1080, 1080)
        named = {layer.name: layer for layer in laid.layers}
        named["nhan"].y = named["don-vi"].y + named["don-vi"].h / 2  # the unit runs into the label
        check_layout(ck, brief, laid, "key-number", label)
    assert ck.result() == []
    (note,) = ck.collided()
    assert note.file == brief.source and note.line > 0
    assert note.field == "stats[0].unit"  # the first text of the two: the unit "năm"
    assert "'don-vi'" in note.message and "'nhan'" in note.message and "key-number" in note.message
    assert "infographic-1080x1080, infographic-1080x1350" in note.message
    notes: list = []
    assert dry_run(example_campaign, notes=notes) == []
    assert not [n for n in notes if "bố cục" in n.message]  # the example's own layouts do not collide
