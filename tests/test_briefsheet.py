"""Briefs as a spreadsheet (studio/briefsheet.py): export, import, round trip, located errors."""

from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from conftest import EXAMPLE, EXAMPLES

from studio.briefsheet import COLUMNS, SHEET, brief_row, export_sheet, import_sheet
from studio.campaign import Approval, Brief
from studio.cli import main
from studio.loader import CampaignError, load_campaign


def _copy(example: Path, tmp_path: Path) -> Path:
    target = tmp_path / example.name
    shutil.copytree(example, target)
    return target


def _dumps(campaign) -> dict:
    return {b.id: b.model_dump(exclude={"source"}) for b in campaign.briefs}


def _column(header: str) -> int:
    """1-based index of a column, as openpyxl counts."""
    return next(i for i, c in enumerate(COLUMNS, start=1) if c.header == header)


def test_columns_cover_every_brief_field():
    fields = {c.field for c in COLUMNS}
    expected = {(f,) for f in Brief.model_fields if f not in ("source", "approval")}
    expected |= {("approval", f) for f in Approval.model_fields}
    assert fields == expected
    assert len({c.header for c in COLUMNS}) == len(COLUMNS)
    doc = (Path(__file__).parent.parent / "docs" / "briefs-sheet.md").read_text(encoding="utf-8")
    assert [c.header for c in COLUMNS if c.header not in doc] == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_round_trip_through_xlsx(example, tmp_path):
    folder = _copy(example, tmp_path)
    original = load_campaign(folder)
    sheet = tmp_path / "tin-bai.xlsx"
    assert export_sheet(original, sheet) == []
    keep = tmp_path / "kept"
    shutil.copytree(folder / "briefs", keep)
    for path in (folder / "briefs").iterdir():
        path.unlink()
    updated, created, rows = import_sheet(sheet, load_campaign(folder))
    assert (updated, rows) == ([], len(original.briefs)) and len(created) == rows
    assert _dumps(load_campaign(folder)) == _dumps(original)
    # Imported onto the briefs it came from, the sheet changes no file.
    shutil.rmtree(folder / "briefs")
    shutil.copytree(keep, folder / "briefs")
    assert import_sheet(sheet, load_campaign(folder))[:2] == ([], [])
    assert all((folder / "briefs" / p.name).read_bytes() == p.read_bytes() for p in keep.iterdir())


def test_update_in_place_keeps_comments(tmp_path):
    folder = _copy(EXAMPLE, tmp_path)
    path = folder / "briefs" / "dot1-thi-dua.yaml"
    before = path.read_text(encoding="utf-8").replace("template: stat-chart",
                                                      "template: stat-chart  # biểu đồ cột: giữ chú thích này")
    path.write_text("# Chú thích đầu tệp của người thiết kế.\n" + before, encoding="utf-8")
    sheet = tmp_path / "tin-bai.xlsx"
    export_sheet(load_campaign(folder), sheet)
    book = openpyxl.load_workbook(sheet)
    ws = book[SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "dot1-thi-dua")
    ws.cell(row, _column("Thông điệp chính"), "Thi đua lập thành tích chào mừng Đại hội")
    ws.cell(row, _column("Ưu tiên"), "priority")
    book.save(sheet)
    updated, created, _ = import_sheet(sheet, load_campaign(folder))
    assert (updated, created) == ([path], [])
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# Chú thích đầu tệp của người thiết kế.\n")
    assert "template: stat-chart  # biểu đồ cột: giữ chú thích này" in after
    changed = set(after.splitlines()) ^ set(("# Chú thích đầu tệp của người thiết kế.\n" + before).splitlines())
    assert changed == {"headline: Thi đua lập thành tích chào mừng đại hội đảng bộ các cấp",
                       "headline: Thi đua lập thành tích chào mừng Đại hội", "priority: priority"}
    brief = load_campaign(folder).brief("dot1-thi-dua")
    assert (brief.headline, brief.priority) == ("Thi đua lập thành tích chào mừng Đại hội", "priority")


def test_five_kinds_of_mistakes_give_five_located_errors(tmp_path):
    folder = _copy(EXAMPLE, tmp_path)
    campaign = load_campaign(folder)
    sheet = tmp_path / "tin-bai.xlsx"
    export_sheet(campaign, sheet)
    book = openpyxl.load_workbook(sheet)
    ws = book[SHEET]
    ws.cell(2, _column("Giai đoạn"), "dot-9")  # an unknown phase
    ws.cell(3, _column("Từ ngày"), "2025-02-30")  # a day that does not exist
    ws.cell(4, _column("Số liệu"), "Công trình = nhiều công trình (minh họa)")  # a value that is not a number
    channels = ws.cell(5, _column("Kênh")).value
    ws.cell(5, _column("Kênh"), channels + ", kenh-la")  # an unknown channel
    ws.cell(6, _column("Thông điệp chính")).value = None  # an empty headline
    book.save(sheet)
    before = {p.name: p.read_bytes() for p in (folder / "briefs").iterdir()}
    with pytest.raises(CampaignError) as caught:
        import_sheet(sheet, campaign)
    got = [str(p) for p in caught.value.problems]
    letter = {h: openpyxl.utils.get_column_letter(_column(h)) for h in
              ("Giai đoạn", "Từ ngày", "Số liệu", "Kênh", "Thông điệp chính")}
    expected = [("Giai đoạn", 2, "phase", "giai đoạn 'dot-9' không có"),
                ("Từ ngày", 3, "start", "cần ngày dạng YYYY-MM-DD"),
                ("Số liệu", 4, "stats[0].value", "cần một số, nhận được \"nhiều công trình\""),
                ("Kênh", 5, f"channels[{len(channels.split(','))}]", "kênh 'kenh-la' không có"),
                ("Thông điệp chính", 6, "headline", "ô trống")]
    assert len(got) == 5, got
    for line, (header, row, field, message) in zip(got, expected):
        assert line.startswith(f"tin-bai.xlsx:{SHEET}!{letter[header]}{row}: {field}: {message}"), line
    assert {p.name: p.read_bytes() for p in (folder / "briefs").iterdir()} == before  # nothing written


def test_no_formula_on_export_and_texts_come_back(tmp_path):
    folder = _copy(EXAMPLE, tmp_path)
    path = folder / "briefs" / "dot1-thi-dua.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("headline: Thi đua lập thành tích chào mừng đại hội đảng bộ các cấp",
                        'headline: "=HYPERLINK(\\"http://x.invalid\\",\\"bấm\\")"')
    text = text.replace("slogans:\n", 'slogans:\n  - "+84 912 345 678"\n  - "@tinh-uy"\n  - "-nhiệt liệt chào mừng"\n')
    path.write_text(text, encoding="utf-8")
    campaign = load_campaign(folder)
    xlsx, csv_file = tmp_path / "tin-bai.xlsx", tmp_path / "tin-bai.csv"
    export_sheet(campaign, xlsx)
    export_sheet(campaign, csv_file)
    with zipfile.ZipFile(xlsx) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()  # no formula cell at all
    ws = openpyxl.load_workbook(xlsx)[SHEET]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "dot1-thi-dua")
    headline = ws.cell(row, _column("Thông điệp chính"))
    assert headline.value.startswith("=HYPERLINK") and headline.data_type == "s" and headline.quotePrefix
    assert ws.cell(row, _column("Khẩu hiệu")).value.startswith("+84")
    csv_text = csv_file.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "\"'+84 912 345 678" in csv_text  # Excel shows the text, runs nothing
    for sheet in (xlsx, csv_file):
        for p in (folder / "briefs").iterdir():
            p.unlink()
        import_sheet(sheet, load_campaign(folder))
        assert _dumps(load_campaign(folder)) == _dumps(campaign)


def test_csv_from_excel_with_semicolons_creates_a_brief(tmp_path):
    folder = _copy(EXAMPLE, tmp_path)
    rows = [["Mã tin bài", "Giai đoạn", "Tiêu đề", "Thông điệp chính", "Ý chính", "Số liệu", "Kênh", "Từ ngày"],
            ["tin-moi", "dot-1", "Tin mới", "Thông điệp mới", "Ý một\nÝ hai",
             "Hộ dân = 1250 hộ (nguồn: UBND xã)\nTỷ lệ = 12.5%", "mang-xa-hoi", "02/04/2025"]]
    text = "\r\n".join(";".join(f'"{v}"' for v in row) for row in rows)
    (tmp_path / "tin-bai.csv").write_bytes(("\ufeff" + text).encode("utf-8"))
    with pytest.raises(CampaignError) as caught:  # a real stat without a source is an error, located
        import_sheet(tmp_path / "tin-bai.csv", load_campaign(folder))
    assert [str(p) for p in caught.value.problems] == [
        "tin-bai.csv:F2: stats[1].source: số liệu thật cần ghi nguồn; nếu là số liệu minh họa, đặt illustrative: true"]
    text = text.replace("12.5%", "12.5% (minh họa)")
    (tmp_path / "tin-bai.csv").write_bytes(("\ufeff" + text).encode("utf-8"))
    updated, created, _ = import_sheet(tmp_path / "tin-bai.csv", load_campaign(folder))
    assert (updated, created) == ([], [folder / "briefs" / "tin-moi.yaml"])
    brief = load_campaign(folder).brief("tin-moi")
    assert brief.key_messages == ["Ý một", "Ý hai"] and brief.start == date(2025, 4, 2)
    assert [(s.label, s.value, s.unit, s.source, s.illustrative) for s in brief.stats] == [
        ("Hộ dân", 1250, "hộ", "UBND xã", False), ("Tỷ lệ", 12.5, "%", "", True)]


def _ods(rows: list[list], path: Path) -> None:
    """A minimal OpenDocument spreadsheet, as LibreOffice saves one (text cells; a line break is a new <text:p>)."""
    def cell(value) -> str:
        if value is None:
            return "<table:table-cell/>"
        if isinstance(value, date):
            return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
                    f"<text:p>{value.isoformat()}</text:p></table:table-cell>")
        paragraphs = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
        return f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'

    body = "".join(f"<table:table-row>{''.join(cell(v) for v in row)}</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="{SHEET}">{body}</table:table></office:spreadsheet>'
               "</office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)


def test_ods_round_trip(tmp_path):
    folder = _copy(EXAMPLE, tmp_path)
    campaign = load_campaign(folder)
    _ods([[c.header for c in COLUMNS], *(brief_row(b) for b in campaign.briefs)], tmp_path / "tin-bai.ods")
    for p in (folder / "briefs").iterdir():
        p.unlink()
    import_sheet(tmp_path / "tin-bai.ods", load_campaign(folder))
    assert _dumps(load_campaign(folder)) == _dumps(campaign)


@pytest.mark.parametrize("case", ["corrupt", "sheet", "column", "encoding"])
def test_bad_files_are_a_vietnamese_error_not_a_traceback(case, tmp_path, capsys):
    folder = _copy(EXAMPLE, tmp_path)
    sheet = tmp_path / ("tin-bai.csv" if case == "encoding" else "tin-bai.xlsx")
    args = ["briefs", "import", str(folder), str(sheet)]
    if case == "corrupt":
        sheet.write_bytes(b"PK\x03\x04 not really a zip")
    elif case == "encoding":
        sheet.write_bytes(unicodedata.normalize("NFD", "Mã tin bài,Giai đoạn\n").encode("cp1258"))  # Excel "CSV"
    else:
        assert main(["briefs", "export", str(folder), str(sheet)]) == 0
        if case == "sheet":
            args += ["--sheet", "Trang 2"]
        else:
            book = openpyxl.load_workbook(sheet)
            book[SHEET].delete_cols(_column("Kênh"))
            book.save(sheet)
    capsys.readouterr()
    assert main(args) == 2
    out = capsys.readouterr().err
    assert "Traceback" not in out and "chưa ghi tệp nào" in out
    first = out.splitlines()[0]
    assert first.startswith("tin-bai."), first
    assert {"corrupt": "lưu lại dạng .xlsx", "sheet": "không có trang tính 'Trang 2'; các trang: Tin bài, Hướng dẫn",
            "column": "thiếu cột bắt buộc: Kênh", "encoding": "không phải UTF-8"}[case] in first
    if case == "column":
        assert re.match(rf"tin-bai\.xlsx:{SHEET}![A-Z]+1: ", first)
