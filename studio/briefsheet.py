"""Briefs as a spreadsheet: ``studio briefs export`` and ``studio briefs import``.

One row per brief, one column per field (``COLUMNS``: the one table the reader, the
writer, the guide sheet and docs/briefs-sheet.md follow). Lists a designer types one
item a line sit in one cell (key messages, slogans, stats as ``Nhãn = 12.5 đơn vị
(nguồn: …)``); ids are separated by commas.

Spreadsheet text is untrusted: formulas are never evaluated (the reader takes the value
the spreadsheet saved), the file, rows and cells are bounded, text is NFC. An import is
checked whole, with the loader's own model and cross checks, and writes nothing unless
every row is right; each problem names ``FILE:sheet!C12``, the field and what to do.
Existing brief files are edited in place (ruamel.yaml round trip, so their comments and
layout stay): only the fields whose value changed are rewritten.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .artifacts import atomic_path, atomic_write_text
from .campaign import Brief, Campaign
from .loader import CampaignError, Problem, check_brief, describe, field_path, partial_brief
from .text import nfc

SHEET = "Tin bài"
GUIDE = "Hướng dẫn"
#: What one spreadsheet may ask of the reader: a campaign has tens of briefs, a brief a few KB.
MAX_FILE_BYTES = 10_000_000
MAX_UNZIPPED_BYTES = 100_000_000  # an xlsx/ods is a zip: bound what it expands to
MAX_ROWS = 2000
MAX_CELL_CHARS = 20_000
#: A cell starting with one of these is a formula to Excel or LibreOffice when typed or read from CSV.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SPREADSHEETS = (".xlsx", ".xlsm", ".ods", ".xls")


@dataclass(frozen=True)
class Column:
    header: str  # the Vietnamese header, row 1
    field: tuple[str, ...]  # where the value goes in the brief: ("approval", "status")
    kind: str  # how the cell is written: text, lines, ids, date, datetime, stats, images, timeline
    help: str  # what to type, for the guide sheet and the docs


#: The spreadsheet layout, in column order.
COLUMNS: tuple[Column, ...] = (
    Column("Mã tin bài", ("id",), "text", "bắt buộc; tên tệp briefs/<mã>.yaml: chữ thường không dấu, số, dấu gạch "
                                          "ngang (dot1-thi-dua)"),
    Column("Giai đoạn", ("phase",), "text", "bắt buộc; mã giai đoạn trong campaign.yaml (dot-1)"),
    Column("Tiêu đề", ("title",), "text", "bắt buộc; tiêu đề tin bài"),
    Column("Thông điệp chính", ("headline",), "text", "bắt buộc; câu in to trên sản phẩm"),
    Column("Ý chính", ("key_messages",), "lines", "mỗi ý một dòng (xuống dòng trong ô: Alt+Enter trong Excel, "
                                                  "Ctrl+Enter trong LibreOffice)"),
    Column("Nội dung", ("body",), "text", "nội dung đầy đủ: bản tin truyền thanh, ghi chú người trình bày"),
    Column("Số liệu", ("stats",), "stats", "mỗi số liệu một dòng: Nhãn = 12.5 đơn vị (nguồn: …); số minh họa thêm "
                                           "(minh họa) ở cuối; dấu chấm thập phân, không dấu phân cách hàng nghìn"),
    Column("Khẩu hiệu", ("slogans",), "lines", "mỗi khẩu hiệu một dòng"),
    Column("Kênh", ("channels",), "ids", "bắt buộc; mã kênh trong campaign.yaml, cách nhau bằng dấu phẩy"),
    Column("Định dạng", ("formats",), "ids", "để trống = mọi định dạng của các kênh; hoặc mã định dạng, cách nhau "
                                             "bằng dấu phẩy"),
    Column("Đơn vị", ("targets",), "ids", "để trống = toàn tỉnh; hoặc mã huyện, xã trong units.yaml"),
    Column("Đối tượng", ("audiences",), "ids", "mã đối tượng trong campaign.yaml"),
    Column("Ưu tiên", ("priority",), "text", "normal | priority | emergency (để trống = normal)"),
    Column("Từ ngày", ("start",), "date", "ngày dạng YYYY-MM-DD (hoặc DD/MM/YYYY), trong giai đoạn"),
    Column("Đến ngày", ("end",), "date", "ngày dạng YYYY-MM-DD (hoặc DD/MM/YYYY), trong giai đoạn"),
    Column("Mẫu", ("template",), "text", "mẫu đồ họa (stat-chart, key-number, timeline…); để trống = tự chọn"),
    Column("Hình ảnh", ("images",), "images", "mỗi ảnh một dòng: đường dẫn | mô tả"),
    Column("Mã QR", ("qr",), "text", "địa chỉ web đầy đủ (https://…) in thành mã QR"),
    Column("Mốc thời gian", ("timeline",), "timeline", "mỗi mốc một dòng: nhãn | từ ngày | đến ngày | chi tiết; "
                                                       "hoặc phases để vẽ các giai đoạn của chiến dịch"),
    Column("Duyệt", ("approval", "status"), "text", "draft | approved (để trống = draft)"),
    Column("Người duyệt", ("approval", "by"), "text", "người hoặc đơn vị duyệt (bắt buộc khi approved)"),
    Column("Thời điểm duyệt", ("approval", "at"), "datetime", "YYYY-MM-DDTHH:MM:SS+07:00 (bắt buộc khi approved)"),
)
_REQUIRED = {"id", "phase", "title", "headline", "channels"}
_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(.*)", re.S)
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_SOURCE, _ILLUSTRATIVE = "(nguồn:", "(minh họa)"


class SheetError(ValueError):
    """A cell that cannot be read as its column's kind; ``index`` is the item (line) at fault."""

    def __init__(self, message: str, index: int | None = None, part: str = ""):
        super().__init__(message)
        self.index, self.part = index, part


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- cells ↔ values ---------------------------------------------------------------

def _number(value: float) -> str:
    """A stat value as typed: 120, 12.5, never 1e+20."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{Decimal(repr(value)):f}"


def _text(value: Any) -> str:
    """A cell as text: spreadsheets store a typed 2025 as the number 2025.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return "" if value is None else str(value)


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in _text(value).splitlines() if line.strip()]


def _date(value: Any) -> Any:
    """A date cell, or text pydantic reads (YYYY-MM-DD; DD/MM/YYYY as Vietnamese write it)."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value
    text = _text(value).strip()
    m = _DMY.fullmatch(text)
    return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}" if m else text


def _stat(line: str, index: int) -> dict:
    text = line.strip()
    out: dict[str, Any] = {}
    if text.endswith(_ILLUSTRATIVE):
        text, out["illustrative"] = text[:-len(_ILLUSTRATIVE)].rstrip(), True
    at = text.find(_SOURCE)
    if at >= 0 and text.endswith(")"):
        text, out["source"] = text[:at].rstrip(), text[at + len(_SOURCE):-1].strip()
    label, sep, rest = text.rpartition("=")
    if not sep:
        raise SheetError(f"số liệu {line!r} cần dạng Nhãn = giá trị đơn vị (nguồn: …), ví dụ "
                         "\"Tăng trưởng GRDP = 8.2 % (nguồn: Cục Thống kê)\"", index)
    m = _NUMBER.fullmatch(rest.strip())
    if not m:
        raise SheetError(describe({"type": "float_parsing", "input": rest.strip()}), index, "value")
    out.update(label=label.strip(), value=float(m[1]))
    if m[2].strip():
        out["unit"] = m[2].strip()
    return out


def _format_stat(stat: dict) -> str:
    text = f"{stat['label']} = {_number(stat['value'])}"
    text += f" {stat['unit']}" if stat.get("unit") else ""
    text += f" {_SOURCE} {stat['source']})" if stat.get("source") else ""
    return text + (f" {_ILLUSTRATIVE}" if stat.get("illustrative") else "")


def _parts(line: str, names: tuple[str, ...], index: int) -> dict:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) > len(names):
        raise SheetError(f"dòng {line!r} có {len(parts)} phần, tối đa {len(names)}: {' | '.join(names)}", index)
    return {name: (_date(part) if name in ("start", "end") else part)
            for name, part in zip(names, parts) if part}


_IMAGE, _STEP = ("path", "alt"), ("label", "start", "end", "detail")


def read_cell(column: Column, value: Any) -> Any:
    """A cell's value for the brief; raises ``SheetError`` when the cell cannot be read."""
    if column.kind == "lines":
        return _lines(value)
    if column.kind == "ids":
        return [part.strip() for part in re.split(r"[,;\n]", _text(value)) if part.strip()]
    if column.kind == "date":
        return _date(value)
    if column.kind == "datetime":
        return value.isoformat() if isinstance(value, datetime) else _text(value).strip()
    if column.kind == "stats":
        return [_stat(line, i) for i, line in enumerate(_lines(value))]
    if column.kind == "images":
        return [_parts(line, _IMAGE, i) for i, line in enumerate(_lines(value))]
    if column.kind == "timeline":
        lines = _lines(value)
        return "phases" if lines == ["phases"] else [_parts(line, _STEP, i) for i, line in enumerate(lines)]
    text = _text(value)
    return text.strip() if column.field[-1] in ("id", "phase", "priority", "status", "template", "qr", "at") else text


def write_cell(column: Column, value: Any) -> Any:
    """A brief's value (JSON mode) as the cell the designer reads; a date stays a date."""
    if value is None or value == [] or value == "":
        return None
    if column.kind == "lines":
        return "\n".join(value)
    if column.kind == "ids":
        return ", ".join(value)
    if column.kind == "date":
        return date.fromisoformat(value)
    if column.kind == "stats":
        return "\n".join(_format_stat(s) for s in value)
    if column.kind in ("images", "timeline"):
        if value == "phases":
            return value
        names = _IMAGE if column.kind == "images" else _STEP
        return "\n".join(" | ".join(str(item.get(n) or "") for n in names).rstrip(" |") for item in value)
    return value


def _get(data: dict, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _set(data: dict, path: tuple[str, ...], value: Any) -> None:
    """Set (or, for an empty value, remove) ``path`` in ``data``."""
    *outer, last = path
    for key in outer:
        data = data.setdefault(key, {})
    if value in (None, "", []):
        data.pop(last, None)
    else:
        data[last] = value


def brief_data(brief: Brief) -> dict:
    """What a brief file holds: its fields (JSON mode) without defaults and without ``source``."""
    return brief.model_dump(mode="json", exclude_defaults=True, exclude={"source"})


# --- reading ---------------------------------------------------------------------

@dataclass
class Table:
    name: str  # the file's name, as problems name it
    sheet: str  # "" for CSV
    rows: list[list[Any]]  # rows[0] is the header row, spreadsheet row 1

    def where(self, row: int, col: int) -> str:
        """``FILE:sheet!C12`` (``FILE:C12`` for a CSV); ``row`` 0-based in ``rows``."""
        cell = f"{column_letter(col)}{row + 1}"
        return f"{self.name}:{self.sheet}!{cell}" if self.sheet else f"{self.name}:{cell}"


def _fail(name: str, message: str) -> CampaignError:
    return CampaignError([Problem(name, 0, "", message)])


def read_table(path: Path, sheet: str | None = None) -> Table:
    """The rows of the briefs sheet (``SHEET``, else the first, or ``sheet``); raises ``CampaignError``."""
    name, suffix = path.name, path.suffix.lower()
    if suffix not in (*SPREADSHEETS, ".csv"):
        raise _fail(name, f"không đọc được tệp {suffix or 'không đuôi'}: dùng .xlsx, .ods hoặc .csv")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _fail(name, "không tìm thấy tệp") from None
    if size > MAX_FILE_BYTES:
        raise _fail(name, f"tệp lớn quá {MAX_FILE_BYTES // 1_000_000} MB: bảng tin bài chỉ cần vài trăm KB; "
                          "bỏ ảnh, trang tính không dùng rồi lưu lại")
    if suffix == ".csv":
        rows = _csv_rows(path, name)
        sheet_name = ""
    else:
        rows, sheet_name = _spreadsheet_rows(path, name, sheet)
    while rows and not any(_text(v).strip() for v in rows[-1]):
        rows.pop()
    if len(rows) > MAX_ROWS + 1:
        raise _fail(name, f"có {len(rows) - 1} dòng: tối đa {MAX_ROWS} tin bài một lần nhập; tách thành nhiều tệp")
    return Table(name, sheet_name, [[nfc(v) for v in row] for row in rows])


def _csv_rows(path: Path, name: str) -> list[list[Any]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise _fail(name, "tệp CSV không phải UTF-8: trong Excel chọn Lưu thành “CSV UTF-8 (Comma delimited)”, "
                          "trong LibreOffice chọn bộ ký tự Unicode (UTF-8)") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # Excel with Vietnamese regional settings writes ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _fail(name, f"tệp CSV hỏng ({exc}): mở lại trong Excel/LibreOffice và lưu lại") from None
    # export_sheet's guard against formulas: '=… read back as =…
    return [[v[1:] if v[:1] == "'" and v[1:2] and v[1:2] in FORMULA_START else v for v in row] for row in rows]


def _spreadsheet_rows(path: Path, name: str, sheet: str | None) -> tuple[list[list[Any]], str]:
    from python_calamine import CalamineWorkbook

    if path.suffix.lower() != ".xls":
        try:
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            raise _fail(name, "tệp hỏng hoặc không phải bảng tính: mở trong Excel/LibreOffice và lưu lại dạng "
                              ".xlsx") from None
        if unzipped > MAX_UNZIPPED_BYTES:
            raise _fail(name, f"tệp giải nén ra hơn {MAX_UNZIPPED_BYTES // 1_000_000} MB: không phải một bảng tin bài")
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        chosen = sheet or (SHEET if SHEET in names else names[0] if names else None)
        if chosen not in names:
            raise _fail(name, f"không có trang tính {chosen!r}; các trang: {', '.join(names) or '—'} "
                              "(chọn bằng --sheet)")
        table = book.get_sheet_by_name(chosen)
        rows = table.to_python(skip_empty_area=False)
    except CampaignError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors (zip, xml, password) on any bad file
        raise _fail(name, f"không đọc được bảng tính ({type(exc).__name__}: {exc}): mở trong Excel/LibreOffice và "
                          "lưu lại dạng .xlsx") from None
    top, left = table.start or (0, 0)
    rows = [[""] * left + list(row) for row in rows]
    return [[] for _ in range(top)] + rows, chosen


# --- import ------------------------------------------------------------------------

@dataclass
class Imported:
    briefs: list[Brief]  # validated, in row order
    existing: dict[str, Brief]  # the campaign's briefs the sheet updates, by id
    columns: list[Column]  # the columns the sheet has


def _columns(table: Table, problems: list[Problem]) -> dict[int, Column]:
    by_header = {nfc(c.header).casefold(): c for c in COLUMNS}
    by_header.update({".".join(c.field): c for c in COLUMNS})  # a header may also be the field's name
    header = table.rows[0] if table.rows else []
    found: dict[int, Column] = {}
    for i, cell in enumerate(header):
        text = _text(cell).strip()
        if not text:
            if any(i < len(row) and _text(row[i]).strip() for row in table.rows[1:]):
                problems.append(Problem(table.where(0, i), 0, "", "cột có dữ liệu nhưng không có tên: ghi tên cột "
                                                                  "(xem trang Hướng dẫn) hoặc xóa cột"))
            continue
        column = by_header.get(text.casefold())
        if column is None:
            problems.append(Problem(table.where(0, i), 0, "", f"cột {text!r} không có; các cột: "
                                                              f"{', '.join(c.header for c in COLUMNS)}"))
        elif column in found.values():
            problems.append(Problem(table.where(0, i), 0, "", f"cột {column.header!r} bị lặp: giữ một, xóa cột "
                                                              "còn lại"))
        else:
            found[i] = column
    missing = [c.header for c in COLUMNS if c.field[0] in _REQUIRED and c not in found.values()]
    if missing:
        problems.append(Problem(table.where(0, len(header)), 0, "",
                                f"thiếu cột bắt buộc: {', '.join(missing)} (tên cột ở dòng 1, xem trang Hướng dẫn)"))
    return found


def read_briefs(table: Table, campaign: Campaign) -> Imported:
    """Every row of ``table`` as a checked brief; raises ``CampaignError`` with every problem."""
    problems: list[Problem] = []
    columns = _columns(table, problems)
    if problems:
        raise CampaignError(problems)
    existing = {b.id: b for b in campaign.briefs}
    tree = campaign.unit_tree()
    id_col = next(i for i, c in columns.items() if c.field == ("id",))
    briefs: list[Brief] = []
    seen: dict[str, int] = {}
    for r, row in enumerate(table.rows[1:], start=1):
        if not any(_text(v).strip() for v in row):
            continue

        def add(field: str, message: str, col: int | None = None, r: int = r) -> None:
            col = _column_of(field, columns, id_col) if col is None else col
            problems.append(Problem(table.where(r, col), 0, field, message))

        bid = _text(row[id_col] if id_col < len(row) else "").strip()
        data = brief_data(existing[bid]) if bid in existing else {}
        invalid: set[str] = set()
        for c, column in columns.items():
            value = row[c] if c < len(row) else ""
            if len(_text(value)) > MAX_CELL_CHARS:
                add(column.field[0], f"ô dài quá {MAX_CELL_CHARS:,} ký tự".replace(",", "."), c)
                invalid.add(column.field[0])
                continue
            try:
                _set(data, column.field, read_cell(column, value))
            except SheetError as exc:
                loc = (*column.field, exc.index, *((exc.part,) if exc.part else ()))
                add(field_path(loc), str(exc), c)
                invalid.add(column.field[0])
                _set(data, column.field, None)
        brief = None
        try:
            brief = Brief.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                if field in invalid and error["type"] == "missing":
                    continue  # already reported: the cell could not be read
                invalid.add(field)
                message = describe(error)
                if error["type"] == "missing" and any(c.field[0] == field for c in columns.values()):
                    message = "ô trống: điền giá trị (xem trang Hướng dẫn)"
                add(field_path(tuple(error["loc"])), message)
            brief = partial_brief(data, invalid, campaign)
        if brief is None:
            continue
        if "id" not in invalid:
            if brief.id in seen:
                add("id", f"mã tin bài {brief.id} đã có ở dòng {seen[brief.id] + 1}: mỗi tin bài một dòng")
                continue
            seen[brief.id] = r
        found: list[Problem] = []
        check_brief(brief, campaign, tree, _RowDoc(), found, frozenset(invalid))
        for p in found:
            add(p.field, p.message)
        if not invalid:
            briefs.append(brief)
    if problems:
        raise CampaignError(problems)
    return Imported(briefs, {b.id: existing[b.id] for b in briefs if b.id in existing}, list(columns.values()))


def _column_of(field: str, columns: dict[int, Column], default: int) -> int:
    """The column a problem's field (``stats[2].value``, ``approval.at``, ``approval``) is in: the one whose
    field path starts it, else the first of its field; a field the sheet has no column for: the id cell."""
    parts = [p for p in re.split(r"[.\[\]]", field) if p and not p.isdigit()]
    same = [(i, c) for i, c in sorted(columns.items()) if parts and c.field[0] == parts[0]]
    exact = [i for i, c in same if parts[:len(c.field)] == list(c.field)]
    return exact[0] if exact else same[0][0] if same else default


class _RowDoc:
    """What ``check_brief`` reads of a YAML file, for a row: problems come back by field, not by line."""

    file = ""

    @staticmethod
    def line(loc: tuple) -> int:
        return 0


def _yaml():
    from ruamel.yaml import YAML

    y = YAML()  # round trip: comments, key order, flow style and quotes stay as written
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _yaml_value(value: Any, field: str) -> Any:
    """A JSON-mode value as YAML should read it: dates as dates, 120.0 as 120, short id lists in flow style,
    text of several lines as a ``|`` block."""
    from ruamel.yaml.comments import CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, dict):
        return {k: _yaml_value(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_yaml_value(v, field) for v in value]
        if field in ("channels", "formats", "targets", "audiences"):
            seq = CommentedSeq(items)
            seq.fa.set_flow_style()
            return seq
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if field in ("start", "end") and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:  # not a date: written as typed, for the loader to say so on its line
            return value
    if isinstance(value, str) and "\n" in value.rstrip("\n") and not re.search(r"[ \t]\n|\n[ \t]|\n\n\n", value):
        return LiteralScalarString(value)
    return value


def _update(node: Any, old: dict, new: dict) -> None:
    """Rewrite in ``node`` (a ruamel mapping) only what differs between ``old`` and ``new``."""
    for key in [*new, *(k for k in old if k not in new)]:
        if old.get(key) == new.get(key):
            continue
        if key not in new:
            node.pop(key, None)
        elif isinstance(new[key], dict) and isinstance(node.get(key), dict):
            _update(node[key], old.get(key) or {}, new[key])
        else:
            node[key] = _yaml_value(new[key], key)


def brief_text(new: dict, old: dict | None = None, text: str | None = None, header: str = "") -> str:
    """A brief file holding ``new`` (``brief_data``): ``text``, the file that holds ``old``, edited in place
    (only what changed is rewritten; comments and layout stay), or without ``text`` a new file whose first
    line is the comment ``header``."""
    y = _yaml()
    out = io.StringIO()
    if text is not None:
        node = y.load(text)
        _update(node, old or {}, new)
    else:
        node = _yaml_value(new, "")
        out.write(f"# {header}\n" if header else "")
    y.dump(node, out)
    return out.getvalue()


def write_briefs(imported: Imported, campaign: Campaign, source: str) -> tuple[list[Path], list[Path]]:
    """Write the imported briefs: edit existing files in place, create the others. Returns (updated, created)."""
    root = Path(campaign.root)
    updated: list[Path] = []
    created: list[Path] = []
    for brief in imported.briefs:
        new = brief_data(brief)
        old_brief = imported.existing.get(brief.id)
        if old_brief is not None:
            path = root / old_brief.source
            old = brief_data(old_brief)
            if old == new:
                continue
            text = brief_text(new, old, path.read_text(encoding="utf-8"))
            updated.append(path)
        else:
            path = root / "briefs" / f"{brief.id}.yaml"
            text = brief_text(new, header=f"Tin bài nhập từ {source} (studio briefs import).")
            created.append(path)
        atomic_write_text(path, text)
    return updated, created


def check_new_files(imported: Imported, campaign: Campaign, table: Table) -> None:
    """A new brief may not overwrite a file of another name (``briefs/<id>.yaml`` holding another id)."""
    root = Path(campaign.root)
    problems = [Problem(table.name, 0, "id", f"briefs/{b.id}.yaml đã có nhưng không phải tin bài {b.id}: đổi mã "
                                              "tin bài hoặc đổi tên tệp đó")
                for b in imported.briefs
                if b.id not in imported.existing and (root / "briefs" / f"{b.id}.yaml").exists()]
    if problems:
        raise CampaignError(problems)


def import_sheet(path: Path, campaign: Campaign, sheet: str | None = None,
                 dry_run: bool = False) -> tuple[list[Path], list[Path], int]:
    """``studio briefs import``: check every row, then write; returns (updated, created, rows read)."""
    table = read_table(path, sheet)
    imported = read_briefs(table, campaign)
    check_new_files(imported, campaign, table)
    if dry_run:
        return [], [], len(imported.briefs)
    updated, created = write_briefs(imported, campaign, path.name)
    return updated, created, len(imported.briefs)


# --- export ------------------------------------------------------------------------

def brief_row(brief: Brief) -> list[Any]:
    data = brief_data(brief)
    return [write_cell(c, _get(data, c.field)) for c in COLUMNS]


def round_trip_problems(brief: Brief) -> list[str]:
    """Headers of the columns whose cell would not read back as the brief has it (a key message with a
    line break inside, a stat unit with "=" in it): the export says so rather than lose it silently."""
    data = brief_data(brief)
    out = []
    for column, cell in zip(COLUMNS, brief_row(brief)):
        try:
            back = read_cell(column, cell if cell is not None else "")
        except SheetError:
            out.append(column.header)
            continue
        mine: dict = {}
        _set(mine, column.field, back)
        if json.dumps(_get(mine, column.field), default=str, sort_keys=True) != json.dumps(
                _get(data, column.field), sort_keys=True):
            out.append(column.header)
    return out


def export_sheet(campaign: Campaign, path: Path) -> list[str]:
    """Write the campaign's briefs to ``path`` (.xlsx or .csv); returns warnings (columns that would not
    read back unchanged)."""
    warnings = [f"tin bài {b.id}: cột {', '.join(cols)} sẽ không nhập lại y nguyên (xuống dòng trong một mục, "
                f"dấu = trong đơn vị…): sửa trong {b.source}"
                for b in campaign.briefs if (cols := round_trip_problems(b))]
    rows = [brief_row(b) for b in campaign.briefs]
    if path.suffix.lower() == ".csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.header for c in COLUMNS])
        for row in rows:
            writer.writerow([_csv_safe(_text(v)) for v in row])
        with atomic_path(path) as tmp:
            tmp.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))
    else:
        with atomic_path(path) as tmp:
            _workbook(rows).save(tmp)
    return warnings


def _csv_safe(text: str) -> str:
    """A CSV cell Excel will not run as a formula: a leading ' (read back by ``_csv_rows``)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _workbook(rows: list[list[Any]]):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([c.header for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c, value)
            cell.alignment = wrap
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula (openpyxl makes "=…" one)
                cell.quotePrefix = value.startswith(FORMULA_START)  # and stays text when the designer edits it
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    widths = {"lines": 60, "text": 24, "stats": 60, "ids": 30}
    for c, column in enumerate(COLUMNS, start=1):
        wide = column.field[0] in ("title", "headline", "body")
        sheet.column_dimensions[column_letter(c - 1)].width = 60 if wide else widths.get(column.kind, 24)
    sheet.freeze_panes = "B2"
    guide = book.create_sheet(GUIDE)
    guide.append(["Cột", "Trường", "Cách ghi"])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        guide.append([column.header, ".".join(column.field), column.help])
    guide.column_dimensions["A"].width, guide.column_dimensions["B"].width = 20, 18
    guide.column_dimensions["C"].width = 100
    return book
