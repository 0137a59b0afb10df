"""``studio init --from-plan``: the Ninh Thuận plan (as .txt and as .docx) and a second plan in
other words become campaigns whose phases are the plans' windows, with one draft brief per
content line, the channels of "Hình thức" and the agencies of "Tổ chức thực hiện"; what the
plan leaves open is in TODO.md and is what ``studio validate`` reports as "chưa điền"."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from studio.check import dry_run, plan_warnings
from studio.cli import app
from studio.loader import CampaignError, Loader, load_campaign

DATA = Path(__file__).resolve().parent / "data"
PLAN = DATA / "plan-ninh-thuan-2025.txt"  # a copy of the province's plan (shared/plan-source.txt)
PLAN_LINES = PLAN.read_text(encoding="utf-8").splitlines()
SECOND_PLAN = DATA / "plan-ha-tinh-2026.md"
runner = CliRunner()

# The agencies numbered 1–8 in section IV of the plan, as it writes them ("Đề nghị" is the verb, not the name).
AGENCIES = [
    "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các hội, đoàn thể tỉnh",
    "Sở Thông tin và Truyền thông",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Các Sở, ban, ngành, đơn vị sự nghiệp; Ủy ban nhân dân các huyện, thành phố",
    "Văn phòng đại diện các cơ quan báo chí, Thường trú các báo đóng trên địa bàn tỉnh; các cơ quan báo chí hợp tác "
    "với tỉnh",
    "Hội Liên hiệp Văn học Nghệ thuật tỉnh",
    "Báo Ninh Thuận; Đài Phát thanh và Truyền hình tỉnh",
    "Các Doanh nghiệp Bưu chính, Viễn thông trên địa bàn tỉnh",
]


def init(folder: Path, plan: Path | None = None):
    args = ["init", str(folder)] + (["--from-plan", str(plan)] if plan else [])
    return runner.invoke(app, args)


def read(path: Path):
    """A campaign file as Studio reads it (dates stay text, as in the YAML)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def write(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def tree(phases: list[dict]) -> list[tuple]:
    """Phases as (id, start, end, peak, sub-phases): the windows, nothing else."""
    return [(p["id"], p["start"], p["end"], (p["peak"]["start"], p["peak"]["end"]) if p.get("peak") else None,
             tree(p.get("subphases", []))) for p in phases]


def by_id(phases: list[dict]) -> dict[str, dict]:
    out = {}
    for p in phases:
        out[p["id"]] = p
        out.update(by_id(p.get("subphases", [])))
    return out


def todo_items(folder: Path, heading: str) -> list[str]:
    text = (folder / "TODO.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- [ ] ")]


def fill_headlines(folder: Path) -> None:
    for path in (folder / "briefs").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^headline:.*$", "headline: Chào mừng Đại hội", text, flags=re.M), encoding="utf-8")


@pytest.fixture(scope="module")
def nt(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "ninh-thuan-2025"
    result = init(folder, PLAN)
    assert result.exit_code == 0, result.output
    return folder


def test_phases_are_the_plans_windows_and_no_more(nt):
    """Đợt 1 is 1/1–31/7/2025; Đợt 2 runs "từ tháng 8/2025 đến tháng 9/2025" with its September peak and
    sub-phases 2.1, 2.2; Đợt 3 ends 31/12/2025. The plan dates no day of the congress: those stay empty."""
    assert tree(read(nt / "campaign.yaml")["phases"]) == [
        ("dot-1", "2025-01-01", "2025-07-31", None, []),
        ("dot-2", "2025-08-01", "2025-09-30", ("2025-09-01", None), [
            ("dot-2-1", "2025-08-01", None, None, []),
            ("dot-2-2", None, None, None, []),
        ]),
        ("dot-3", None, "2025-12-31", None, []),
    ]


def test_todo_lists_the_open_days_and_the_rules_with_their_source_lines(nt, example_path):
    dates = todo_items(nt, "Ngày kế hoạch chưa nêu")
    open_fields = {re.match(r"- \[ \] campaign\.yaml: (\S+):", item)[1] for item in dates}
    assert open_fields == {"dot-2.peak.end", "dot-2-1.end", "dot-2-2.start", "dot-2-2.end", "dot-3.start"}
    assert all("Đại hội" in item for item in dates)
    assumed = {re.match(r"- \[ \] campaign\.yaml: (\S+):", item)[1]: item
               for item in todo_items(nt, "Giả định cần xác nhận")}
    assert set(assumed) == {"dot-1.end", "dot-2.peak.start", "dot-3.end"}
    assert "“cuối tháng 7” là ngày 31/7" in assumed["dot-1.end"]
    assert "“đầu tháng 9” là ngày 1/9" in assumed["dot-2.peak.start"]
    for item in dates + list(assumed.values()):  # each names the plan's line, and quotes it
        no, quoted = re.search(r"dòng (\d+): “(.+?)( …)?”\)$", item).group(1, 2)
        assert PLAN_LINES[int(no) - 1].strip().startswith(quoted), item
    # studio validate flags exactly these fields as "chưa điền"
    shutil.copy(example_path / "units.yaml", nt / "units.yaml")
    try:
        with pytest.raises(CampaignError) as raised:
            load_campaign(nt)
    finally:
        (nt / "units.yaml").unlink()
    problems = raised.value.problems
    assert all("chưa điền" in p.message for p in problems)
    phases = read(nt / "campaign.yaml")["phases"]
    flagged = set()
    for p in problems:
        node, path = phases, []
        for key, index in re.findall(r"(\w+)\[(\d+)\]", p.field):
            node = node[int(index)] if key == "phases" else node["subphases"][int(index)]
            path.append(node["id"])
        flagged.add(path[-1] + "." + re.sub(r"^(?:\.?(?:sub)?phases\[\d+\])+\.", "", p.field))
    assert flagged == open_fields


def fill_congress(folder: Path, opening: str, closing: str, before: str, after: str) -> None:
    """What TODO.md asks, with the congress days: the open fields, and Đợt 2's end so Đợt 3 does not overlap it."""
    data = read(folder / "campaign.yaml")
    phases = by_id(data["phases"])
    phases["dot-2"]["peak"]["end"] = closing
    phases["dot-2-1"]["end"] = before
    phases["dot-2-2"].update(start=opening, end=closing)
    phases["dot-3"]["start"] = after
    phases["dot-2"]["end"] = closing
    write(folder / "campaign.yaml", data)


def test_filled_in_with_the_examples_congress_days_the_phases_are_the_examples(nt, tmp_path, example_path):
    """The hand-made example assumed a congress on 24–26/9/2025; with those days filled in where TODO.md
    says, the phases are the example's, window for window."""
    folder = tmp_path / "c"
    shutil.copytree(nt, folder)
    fill_congress(folder, "2025-09-24", "2025-09-26", "2025-09-23", "2025-09-27")
    assert tree(read(folder / "campaign.yaml")["phases"]) == tree(read(example_path / "campaign.yaml")["phases"])


def test_one_draft_brief_per_content_line_of_section_III(nt):
    section = PLAN_LINES[PLAN_LINES.index("III. NỘI DUNG TUYÊN TRUYỀN"):PLAN_LINES.index("IV. TỔ CHỨC THỰC HIỆN ")]
    dash_lines = [line.strip()[2:] for line in section if line.strip().startswith("- ")]
    assert len(dash_lines) == 7  # Đợt 1: 3, Đợt 2.1: 4; Đợt 2.2 and Đợt 3 are one paragraph each
    briefs = [read(path) for path in sorted((nt / "briefs").glob("*.yaml"))]
    assert len(briefs) == 9
    counts = {}
    for b in briefs:
        counts[b["phase"]] = counts.get(b["phase"], 0) + 1
    assert counts == {"dot-1": 3, "dot-2-1": 4, "dot-2-2": 1, "dot-3": 1}
    bodies = [b["body"] for b in briefs]
    assert set(dash_lines) < set(bodies) and len(set(bodies)) == 9
    assert all(body in {line.strip() for line in section} | set(dash_lines) for body in bodies)  # verbatim
    for b in briefs:
        assert b["headline"] is None and b["approval"] == {"status": "draft"}  # left for the designer
        assert b["body"].lower().startswith(b["title"].rstrip("…").lower())  # the line's own words
        assert len(b["title"]) <= 81
    phases = by_id(read(nt / "campaign.yaml")["phases"])
    assert [b["body"] for b in briefs if b["phase"] == "dot-2-1"] == phases["dot-2-1"]["content_lines"]


def test_channels_are_the_forms_of_section_II2(nt, example_path):
    """The four items of "2. Hình thức" give the same channels as the hand-made example (whose daily
    bulletins go with the daily phase it chose)."""
    def channels(folder):
        return [(c["id"], c["unit_level"], [f for f in c["formats"] if f != "bulletin-daily"])
                for c in read(folder / "campaign.yaml")["channels"]]

    assert channels(nt) == channels(example_path)
    assert "bulletin-daily" not in (nt / "campaign.yaml").read_text(encoding="utf-8").split("channels:")[1]
    text = (nt / "campaign.yaml").read_text(encoding="utf-8")
    for no in (33, 34, 35, 36):  # each item is cited above the channels it gave
        assert f"plan-ninh-thuan-2025.txt, dòng {no}: “{PLAN_LINES[no - 1].strip()[2:]}”" in text
    assert any("báo in" in item for item in todo_items(nt, "Chưa đọc được"))  # "Báo Ninh Thuận": not made here


def test_audiences_are_the_agencies_of_section_IV(nt):
    audiences = read(nt / "campaign.yaml")["audiences"]
    assert [a["name"] for a in audiences] == AGENCIES
    ids = [a["id"] for a in audiences]
    assert len(set(ids)) == len(ids) and all(len(i) <= 40 for i in ids)


def test_the_campaign_validates_once_the_designer_filled_it_in(nt, tmp_path, example_path):
    """With units (the example's), the congress days and a headline per brief, the dry run of the build
    finds nothing: what init wrote itself is right. (Text fit is checked on the second plan, whose six
    communes make it quick; here it would lay out 62 communes' bulletins.)"""
    folder = tmp_path / "c"
    shutil.copytree(nt, folder)
    fill_congress(folder, "2025-09-24", "2025-09-26", "2025-09-23", "2025-09-27")
    fill_headlines(folder)
    shutil.copy(example_path / "units.yaml", folder / "units.yaml")
    campaign = load_campaign(folder)
    assert len(campaign.briefs) == 9 and len(campaign.audiences) == 8
    assert [str(p) for p in dry_run(campaign, fit=False)] == []
    assert [str(w) for w in plan_warnings(campaign)] == []  # it asks for nothing the plan will not make


def make_docx(path: Path) -> None:
    """The plan as Word writes it: the header in a two-column table, section III's bullets and section
    IV's numbered agencies as Word lists (no "-", no "1." in their text), every other line a paragraph."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nTỈNH NINH THUẬN"
    table.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    body = PLAN_LINES[PLAN_LINES.index("\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") + 2:]
    in_section_iii = in_section_iv = False
    for line in body:
        text = line.strip()
        in_section_iii = (in_section_iii or text.startswith("III.")) and not text.startswith("IV.")
        in_section_iv = (in_section_iv or text.startswith("IV.")) and not text.startswith("V.")
        if in_section_iii and text.startswith("- "):
            document.add_paragraph(text[2:], style="List Bullet")
        elif in_section_iv and re.match(r"\d\. ", text):
            document.add_paragraph(text[3:], style="List Number")
        else:
            document.add_paragraph(line)
    document.save(str(path))


def test_a_docx_of_the_plan_gives_the_same_campaign(nt, tmp_path):
    make_docx(tmp_path / "ke-hoach.docx")
    folder = tmp_path / "ninh-thuan-2025"
    result = init(folder, tmp_path / "ke-hoach.docx")
    assert result.exit_code == 0, result.output
    assert read(folder / "campaign.yaml") == read(nt / "campaign.yaml")
    names = sorted(p.name for p in (nt / "briefs").glob("*.yaml"))
    assert sorted(p.name for p in (folder / "briefs").glob("*.yaml")) == names
    for name in names:
        assert read(folder / "briefs" / name) == read(nt / "briefs" / name)
    assert "ke-hoach.docx, đoạn" in (folder / "TODO.md").read_text(encoding="utf-8")


def test_a_second_plan_in_other_words(tmp_path):
    """Another province's plan: "Giai đoạn", "từ ngày ban hành", "hết tháng", day dates, "giữa tháng",
    "trước ngày", a quarter, "+" bullets, a .md file; forms Studio does not make are reported."""
    folder = tmp_path / "ha-tinh-2026"
    result = init(folder, SECOND_PLAN)
    assert result.exit_code == 0, result.output
    data = read(folder / "campaign.yaml")
    assert tree(data["phases"]) == [
        ("giai-doan-1", "2026-03-16", "2026-05-31", None, []),  # from the plan's date, 16/3/2026
        ("giai-doan-2", "2026-06-01", "2026-09-30", ("2026-08-15", "2026-09-30"), [
            ("giai-doan-2-1", "2026-06-01", "2026-08-14", None, []),
            ("giai-doan-2-2", "2026-08-15", "2026-09-30", None, []),
        ]),
        ("giai-doan-3", "2026-10-01", "2026-12-31", None, []),
    ]
    assert (data["title"], data["issuer"]) == ("Tuyên truyền phòng, chống sốt xuất huyết và các bệnh truyền nhiễm "
                                               "năm 2026", "Ủy ban nhân dân tỉnh Hà Tĩnh")
    assert data["plan_ref"].startswith("Kế hoạch số 86/KH-UBND ngày 16/3/2026")
    assert [(c["id"], c["unit_level"]) for c in data["channels"]] == [
        ("truyen-thanh-co-so", "commune"), ("mang-xa-hoi", "province"), ("pano", "commune"), ("an-pham", "province")]
    assert [a["name"] for a in data["audiences"]] == [
        "Sở Y tế", "Sở Văn hóa, Thể thao và Du lịch",
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội", "Ủy ban nhân dân các xã, phường"]
    briefs = sorted(p.stem for p in (folder / "briefs").glob("*.yaml"))
    assert briefs == ["giai-doan-1-01", "giai-doan-1-02", "giai-doan-2-1-01", "giai-doan-2-1-02", "giai-doan-2-2-01",
                      "giai-doan-3-01"]
    assert "## Ngày kế hoạch chưa nêu" not in (folder / "TODO.md").read_text(encoding="utf-8")
    unread = todo_items(folder, "Chưa đọc được")
    assert any("dòng 35" in item and "Nhắn tin SMS" in item for item in unread)  # no Studio channel for SMS
    assert any("dòng 27" in item and "Sơ kết" in item for item in unread)  # not a phase line
    assert any("hội thi" in item for item in unread)
    assert "Nhắn tin SMS" in result.output  # the command says it too
    # with its units (a two-level province: no district) and headlines, it validates
    result = runner.invoke(app, ["units", "import", str(DATA / "ha-tinh-units-2025.csv"), "--province", "Tỉnh Hà Tĩnh",
                                 "--province-code", "42", "--out", str(folder / "units.yaml")])
    assert result.exit_code == 0, result.output
    fill_headlines(folder)
    campaign = load_campaign(folder)
    assert [str(p) for p in dry_run(campaign)] == []  # text fit included: the titles from the plan fit
    assert [str(w) for w in plan_warnings(campaign)] == []


def test_init_without_a_plan_writes_a_commented_template(tmp_path, example_path):
    folder = tmp_path / "chien-dich-moi"
    result = init(folder)
    assert result.exit_code == 0, result.output
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    assert "id: chien-dich-moi" in text and text.count("CHƯA ĐIỀN") == 4  # title, issuer, start, end
    shutil.copy(example_path / "units.yaml", folder / "units.yaml")
    with pytest.raises(CampaignError) as raised:
        load_campaign(folder)
    assert sorted(p.field for p in raised.value.problems) == ["issuer", "phases[0].end", "phases[0].start", "title"]
    assert all("chưa điền" in p.message for p in raised.value.problems)
    data = read(folder / "campaign.yaml")
    data.update(title="Tuyên truyền", issuer="Ủy ban nhân dân tỉnh")
    data["phases"][0].update(start="2026-01-01", end="2026-03-31")
    write(folder / "campaign.yaml", data)
    assert load_campaign(folder).phases[0].id == "dot-1"


def test_bad_plans_and_folders_are_clear_errors(nt, tmp_path):
    def fails(folder, plan, *words):
        result = init(folder, plan)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and all(w in result.output for w in words), result.output
        return result

    fails(tmp_path / "a", tmp_path / "khong-co.docx", "khong-co.docx", "không tìm thấy")
    (tmp_path / "hong.docx").write_text("không phải zip", encoding="utf-8")
    fails(tmp_path / "b", tmp_path / "hong.docx", "hong.docx", "không phải tệp .docx")
    (tmp_path / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    fails(tmp_path / "c", tmp_path / "cu.doc", "cu.doc", "lưu lại thành .docx")
    (tmp_path / "latin1.txt").write_bytes("Kế hoạch".encode("utf-16"))
    fails(tmp_path / "d", tmp_path / "latin1.txt", "latin1.txt", "UTF-8")
    (tmp_path / "thu.txt").write_text("Kính gửi các đồng chí,\nđề nghị họp vào thứ Hai.\n", encoding="utf-8")
    fails(tmp_path / "e", tmp_path / "thu.txt", "thu.txt", "không thấy các mục của kế hoạch")
    fails(nt, PLAN, "đã có chiến dịch")  # never writes over a campaign
    assert not [p for p in "abcde" if (tmp_path / p).exists()]
