"""What a build and a renderer may read: the build's context and one job's inputs.

A leaf module (it imports only the models, the artifact helpers and the storage interface), so the build,
the renderers and the Celery tasks depend on it and not on each other.

The rule it carries: **a job's inputs are the values it renders from.** A renderer
describes a job as ``JobInputs`` — a slice of the campaign as plain values (only the
briefs, phases, unit, brand and settings it reads), the files it reads (templates
and what they include, fonts, images, recordings) and its options. The inputs hash
is the digest of exactly that object, and ``render`` receives a ``JobContext`` built
from the same object, whose ``campaign`` is the slice: nothing can be read that was
not hashed, so an incremental build equals a clean one.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .artifacts import Cache, file_digest, sha256_json
from .campaign import Brief, Campaign
from .storage import Storage, shared
from .storage.journal import FolderJournal, Journal, StoreJournal
from .text import EDGE_PUNCTUATION, WORD, nfc
from .units import Unit, UnitTree

if TYPE_CHECKING:
    from .plan import RenderJob



@dataclass
class BuildContext:
    """One build: the full campaign, where to write, the shared cache and renderer options.

    ``storage``: the object store that holds the batch (``--storage URL``): the job journal and
    the shared cache live there too, so machines with separate output folders share the work.
    ``cache_lock``: a lock across machines for a cache entry being made (Celery workers: Redis).
    """

    campaign: Campaign
    out: Path
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    storage: str | None = None
    cache_lock: Callable[[str], Any] | None = field(default=None, compare=False)

    @property
    def out_root(self) -> Path:
        """Campaign output root: ``<out>/<campaign id>``."""
        return Path(self.out) / self.campaign.id

    @cached_property
    def tree(self) -> UnitTree:
        return self.campaign.unit_tree()

    @cached_property
    def cache(self) -> Cache:
        return Cache(Path(self.out) / ".cache", self.store, self.cache_lock)

    @cached_property
    def store(self) -> Storage | None:
        return shared(self.storage) if self.storage else None

    @cached_property
    def journal(self) -> Journal:
        """Where each job's record is kept: the output folder, or the store that holds the batch."""
        if self.store is None:
            return FolderJournal(self.out_root, self.cache)
        return StoreJournal(self.store, self.campaign.id, self.out_root)

    def options_for(self, kind: str) -> dict[str, Any]:
        return self.options.get(kind, {})


def campaign_slice(campaign: Campaign, briefs: list[Brief], units: list[Unit], *, phases: list[str] | None = None,
                   channels: list[str] | None = None, audio: bool = False, brand: bool = True) -> dict[str, Any]:
    """The part of a campaign a job reads, as plain values (a valid ``Campaign`` again).

    ``phases``: top-level phase ids to keep with their sub-phases (None: every phase,
    for templates that draw the campaign's timeline). ``audio`` and ``brand``: whether the
    job reads the audio settings and the brand kit (left out, the slice has the defaults).
    """
    kept = [p for p in campaign.phases if phases is None or p.id in phases]
    values = {
        "id": campaign.id, "title": campaign.title, "issuer": campaign.issuer, "language": campaign.language,
        "plan_ref": campaign.plan_ref, "root": campaign.root,
        "brand": campaign.brand.model_dump(mode="json") if brand else {},
        "phases": [p.model_dump(mode="json") for p in kept],
        "channels": [c.model_dump(mode="json") for c in campaign.channels if channels is None or c.id in channels],
        "audiences": [a.model_dump(mode="json") for a in campaign.audiences],
        "audio": campaign.audio.model_dump(mode="json") if audio else {},
        "units": [u.model_dump(mode="json") for u in units],
        "briefs": [b.model_dump(mode="json") for b in briefs],
    }
    # The campaign's phrases that occur in what this job reads (a phrase elsewhere breaks nothing here).
    values["keep_together"] = _phrases(campaign).found_in(json.dumps(values, ensure_ascii=False))
    return values


@dataclass(frozen=True)
class _Phrases:
    """A campaign's phrases indexed by their first two words: a job's slice finds the few it
    holds by its own word pairs, not by searching for each of thousands of unit names."""

    order: dict[str, int]
    by_start: dict[tuple[str, ...], list[str]]

    @classmethod
    def of(cls, phrases: tuple[str, ...]) -> _Phrases:
        by_start: dict[tuple[str, ...], list[str]] = {}
        for phrase in phrases:
            by_start.setdefault(tuple(WORD.findall(phrase)[:2]), []).append(phrase)
        return cls({p: i for i, p in enumerate(phrases)}, by_start)

    def found_in(self, text: str) -> list[str]:
        words = WORD.findall(text)
        starts = {*zip(words, words[1:]), *((w,) for w in words), ()}  # phrases of one word or none too
        found = {p for start in starts for p in self.by_start.get(start, ()) if p in text}
        return sorted(found, key=self.order.__getitem__)


_PHRASE_INDEX: dict[int, tuple[weakref.ref, _Phrases]] = {}


def _phrases(campaign: Campaign) -> _Phrases:
    """``keep_phrases`` of a loaded campaign, indexed once per campaign object (every job of a
    build slices the same one; campaigns are not changed once loaded)."""
    key = id(campaign)
    held = _PHRASE_INDEX.get(key)
    if held is None or held[0]() is not campaign:
        ref = weakref.ref(campaign, lambda _, key=key: _PHRASE_INDEX.pop(key, None))
        held = _PHRASE_INDEX[key] = (ref, _Phrases.of(keep_phrases(campaign)))
    return held[1]


#: Kinds of unit written before a name ("Huyện Bác Ái"): the name alone is a phrase too.
UNIT_KINDS = ("thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường", "thôn", "bản", "ấp")


def keep_phrases(campaign: Campaign) -> tuple[str, ...]:
    """Phrases no line break may split: the campaign's ``keep_together`` list, its units' names
    ("Bác Ái"; with their kind, "Huyện Bác Ái", when that is short) and the proper names in its
    issuer and title (capitalised runs after the first word: "Ninh Thuận")."""
    phrases = list(campaign.keep_together)
    for unit in campaign.units:
        name = nfc(unit.name)
        kind = next((k for k in UNIT_KINDS if name.lower().startswith(k + " ")), "")
        phrases.append(name[len(kind):].strip())
        if len(name.split()) <= 4:
            phrases.append(name)
    for text in (campaign.issuer, campaign.title):
        run: list[str] = []
        for token in [*nfc(text).split()[1:], ""]:
            bare = token.strip(EDGE_PUNCTUATION)
            if bare[:1].isupper() and not bare.isupper():
                run.append(bare)
                if bare == token:
                    continue
            phrases.append(" ".join(run))
            run = []
    return tuple(dict.fromkeys(p for p in phrases if len(p.split()) > 1))


def phase_root(campaign: Campaign, phase_id: str) -> str:
    """The top-level phase a phase or sub-phase belongs to."""
    for top in campaign.phases:
        if phase_id in campaign.phase_with_children(top.id):
            return top.id
    raise KeyError(phase_id)


def _strip(values: dict[str, Any]) -> dict[str, Any]:
    """A campaign slice as hashed: without what labels it without changing any output byte, the campaign's
    folder (``root``) and the file each brief was read from (a brief's ``source``, for messages; a
    statistic's ``source`` is content, which alt text and deck notes show), and of an approval only its
    ``status`` (who approved and when change no byte; a draft's outputs carry "DỰ THẢO", and publish
    holds them back), for every renderer: no renderer needs a list of drafts of its own."""
    def brief(b: dict[str, Any]) -> dict[str, Any]:
        kept = {k: v for k, v in b.items() if k != "source"}
        if isinstance(b.get("approval"), dict):
            kept["approval"] = {"status": b["approval"].get("status")}
        return kept

    hashed = {k: v for k, v in values.items() if k != "root"}
    if isinstance(values.get("briefs"), list):
        hashed["briefs"] = [brief(b) for b in values["briefs"]]
    return hashed


@dataclass(frozen=True)
class JobInputs:
    """Everything one job renders from, as plain values; its digest is the inputs hash."""

    renderer: tuple[str, str]  # (kind, version)
    job: dict[str, Any]
    values: dict[str, Any]  # a campaign slice (``campaign_slice``)
    files: dict[str, str] = field(default_factory=dict)  # logical name → path; hashed by content
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # by renderer kind
    extra: dict[str, Any] = field(default_factory=dict)  # anything else the output depends on (tool versions)

    def digest(self) -> str:
        return sha256_json({
            "renderer": list(self.renderer), "job": self.job, "values": _strip(self.values),
            # by logical name and content, never absolute path: a moved checkout is not a change
            "files": {name: file_digest(path) for name, path in sorted(self.files.items())},
            "options": self.options, "extra": self.extra,
        })

    @cached_property
    def campaign(self) -> Campaign:
        return Campaign.model_validate(self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"renderer": list(self.renderer), "job": self.job, "values": self.values, "files": self.files,
                "options": self.options, "extra": self.extra}


@dataclass
class JobContext:
    """What ``Renderer.render`` sees: the job's inputs (exactly what was hashed) and where to write."""

    inputs: JobInputs
    out_root: Path
    cache: Cache

    @property
    def campaign(self) -> Campaign:
        """The campaign slice: only what the renderer declared in its inputs."""
        return self.inputs.campaign

    @cached_property
    def tree(self) -> UnitTree:
        return self.campaign.unit_tree()

    def options_for(self, kind: str) -> dict[str, Any]:
        return self.inputs.options.get(kind, {})

    def file(self, name: str) -> Path:
        """A file the inputs declared; anything else is a bug in the renderer's ``inputs``."""
        try:
            return Path(self.inputs.files[name])
        except KeyError:
            raise LookupError(f"tệp {name!r} không nằm trong đầu vào đã khai báo của việc này") from None

    def job_dir(self, job: RenderJob) -> Path:
        path = self.out_root / job.folder
        path.mkdir(parents=True, exist_ok=True)
        return path

    def job_path(self, job: RenderJob, suffix: str) -> Path:
        """Path of one of the job's files: ``<folder>/<stem><suffix>``."""
        return self.job_dir(job) / f"{job.stem}{suffix}"
