"""A campaign skeleton from a province's plan: what ``studio init`` writes.

``draft(plan)`` turns a ``studio.planfile.Plan`` into phases (windows read by
``studio.vi_dates``; the "Thời gian" section first, the "Nội dung" headings where it
says nothing), channels (the "Hình thức" items through ``CHANNEL_KINDS``), audiences
(the agencies of "Tổ chức thực hiện") and one draft brief per content line. Nothing
is invented: a day the plan does not give is left empty, and every such gap, every
vague expression made a day (with its rule) and every line not understood becomes a
``Todo`` with its source line. The writers emit commented YAML (empty values are what
``studio validate`` reports as "chưa điền") and ``TODO.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from . import vi
from .artifacts import atomic_write_text
from .campaign import BrandKit
from .formats import FORMATS
from .planfile import Line, Plan, PlanPhase
from .text import SLUG_MAX, slugify
from .vi_dates import CLOSING, OPENING, Bound, Span, parse_span, split_peak

TODO_FILE = "TODO.md"


@dataclass(frozen=True)
class ChannelKind:
    """A kind of channel a plan's "Hình thức" item names, and the formats Studio makes for it."""

    id: str
    name: str
    unit_level: str
    formats: tuple[str, ...]
    words: str  # regex over the item's lowercase text


_INFOGRAPHICS = tuple(f for f in FORMATS if f.startswith("infographic-"))
#: The plan's forms of propaganda → Studio's channels. An item may name several; one naming none is a TODO.
CHANNEL_KINDS: tuple[ChannelKind, ...] = (
    ChannelKind("hoi-nghi", "Hội nghị phổ biến, quán triệt", "province", ("deck-16x9",),
                r"quán triệt|hội nghị|báo cáo viên|sinh hoạt chi bộ"),
    # bulletin-daily only goes with a daily phase, which the designer decides (init writes none)
    ChannelKind("truyen-thanh-co-so", "Hệ thống truyền thanh cơ sở", "commune", ("bulletin",),
                r"truyền thanh|\bloa\b|thông tin cơ sở"),
    ChannelKind("truyen-hinh", "Đài Phát thanh và Truyền hình", "province", ("video-16x9",),
                r"truyền hình|đài phát thanh|phóng sự"),
    ChannelKind("mang-xa-hoi", "Cổng, trang thông tin điện tử và mạng xã hội", "province",
                (*_INFOGRAPHICS, "video-9x16"),
                r"mạng xã hội|internet|cổng thông tin|\bcổng\b|trang thông tin|trang tin|infographic|zalo|"
                r"facebook|fanpage|tiktok|youtube"),
    ChannelKind("pano", "Pa nô, băng rôn cổ động trực quan", "district", ("pano-4000x2000", "pano-3000x1500",
                                                                          "pano-1200x2400"),
                r"pa ?nô|\bpano\b|băng rôn|cổ động trực quan|khẩu hiệu|bảng tin"),
    ChannelKind("an-pham", "Áp phích, tờ gấp, ấn phẩm", "province", ("poster-a0", "poster-a3", "leaflet-a4"),
                r"áp phích|tờ gấp|tờ rơi|ấn phẩm|sách mỏng|poster"),
)
#: Forms a plan names that Studio makes nothing for: said once, so the designer knows.
NOT_MADE: tuple[tuple[str, str], ...] = (  # regex over the item as written (a newspaper's name is capitalised)
    (r"\bBáo [A-ZĐÂĂÊÔƠƯ]|\b[Bb]áo (?:in|giấy)\b", "báo in"),
    (r"(?i)thông tin lưu động|xe thông tin", "thông tin lưu động"),
    (r"(?i)văn nghệ|tiểu phẩm|triển lãm|trưng bày|hội thi|cuộc thi", "hoạt động văn hóa, văn nghệ, triển lãm, hội thi"),
)


@dataclass
class Todo:
    group: str  # "date" (must be filled), "assume" (a rule to confirm), "unread", "designer"
    where: str  # the file and field: "campaign.yaml: dot-2-1.end"
    text: str
    source: Line | None = None
    event: str = ""


@dataclass
class PhaseDraft:
    id: str
    name: str
    start: Bound
    end: Bound
    sources: list[Line]
    peak: Span | None = None
    content: list[Line] = field(default_factory=list)
    subphases: list[PhaseDraft] = field(default_factory=list)

    @property
    def event_days(self) -> bool:
        return self.start.relation == OPENING and self.end.relation == CLOSING


@dataclass
class ChannelDraft:
    kind: ChannelKind
    sources: list[Line]
    unit_level: str


@dataclass
class AudienceDraft:
    id: str
    name: str
    source: Line


@dataclass
class BriefDraft:
    id: str
    phase: str  # "" when the line is under no phase
    label: str  # "Đợt 2.1"
    title: str  # "" when the designer writes it
    line: Line | None  # the plan's content line, the body


@dataclass
class Draft:
    plan: Plan | None
    id: str
    title: str = ""
    issuer: str = ""
    plan_ref: str = ""
    province: str = ""
    phases: list[PhaseDraft] = field(default_factory=list)
    channels: list[ChannelDraft] = field(default_factory=list)
    audiences: list[AudienceDraft] = field(default_factory=list)
    briefs: list[BriefDraft] = field(default_factory=list)
    todos: list[Todo] = field(default_factory=list)

    def source(self, line: Line | None) -> str:
        return self.plan.where(line) if self.plan else ""


# --- plan → draft ---------------------------------------------------------------

def campaign_id(folder: Path) -> str:
    """The campaign id from its folder's name (``Ninh Thuận 2025/`` → ``ninh-thuan-2025``)."""
    return slugify(folder.resolve().name)[:SLUG_MAX].strip("-") or "chien-dich"


def draft(plan: Plan, cid: str) -> Draft:
    d = Draft(plan, cid)
    _header(d, plan)
    _phases(d, plan)
    _channels(d, plan)
    _audiences(d, plan)
    _briefs(d, plan)
    for line, why in plan.unread:
        d.todos.append(Todo("unread", "", why, line))
    d.todos.append(Todo("designer", "units.yaml",
                        "tạo danh sách đơn vị hành chính: studio units import DON-VI.csv "
                        f"--province \"{d.province or 'Tỉnh …'}\" --out units.yaml (định dạng CSV: docs/init.md)"))
    return d


def _header(d: Draft, plan: Plan) -> None:
    issuer = " ".join(line.text for line in plan.issuer)
    d.issuer = _sentence_case(issuer, plan.place) if issuer else ""
    if not d.issuer:
        d.todos.append(Todo("designer", "campaign.yaml: issuer", "không thấy cơ quan ban hành ở đầu kế hoạch: điền"))
    m = re.search(r"\b(TỈNH|THÀNH PHỐ)\s+(.+)$", issuer)
    if m:
        d.province = f"{m[1].capitalize()} {plan.place or m[2].title()}"
    elif plan.place:
        d.province = f"Tỉnh {plan.place}"
    d.title = plan.title.text if plan.title else ""
    if not d.title:
        d.todos.append(Todo("designer", "campaign.yaml: title", "không thấy tên kế hoạch sau dòng “KẾ HOẠCH”: điền"))
    number = plan.number.text.strip() if plan.number else ""
    numbered = bool(re.match(r"^\d", number))
    ref = "Kế hoạch" + (f" số {number}" if numbered else "")
    ref += f" ngày {vi.spoken_date(plan.issued)}" if plan.issued else ""
    ref += f" của {d.issuer}" if d.issuer else ""
    d.plan_ref = f"{ref}: {d.title}" if d.title else ref
    if not numbered or not plan.issued:
        blank = " và ".join(w for w, missing in (("số", not numbered), ("ngày", not plan.issued)) if missing)
        d.todos.append(Todo("designer", "campaign.yaml: plan_ref",
                            f"{blank} của kế hoạch để trống trong văn bản: bổ sung khi kế hoạch được ký",
                            plan.number or plan.date_line))


def _sentence_case(upper: str, place: str) -> str:
    """``ỦY BAN NHÂN DÂN TỈNH NINH THUẬN`` → ``Ủy ban nhân dân tỉnh Ninh Thuận``: the place as the
    date line writes it."""
    text = upper.lower()
    text = text[:1].upper() + text[1:]
    if place and place.lower() in text:
        text = text.replace(place.lower(), place)
    return text


def _phase_id(phase: PlanPhase) -> str:
    return slugify(f"{phase.kind} {phase.number}") if phase.number else "toan-ke-hoach"


def _flat(phases: list[PlanPhase]) -> dict[str, PlanPhase]:
    out: dict[str, PlanPhase] = {}
    for p in phases:
        out[p.number] = p
        out.update(_flat(p.subphases))
    return out


def _phases(d: Draft, plan: Plan) -> None:
    times, content = _flat(plan.times), _flat(plan.content)
    issued = plan.issued

    def make(number: str) -> PhaseDraft:
        found = [p for p in (times.get(number), content.get(number)) if p is not None]
        pid = _phase_id(found[0])
        read = [(p, *_read(p, issued)) for p in found]
        start = _choose(d, pid, "start", [(p, s.start) for p, s, _ in read])
        end = _choose(d, pid, "end", [(p, s.end) for p, s, _ in read])
        peak = next(((p, pk) for p, _, pk in read if pk is not None), None)
        phase = PhaseDraft(pid, found[0].label if found[0].number else "Toàn kế hoạch", start, end,
                           [p.heading for p in found], peak[1] if peak else None,
                           content[number].lines if number in content else [])
        if peak:
            for side, bound in (("start", peak[1].start), ("end", peak[1].end)):
                _report(d, f"{pid}.peak.{side}", bound, peak[0].heading)
        subs = sorted({n for n in (*times, *content) if n.startswith(number + ".") and n.count(".") == 1},
                      key=_number_key)
        phase.subphases = [make(n) for n in subs]
        if phase.event_days:
            d.todos.append(Todo("designer", f"campaign.yaml: {pid}.daily",
                                f"{phase.name} là những ngày diễn ra {start.event}: nếu cần bản tin truyền thanh mỗi "
                                "ngày, đặt daily: true và thêm bulletin-daily vào formats của kênh truyền thanh",
                                phase.sources[0]))
        return phase

    tops = sorted({n for n in (*times, *content) if "." not in n}, key=_number_key)
    if len(tops) > 1 and "" in tops:  # a window for the whole plan besides its phases: the phases say more
        tops.remove("")
    d.phases = [make(n) for n in tops]
    if not d.phases:
        none = Bound(None, why="kế hoạch không có mục “Thời gian” hay “Đợt N: Từ … đến …”")
        d.phases = [PhaseDraft("dot-1", "Đợt 1", none, none, [])]
        d.todos.append(Todo("date", "campaign.yaml: phases", none.why))
    _overlaps(d, d.phases)


def _read(phase: PlanPhase, issued: date | None) -> tuple[Span, Span | None]:
    """A section's window of a phase and its peak ("cao điểm …"), if it says one."""
    main, peak = split_peak(phase.window)
    if not main:
        none = Bound(None, why=f"“{phase.heading.text}” không nêu thời gian")
        return Span(none, none, ""), None
    return parse_span(main, issued), (parse_span(peak, issued) if peak else None)


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(n) for n in number.split(".") if n) or (0,)


def _choose(d: Draft, pid: str, side: str, read: list[tuple[PlanPhase, Bound]]) -> Bound:
    """One end of a phase from what the sections say: the first day given ("Thời gian" before
    "Nội dung"), a difference reported; with no day, the first that names an event."""
    dated = [(p, b) for p, b in read if b.day]
    if dated:
        (p, chosen), *others = dated
        for q, other in others:
            if other.day != chosen.day:
                d.todos.append(Todo("assume", f"campaign.yaml: {pid}.{side}",
                                    f"hai mục của kế hoạch ghi khác nhau: “{chosen.words}” ({d.source(p.heading)}) và "
                                    f"“{other.words}” ({d.source(q.heading)}); đã lấy {vi.date(chosen.day)}: xác nhận",
                                    q.heading))
    else:
        p, chosen = next(((p, b) for p, b in read if b.event), read[0])
    _report(d, f"{pid}.{side}", chosen, p.heading)
    return chosen


def _report(d: Draft, where: str, bound: Bound, source: Line) -> None:
    if bound.day is None:
        d.todos.append(Todo("date", f"campaign.yaml: {where}", bound.missing(), source, bound.event))
    elif bound.rule:
        d.todos.append(Todo("assume", f"campaign.yaml: {where}",
                            f"{vi.date(bound.day)} theo quy tắc {bound.rule} (kế hoạch ghi “{bound.words}”): xác nhận",
                            source))


def _overlaps(d: Draft, phases: list[PhaseDraft]) -> None:
    """Phases may not overlap: when a start is left to the designer, say what it must come after."""
    for prev, nxt in zip(phases, phases[1:]):
        if nxt.start.day is None and prev.end.day:
            d.todos.append(Todo(
                "date", f"campaign.yaml: {nxt.id}.start",
                f"ngày điền vào phải sau ngày kết thúc của {prev.id} ({vi.date(prev.end.day)}, kế hoạch ghi "
                f"“{prev.end.words}”); nếu không, sửa cả ngày kết thúc của {prev.id} (và của giai đoạn con cuối của "
                "nó) để các giai đoạn không chồng nhau", nxt.sources[0] if nxt.sources else None))
    for phase in phases:
        _overlaps(d, phase.subphases)


def _channels(d: Draft, plan: Plan) -> None:
    mentions_districts = any(re.search(r"\bhuyện\b", line.text, re.IGNORECASE)
                             for line in (*plan.forms, *plan.agencies))
    found: dict[str, ChannelDraft] = {}
    not_made: dict[str, list[Line]] = {}
    for line in plan.forms:
        text = line.text.lower()
        kinds = [k for k in CHANNEL_KINDS if re.search(k.words, text)]
        for kind in kinds:
            level = "district" if kind.unit_level == "district" and mentions_districts else \
                ("commune" if kind.unit_level == "district" else kind.unit_level)
            found.setdefault(kind.id, ChannelDraft(kind, [], level)).sources.append(line)
        made_elsewhere = [name for words, name in NOT_MADE if re.search(words, line.text)]
        for name in made_elsewhere:
            not_made.setdefault(name, []).append(line)
        if not kinds and not made_elsewhere:
            d.todos.append(Todo("unread", "campaign.yaml: channels",
                                f"hình thức “{line.text}” chưa ứng với loại kênh nào của Studio (bảng ở docs/init.md): "
                                "thêm kênh bằng tay nếu cần", line))
    d.channels = [found[k.id] for k in CHANNEL_KINDS if k.id in found]
    for name, lines in not_made.items():
        d.todos.append(Todo("unread", "campaign.yaml: channels",
                            f"Studio không làm sản phẩm cho {name}: việc này làm ngoài Studio", lines[0]))
    if not d.channels:
        d.todos.append(Todo("designer", "campaign.yaml: channels",
                            "kế hoạch không có mục “Hình thức” đọc được: thêm ít nhất một kênh"))


def _short_id(name: str, taken: set[str], limit: int = 40) -> str:
    slug = slugify(name)
    if len(slug) > limit:
        slug = slug[:limit + 1].rsplit("-", 1)[0]
        slug = re.sub(r"(?:-(?:va|cac|cua|tren|dia|ban|tinh|thanh|pho))+$", "", slug) or slug
    out, n = slug, 2
    while out in taken:
        out, n = f"{slug}-{n}", n + 1
    taken.add(out)
    return out


def _audiences(d: Draft, plan: Plan) -> None:
    taken: set[str] = set()
    d.audiences = [AudienceDraft(_short_id(line.text, taken), line.text, line) for line in plan.agencies]
    if not d.audiences:
        d.todos.append(Todo("designer", "campaign.yaml: audiences",
                            "không thấy các cơ quan của mục “Tổ chức thực hiện” (đánh số 1., 2., …): thêm nếu cần"))


def title_of(text: str, limit: int = 80) -> str:
    """A brief's working title from its content line: the line's first clause, in its own words."""
    text = text.split(";")[0].strip().rstrip(".…,:")
    if len(text) > limit:
        head = text[:limit]
        text = head[:head.rfind(",")] if "," in head[20:] else head.rsplit(" ", 1)[0] + "…"
    return text[:1].upper() + text[1:]


def _briefs(d: Draft, plan: Plan) -> None:
    def walk(phases: list[PhaseDraft]) -> None:
        for phase in phases:
            for i, line in enumerate(phase.content, 1):
                d.briefs.append(BriefDraft(f"{phase.id}-{i:02d}", phase.id, phase.name, title_of(line.text), line))
            walk(phase.subphases)

    walk(d.phases)
    for i, line in enumerate(plan.loose, 1):
        d.briefs.append(BriefDraft(f"noi-dung-{i:02d}", "", "", title_of(line.text), line))
    for brief in d.briefs:
        d.todos.append(Todo("designer", f"briefs/{brief.id}.yaml",
                            "viết headline (thông điệp chính); xem lại title; thêm key_messages, slogans, stats nếu "
                            "có; bỏ kênh không dùng" + ("; chọn phase (nội dung này không thuộc đợt nào)"
                                                        if not brief.phase else ""), brief.line))
    if not d.briefs:
        d.todos.append(Todo("designer", "briefs/", "không thấy nội dung tuyên truyền (mục “Nội dung”): tạo tin bài "
                                                   "bằng studio new-brief"))


# --- writers --------------------------------------------------------------------

def scalar(value: object) -> str:
    """One YAML scalar, quoted when it has to be; ``None`` is written as nothing (an empty value)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return yaml.safe_dump(value, allow_unicode=True, width=10**9, default_flow_style=True) \
        .removesuffix("\n...\n").rstrip("\n")


def _kv(indent: str, key: str, value: object, comment: str = "") -> str:
    text = f"{indent}{key}: {scalar(value)}".rstrip()
    return f"{text}  # {comment}" if comment else text


def _bound_line(indent: str, key: str, bound: Bound) -> str:
    if bound.day is None:
        return _kv(indent, key, None, f"CHƯA ĐIỀN: {bound.missing()}")
    return _kv(indent, key, bound.day, f"giả định: {bound.rule}, kế hoạch ghi “{bound.words}”" if bound.rule else "")


def _phase_lines(d: Draft, phase: PhaseDraft, indent: str) -> list[str]:
    out = [f"{indent}# {phase.name} — " + "; ".join(f"{d.source(s)}: “{s.text}”" for s in phase.sources)
           if phase.sources else f"{indent}# {phase.name}"]
    out.append(f"{indent}- id: {phase.id}")
    inner = indent + "  "
    out.append(_kv(inner, "name", phase.name, "tên nội bộ"))
    out.append(_kv(inner, "public_name", "", "tên công khai in trên sản phẩm (để trống: không in tên giai đoạn)"))
    out.append(_bound_line(inner, "start", phase.start))
    out.append(_bound_line(inner, "end", phase.end))
    if phase.peak:
        out.append(f"{inner}peak:  # cao điểm: “{phase.peak.words}”")
        out.append(_bound_line(inner + "  ", "start", phase.peak.start))
        out.append(_bound_line(inner + "  ", "end", phase.peak.end))
    if phase.event_days:
        out.append(_kv(inner, "daily", False, "true: bản tin truyền thanh mỗi ngày trong những ngày diễn ra "
                                              f"{phase.start.event} (thêm bulletin-daily vào kênh truyền thanh)"))
    if phase.content:
        out.append(f"{inner}content_lines:  # nội dung tuyên truyền của kế hoạch (mỗi dòng một tin bài nháp)")
        out += [f"{inner}  - {scalar(line.text)}" for line in phase.content]
    if phase.subphases:
        out.append(f"{inner}subphases:")
        for sub in phase.subphases:
            out += _phase_lines(d, sub, inner + "  ")
    return out


def campaign_yaml(d: Draft) -> str:
    source = f" từ {d.plan.source}" if d.plan else ""
    out = [f"# Chiến dịch tạo bởi studio init{source}. Những gì kế hoạch chưa nêu rõ: xem {TODO_FILE}.",
           "# Trường để trống là trường chưa điền: studio validate báo “chưa điền” cho từng trường.",
           "# Kiểm tra chính tả, kiểu dữ liệu trong trình soạn thảo: docs/schema/campaign.schema.json (docs/init.md).",
           _kv("", "id", d.id, "mã chiến dịch: chữ thường không dấu, số, dấu gạch ngang"),
           _kv("", "title", d.title or None, "" if d.title else "CHƯA ĐIỀN: tên kế hoạch"),
           _kv("", "issuer", d.issuer or None, "cơ quan ban hành" if d.issuer else "CHƯA ĐIỀN: cơ quan ban hành"),
           "language: vi",
           _kv("", "plan_ref", d.plan_ref),
           _kv("", "units_file", "units.yaml", "tạo bằng studio units import (xem TODO.md)"),
           "",
           "brand:  # bộ nhận diện: màu (#RRGGBB) và phông chữ",
           "  colors:"]
    brand = BrandKit()
    out += [f"    {k}: {scalar(v)}" for k, v in brand.colors.items()]
    out.append("  fonts:")
    out += [f"    {k}: {v}" for k, v in brand.fonts.items()]
    out += ["  # logo: images/logo.png", "",
            "# Giai đoạn (đợt) của kế hoạch, mục Thời gian và mục Nội dung. Các giai đoạn không được chồng nhau;",
            "# giai đoạn con nằm trong giai đoạn cha.",
            "phases:"]
    for phase in d.phases:
        out += _phase_lines(d, phase, "  ")
    out += ["", "# Kênh: các hình thức tuyên truyền của kế hoạch (mục Hình thức); định dạng: docs/init.md.",
            "channels:" if d.channels else "channels: []"]
    for ch in d.channels:
        out.append("  # " + "; ".join(f"{d.source(s)}: “{s.text}”" for s in ch.sources))
        out += [f"  - id: {ch.kind.id}", _kv("    ", "name", ch.kind.name),
                _kv("    ", "unit_level", ch.unit_level, "province | district | commune: một sản phẩm cho mỗi "
                                                         "đơn vị cấp này"),
                f"    formats: [{', '.join(ch.kind.formats)}]"]
    out += ["", "# Đối tượng: các cơ quan, đơn vị của mục Tổ chức thực hiện.",
            "audiences:" if d.audiences else "audiences: []"]
    for a in d.audiences:
        out += [f"  - id: {a.id}", _kv("    ", "name", a.name, d.source(a.source))]
    out += ["", "# Lưu trữ để phát hành (studio publish), ví dụ:", "# storage:", "#   - id: local",
            "#     url: file://outputs", ""]
    return "\n".join(out)


def brief_yaml(brief: BriefDraft, channels: list[str], audiences: list[str], heading: str,
               phases: list[str] | None = None) -> str:
    """A draft brief with comments: what init writes per content line, and new-brief's template.
    Fields left empty are what ``studio validate`` reports as "chưa điền"."""
    phase_note = f"giai đoạn: {', '.join(phases)}" if phases else ""
    return "\n".join([
        heading,
        "# Điền các trường để trống (studio validate báo “chưa điền” cho từng trường), xem lại các trường đã có.",
        f"id: {brief.id}  # mã (tên tệp): chữ thường không dấu, số, dấu gạch ngang",
        _kv("", "phase", brief.phase or None, phase_note if brief.phase else "CHƯA ĐIỀN: mã giai đoạn trong "
                                                                            "campaign.yaml"),
        _kv("", "title", brief.title or None, "lấy từ đầu dòng nội dung của kế hoạch: sửa cho gọn" if brief.title
            else "CHƯA ĐIỀN: tiêu đề tin bài"),
        _kv("", "headline", None, "CHƯA ĐIỀN: thông điệp chính, ngắn gọn (in trên sản phẩm)"),
        "key_messages: []  # các ý chính, mỗi ý một dòng “- …”",
        _kv("", "body", brief.line.text if brief.line else "",
            "nguyên văn kế hoạch: viết lại cho bản tin, người trình bày" if brief.line else
            "nội dung đầy đủ: bản tin truyền thanh, ghi chú người trình bày"),
        "stats: []  # số liệu: - {label: …, value: 12, unit: …, source: …}; số minh họa ghi illustrative: true",
        "slogans: []  # khẩu hiệu",
        f"channels: [{', '.join(channels)}]  # bỏ kênh không dùng cho tin bài này",
        f"audiences: []  # cơ quan thực hiện, trong: {', '.join(audiences) or '—'}",
        "targets: []  # để trống = toàn tỉnh; hoặc mã huyện, xã trong units.yaml",
        "priority: normal  # normal | priority | emergency",
        "approval:",
        "  status: draft  # draft | approved (kèm by, at): chỉ tin bài đã duyệt được phát hành",
        ""])


def _brief_heading(d: Draft, brief: BriefDraft) -> str:
    where = f"{brief.label}, " if brief.label else ""
    return f"# Tin bài nháp: nội dung tuyên truyền của kế hoạch ({where}{d.source(brief.line)})."


_GROUPS = (("date", "Ngày kế hoạch chưa nêu (phải điền trước khi build)"),
           ("assume", "Giả định cần xác nhận"),
           ("unread", "Chưa đọc được, hoặc Studio không làm"),
           ("designer", "Việc của người thiết kế"))


def todo_lines(d: Draft, group: str) -> list[str]:
    """The TODO items of one group as text lines (the command prints them too)."""
    out = []
    events: list[str] = []
    for todo in d.todos:
        if todo.group != group:
            continue
        event = _same_event(todo.event, [t.event for t in d.todos if t.event])
        if event and event not in events:
            events.append(event)
            out.append(f"Kế hoạch không nêu ngày diễn ra {event}: khi biết ngày khai mạc, bế mạc, điền các trường "
                       "dưới đây.")
        where = f"{todo.where}: " if todo.where else ""
        src = f" ({d.source(todo.source)}: “{_short(todo.source.text)}”)" if todo.source else ""
        out.append(f"- [ ] {where}{todo.text}{src}")
    return out


def _same_event(event: str, events: list[str]) -> str:
    """The longest name of the same event ("Đại hội" is "Đại hội Đảng bộ tỉnh lần thứ XV")."""
    if not event:
        return ""
    return max((e for e in events if e.lower().startswith(event.lower())), key=len, default=event)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def todo_md(d: Draft) -> str:
    source = f" từ {d.plan.source}" if d.plan else ""
    out = [f"# Việc còn lại sau studio init{source}", "",
           "Mỗi mục ghi tệp và trường cần sửa, và dòng của kế hoạch mà nó lấy từ đó. `studio validate` báo "
           "“chưa điền” cho mọi trường còn để trống.", ""]
    for group, heading in _GROUPS:
        lines = todo_lines(d, group)
        if lines:
            out += [f"## {heading}", "", *lines, ""]
    return "\n".join(out)


def write(d: Draft, folder: Path) -> list[Path]:
    """Write campaign.yaml, briefs/*.yaml and TODO.md into ``folder``; returns the files written."""
    written = [folder / "campaign.yaml", folder / TODO_FILE]
    atomic_write_text(written[0], campaign_yaml(d))
    (folder / "briefs").mkdir(parents=True, exist_ok=True)
    for brief in d.briefs:
        path = folder / "briefs" / f"{brief.id}.yaml"
        atomic_write_text(path, brief_yaml(brief, [ch.kind.id for ch in d.channels], [a.id for a in d.audiences],
                                           _brief_heading(d, brief)))
        written.append(path)
    atomic_write_text(written[1], todo_md(d))
    return written


def minimal(cid: str) -> Draft:
    """The campaign ``studio init`` writes without a plan: one phase, every channel kind, fields to fill."""
    none = Bound(None, why="ngày bắt đầu, kết thúc của đợt")
    d = Draft(None, cid, phases=[PhaseDraft("dot-1", "Đợt 1", none, none, [])],
              channels=[ChannelDraft(k, [], k.unit_level) for k in CHANNEL_KINDS])
    d.todos = [Todo("designer", "campaign.yaml: title, issuer", "tên kế hoạch và cơ quan ban hành"),
               Todo("date", "campaign.yaml: phases", "các đợt với ngày bắt đầu, kết thúc (thêm đợt, giai đoạn con nếu "
                                                     "cần)"),
               Todo("designer", "campaign.yaml: channels", "giữ các kênh kế hoạch dùng, bỏ kênh còn lại"),
               Todo("designer", "units.yaml", "tạo danh sách đơn vị hành chính: studio units import DON-VI.csv "
                                              "--province \"Tỉnh …\" --out units.yaml (định dạng CSV: docs/init.md)"),
               Todo("designer", "briefs/", "tạo tin bài: studio new-brief THƯ-MỤC --phase dot-1 --id MA-TIN-BAI")]
    return d
