"""Plan expansion: a campaign becomes one ``RenderJob`` per asset.

A job is plain data (it crosses process and Celery boundaries as a dict): which
phase, channel, format, brief (or none for phase-wide assets), unit, day and
broadcast slot. ``survey`` also says what the briefs ask for that is not made, or
made otherwise (a province-level asset for a brief aimed at one commune).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date

from . import vi
from .campaign import URGENCY, Brief, Campaign, Phase
from .formats import EMERGENCY, FORMATS, channel_formats
from .units import Level, Unit, UnitTree


@dataclass(frozen=True)
class RenderJob:
    phase: str
    channel: str
    format: str
    kind: str
    unit: str
    brief: str | None = None
    day: str | None = None
    slot: str | None = None  # "HH:MM": a daily bulletin made for each broadcast slot of a peak day

    @property
    def stem(self) -> str:
        """File name without extension, unique within the job's folder."""
        name = f"{self.brief}--{self.format}" if self.brief else self.format
        if self.day:
            name = f"{name}-{self.day}"
        return f"{name}-{self.slot.replace(':', '')}" if self.slot else name

    @property
    def folder(self) -> str:
        """``<phase>/<channel>/<unit>``: the storage layout below the campaign."""
        return f"{self.phase}/{self.channel}/{self.unit}"

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.stem}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RenderJob:
        return cls(**data)


@dataclass(frozen=True)
class Selection:
    """Part of the plan a command asks for; ``None`` in a field means any value.

    Phases are chosen by ``phase_ids`` (which also bounds the plan); a selection narrows
    the jobs of those phases by brief, unit, catalogue format or renderer kind.
    """

    briefs: frozenset[str] | None = None
    units: frozenset[str] | None = None
    formats: frozenset[str] | None = None
    kinds: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for name in ("briefs", "units", "formats", "kinds"):  # any iterable in, a hashable value kept
            if getattr(self, name) is not None:
                object.__setattr__(self, name, frozenset(getattr(self, name)))

    def matches(self, job: RenderJob) -> bool:
        return all(wanted is None or value in wanted for wanted, value in (
            (self.briefs, job.brief), (self.units, job.unit), (self.formats, job.format), (self.kinds, job.kind)))


def briefs_of(campaign: Campaign, phase: Phase, channel_id: str) -> list[Brief]:
    return [b for b in campaign.briefs if b.phase == phase.id and channel_id in b.channels]


def window(brief: Brief, phase: Phase) -> tuple[date, date]:
    """A brief's days on air: its ``start`` to its ``end``, each by default its phase's. An emergency brief's
    immediate bulletin (``bulletin-khan``) is to be broadcast at once from the first day until the last."""
    return brief.start or phase.start, brief.end or phase.end


def on_air(brief: Brief, phase: Phase, day: date | None) -> bool:
    """Is ``brief`` on air on ``day``: inside its own window, which defaults to its phase."""
    start, end = window(brief, phase)
    return day is None or start <= day <= end


def by_urgency(briefs: list[Brief]) -> list[Brief]:
    """Emergency first, then priority, then normal; then by start date and title."""
    return sorted(briefs, key=lambda b: (URGENCY.index(b.priority), b.start or date.min, b.title))


def in_peak(campaign: Campaign, phase: Phase, day: date) -> bool:
    """Is ``day`` a peak day of ``phase``: inside the ``peak`` window of the phase or of a phase containing it."""
    def lineage(phases: list[Phase], chain: list[Phase]) -> list[Phase]:
        for p in phases:
            found = [*chain, p] if p.id == phase.id else lineage(p.subphases, [*chain, p])
            if found:
                return found
        return []

    return any(p.peak and p.peak.start <= day <= p.peak.end for p in lineage(campaign.phases, []))


def slots(campaign: Campaign, phase: Phase, day: date) -> list[str | None]:
    """The daily bulletins of a day: one per broadcast slot (``audio.slots``) on a peak day, else one."""
    return list(campaign.audio.slots) if in_peak(campaign, phase, day) else [None]


LEVELS: tuple[Level, ...] = ("province", "district", "commune")
LEVEL_NAMES = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def channel_units(tree: UnitTree, level: Level, day: date) -> tuple[list[Unit], str | None]:
    """The units a channel makes its assets for on ``day``, and a note when they are not of its level.

    A level the province has no unit of (a ``district`` channel in a province without districts)
    falls to the next level down that has units, as the district level's work went to the communes
    in the 2025 reorganisation, and to the province when there is none."""
    units = tree.at_level(level, day)
    if units:
        return units, None
    for lower in (*LEVELS[LEVELS.index(level) + 1:], "province"):
        units = tree.at_level(lower, day)
        if units:
            made = "một sản phẩm cho cả tỉnh" if lower == "province" else f"cho từng đơn vị cấp {LEVEL_NAMES[lower]}"
            return units, (f"kênh làm sản phẩm cấp {LEVEL_NAMES[level]} nhưng ngày {vi.date(day)} tỉnh không có "
                           f"đơn vị cấp {LEVEL_NAMES[level]} nào: làm {made}")
    return [], None


@dataclass(frozen=True)
class Reach:
    """Which units get a brief addressed to some targets, on one day: the targets (or whoever
    stands for them that day) and the units below them (``within``; ``None``: no targets, every
    unit), and the units above them (``above``): a province- or district-level asset is still made
    for a brief aimed lower down."""

    within: frozenset[str] | None
    above: frozenset[str]

    @classmethod
    def of(cls, tree: UnitTree, targets: list[str], day: date) -> Reach:
        if not targets:
            return cls(None, frozenset())
        stand_ins = {s for t in targets for s in tree.stand_ins(t, day)}
        return cls(frozenset(u for t in targets for u in tree.reach(t, day)),
                   frozenset(a for s in stand_ins for a in tree.ancestors(s)))

    def __call__(self, unit_id: str) -> str | None:
        """``"in"`` when the unit gets the brief as addressed, ``"above"`` when it contains a target, else None."""
        if self.within is None or unit_id in self.within:
            return "in"
        return "above" if unit_id in self.above else None


def asks(brief: Brief, fmt: str) -> bool:
    """Does a brief on a channel carrying ``fmt`` ask for it: its ``formats`` list it (or are empty);
    an emergency brief asks for its immediate bulletin wherever it asks for a bulletin."""
    if fmt == EMERGENCY.id and fmt not in brief.formats:
        return brief.priority == "emergency" and (
            not brief.formats or any(FORMATS[f].kind == "bulletin" for f in brief.formats if f in FORMATS))
    return not brief.formats or fmt in brief.formats


def refusal(brief: Brief, fmt: str, phase: Phase) -> str | None:
    """Why a format a brief asks for is never made in its phase, with what to do."""
    if fmt == EMERGENCY.id and brief.priority != "emergency":
        return "bản tin khẩn chỉ làm cho tin bài khẩn cấp: đặt priority: emergency, hoặc bỏ bulletin-khan khỏi formats"
    if FORMATS[fmt].scope == "day" and not phase.daily:
        return (f"giai đoạn {phase.id} không có daily: true nên không có bản tin hằng ngày: thêm daily: true cho "
                f"giai đoạn, hoặc bỏ {fmt} khỏi formats của tin bài")
    return None


@dataclass(frozen=True)
class Gap:
    """A format a brief asks for that is not made (``made`` False) or made otherwise than asked (a note)."""

    phase: str
    channel: str
    reason: str  # Vietnamese, with what to do when something must be done
    brief: str | None = None  # None: the whole channel in that phase (a level without units)
    format: str | None = None
    unit: str | None = None
    made: bool = False
    field: str = "formats"  # what decides it: the brief's formats, channels or targets, the channel's unit_level

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Plan:
    """Every asset a build would produce, and every way it differs from what the briefs ask for."""

    jobs: list[RenderJob]
    gaps: list[Gap]

    @property
    def not_planned(self) -> list[Gap]:
        return [g for g in self.gaps if not g.made]

    @property
    def notes(self) -> list[Gap]:
        return [g for g in self.gaps if g.made]


def grouped(gaps: list[Gap]) -> list[tuple[Gap, list[str]]]:
    """Gaps that differ only by format said once, with their formats (for people to read)."""
    out: dict[Gap, list[str]] = {}
    for gap in gaps:
        formats = out.setdefault(replace(gap, format=None), [])
        if gap.format:
            formats.append(gap.format)
    return list(out.items())


def survey(campaign: Campaign, phase_ids: list[str] | None = None) -> Plan:
    """The plan: every asset (brief × format × unit, or per phase or day for what carries several
    briefs), in a stable order, and every (brief × format [× unit]) the briefs ask for that it
    does not make as asked, with the reason. ``studio plan`` and ``studio validate`` show the gaps."""
    tree = campaign.unit_tree()
    selected = set(phase_ids) if phase_ids else None
    jobs: list[RenderJob] = []
    gaps: list[Gap] = []
    for phase in campaign.all_phases():
        if selected is not None and phase.id not in selected:
            continue
        for channel in campaign.channels:
            briefs = briefs_of(campaign, phase, channel.id)
            if not briefs:
                continue
            units, fallback = channel_units(tree, channel.unit_level, phase.start)
            if fallback:
                gaps.append(Gap(phase.id, channel.id, fallback, made=True, field="unit_level"))
            reach = {b.id: Reach.of(tree, b.targets, phase.start) for b in briefs}
            for fmt_id in channel_formats(channel.formats):
                fmt = FORMATS[fmt_id]
                wanted = []
                for brief in (b for b in briefs if asks(b, fmt_id)):
                    why, field = refusal(brief, fmt_id, phase), "formats" if brief.formats else "channels"
                    served = [u for u in units if reach[brief.id](u.id)]
                    if why is None and not served:
                        names = ", ".join(tree[t].display_name for t in brief.targets)
                        why = (f"không đơn vị nào của kênh nhận tin bài ngày {vi.date(phase.start)}: {names} không còn "
                               "và không có đơn vị kế thừa; sửa targets của tin bài")
                        field = "targets"
                    if why:
                        gaps.append(Gap(phase.id, channel.id, why, brief.id, fmt_id, field=field))
                        continue
                    wanted.append(brief)
                    for unit in served:
                        if reach[brief.id](unit.id) == "above":
                            names = ", ".join(tree[t].display_name for t in brief.targets)
                            gaps.append(Gap(phase.id, channel.id, f"làm cho {unit.display_name} dù tin bài chỉ nhắm "
                                            f"tới {names}: kênh làm sản phẩm cấp {LEVEL_NAMES[unit.level]}",
                                            brief.id, fmt_id, unit.id, made=True, field="targets"))
                if fmt.scope == "brief":
                    jobs += [RenderJob(phase.id, channel.id, fmt_id, fmt.kind, unit.id, brief.id)
                             for brief in wanted for unit in units if reach[brief.id](unit.id)]
                    continue
                for unit in units:
                    here = [b for b in wanted if reach[b.id](unit.id)]
                    if not here:
                        continue
                    if fmt.scope == "phase":
                        jobs.append(RenderJob(phase.id, channel.id, fmt_id, fmt.kind, unit.id))
                        continue
                    for day in phase.days():  # a daily bulletin only for days some brief is on air
                        if any(on_air(b, phase, day) for b in here):
                            jobs += [RenderJob(phase.id, channel.id, fmt_id, fmt.kind, unit.id, None, day.isoformat(),
                                               slot) for slot in slots(campaign, phase, day)]
    return Plan(jobs, gaps)


def expand(campaign: Campaign, phase_ids: list[str] | None = None) -> list[RenderJob]:
    """Every asset a build would produce, in a stable order."""
    return survey(campaign, phase_ids).jobs


def briefs_for(campaign: Campaign, job: RenderJob, tree: UnitTree | None = None) -> list[Brief]:
    """The briefs a job draws on, most urgent first: its own, or every brief of its phase and
    channel that asks for its format, reaches its unit and, for a day's asset, is on air that day."""
    if job.brief:
        return [campaign.brief(job.brief)]
    phase = campaign.phase(job.phase)
    tree = tree or campaign.unit_tree()
    day = date.fromisoformat(job.day) if job.day else None
    return by_urgency([b for b in briefs_of(campaign, phase, job.channel)
                       if asks(b, job.format) and Reach.of(tree, b.targets, phase.start)(job.unit)
                       and on_air(b, phase, day)])


def lineup(campaign: Campaign, jobs: list[RenderJob]) -> list[dict]:
    """What the daily bulletins carry: per phase, channel, format and day, each list of briefs (in
    reading order) with the units that get it and the broadcast slots it is made for."""
    tree = campaign.unit_tree()
    groups: dict[tuple, dict] = {}
    for job in jobs:
        if FORMATS[job.format].scope != "day":
            continue
        briefs = [b.id for b in briefs_for(campaign, job, tree)]
        group = groups.setdefault((job.phase, job.channel, job.format, job.day, *briefs), {
            "phase": job.phase, "channel": job.channel, "format": job.format, "day": job.day, "briefs": briefs,
            "units": [], "slots": []})
        for key, value in (("units", job.unit), ("slots", job.slot)):
            if value and value not in group[key]:
                group[key].append(value)
    return list(groups.values())
