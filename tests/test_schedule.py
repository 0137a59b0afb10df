"""Time-aware plans (issue 15): daily bulletins carry exactly the briefs on air that day, most urgent
first; peak days get a bulletin per broadcast slot; an emergency brief gets its own immediate
bulletin, listed first for the operator and in the podcast; nothing asked for is dropped silently.

A small campaign: Đợt 2.2 stretched to a week (20–26/9/2025, daily) whose last three days are
Đợt 2's peak; a brief on air all week, a one-day item on day 4 (a draft), and an emergency
evacuation notice for one commune from day 5.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES
from fastapi.testclient import TestClient
from small_campaign import UNITS, small_campaign
from typer.testing import CliRunner
from web_login import sign_in

from studio import plugins
from studio.build import BuildContext, run_job
from studio.campaign import URGENCY
from studio.cli import app
from studio.context import JobContext
from studio.loader import load_campaign
from studio.manifest import write_manifest
from studio.plan import briefs_for, expand, lineup

runner = CliRunner()
WEEK = [(date(2025, 9, 20) + timedelta(days=i)).isoformat() for i in range(7)]
PEAK = WEEK[4:]  # days 5–7
SLOTS = ("07:00", "17:30")  # the example's broadcast slots
APPROVED = {"status": "approved", "by": "Phòng Thông tin - Báo chí", "at": "2025-09-19T08:00:00+07:00"}
NOTICE = "Sơ tán ngay khỏi vùng trũng ven suối Trà Co trước 17 giờ hôm nay."
PUBLIC_NAME = "những ngày Đại hội Đảng bộ tỉnh"


def brief(brief_id: str, title: str, **changes) -> dict:
    return {"id": brief_id, "phase": "dot-2-2", "title": title, "headline": f"{title}: thông tin cho bà con.",
            "channels": ["truyen-thanh-co-so"], "formats": ["bulletin-daily"], "approval": APPROVED, **changes}


BRIEFS = [
    brief("dien-bien", "Diễn biến Đại hội"),
    brief("khai-mac", "Lễ khai mạc", priority="priority", start=WEEK[3], end=WEEK[3], approval={"status": "draft"}),
    brief("so-tan", "Sơ tán khỏi vùng trũng", priority="emergency", start=WEEK[4], targets=["phuoc-binh"],
          headline=NOTICE),
]


def expected(unit: str, day: str) -> list[str]:
    """The briefs on air that day for that commune, as the campaign above says, most urgent first."""
    return (["so-tan"] if day >= WEEK[4] and unit == "phuoc-binh" else []) + \
        (["khai-mac"] if day == WEEK[3] else []) + ["dien-bien"]


def week_campaign(root: Path, repeat: int = 3) -> Path:
    small_campaign(root, BRIEFS)
    data = yaml.safe_load((root / "campaign.yaml").read_text(encoding="utf-8"))
    dot2 = next(p for p in data["phases"] if p["id"] == "dot-2")
    dot2["peak"] = {"start": date.fromisoformat(PEAK[0]), "end": date.fromisoformat(PEAK[-1])}
    dot2["subphases"][0]["end"] = date(2025, 9, 19)
    dot2["subphases"][1].update(start=date.fromisoformat(WEEK[0]), public_name=PUBLIC_NAME)
    data["audio"]["emergency_repeat"] = repeat
    (root / "campaign.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    return load_campaign(week_campaign(tmp_path_factory.mktemp("week") / "campaign"))


def scripts(campaign, jobs):
    """Each bulletin job's script, from the inputs its renderer declares (no audio)."""
    from studio.radio import job_script

    ctx, renderer = BuildContext(campaign, Path(campaign.root) / ".unused"), plugins.load()["bulletin"]
    return {job: job_script(job, JobContext(renderer.inputs(job, ctx), ctx.out_root, ctx.cache)) for job in jobs}


def test_each_daily_bulletin_carries_exactly_the_briefs_on_air_that_day(week):
    daily = [j for j in expand(week) if j.format == "bulletin-daily"]
    # one bulletin a day, one per broadcast slot on the peak days
    assert sorted((j.unit, j.day, j.slot) for j in daily) == sorted(
        (u, d, s) for u in ("phuoc-binh", "phuoc-hoa") for d in WEEK for s in (SLOTS if d in PEAK else [None]))
    for job, script in scripts(week, daily).items():
        read = [i.brief_id for i in script.items if i.brief_id]
        assert read == expected(job.unit, job.day), job.id
        text = "\n".join(i.text for i in script.items)
        draft = next((i for i in script.items if i.brief_id == "khai-mac"), None)
        assert (draft is not None) == (job.day == WEEK[3])
        if draft:  # a draft says so first
            assert draft.text.splitlines()[0].startswith("DỰ THẢO")
        assert "DỰ THẢO" not in text.replace(draft.text if draft else "", "")
        intro = next(i for i in script.items if i.kind == "intro").text
        when = {"07:00": "bản tin sáng", "17:30": "bản tin chiều", None: "bản tin ngày"}[job.slot]
        assert when in intro and PUBLIC_NAME in intro, intro
        assert "Đợt 2.2" not in text  # the phase's internal name is never read on air


def test_plan_lists_each_days_briefs_in_reading_order(week):
    days = {(g["day"], tuple(g["units"])): g for g in lineup(week, expand(week))}
    assert days[(WEEK[3], ("phuoc-binh", "phuoc-hoa"))]["briefs"] == ["khai-mac", "dien-bien"]
    assert days[(WEEK[5], ("phuoc-binh",))]["briefs"] == ["so-tan", "dien-bien"]
    assert days[(WEEK[5], ("phuoc-binh",))]["slots"] == list(SLOTS)
    assert days[(WEEK[0], ("phuoc-binh", "phuoc-hoa"))]["slots"] == []
    shown = runner.invoke(app, ["plan", week.root])
    assert shown.exit_code == 0, shown.output
    assert "23/09/2025 — xã Phước Bình, xã Phước Hòa: 1. Lễ khai mạc; 2. Diễn biến Đại hội" in shown.output
    assert ("25/09/2025 (sáng 07:00, chiều 17:30) — xã Phước Bình: 1. [KHẨN] Sơ tán khỏi vùng trũng; "
            "2. Diễn biến Đại hội") in shown.output
    planned = json.loads(runner.invoke(app, ["plan", week.root, "--json"]).output)
    assert planned["daily"] == lineup(week, expand(week)) and planned["not_planned"] == []


def test_emergency_brief_gets_its_own_bulletin_for_each_commune_it_reaches(week):
    jobs = [j for j in expand(week) if j.format == "bulletin-khan"]
    assert [(j.brief, j.unit, j.day) for j in jobs] == [("so-tan", "phuoc-binh", None)]
    [script] = scripts(week, jobs).values()
    assert script.items[0].text == "THÔNG BÁO KHẨN."
    assert [i.brief_id for i in script.items if i.brief_id] == ["so-tan"] * 3
    assert script.priority == "emergency"


@pytest.fixture(scope="module")
def alert_build(week, tmp_path_factory):
    """The emergency bulletin read 1, 2 and 3 times (the same job and cache), and the daily bulletins
    of day 1 and of day 7's afternoon, in a build folder with its manifest."""
    out = tmp_path_factory.mktemp("alert-out")
    ctx = BuildContext(week, out)
    khan = next(j for j in expand(week) if j.format == "bulletin-khan")
    durations, texts = {}, {}
    for repeat in (1, 2, 3):  # the last one stays in the folder
        campaign = week.model_copy(update={"audio": week.audio.model_copy(update={"emergency_repeat": repeat})})
        artifacts = run_job(khan, BuildContext(campaign, out))
        mp3 = ctx.out_root / next(a.path for a in artifacts if a.path.endswith(".mp3"))
        durations[repeat] = float(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
            capture_output=True, text=True, check=True).stdout)
        texts[repeat] = {suffix: (ctx.out_root / khan.folder / f"{khan.stem}{suffix}").read_text(encoding="utf-8")
                         for suffix in (".script.txt", ".spoken.txt")}
    made = list(artifacts)
    for day, slot in ((WEEK[0], None), (WEEK[6], SLOTS[1])):  # older and newer than the notice
        made += run_job(next(j for j in expand(week) if j.format == "bulletin-daily" and j.unit == "phuoc-binh"
                             and j.day == day and j.slot == slot), ctx)
    write_manifest(ctx.out_root, week.id, "dot-2-2", [a.to_dict() for a in made])
    return ctx, khan, mp3, durations, texts


def test_emergency_bulletin_reads_the_notice_n_times_after_the_alert_tone(alert_build):
    from studio.radio import JINGLE_GAP_S, voice_for

    ctx, khan, mp3, durations, texts = alert_build
    for repeat, text in texts.items():
        assert text[".script.txt"].count(NOTICE) == repeat
        assert text[".script.txt"].startswith("BẢN TIN KHẨN — PHÁT NGAY")
        assert text[".spoken.txt"].startswith("THÔNG BÁO KHẨN.")
        assert text[".spoken.txt"].count("Xin nhắc lại thông báo khẩn.") == repeat - 1
    # each further reading adds the same length: the repeated item (its words and pause)
    step = durations[2] - durations[1]
    assert step > 3 and abs((durations[3] - durations[2]) - step) < 0.1, durations
    voice = voice_for(ctx)
    data = mp3.read_bytes()  # a byte join of its segments: the alert tone opens and closes it
    assert data.find(voice.segment(voice.jingle("alert"), JINGLE_GAP_S).path.read_bytes()) < data.find(
        voice.segment(voice.jingle("alert"), 0.0).path.read_bytes())
    assert voice.segment(voice.jingle("intro"), JINGLE_GAP_S).path.read_bytes() not in data


def operator_page(ctx, tmp_path: Path, today: date, monkeypatch) -> str:
    """Phước Bình's page on the portal, for its operator, on ``today``."""
    from studio import vi
    from studio.web import Settings, create_app, tokens_for

    monkeypatch.setattr(vi, "today", lambda: today)
    settings = Settings(state_dir=tmp_path / "state", cache_seconds=0)
    portal = create_app(ctx.campaign.root, str(ctx.out), settings)
    _, token = tokens_for(Path(ctx.campaign.root), settings).issue("phuoc-binh", "operator", "xã Phước Bình")
    client = TestClient(portal)
    assert sign_in(client, token).status_code == 200
    return client.get("/don-vi/phuoc-binh").text


def test_operator_sees_the_emergency_bulletin_first(alert_build, tmp_path, monkeypatch):
    from studio import vi

    ctx, khan, *_ = alert_build
    page = operator_page(ctx, tmp_path, date.fromisoformat(WEEK[5]), monkeypatch)  # the notice is on air
    paths = re.findall(r'data-path="([^"]+)"', page)
    # the day-7 bulletin is newer than the notice (day 5) and would come first by date
    folder = "dot-2-2/truyen-thanh-co-so/phuoc-binh"
    assert paths == [f"{khan.id}.mp3", f"{folder}/bulletin-daily-{WEEK[6]}-1730.mp3",
                     f"{folder}/bulletin-daily-{WEEK[0]}.mp3"]
    assert page.index("Thông báo khẩn — phát ngay") < page.index(f"{khan.id}.mp3")
    assert f"từ ngày {vi.date(WEEK[4])} đến hết ngày {vi.date(WEEK[6])}" in page
    assert "Bản tin khẩn: Sơ tán khỏi vùng trũng" in page


def test_an_emergency_title_says_khan_once(alert_build):
    """"Bản tin khẩn: " goes before the brief's title, unless the title says it already (Hà Tĩnh's
    "THÔNG BÁO KHẨN: Sơ tán…" read "Bản tin khẩn: THÔNG BÁO KHẨN: …" in podcast apps and on the page)."""
    from mutagen.id3 import ID3

    from studio.campaign import emergency_title

    ctx, khan, mp3, *_ = alert_build
    assert str(ID3(str(mp3))["TIT2"]).startswith("Bản tin khẩn: Sơ tán khỏi vùng trũng — ")
    assert emergency_title("THÔNG BÁO KHẨN: Sơ tán dân") == "THÔNG BÁO KHẨN: Sơ tán dân"
    assert emergency_title("Thông báo khẩn về lũ") == "Thông báo khẩn về lũ"
    assert emergency_title("Sơ tán dân") == "Bản tin khẩn: Sơ tán dân"


def test_an_emergency_bulletin_leaves_the_top_when_its_window_ends(alert_build, tmp_path, monkeypatch):
    """The notice's window (its brief's start to end, here the phase's last day) is the bulletin's
    ``meta.until``: the day after, the operator's page lists it with its phase's bulletins by date, marked
    as over, and a feed published after it orders it by date too."""
    from studio import vi
    from studio.publish import publish as publishing
    from studio.publish.signing import init_keys

    ctx, khan, *_ = alert_build
    entry = next(a for a in json.loads((ctx.out_root / "dot-2-2/manifest.json").read_text())["artifacts"]
                 if a["path"] == f"{khan.id}.mp3")
    assert entry["meta"]["until"] == WEEK[6]
    after = date.fromisoformat(WEEK[6]) + timedelta(days=1)
    page = operator_page(ctx, tmp_path, after, monkeypatch)
    folder = "dot-2-2/truyen-thanh-co-so/phuoc-binh"
    assert re.findall(r'data-path="([^"]+)"', page) == [
        f"{folder}/bulletin-daily-{WEEK[6]}-1730.mp3", f"{khan.id}.mp3", f"{folder}/bulletin-daily-{WEEK[0]}.mp3"]
    assert "phát ngay" not in page and f"đã hết hạn: phát đến hết ngày {vi.date(WEEK[6])}" in page

    private, _ = init_keys(tmp_path / "keys")
    monkeypatch.setattr(publishing, "now", lambda: f"{after.isoformat()}T01:00:00+00:00")
    publishing.publish(ctx.campaign, ["dot-2-2"], ctx.out, str(tmp_path / "pub"), private, local_feeds=True)
    feed = (tmp_path / "pub" / ctx.campaign.id / "don-vi/phuoc-binh/podcast.xml").read_text(encoding="utf-8")
    assert re.findall(r'<enclosure url="[^"]*/([^"/]+)"', feed) == [
        f"bulletin-daily-{WEEK[0]}.mp3", f"{khan.stem}.mp3", f"bulletin-daily-{WEEK[6]}-1730.mp3"]


def test_emergency_bulletin_is_published_with_the_phase_and_heads_the_podcast(alert_build, tmp_path, monkeypatch):
    from studio.publish import publish as publishing
    from studio.publish.publish import publish
    from studio.publish.signing import init_keys

    ctx, khan, *_ = alert_build
    monkeypatch.setattr(publishing, "now", lambda: f"{WEEK[5]}T01:00:00+00:00")  # published while on air
    private, _ = init_keys(tmp_path / "keys")
    [report] = publish(ctx.campaign, ["dot-2-2"], ctx.out, str(tmp_path / "pub"), private, local_feeds=True)
    assert f"{khan.id}.mp3" in report.uploaded
    published = tmp_path / "pub" / ctx.campaign.id
    manifest = json.loads((published / "dot-2-2/manifest.json").read_text())
    entry = next(a for a in manifest["artifacts"] if a["path"] == f"{khan.id}.mp3")
    assert entry["priority"] == "emergency" and entry["briefs"] == ["so-tan"]
    feed = (published / "don-vi/phuoc-binh/podcast.xml").read_text(encoding="utf-8")
    enclosures = re.findall(r'<enclosure url="[^"]*/([^"/]+)"', feed)
    # the others by date: day 1, older than the notice, comes after it
    assert enclosures == [f"{khan.stem}.mp3", f"bulletin-daily-{WEEK[0]}.mp3", f"bulletin-daily-{WEEK[6]}-1730.mp3"]
    titles = re.findall(r"<title>([^<]*)</title>", feed)
    assert any(t.startswith("[KHẨN CẤP] Bản tin khẩn") and "Sơ tán khỏi vùng trũng" in t for t in titles), titles
    assert any(f"Bản tin chiều {WEEK[6][8:]}/{WEEK[6][5:7]}/{WEEK[6][:4]}" in t for t in titles), titles


def test_a_bulletin_read_as_a_draft_is_never_published_as_approved(alert_build, tmp_path):
    """Approving a brief after the build leaves a bulletin that says "DỰ THẢO": held back until rebuilt."""
    from studio.publish.publish import classify

    ctx, khan, *_ = alert_build
    art = json.loads((ctx.out_root / "dot-2-2/manifest.json").read_text())["artifacts"][0]
    approved, drafts = classify(ctx.campaign, [{**art, "meta": {**art["meta"], "drafts": ["so-tan"]}}])
    assert approved == [] and len(drafts) == 1
    assert classify(ctx.campaign, [art])[0]


# --- what is not planned -------------------------------------------------------------------------

def gaps_campaign(root: Path) -> Path:
    """A province without districts (two communes and one abolished without successor), and briefs
    asking for what the plan cannot make as asked."""
    units = [UNITS[0]] + [{**u, "parent": "ninh-thuan"} for u in UNITS[2:]] + [
        {"id": "xa-cu", "name": "Xã Cũ", "level": "commune", "type": "xã", "code": "22999", "parent": "ninh-thuan",
         "until": date(2024, 12, 31)}]
    briefs = [brief(i, t, phase="dot-3", **changes) for i, t, changes in (
        ("pano-xa", "Pa nô cho một xã", {"channels": ["pano", "mang-xa-hoi"], "targets": ["phuoc-binh"],
                                         "formats": ["pano-4000x2000", "infographic-1080x1080"]}),
        ("hang-ngay", "Tin hằng ngày", {}),
        ("khan-nham", "Tin thường đòi bản tin khẩn", {"formats": ["bulletin", "bulletin-khan"]}),
        ("xa-cu", "Tin cho xã đã giải thể", {"formats": ["bulletin"], "targets": ["xa-cu"]}),
    )]
    small_campaign(root, briefs)
    (root / "units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    return root


def test_plan_and_validate_list_what_will_not_be_made_with_the_reason(tmp_path):
    root = gaps_campaign(tmp_path / "campaign")
    result = runner.invoke(app, ["plan", str(root), "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    missing = {(g["brief"], g["format"], g["field"]): g["reason"] for g in plan["not_planned"]}
    assert set(missing) == {("hang-ngay", "bulletin-daily", "formats"), ("khan-nham", "bulletin-khan", "formats"),
                            ("xa-cu", "bulletin", "targets")}
    assert "daily: true" in missing["hang-ngay", "bulletin-daily", "formats"]
    assert "priority: emergency" in missing["khan-nham", "bulletin-khan", "formats"]
    gone = missing["xa-cu", "bulletin", "targets"]
    assert "Xã Cũ" in gone and "sửa targets" in gone
    # a district-level channel in a province without districts: made for the communes, and said so
    made = {(j["brief"], j["format"], j["unit"]) for j in plan["jobs"]}
    assert ("pano-xa", "pano-4000x2000", "phuoc-binh") in made
    assert ("pano-xa", "pano-4000x2000", "phuoc-hoa") not in made  # the brief targets Phước Bình only
    # a province-level asset for a brief aimed at one commune: made for the province, and said so
    assert ("pano-xa", "infographic-1080x1080", "ninh-thuan") in made
    notes = {(g["brief"], g["format"], g["unit"], g["field"]): g["reason"] for g in plan["notes"]}
    assert set(notes) == {(None, None, None, "unit_level"),
                          ("pano-xa", "infographic-1080x1080", "ninh-thuan", "targets")}
    assert "không có đơn vị cấp huyện" in notes[None, None, None, "unit_level"]
    assert "xã Phước Bình" in notes["pano-xa", "infographic-1080x1080", "ninh-thuan", "targets"]

    shown = runner.invoke(app, ["plan", str(root)])
    assert "Sẽ không làm (3):" in shown.output and "Ghi chú (2):" in shown.output
    checked = runner.invoke(app, ["validate", str(root), "--no-fit"])
    assert checked.exit_code == 0, checked.output  # warnings stop nothing
    warnings = [line for line in checked.output.splitlines() if line.startswith("cảnh báo: ")]
    assert len(warnings) == 5
    assert any(re.match(r"cảnh báo: briefs/hang-ngay.yaml:\d+: formats: sẽ không làm \(dot-3, kênh truyen-thanh-co-so, "
                        r"bulletin-daily\): giai đoạn dot-3 không có daily: true", w) for w in warnings), warnings
    assert any(re.match(r"cảnh báo: campaign.yaml:\d+: channels\[4\].unit_level: ghi chú", w) for w in warnings)


# --- both example campaigns ----------------------------------------------------------------------

@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_examples_daily_bulletins_carry_the_briefs_on_air_that_day_emergency_first(root):
    campaign = load_campaign(root)
    tree = campaign.unit_tree()
    jobs = expand(campaign)
    daily = [j for j in jobs if j.format == "bulletin-daily"]

    def wanted(job) -> list[str]:
        phase, day = campaign.phase(job.phase), date.fromisoformat(job.day)
        unit_and_above = {job.unit, *tree.ancestors(job.unit)}
        briefs = [b for b in campaign.briefs if b.phase == job.phase and job.channel in b.channels
                  and (not b.formats or job.format in b.formats)
                  and (not b.targets or unit_and_above & set(b.targets))
                  and (b.start or phase.start) <= day <= (b.end or phase.end)]
        return [b.id for b in sorted(briefs, key=lambda b: (URGENCY.index(b.priority), b.start or date.min, b.title))]

    some_units = set(list(dict.fromkeys(j.unit for j in daily))[:3])
    for job, script in scripts(campaign, [j for j in daily if j.unit in some_units]).items():
        read = [i.brief_id for i in script.items if i.brief_id]
        assert read == wanted(job), job.id
        ranks = [URGENCY.index(campaign.brief(b).priority) for b in read]
        assert ranks == sorted(ranks)  # emergency first
    assert len({(j.unit, j.day, j.slot) for j in daily}) == len(daily)
    emergencies = [b for b in campaign.briefs if b.priority == "emergency"]
    for b in emergencies:  # each gets its immediate bulletin wherever it is read
        reached = {j.unit for j in jobs if j.kind == "bulletin" and j.format != "bulletin-khan"
                   and b in briefs_for(campaign, j, tree)}
        khan = [j for j in jobs if j.format == "bulletin-khan" and j.brief == b.id]
        assert reached and reached == {j.unit for j in khan}
        [script] = scripts(campaign, khan[:1]).values()
        assert script.items[0].text == "THÔNG BÁO KHẨN."
        assert [i.brief_id for i in script.items if i.brief_id] == [b.id] * campaign.audio.emergency_repeat



def test_bad_slots_and_repeat_are_located_errors(tmp_path):
    from studio.loader import CampaignError

    root = week_campaign(tmp_path / "campaign")
    text = (root / "campaign.yaml").read_text(encoding="utf-8")
    (root / "campaign.yaml").write_text(text.replace("emergency_repeat: 3", "emergency_repeat: 0").replace(
        "slots:\n  - 07:00\n  - '17:30'", "slots: [17:30, 7h00]"), encoding="utf-8")
    with pytest.raises(CampaignError) as error:
        load_campaign(root)
    shown = {str(p).split(": ", 1)[1] for p in error.value.problems}
    assert shown == {"audio.emergency_repeat: số lần đọc lại phải từ 1 đến 10, nhận được 0",
                     "audio.slots: giờ phát '7h00' không hợp lệ: viết dạng HH:MM, ví dụ \"06:00\""}
    # an unquoted 17:30 (YAML reads it as the number 1050) is taken as written
    (root / "campaign.yaml").write_text(text.replace("slots:\n  - 07:00\n  - '17:30'", "slots: [06:00, 17:30]"),
                                        encoding="utf-8")
    assert load_campaign(root).audio.slots == ["06:00", "17:30"]
