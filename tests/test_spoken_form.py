"""The bulletin scripts of the example, as the engine would get them: plain words, each thing said once.

No TTS: ``build_script`` gives every item its spoken form, which is what ``.spoken.txt`` holds."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import EXAMPLES

from studio.loader import load_campaign
from studio.plan import briefs_for, expand
from studio.radio.normalize import DOCUMENT_TYPES, spoken
from studio.radio.script import build_script

PHASES = ["dot-1", "dot-2-1", "dot-2-2", "dot-3"]
LETTER_BY_LETTER_URL = re.compile(r"hát tê tê|vê kép vê kép|hai chấm gạch chéo|gạch chéo gạch chéo|\b(?:dot|slash)\b")
KINDS = "|".join(DOCUMENT_TYPES.values())


def scripts(root, units_per_phase: int = 3):
    """Scripts of a few communes for every phase and every day of a daily phase."""
    campaign = load_campaign(root)
    tree = campaign.unit_tree()
    out = []
    for phase in PHASES:
        jobs = [j for j in expand(campaign, [phase]) if j.kind.startswith("bulletin")]
        units = list(dict.fromkeys(j.unit for j in jobs))[:units_per_phase]
        for job in (j for j in jobs if j.unit in units):
            briefs = briefs_for(campaign, job, tree)
            script = build_script(campaign, campaign.phase(job.phase), tree[job.unit], briefs, job.day)
            out.append((job, briefs, script))
    return out


def doubled(text: str, shortest: int = 2) -> str | None:
    """A phrase of ``shortest`` words or more said twice in a row ("căn cước công dân, căn cước công dân"),
    or a document's kind said twice around its number ("Thông báo số bốn mươi lăm, Thông báo")."""
    for sentence in re.split(r"[.!?]", text.lower()):
        words = re.findall(r"\w+", sentence)
        for n in range(shortest, 7):
            for i in range(len(words) - 2 * n + 1):
                if words[i:i + n] == words[i + n:i + 2 * n]:
                    return " ".join(words[i:i + 2 * n])
    found = re.search(rf"\b({KINDS}) số(?: \w+){{1,8}}, \1\b", text, re.IGNORECASE)
    return found.group(0) if found else None


def assert_clean(text: str) -> None:
    assert not re.search(r"[<>]", text), text
    assert not LETTER_BY_LETTER_URL.search(text), text
    assert doubled(text) is None, (doubled(text), text)
    assert not re.search(r"\d|phẩy phẩy|\bqui\b", text), text


def test_every_spoken_item_of_the_example_is_plain_and_said_once(example_path):
    built = scripts(example_path)
    assert len(built) >= 4 * 3 and any(job.day for job, _, _ in built)
    for _job, briefs, script in built:
        for item in script.items:
            assert_clean(item.spoken)
        for brief in briefs:
            item = next(i for i in script.items if i.brief_id == brief.id)
            assert item.spoken.count("số liệu minh họa") == (1 if any(s.illustrative for s in brief.stats) else 0)
            for stat in brief.stats:  # each figure once, under its label
                assert item.spoken.count(spoken(stat.label)) == 1, (stat.label, item.spoken)


def test_a_brief_with_the_issues_garbage_is_read_cleanly(campaign_copy):
    """The issue's list, written into a brief of the example, comes out as words said once."""
    path = campaign_copy / "briefs" / "dot1-thi-dua.yaml"
    data = yaml.safe_load(path.read_text())
    data["body"] = (
        "Thực hiện Thông báo số 45/TB-UBND và Kế hoạch số 01-KH/UBND ngày 5/1/2025.\n"
        "Quét mã QR code hoặc truy cập https://www.ninhthuan.gov.vn/gop-y để góp ý.\n"
        "Gửi thư về tuyentruyen@ninhthuan.gov.vn.\n"
        "Mang theo căn cước công dân (CCCD) và cài ứng dụng VNeID.\n"
        "Công tác PCCC/CNCH, bảo đảm ANTT-ATGT và phát triển KT-XH.\n"
        "Tỷ lệ tham gia đạt 95” theo “Chỉ tiêu 2025”.\n"
        "Đã có 120 công trình chào mừng Đại hội.\n")
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    job, briefs, script = next(b for b in scripts(campaign_copy, 1) if b[0].phase == "dot-1")
    item = next(i for i in script.items if i.brief_id == "dot1-thi-dua")
    assert_clean(item.spoken)
    for words in ["Thông báo số bốn mươi lăm của Ủy ban nhân dân",
                  "Kế hoạch số một của Ủy ban nhân dân ngày năm tháng một",
                  "quy rờ code", "ninh thuan chấm gov chấm vê nờ gạch chéo gop y",
                  "tuyen truyen a còng ninh thuan chấm gov chấm vê nờ",
                  "căn cước công dân và cài ứng dụng", "phòng cháy, chữa cháy, cứu nạn, cứu hộ",
                  "đạt chín mươi lăm theo Chỉ tiêu"]:
        assert words in item.spoken, (words, item.spoken)
    # the 120 works are in the body: the statistic is not read again, the other two still are
    assert item.spoken.count("một trăm hai mươi công trình") == 1
    assert "Tập thể được khen thưởng, bốn mươi lăm tập thể" in item.spoken


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_every_spoken_txt_of_the_examples_is_plain(example_build, root):
    """Issue 16: no ``.spoken.txt`` of a built example holds ``<`` or ``>``, a phrase of three words or more
    said twice in a row, a letter-by-letter address, or a digit (phone numbers are read digit by digit,
    so two-word repeats such as "không chín không chín" are allowed there)."""
    _, out = example_build(root, ("bulletin",))
    files = sorted(out.rglob("*.spoken.txt"))
    assert files
    paragraphs = {p for path in files for p in path.read_text(encoding="utf-8").split("\n\n")}
    for text in paragraphs:
        assert not re.search(r"[<>\d]", text), text
        assert not LETTER_BY_LETTER_URL.search(text), text
        assert doubled(text, shortest=3) is None, (doubled(text, shortest=3), text)



@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_no_item_of_any_bulletin_says_a_sentence_twice(root):
    """Every bulletin of every example (phase, daily, immediate emergency; two communes each): no item reads a
    sentence twice. The storm example's evacuation notice repeats a key message in its body: read once, so its
    three readings are three times shorter than before."""
    from studio.formats import EMERGENCY
    from studio.radio.normalize import normalizer_for
    from studio.radio.script import sentences

    campaign = load_campaign(root)
    tree = campaign.unit_tree()
    speak = normalizer_for(campaign.audio.abbreviations)
    jobs = [j for j in expand(campaign) if j.kind == "bulletin"]
    units = list(dict.fromkeys(j.unit for j in jobs))[:2]
    checked = set()
    for job in (j for j in jobs if j.unit in units):
        script = build_script(campaign, campaign.phase(job.phase), tree[job.unit], briefs_for(campaign, job, tree),
                              job.day, slot=job.slot, emergency=job.format == EMERGENCY.id)
        checked.add(job.format)
        for item in script.items:
            said = [tuple(re.findall(r"\w+", speak(s).lower())) for line in item.text.splitlines()
                    for s in sentences(line, speak)]
            assert len(said) == len(set(said)), (job.id, item.heading, item.text)
    assert checked and (EMERGENCY.id in checked) == any(
        b.priority == "emergency" for b in campaign.briefs), checked
