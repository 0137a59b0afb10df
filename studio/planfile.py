"""Read a province's plan document (KẾ HOẠCH) into its parts, each with its source line.

The plan is laid out the way Decree 30/2020 lays out administrative documents: a
header (issuer, "Số: …/KH-UBND", "Ninh Thuận, ngày … tháng … năm …"), the title
after "KẾ HOẠCH", then sections numbered I, II, III, IV. Studio reads

- the windows of "Thời gian" ("Đợt 1: Từ … đến …", with a "cao điểm" part),
- the items of "Hình thức" (the channels),
- the content lines of "Nội dung" under each "Đợt N" heading and its "2.1"/"2.2"
  sub-headings (dash lines, or the paragraphs of a heading without dash lines),
- the numbered agencies of "Tổ chức thực hiện" (the audiences),

and keeps the lines of those sections it could not place in ``unread``. This module
only splits the text; what a window means is ``studio.vi_dates``, what the campaign
becomes is ``studio.scaffold``. A .docx is read paragraph by paragraph (table cells
included, in document order), .txt and .md as text.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .vi_dates import parse_date_line

SUFFIXES = (".docx", ".txt", ".md")


class PlanError(Exception):
    """A plan file that cannot be read; the message is Vietnamese and names the file."""


@dataclass(frozen=True)
class Line:
    no: int  # 1-based line of a text file, paragraph of a .docx
    text: str


@dataclass
class PlanPhase:
    """A phase as one section names it: "Đợt 2" with its window's words, content lines, sub-phases."""

    kind: str  # "Đợt", "Giai đoạn"
    number: str  # "2", "2.1"
    heading: Line
    window: str  # the words of its window ("" when the heading gives none)
    list_number: str = ""  # its number in the section's list ("1." of "1. Đợt 1: …"), for "1.1" sub-headings
    lines: list[Line] = field(default_factory=list)
    subphases: list[PlanPhase] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.kind} {self.number}"


@dataclass
class Plan:
    source: str  # the file's name
    unit: str  # "dòng" (text) or "đoạn" (.docx paragraph): how a Line.no is named
    issuer: list[Line] = field(default_factory=list)
    number: Line | None = None  # "Số: 12/KH-UBND"
    place: str = ""
    issued: date | None = None  # None: the date line is blank (filled in at signing) or missing
    date_line: Line | None = None
    title: Line | None = None
    times: list[PlanPhase] = field(default_factory=list)  # from "Thời gian": windows only
    forms: list[Line] = field(default_factory=list)
    content: list[PlanPhase] = field(default_factory=list)
    loose: list[Line] = field(default_factory=list)  # content lines under no phase heading
    agencies: list[Line] = field(default_factory=list)
    unread: list[tuple[Line, str]] = field(default_factory=list)

    def empty(self) -> bool:
        """Nothing of a plan's sections was found: not a KẾ HOẠCH laid out the usual way."""
        return not (self.times or self.forms or self.content or self.loose or self.agencies)

    def where(self, line: Line | None) -> str:
        return f"{self.source}, {self.unit} {line.no}" if line else self.source


# --- reading the file -------------------------------------------------------------

def read_lines(path: Path) -> tuple[list[Line], str]:
    """The plan's lines (cleaned, blank ones kept as "") and how they are counted."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = " (lưu lại thành .docx trong Word hoặc LibreOffice)" if suffix == ".doc" else ""
        raise PlanError(f"{path}: không đọc được tệp {suffix or 'không có đuôi'}{hint}: chỉ nhận "
                        f"{', '.join(SUFFIXES)}")
    if not path.is_file():
        raise PlanError(f"{path}: không tìm thấy tệp kế hoạch" if not path.exists() else
                        f"{path}: là một thư mục, không phải tệp kế hoạch")
    if suffix == ".docx":
        raw = _docx_paragraphs(path)
        unit = "đoạn"
    else:
        try:
            raw = path.read_text(encoding="utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise PlanError(f"{path}: tệp không phải UTF-8: lưu lại với mã hóa UTF-8") from None
        except OSError as exc:
            raise PlanError(f"{path}: không đọc được tệp: {exc.strerror or exc}") from None
        unit = "dòng"
    markdown = suffix == ".md"
    return [Line(i, _clean(text, markdown)) for i, text in enumerate(raw, 1)], unit


def _docx_paragraphs(path: Path) -> list[str]:
    import docx
    from docx.opc.exceptions import OpcError
    from docx.oxml.ns import qn
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError):
        raise PlanError(f"{path}: không phải tệp .docx đọc được (tệp hỏng, hoặc là định dạng khác đổi đuôi "
                        f"thành .docx): mở bằng Word hoặc LibreOffice và lưu lại thành .docx") from None
    except OSError as exc:
        raise PlanError(f"{path}: không đọc được tệp: {exc.strerror or exc}") from None
    out: list[str] = []

    formats: dict[tuple[int, int], str] = {}
    counters: dict[tuple[int, int], int] = {}

    def list_format(num_id: int, level: int) -> str:
        """Word's numbering format of a list level ("bullet", "decimal", "lowerLetter"…)."""
        if (num_id, level) not in formats:
            fmt = "bullet"
            try:
                numbering = document.part.numbering_part.element
                abstract = numbering.num_having_numId(num_id).abstractNumId.val
                for node in numbering.iterchildren(qn("w:abstractNum")):
                    if node.get(qn("w:abstractNumId")) == str(abstract):
                        for lvl in node.iterchildren(qn("w:lvl")):
                            if lvl.get(qn("w:ilvl")) == str(level) and lvl.find(qn("w:numFmt")) is not None:
                                fmt = lvl.find(qn("w:numFmt")).get(qn("w:val"))
            except (KeyError, NotImplementedError, AttributeError):
                pass
            formats[num_id, level] = fmt
        return formats[num_id, level]

    def marker(p) -> str:
        """What Word draws before a list paragraph and leaves out of its text: "- ", "3. ", "b) " or ""."""
        num_id = level = None
        for ppr in (p._p.pPr, p.style.element.pPr if p.style is not None else None):
            if ppr is not None and ppr.numPr is not None:
                if num_id is None and ppr.numPr.numId is not None:
                    num_id = ppr.numPr.numId.val
                if level is None and ppr.numPr.ilvl is not None:
                    level = ppr.numPr.ilvl.val
        if not num_id:  # numId 0: numbering switched off
            return ""
        level = level or 0
        fmt = list_format(num_id, level)
        if fmt not in ("decimal", "lowerLetter"):
            return "- "
        n = counters[num_id, level] = counters.get((num_id, level), 0) + 1
        for key in [k for k in counters if k[0] == num_id and k[1] > level]:
            del counters[key]  # a deeper level starts again under the next item
        return f"{n}. " if fmt == "decimal" else f"{'abcdefghiklmnopqrstuvxy'[(n - 1) % 23]}) "

    def paragraph(p) -> None:
        prefix = marker(p) if p.text.strip() else ""
        for part in p.text.split("\n"):
            out.append(prefix + part if part.strip() and not _DASH.match(part.strip()) else part)
            prefix = ""

    def table(t: Table) -> None:
        seen: set[int] = set()
        for row in t.rows:
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is listed once per grid column
                    continue
                seen.add(id(cell._tc))
                for inner in cell.iter_inner_content():
                    table(inner) if isinstance(inner, Table) else paragraph(inner)

    for block in document.iter_inner_content():
        table(block) if isinstance(block, Table) else paragraph(block)
    return out


def _clean(text: str, markdown: bool) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = re.sub(r"\[bookmark: [^\]]*\]", "", text)  # left by .docx → text converters
    if markdown:
        text = re.sub(r"^\s*#+\s*", "", text)
        text = re.sub(r"^\s*[*+]\s+", "- ", text)
        text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


# --- the layout -----------------------------------------------------------------

_ROMAN = re.compile(r"^(?P<r>X{0,1}(?:IX|IV|V?I{0,3}))\s*[.:]\s*(?P<t>\S.*)$")
_NUMBERED = re.compile(r"^(?P<n>\d{1,2})\s*[.)]\s*(?P<t>\S.*)$")
_SUBNUMBERED = re.compile(r"^(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.?\s+(?P<t>\S.*)$")
_DASH = re.compile(r"^(?:[-–—•+∙·]|[a-zđ]\))\s*")
_PHASE = re.compile(r"^(?:[-–—•+]\s*)?(?P<kind>Đợt|Giai đoạn|Bước)\s+(?P<n>\d{1,2}(?:\.\d{1,2})?)\b\s*"
                    r"(?:\((?P<w>[^)]*)\))?\s*[:.–—-]?\s*(?P<rest>.*)$", re.IGNORECASE)
_TIME_WORDS = re.compile(r"\b(?:từ|đến|tới|trong|tháng|ngày|năm|trước|sau|nay|quý|cao điểm)\b", re.IGNORECASE)
_TITLE_STOP = re.compile(r"^(?:Thực hiện|Căn cứ|Nhằm|Để|Triển khai|Theo)\b")
_AGENCY_PREFIX = re.compile(r"^(?:Đề nghị|Giao|Yêu cầu)\s+", re.IGNORECASE)


def _section_kind(title: str) -> str:
    t = title.upper()
    if "TỔ CHỨC THỰC HIỆN" in t or "PHÂN CÔNG" in t or "TRÁCH NHIỆM" in t:
        return "agencies"
    kinds = [k for k, word in (("time", "THỜI GIAN"), ("forms", "HÌNH THỨC"), ("content", "NỘI DUNG"))
             if word in t]
    return "+".join(kinds) or "other"


def _subsection_kind(title: str) -> str | None:
    """A short numbered heading inside a section: "1. Thời gian", "2. Hình thức tuyên truyền"."""
    if len(title) > 60:
        return None
    for kind, word in (("time", "thời gian"), ("forms", "hình thức"), ("content", "nội dung")):
        if title.lower().startswith(word):
            return kind
    return None


def parse_plan(path: str | Path) -> Plan:
    """Read the plan at ``path``; raise ``PlanError`` (Vietnamese, naming the file) when it cannot be read."""
    path = Path(path)
    lines, unit = read_lines(path)
    plan = Plan(path.name, unit)
    first_section = next((i for i, line in enumerate(lines) if _roman_heading(line.text)), len(lines))
    _header(plan, lines[:first_section])
    mode = "other"
    current: PlanPhase | None = None
    numbered_agencies: list[Line] = []
    dash_agencies: list[Line] = []  # "- Sở Y tế: chủ trì …", when the agencies are not numbered
    for line in lines[first_section:]:
        text = line.text
        if not text:
            continue
        heading = _roman_heading(text)
        if heading:
            mode, current = _section_kind(heading), None
            continue
        if mode == "other":
            continue
        numbered = _NUMBERED.match(text)
        sub = _subsection_kind(numbered["t"]) if numbered else None
        if sub and mode != "agencies":
            mode, current = sub, None
            continue
        if mode.startswith("time"):
            _time_line(plan, line)
        elif mode == "forms":
            if not (text.endswith(":") and not _DASH.match(text)):
                plan.forms.append(Line(line.no, _DASH.sub("", text, count=1)))
        elif mode == "content":
            current = _content_line(plan, line, current)
        elif mode == "agencies":
            if numbered:
                numbered_agencies.append(Line(line.no, _agency_name(numbered["t"].split(":")[0])))
            elif _DASH.match(text) and ":" in text and len(text.split(":")[0]) <= 100:
                dash_agencies.append(Line(line.no, _agency_name(_DASH.sub("", text.split(":")[0], count=1))))
        # "time+forms" / "time+content"… without sub-headings: the time lines are read above
    plan.agencies = numbered_agencies or dash_agencies
    return plan


def _roman_heading(text: str) -> str | None:
    """The title of a section heading ("II. THỜI GIAN VÀ HÌNH THỨC THỰC HIỆN"), else None."""
    m = _ROMAN.match(text)
    return m["t"] if m and m["r"] and text.upper() == text else None


def _header(plan: Plan, lines: list[Line]) -> None:
    header_done = False
    title_lines: list[Line] = []
    in_title = False
    for line in lines:
        text = line.text
        if in_title:
            if not text or _TITLE_STOP.match(text) or len(title_lines) >= 4:
                in_title = False
            else:
                title_lines.append(line)
                continue
        if not text:
            continue
        if text.upper().startswith("CỘNG HÒA") or text.upper().startswith("CỘNG HOÀ"):
            header_done = True
            continue
        if re.match(r"^Số\s*:", text, re.IGNORECASE):
            plan.number = Line(line.no, re.sub(r"^Số\s*:\s*", "", text, flags=re.IGNORECASE))
            continue
        dated = parse_date_line(text)
        if dated:
            plan.place, plan.issued = dated
            plan.date_line = line
            continue
        if text.upper().rstrip(" .") == "KẾ HOẠCH":
            in_title = True
            continue
        if not header_done and text.upper() == text and re.search(r"[A-ZÀ-Ỹ]", text) and "ĐỘC LẬP" not in text:
            plan.issuer.append(line)
    if title_lines:
        plan.title = Line(title_lines[0].no, " ".join(t.text for t in title_lines))


def _time_line(plan: Plan, line: Line) -> None:
    m = _PHASE.match(line.text)
    if m is None:
        if line.text.endswith(":"):
            return
        if _TIME_WORDS.search(line.text) and not plan.times and re.match(r"^(?:Thời gian[^:]*:\s*)?(?:Từ|Trong)\b",
                                                                        line.text, re.IGNORECASE):
            window = re.sub(r"^Thời gian[^:]*:\s*", "", line.text, flags=re.IGNORECASE)
            plan.times.append(PlanPhase("", "", line, window))  # one window for the whole plan
            return
        plan.unread.append((line, "mục Thời gian: không phải dòng “Đợt N: Từ … đến …”"))
        return
    phase = PlanPhase(m["kind"].capitalize(), m["n"], line, (m["w"] or m["rest"]).strip())
    parent = next((p for p in plan.times if "." in phase.number and p.number == phase.number.split(".")[0]), None)
    (parent.subphases if parent else plan.times).append(phase)


def _content_line(plan: Plan, line: Line, current: PlanPhase | None) -> PlanPhase | None:
    text = line.text
    numbered = _NUMBERED.match(text)
    body = numbered["t"] if numbered else text
    m = _PHASE.match(body)
    if m and (numbered or not _DASH.match(text)):
        phase = PlanPhase(m["kind"].capitalize(), m["n"], line, (m["w"] or m["rest"]).strip(),
                          numbered["n"] if numbered else m["n"])
        plan.content.append(phase)
        return phase
    sub = _SUBNUMBERED.match(text)
    top = _top(plan, current)
    if sub and top is not None and sub["a"] == top.list_number and _TIME_WORDS.search(sub["t"]):
        phase = PlanPhase(top.kind, f"{top.number}.{sub['b']}", line, sub["t"].strip())
        top.subphases.append(phase)
        return phase
    dash = _DASH.match(text)
    content = _DASH.sub("", text, count=1) if dash else (numbered["t"] if numbered else text)
    if not dash and text.endswith(":"):
        return current  # "… các nội dung như sau:" introduces a list
    if current is None:
        plan.loose.append(Line(line.no, content))
    else:
        current.lines.append(Line(line.no, content))
    return current


def _top(plan: Plan, current: PlanPhase | None) -> PlanPhase | None:
    if current is None:
        return None
    return next((p for p in plan.content if p is current or current in p.subphases), None)


def _agency_name(text: str) -> str:
    return _AGENCY_PREFIX.sub("", text.strip()).rstrip(" .;:")

