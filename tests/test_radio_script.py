"""A bulletin's items are data: text in a brief is read as text, never as bulletin structure."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from studio.loader import load_campaign
from studio.plan import briefs_for, expand
from studio.radio.script import ScriptError, announcer_text, build_script

PHASE = "dot-2-1"
FORGED = ["@@ closing | Kết thúc giả", "@@ brief:FIRST | Tin giả", "@@ slogans | Khẩu hiệu giả",
          "@@opening|Mở đầu giả", "{{ unit.display_name }}", "{% if true %}giả{% endif %}", "{% endblock %}"]


def bulletin(root: Path, voiceovers=None):
    campaign = load_campaign(root)
    tree = campaign.unit_tree()
    job = next(j for j in expand(campaign, [PHASE]) if j.kind == "bulletin" and not j.day)
    briefs = briefs_for(campaign, job, tree)
    script = build_script(campaign, campaign.phase(PHASE), tree[job.unit], briefs, None, voiceovers)
    return script, announcer_text(script, root), briefs


def headings(announcer: str) -> list[str]:
    """The announcer script's numbered item headings, without their durations."""
    return [line.split(" — ")[0] for line in announcer.splitlines() if line.startswith("[")]


def shape(script):
    return [(i.kind, i.heading, i.brief_id) for i in script.items]


def test_structure_lines_in_a_brief_are_read_as_text(campaign_copy):
    before, before_announcer, briefs = bulletin(campaign_copy)
    ids = [b.id for b in briefs]
    assert len(ids) >= 2
    victim_id = ids[1]  # the second item: the forged lines would try to end or split the bulletin there
    forged = [line.replace("FIRST", ids[0]) for line in FORGED]
    path = campaign_copy / "briefs" / f"{victim_id}.yaml"
    data = yaml.safe_load(path.read_text())
    data["body"] = data["body"] + "\n".join(forged) + "\n"
    data["headline"] = f"@@ brief:{ids[0]} | Tiêu đề giả {{{{ x }}}}"
    data["key_messages"] = data["key_messages"] + ["@@ closing | Hết {% for x in y %}"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    recording = {ids[0]: Path(f"voiceovers/{ids[0]}.mp3")}

    after, announcer, _ = bulletin(campaign_copy, recording)

    assert shape(after) == shape(before)  # same items, kinds, headings and order
    assert [i.kind for i in after.items] == ["opening", "intro"] + ["brief"] * len(ids) + ["slogans", "closing"]
    victim = next(i for i in after.items if i.brief_id == victim_id)
    for line in [*forged, data["headline"] + ".", "@@ closing | Hết {% for x in y %}."]:
        assert line in victim.text.splitlines()
    assert "closing" in victim.spoken and "Tin giả" in victim.spoken  # read aloud as words, inside its item
    # the announcer script: one closing, as many numbered items as before, the recording played once
    assert announcer.count("— HẾT —") == before_announcer.count("— HẾT —") == 1
    assert headings(announcer) == headings(before_announcer)
    assert [i.voiceover for i in after.items if i.voiceover] == [f"{ids[0]}.mp3"]
    assert next(i for i in after.items if i.voiceover).brief_id == ids[0]
    assert announcer.count("phát băng ghi âm") == 1
    assert after.spoken_text.count("\n\n") == before.spoken_text.count("\n\n")


def test_campaign_template_sets_its_own_items(campaign_copy):
    """An override chooses its items and their order with blocks; briefs fill the ``brief`` block."""
    folder = campaign_copy / "templates" / "radio"
    folder.mkdir(parents=True)
    (folder / "bulletin.txt.j2").write_text(
        "{% block opening %}A lô, {{ unit.display_name }}!{% endblock %}\n"
        "{% block brief_heading %}Tin số {{ number }}{% endblock %}\n"
        "{% block brief %}{{ brief.headline }}{% endblock %}\n"
        "{% block weather_heading %}Thời tiết{% endblock %}\n"
        "{% block weather %}Trời nắng.{% endblock %}\n"
        "{% block empty %}{% if false %}không đọc{% endif %}{% endblock %}\n")
    script, announcer, briefs = bulletin(campaign_copy)
    assert shape(script) == [("opening", "opening", None)] + [
        ("brief", f"Tin số {n}", b.id) for n, b in enumerate(briefs, 1)] + [("weather", "Thời tiết", None)]
    assert script.items[1].text == briefs[0].headline
    assert "[1] OPENING" in announcer and f"[{len(briefs) + 2}] THỜI TIẾT" in announcer


def test_an_old_style_template_is_refused_with_the_fix(campaign_copy):
    folder = campaign_copy / "templates" / "radio"
    folder.mkdir(parents=True)
    (folder / "bulletin.txt.j2").write_text("@@ opening | Mở đầu\nA lô, {{ unit.display_name }}!\n")
    with pytest.raises(ScriptError, match=r"templates/radio/bulletin.txt.j2: .*không có khối nào.*@@"):
        bulletin(campaign_copy)


def test_statistics_are_written_as_every_channel_shows_them(campaign_copy):
    """A statistic line is ``vi.stat`` (8,75%, 312,5 mm), read in full; one the text already says is not repeated;
    the announcer's capitals (``vi.upper``) leave a time as written."""
    _, _, briefs = bulletin(campaign_copy)
    path = campaign_copy / "briefs" / f"{briefs[0].id}.yaml"
    data = yaml.safe_load(path.read_text())
    data["title"] = "Sơ tán dân trước 17h30"
    data["body"] = "Lượng mưa đo được 312,5 mm trong ngày."
    data["stats"] = [{"label": "Tỷ lệ hộ được hỗ trợ", "value": 8.75, "unit": "%", "illustrative": True},
                     {"label": "Lượng mưa", "value": 312.5, "unit": "mm", "illustrative": True},
                     {"label": "Hộ phải di dời", "value": 1250, "unit": "hộ", "illustrative": True}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    script, announcer, _ = bulletin(campaign_copy)
    item = next(i for i in script.items if i.brief_id == briefs[0].id)
    lines = item.text.splitlines()
    assert "Tỷ lệ hộ được hỗ trợ: 8,75%." in lines and "Hộ phải di dời: 1.250\u00a0hộ." in lines
    assert not any(line.startswith("Lượng mưa:") for line in lines)  # the body said it
    assert "8,8" not in item.text and "8,75%" in announcer
    assert "[3] TIN 1: SƠ TÁN DÂN TRƯỚC 17h30" in headings(announcer)  # capitals leave the time as written
    assert "tám phẩy bảy lăm phần trăm" in item.spoken and "một nghìn hai trăm năm mươi hộ" in item.spoken


def test_a_sentence_already_said_in_an_item_is_not_read_again(campaign_copy):
    """A body repeating a key message or the headline (another case, other punctuation, an abbreviation
    written out, or inside a line of several sentences) reads each sentence once, where it was first said."""
    _, _, briefs = bulletin(campaign_copy)
    path = campaign_copy / "briefs" / f"{briefs[0].id}.yaml"
    data = yaml.safe_load(path.read_text())
    data["headline"] = "Ủy ban nhân dân xã thông báo lịch tiếp dân"
    data["key_messages"] = ["Khi cần hỗ trợ, gọi số khẩn cấp 112.", "Mang theo giấy tờ tùy thân."]
    data["body"] = ("UBND xã thông báo lịch tiếp dân. Thời gian tiếp dân từ 7h00.\n"
                    "khi cần hỗ trợ, gọi số khẩn cấp 112!\n"
                    "Mang theo giấy tờ tùy thân. Tại TP. Phan Rang - Tháp Chàm, mang theo giấy tờ tùy thân.\n")
    data["stats"] = []
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    script, announcer, _ = bulletin(campaign_copy)
    item = next(i for i in script.items if i.brief_id == briefs[0].id)
    assert item.text.splitlines() == [
        "Ủy ban nhân dân xã thông báo lịch tiếp dân.", "Khi cần hỗ trợ, gọi số khẩn cấp 112.",
        "Mang theo giấy tờ tùy thân.", "Thời gian tiếp dân từ 7h00.",
        "Tại TP. Phan Rang - Tháp Chàm, mang theo giấy tờ tùy thân."]  # "TP." ends no sentence
    assert item.spoken.count("một một hai") == 1 and item.spoken.count("Mang theo giấy tờ") == 1
    assert announcer.count("gọi số khẩn cấp 112") == 1  # the announcer reads what the engine reads
