"""Plan expansion: a campaign becomes one ``RenderJob`` per asset.

A job is plain data (it crosses process and Celery boundaries as a dict): which
phase, channel, format, brief (or none for phase-wide assets), unit and day.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from .campaign import URGENCY, Brief, Campaign, Phase
from .formats import FORMATS
from .units import UnitTree


@dataclass(frozen=True)
class RenderJob:
    phase: str
    channel: str
    format: str
    kind: str
    unit: str
    brief: str | None = None
    day: str | None = None

    @property
    def stem(self) -> str:
        """File name without extension, unique within the job's folder."""
        name = f"{self.brief}--{self.format}" if self.brief else self.format
        return f"{name}-{self.day}" if self.day else name

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


def on_air(brief: Brief, phase: Phase, day: date | None) -> bool:
    """Is ``brief`` on air on ``day``: inside its own window, which defaults to its phase."""
    return day is None or (brief.start or phase.start) <= day <= (brief.end or phase.end)


def by_urgency(briefs: list[Brief]) -> list[Brief]:
    """Emergency first, then priority, then normal; then by start date and title."""
    return sorted(briefs, key=lambda b: (URGENCY.index(b.priority), b.start or date.min, b.title))


def expand(campaign: Campaign, phase_ids: list[str] | None = None) -> list[RenderJob]:
    """Every asset a build would produce, in a stable order."""
    tree = campaign.unit_tree()
    selected = set(phase_ids) if phase_ids else None
    jobs: list[RenderJob] = []
    for phase in campaign.all_phases():
        if selected is not None and phase.id not in selected:
            continue
        for channel in campaign.channels:
            briefs = briefs_of(campaign, phase, channel.id)
            if not briefs:
                continue
            units = tree.at_level(channel.unit_level, phase.start)
            for fmt_id in channel.formats:
                fmt = FORMATS[fmt_id]
                if fmt.scope == "brief":
                    for brief in briefs:
                        if brief.formats and fmt_id not in brief.formats:
                            continue
                        for unit in units:
                            if not brief.targets or tree.covered_by(unit.id, brief.targets, phase.start):
                                jobs.append(RenderJob(phase.id, channel.id, fmt_id, fmt.kind, unit.id, brief.id))
                    continue
                days: list[date | None] = phase.days() if fmt.scope == "day" else [None]
                if fmt.scope == "day" and not phase.daily:
                    continue
                wanted = [b for b in briefs if not b.formats or fmt_id in b.formats]
                for unit in units:
                    here = [b for b in wanted if not b.targets or tree.covered_by(unit.id, b.targets, phase.start)]
                    for day in days:  # a daily bulletin only for days some brief is on air
                        if any(on_air(b, phase, day) for b in here):
                            jobs.append(RenderJob(phase.id, channel.id, fmt_id, fmt.kind, unit.id,
                                                  None, day.isoformat() if day else None))
    return jobs


def briefs_for(campaign: Campaign, job: RenderJob, tree: UnitTree | None = None) -> list[Brief]:
    """The briefs a job draws on, most urgent first: its own, or every brief of its phase and
    channel that covers its unit and, for a day's asset, is on air that day."""
    if job.brief:
        return [campaign.brief(job.brief)]
    phase = campaign.phase(job.phase)
    tree = tree or campaign.unit_tree()
    day = date.fromisoformat(job.day) if job.day else None
    return by_urgency([b for b in briefs_of(campaign, phase, job.channel)
                       if (not b.formats or job.format in b.formats)
                       and (not b.targets or tree.covered_by(job.unit, b.targets, phase.start))
                       and on_air(b, phase, day)])
