"""Administrative units (province → district → commune) and successor routing.

Units are merged, split and renamed (the 2024 ward mergers, the 2025
reorganisation). A unit carries the dates it existed and the units that replace
it, so anything addressed to an abolished unit reaches its successors.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .text import SLUG_MAX, SLUG_PATTERN, nfc, slugify

Level = Literal["province", "district", "commune"]


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, max_length=SLUG_MAX)
    name: str
    level: Level
    type: str = ""
    code: str = ""
    parent: str | None = None
    since: date | None = None
    until: date | None = None
    successors: tuple[str, ...] = ()

    def active_on(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day <= self.until)

    @property
    def display_name(self) -> str:
        """``xã Phước Hòa`` for communes, the full name otherwise."""
        return f"{self.type} {self.name}" if self.type and self.level == "commune" else self.name


class UnitTree:
    """All units of a campaign, with routing by date."""

    def __init__(self, units: Iterable[Unit]):
        self.units: dict[str, Unit] = {u.id: u for u in units}
        self._audiences: dict[tuple[str, date], frozenset[str]] = {}

    def __getitem__(self, unit_id: str) -> Unit:
        return self.units[unit_id]

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def __iter__(self):
        return iter(self.units.values())

    def __len__(self) -> int:
        return len(self.units)

    @property
    def root(self) -> Unit:
        return next(u for u in self.units.values() if u.level == "province")

    def resolve(self, unit_id: str, day: date) -> list[Unit]:
        """The unit(s) that stand for ``unit_id`` on ``day``, following successors."""
        seen: set[str] = set()
        out: list[Unit] = []

        def walk(uid: str) -> None:
            if uid in seen:
                return
            seen.add(uid)
            unit = self.units[uid]
            if unit.active_on(day) or not unit.successors:
                if unit.active_on(day) and unit not in out:
                    out.append(unit)
                return
            for successor in unit.successors:
                walk(successor)

        walk(unit_id)
        return out

    def at_level(self, level: Level, day: date) -> list[Unit]:
        """Units that receive a channel addressed at ``level`` on ``day``.

        Every unit of that level that had come into being by ``day`` is routed to
        whoever stands for it then, so when a level is abolished (the district
        level in July 2025) its work goes to the units that replaced it.
        """
        out: dict[str, Unit] = {}  # by id: comparing whole Unit models is slow
        for unit in self.units.values():
            if unit.level != level or (unit.since and unit.since > day):
                continue
            for target in self.resolve(unit.id, day):
                out.setdefault(target.id, target)
        return list(out.values())

    def ancestors(self, unit_id: str) -> list[str]:
        chain = []
        parent = self.units[unit_id].parent
        while parent:
            chain.append(parent)
            parent = self.units[parent].parent
        return chain

    def stand_ins(self, unit_id: str, day: date) -> set[str]:
        """The units doing ``unit_id``'s job on ``day``: itself while it exists, its successors
        once it is abolished, and before it is formed the units of its level it will be formed from."""
        unit = self.units[unit_id]
        if unit.since and unit.since > day:
            return {p.id for p in self if p.active_on(day) and p.level == unit.level and p.successors
                    and unit_id in {r.id for r in self.resolve(p.id, unit.since)}}
        return {u.id for u in self.resolve(unit_id, day)}

    def reach(self, unit_id: str, day: date) -> set[str]:
        """Units a brief addressed to ``unit_id`` reaches on ``day``: its stand-ins and every unit below them."""
        top = self.stand_ins(unit_id, day)
        return top | {u.id for u in self if u.active_on(day) and top & set(self.ancestors(u.id))}

    def audience(self, unit_id: str, day: date) -> frozenset[str]:
        """Units whose files the operator of ``unit_id`` receives on ``day``.

        The one definition the portal, ``studio pull``, the S3 access policies and
        the unit pages and podcasts share. It is ``reach`` (the unit, or whoever
        stands for it across a merger, split or not-yet-formed unit, and every
        unit below) plus the units above those stand-ins short of the province:
        a commune operator puts up its district's pa nô. Only units that exist on
        ``day`` are in it, since only they get files then; the province's own
        files are for the province, not for every operator.
        """
        if unit_id not in self.units:
            return frozenset()
        if (unit_id, day) not in self._audiences:
            root = self.root.id
            above = {a for s in self.stand_ins(unit_id, day) for a in self.ancestors(s) if a != root}
            self._audiences[unit_id, day] = frozenset(
                self.reach(unit_id, day) | {a for a in above if self.units[a].active_on(day)})
        return self._audiences[unit_id, day]


# --- importer -----------------------------------------------------------------

UNIT_TYPES = {"xã": "xa", "phường": "phuong", "thị trấn": "thi-tran"}
_NEW_UNIT = re.compile(r"(xã|phường|thị trấn) ([^()\[\];→]+?) \((\d{5})\)")
_ABOLISHED = re.compile(r"abolished (\d{4}-\d{2}-\d{2}): merged into (xã|phường|thị trấn) (.+?) by ")
REORGANISED = date(2025, 7, 1)


def import_units_csv(path: Path, province_id: str = "ninh-thuan", province_name: str = "Tỉnh Ninh Thuận",
                     province_code: str = "58") -> list[Unit]:
    """Read the GSO unit list with its 2024 and 2025 changes into ``Unit`` records.

    2024 units end on 2025-06-30 and route to the 2025 units named in
    ``merged_into_2025``; wards abolished earlier route to the ward that absorbed
    them. 2025 units get the suffix ``-2025`` because names and codes are reused.
    """
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [nfc(r) for r in csv.DictReader(fh)]
    required = {"district_id", "district_name", "unit_type", "commune_name", "commune_code", "merged_into_2025"}
    if not rows or not required <= set(rows[0]):
        missing = sorted(required - set(rows[0] if rows else {}))
        raise ValueError(f"{path}: thiếu cột {', '.join(missing)}")

    last_day = REORGANISED - timedelta(days=1)
    base_ids = [f"{UNIT_TYPES[r['unit_type']]}-{slugify(r['commune_name'])}" for r in rows]
    clash = {i for i in base_ids if base_ids.count(i) > 1}
    old_ids = [f"{i}-{r['commune_code']}" if i in clash else i for i, r in zip(base_ids, rows)]
    by_name = {(r["district_id"], r["unit_type"], r["commune_name"]): uid for uid, r in zip(old_ids, rows)}

    new_units: dict[str, Unit] = {}
    communes: list[Unit] = []
    district_successors: dict[str, list[str]] = {}
    for uid, row in zip(old_ids, rows):
        successors = []
        for utype, name, code in _NEW_UNIT.findall(row["merged_into_2025"]):
            new_id = f"{UNIT_TYPES[utype]}-{slugify(name)}-2025"
            new_units.setdefault(new_id, Unit(id=new_id, name=name.strip(), level="commune", type=utype,
                                              code=code, parent=province_id, since=REORGANISED))
            successors.append(new_id)
        until = last_day
        abolished = _ABOLISHED.search(row["merged_into_2025"])
        if abolished:
            until = date.fromisoformat(abolished.group(1)) - timedelta(days=1)
            successors = [by_name[(row["district_id"], abolished.group(2), abolished.group(3).strip())]]
        if not successors:
            raise ValueError(f"{path}: {row['commune_name']}: không đọc được merged_into_2025")
        communes.append(Unit(id=uid, name=row["commune_name"], level="commune", type=row["unit_type"],
                             code=row["commune_code"], parent=row["district_id"], until=until,
                             successors=tuple(successors)))
        if not abolished:
            targets = district_successors.setdefault(row["district_id"], [])
            targets.extend(s for s in successors if s not in targets)

    districts = []
    for row in rows:
        did = row["district_id"]
        if did not in [d.id for d in districts]:
            kind = "thành phố" if row["district_name"].startswith("Thành phố") else "huyện"
            districts.append(Unit(id=did, name=row["district_name"], level="district", type=kind,
                                  parent=province_id, until=last_day,
                                  successors=tuple(district_successors[did])))
    province = Unit(id=province_id, name=province_name, level="province", code=province_code)
    return [province, *districts, *communes, *sorted(new_units.values(), key=lambda u: u.code)]
