"""Load a campaign folder and report every problem at once, with file and line.

A problem reads ``briefs/dot-2-thanh-tuu.yaml:14: stats[2].value: cần một số,
nhận được "12,5%"``: the designer sees where, which field and what to do. YAML
nodes keep their line numbers, so any pydantic error path maps back to a line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .campaign import MAX_DAILY_DAYS, Brief, Campaign, Phase
from .formats import FORMATS, channel_formats
from .text import nfc
from .units import Unit, UnitTree


class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: ~5x faster
    """Safe YAML where dates stay text: pydantic parses them and says which field is wrong
    (YAML's own timestamp reader raises a bare ``ValueError`` for 2025-02-30)."""


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

#: Bounds on what one campaign file may ask of the loader (a brief is a few KB and a few hundred nodes).
MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class CampaignError(Exception):
    """Raised with every problem found in a campaign folder."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class YamlDoc:
    """Parsed YAML data plus its node tree, for line lookups."""

    file: str
    data: Any
    node: yaml.Node | None

    def line(self, loc: tuple) -> int:
        """1-based line of the deepest node along ``loc`` that exists."""
        node = self.node
        if node is None:
            return 0
        line = node.start_mark.line + 1
        for key in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == str(key):
                        child = v
                        line = k.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                child = node.value[key]
            if child is None:
                return line
            node = child
            line = node.start_mark.line + 1
        return line


def read_yaml(path: Path, root: Path, problems: list[Problem]) -> YamlDoc | None:
    """Parse one campaign file strictly: bounded size, no anchors or aliases, no duplicate keys.

    Anchors and aliases are refused before anything is built from the file, so a
    "billion laughs" file (or an alias that contains itself) costs a node walk, not
    the machine's memory.
    """
    rel = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if path.is_dir():
        problems.append(Problem(rel, 0, "", "là một thư mục, không phải tệp YAML: đổi tên hoặc chuyển nó ra ngoài"))
        return None
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(Problem(rel, 0, "", f"tệp lớn quá {MAX_FILE_BYTES // 1_000_000} MB: một tin bài chỉ "
                                                "cần vài KB; tách hoặc rút gọn tệp"))
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(rel, 0, "", "không tìm thấy tệp"))
        return None
    except UnicodeDecodeError:
        problems.append(Problem(rel, 0, "", "tệp không phải UTF-8: lưu lại với mã hóa UTF-8"))
        return None
    return parse_yaml(text, rel, problems)


def parse_yaml(text: str, rel: str, problems: list[Problem]) -> YamlDoc | None:
    """``read_yaml`` on text already in memory (a brief edited in the portal, before it is written)."""
    try:
        loader = Loader(text)  # parse once: keep the node tree (for line numbers) and build data from it
        try:
            node = loader.get_single_node()
            problem = _shape_problem(node, rel)
            if problem:
                problems.append(problem)
                return None
            data = nfc(loader.construct_document(node)) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problems.append(Problem(rel, line, "", f"lỗi cú pháp YAML: {getattr(exc, 'problem', exc)}"))
        return None
    return YamlDoc(rel, data, node)


def _shape_problem(root: yaml.Node | None, rel: str) -> Problem | None:
    """The first anchor/alias, duplicate key or excess of nodes in a parsed file, as a problem."""
    seen: set[int] = set()
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if id(node) in seen:  # the same node reached twice: an alias (*name) of an anchor (&name)
            return Problem(rel, node.start_mark.line + 1, "", "không dùng neo và bí danh YAML (&tên, *tên): "
                                                             "viết đầy đủ giá trị ở từng chỗ")
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            return Problem(rel, node.start_mark.line + 1, "", f"tệp có hơn {MAX_NODES:,} phần tử: quá lớn cho "
                                                             "một tệp chiến dịch".replace(",", "."))
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        return Problem(rel, key.start_mark.line + 1, key.value,
                                       f"khóa bị lặp (đã có ở dòng {keys[key.value]}): giữ một, xóa khóa còn lại")
                    keys[key.value] = key.start_mark.line + 1
                todo += [key, value]
        elif isinstance(node, yaml.SequenceNode):
            todo += node.value
    return None


def field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(error: dict) -> str:
    """A Vietnamese message for a pydantic error, saying what was expected."""
    kind, value = error["type"], error.get("input")
    shown = json.dumps(value, ensure_ascii=False, default=str)
    if kind == "missing":
        return "thiếu trường bắt buộc"
    if value is None:  # "headline:" with nothing after it: a field left for the designer (studio init, new-brief)
        return "chưa điền: ghi giá trị sau dấu hai chấm (xem chú thích cuối dòng)"
    if kind == "extra_forbidden":
        return "trường không được hỗ trợ (gõ sai tên?)"
    if kind == "value_error":  # our own validators' messages, already Vietnamese
        return str(error["ctx"]["error"])
    if kind == "finite_number":
        return "cần một số thực hữu hạn, nhận được NaN hoặc vô cực"
    if kind == "string_too_long":
        return f"dài quá {error['ctx']['max_length']} ký tự"
    if kind == "too_long":
        return f"tối đa {error['ctx']['max_length']} mục, nhận được {error['ctx'].get('actual_length', '?')}"
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"}:
        return f"cần một số, nhận được {shown} (dùng dấu chấm thập phân, ví dụ 12.5)"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"cần ngày dạng YYYY-MM-DD, nhận được {shown}"
    if kind == "string_pattern_mismatch":
        return f"mã không hợp lệ {shown}: chỉ dùng chữ thường không dấu, số và dấu gạch ngang (ví dụ dot-1)"
    if kind == "literal_error":
        return f"giá trị {shown} không hợp lệ: {error['ctx']['expected']}"
    if kind in {"string_type", "list_type", "dict_type", "model_type", "bool_type", "bool_parsing"}:
        expected = {"string_type": "chuỗi văn bản", "list_type": "danh sách", "dict_type": "bảng khóa–giá trị",
                    "model_type": "bảng khóa–giá trị", "bool_type": "true/false", "bool_parsing": "true/false"}[kind]
        return f"cần {expected}, nhận được {shown}"
    return error["msg"]


def validate_model(model: type, doc: YamlDoc, problems: list[Problem], prefix: tuple = (), **extra):
    return validate_fields(model, doc, problems, prefix, **extra)[0]


def validate_fields(model: type, doc: YamlDoc, problems: list[Problem], prefix: tuple = (), **extra):
    """Validate ``doc`` as ``model``; return the model (or None) and the top-level fields that failed."""
    data = doc.data if isinstance(doc.data, dict) else None
    if data is None:
        problems.append(Problem(doc.file, 1, "", "tệp phải là một bảng khóa–giá trị YAML"))
        return None, set()
    try:
        return model.model_validate({**data, **extra}), set()
    except ValidationError as exc:
        for err in exc.errors():
            loc = prefix + tuple(err["loc"])
            problems.append(Problem(doc.file, doc.line(loc), field_path(loc), describe(err)))
        return None, {str(err["loc"][0]) for err in exc.errors() if err["loc"]}


def partial_brief(data: dict, bad: set[str], campaign: Campaign) -> Brief | None:
    """The brief without its invalid fields (placeholders stand in), so cross checks still run.

    One run then reports a wrong type, a bad date and an unknown unit of the same
    brief together; checks that would read a placeholder are skipped.
    """
    good = {k: v for k, v in data.items() if k not in bad and k in Brief.model_fields}
    filler = {"id": "x", "phase": campaign.all_phases()[0].id, "title": "x", "headline": "x", "channels": []}
    try:
        return Brief.model_validate({**{k: v for k, v in filler.items() if k not in good}, **good})
    except ValidationError:
        return None


# --- cross checks ---------------------------------------------------------------

# A brief check on a field also reads these fields.
DEPENDS_ON = {"formats": ("channels",), "start": ("phase", "end"), "end": ("phase", "start")}

def check_phases(campaign: Campaign, doc: YamlDoc, problems: list[Problem]) -> None:
    def check(phases: list[Phase], loc: tuple, parent: Phase | None) -> None:
        ordered = sorted(enumerate(phases), key=lambda ip: ip[1].start)
        for i, phase in enumerate(phases):
            here = loc + (i,)
            if phase.end < phase.start:
                problems.append(Problem(doc.file, doc.line(here + ("end",)), field_path(here + ("end",)),
                                        f"ngày kết thúc {phase.end} trước ngày bắt đầu {phase.start}"))
            if parent and not (parent.start <= phase.start and phase.end <= parent.end):
                problems.append(Problem(doc.file, doc.line(here), field_path(here),
                                        f"giai đoạn {phase.id} ({phase.start} – {phase.end}) nằm ngoài "
                                        f"{parent.id} ({parent.start} – {parent.end})"))
            if phase.daily and (phase.end - phase.start).days + 1 > MAX_DAILY_DAYS:
                problems.append(Problem(doc.file, doc.line(here + ("daily",)), field_path(here + ("daily",)),
                                        f"giai đoạn {phase.id} dài {(phase.end - phase.start).days + 1} ngày: bản tin "
                                        f"hằng ngày chỉ cho giai đoạn tối đa {MAX_DAILY_DAYS} ngày (kiểm tra ngày "
                                        f"kết thúc, hoặc bỏ daily: true)"))
            if phase.peak and not (phase.start <= phase.peak.start <= phase.peak.end <= phase.end):
                problems.append(Problem(doc.file, doc.line(here + ("peak",)), field_path(here + ("peak",)),
                                        "thời gian cao điểm phải nằm trong giai đoạn"))
            check(phase.subphases, here + ("subphases",), phase)
        for (_, a), (j, b) in zip(ordered, ordered[1:]):
            if b.start <= a.end:
                problems.append(Problem(doc.file, doc.line(loc + (j, "start")), field_path(loc + (j, "start")),
                                        f"giai đoạn {b.id} bắt đầu {b.start}, chồng lên {a.id} (đến {a.end})"))

    check(campaign.phases, ("phases",), None)
    ids = [p.id for p in campaign.all_phases()]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(doc.file, doc.line(("phases",)), "phases", f"mã giai đoạn {dup} bị trùng"))


def check_channels(campaign: Campaign, doc: YamlDoc, problems: list[Problem]) -> None:
    for i, channel in enumerate(campaign.channels):
        for j, fmt in enumerate(channel.formats):
            if fmt not in FORMATS:
                loc = ("channels", i, "formats", j)
                problems.append(Problem(doc.file, doc.line(loc), field_path(loc),
                                        f"định dạng {fmt!r} không có; chọn một trong: {', '.join(sorted(FORMATS))}"))


def check_units(units: list[Unit], doc: YamlDoc, problems: list[Problem]) -> None:
    ids = {u.id for u in units}
    for i, unit in enumerate(units):
        for field, refs in (("parent", [unit.parent] if unit.parent else []), ("successors", unit.successors)):
            for ref in refs:
                if ref not in ids:
                    problems.append(Problem(doc.file, doc.line((i, field)), field_path((i, field)),
                                            f"đơn vị {ref!r} không có trong danh sách đơn vị"))
    if sum(u.level == "province" for u in units) != 1:
        problems.append(Problem(doc.file, 1, "", "cần đúng một đơn vị cấp tỉnh (level: province)"))


def check_brief(brief: Brief, campaign: Campaign, tree: UnitTree, doc: YamlDoc, problems: list[Problem],
                invalid: frozenset[str] = frozenset()) -> None:
    """Cross checks of one brief; fields in ``invalid`` already have an error and are not read."""
    def add(loc: tuple, message: str) -> None:
        if not invalid & {str(loc[0]), *DEPENDS_ON.get(str(loc[0]), ())}:
            problems.append(Problem(doc.file, doc.line(loc), field_path(loc), message))

    phases = {p.id: p for p in campaign.all_phases()}
    phase = phases.get(brief.phase)
    if phase is None:
        add(("phase",), f"giai đoạn {brief.phase!r} không có; chọn một trong: {', '.join(phases)}")
    channels = {c.id: c for c in campaign.channels}
    for i, cid in enumerate(brief.channels):
        if cid not in channels:
            add(("channels", i), f"kênh {cid!r} không có; chọn một trong: {', '.join(channels)}")
    if not brief.channels:
        add(("channels",), f"chưa chọn kênh nào: ghi ít nhất một kênh, ví dụ channels: "
                           f"[{next(iter(channels), 'kenh')}]; các kênh: {', '.join(channels)}")
    wanted = {f for cid in brief.channels if cid in channels for f in channel_formats(channels[cid].formats)}
    for i, fmt in enumerate(brief.formats if brief.channels else []):
        if fmt not in wanted:
            add(("formats", i), f"định dạng {fmt!r} không thuộc các kênh của tin bài ({', '.join(sorted(wanted))})")
    for i, uid in enumerate(brief.targets):
        if uid not in tree:
            add(("targets", i), f"đơn vị {uid!r} không có trong {campaign.units_file}")
    audiences = {a.id for a in campaign.audiences}
    for i, aid in enumerate(brief.audiences):
        if aid not in audiences:
            add(("audiences", i), f"đối tượng {aid!r} không có trong campaign.yaml")
    if brief.start and brief.end and brief.end < brief.start:
        add(("end",), f"ngày kết thúc {brief.end} trước ngày bắt đầu {brief.start}")
    if phase:
        for field in ("start", "end"):
            day: date | None = getattr(brief, field)
            if day and not (phase.start <= day <= phase.end):
                add((field,), f"ngày {day} nằm ngoài giai đoạn {phase.id} ({phase.start} – {phase.end})")
    for i, stat in enumerate(brief.stats):
        if stat.value < 0 and brief.template == "stat-chart":
            add(("stats", i, "value"), "mẫu stat-chart vẽ số liệu thành thanh dài theo giá trị, không vẽ được số âm: "
                                       "ghi chiều giảm vào nhãn (ví dụ \"giảm\") với giá trị dương, hoặc chọn mẫu "
                                       "key-number")
        if not stat.illustrative and not stat.source:
            add(("stats", i, "source"), "số liệu thật cần ghi nguồn; nếu là số liệu minh họa, đặt illustrative: true")
    if brief.approval.status == "approved" and not (brief.approval.by and brief.approval.at):
        add(("approval",), "tin bài đã duyệt cần ghi người duyệt (by) và thời điểm (at)")


def load_brief(doc: YamlDoc, campaign: Campaign, tree: UnitTree,
               problems: list[Problem]) -> tuple[Brief, set[str]] | None:
    """One brief file, validated and cross-checked against ``campaign``: the brief (placeholders for
    invalid fields) and the fields that failed, or None when nothing of it could be read."""
    brief, invalid = validate_fields(Brief, doc, problems, source=doc.file)
    if brief is None:
        brief = partial_brief(doc.data, invalid, campaign) if isinstance(doc.data, dict) else None
        if brief is None:
            return None
    check_brief(brief, campaign, tree, doc, problems, frozenset(invalid))
    return brief, invalid


# --- entry point ----------------------------------------------------------------

def load_campaign(folder: str | Path) -> Campaign:
    """Load and validate ``folder``; raise ``CampaignError`` listing every problem."""
    root = Path(folder).resolve()
    problems: list[Problem] = []
    if not (root / "campaign.yaml").is_file():
        raise CampaignError([Problem(str(folder), 0, "", "không có campaign.yaml: hãy chỉ tới thư mục chiến dịch")])
    doc = read_yaml(root / "campaign.yaml", root, problems)
    campaign = validate_model(Campaign, doc, problems) if doc else None
    if campaign is None:
        raise CampaignError(problems)
    check_phases(campaign, doc, problems)
    check_channels(campaign, doc, problems)

    units: list[Unit] = []
    units_path = (root / campaign.units_file).resolve()
    if not units_path.is_relative_to(root):
        problems.append(Problem(doc.file, doc.line(("units_file",)), "units_file",
                                f"{campaign.units_file!r} nằm ngoài thư mục chiến dịch: đặt tệp đơn vị trong thư mục "
                                "chiến dịch (ví dụ units.yaml)"))
        raise CampaignError(problems)
    if not units_path.is_file():
        problems.append(Problem(doc.file, doc.line(("units_file",)), "units_file",
                                f"không có tệp {campaign.units_file!r} trong thư mục chiến dịch: tạo nó bằng "
                                "studio units import, hoặc sửa đường dẫn"))
        raise CampaignError(problems)
    unit_doc = read_yaml(units_path, root, problems)
    if unit_doc is not None:
        if not isinstance(unit_doc.data, list):
            problems.append(Problem(unit_doc.file, 1, "", "tệp đơn vị phải là một danh sách"))
        else:
            for i, item in enumerate(unit_doc.data):
                wrapped = YamlDoc(unit_doc.file, item, unit_doc.node.value[i] if unit_doc.node else None)
                unit = validate_model(Unit, wrapped, problems, prefix=(i,)) if isinstance(item, dict) else None
                if unit:
                    units.append(unit)
            check_units(units, unit_doc, problems)
    tree = UnitTree(units)

    briefs: list[Brief] = []
    seen: dict[str, str] = {}
    for path in sorted([*(root / "briefs").glob("*.yaml"), *(root / "briefs").glob("*.yml")]):
        bdoc = read_yaml(path, root, problems)
        found = load_brief(bdoc, campaign, tree, problems) if bdoc is not None else None
        if found is None:
            continue
        brief, invalid = found
        if "id" not in invalid:
            if brief.id in seen:
                problems.append(Problem(bdoc.file, bdoc.line(("id",)), "id",
                                        f"mã tin bài {brief.id} đã dùng ở {seen[brief.id]}"))
            seen.setdefault(brief.id, bdoc.file)
        briefs.append(brief)

    if problems:
        raise CampaignError(problems)
    return campaign.model_copy(update={"root": str(root), "units": units, "briefs": briefs})
