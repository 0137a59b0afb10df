"""Administrative units (province → district → commune) and successor routing.

Units are merged, split and renamed (the 2024 ward mergers, the 2025
reorganisation). A unit carries the dates it existed and the units that replace
it, so anything addressed to an abolished unit reaches its successors.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
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
#
# The CSV format is documented in docs/init.md ("Units CSV"); the example's file is
# examples/ninh-thuan-2025/data/ninh-thuan-units-2024.csv.

COMMUNE_TYPES = ("xã", "phường", "thị trấn", "đặc khu")
DISTRICT_TYPES = ("thành phố", "thị xã", "quận", "huyện")
PROVINCE_TYPES = ("tỉnh", "thành phố")
_TYPE = "|".join(COMMUNE_TYPES)
_NEW_UNIT = re.compile(rf"({_TYPE}) ([^()\[\];→]+?) \((\d{{5}})\)", re.IGNORECASE)
_ABOLISHED = re.compile(rf"abolished (\d{{4}}-\d{{2}}-\d{{2}}): merged into ({_TYPE}) (.+?) by ", re.IGNORECASE)
REORGANISED = date(2025, 7, 1)
REQUIRED_COLUMNS = ("unit_type", "commune_name", "commune_code")


def bare_name(name: str, types: Iterable[str]) -> str:
    """The name without its type word: ``Xã Phước Hà`` → ``Phước Hà`` (a name that is only a type stays)."""
    for kind in types:
        if name.lower().startswith(kind + " ") and name[len(kind):].strip():
            return name[len(kind):].strip()
    return name.strip()


def unit_id(name: str, types: Iterable[str] = (*PROVINCE_TYPES, *DISTRICT_TYPES, *COMMUNE_TYPES)) -> str:
    """A unit's id: its name without the type word, as a slug (``Tỉnh Ninh Thuận`` → ``ninh-thuan``)."""
    return slugify(bare_name(name, types))[:SLUG_MAX].strip("-")


def import_units_csv(path: Path, province_name: str, province_code: str = "") -> list[Unit]:
    """Read a province's commune-level units with their mergers into ``Unit`` records.

    Ids are names without the type word (``xã Phước Hà`` → ``phuoc-ha``); units formed on
    2025-07-01 get ``-2025`` (names are reused); when two units would share an id, each
    commune among them gets its GSO code appended (``thanh-hai-22774``). Rows with a
    ``merged_into_2025`` end on 2025-06-30 and route to the units it names; wards
    abolished earlier route to the ward that absorbed them; a row without one goes on.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [nfc({k.strip(): (v or "").strip() for k, v in r.items() if k}) for r in csv.DictReader(fh)]
    except UnicodeDecodeError:
        raise ValueError(f"{path}: tệp không phải UTF-8: lưu lại với mã hóa UTF-8") from None
    missing = [c for c in REQUIRED_COLUMNS if not rows or c not in rows[0]]
    if missing:
        raise ValueError(f"{path}: thiếu cột {', '.join(missing)} (định dạng: docs/init.md)" if rows else
                         f"{path}: tệp không có dòng đơn vị nào")
    province_id = unit_id(province_name)
    last_day = REORGANISED - timedelta(days=1)

    def fail(n: int, column: str, message: str) -> ValueError:
        return ValueError(f"{path}:{n + 2}: {column}: {message}")  # +2: the header, and lines count from 1

    for n, row in enumerate(rows):
        if row["unit_type"].lower() not in COMMUNE_TYPES:
            raise fail(n, "unit_type", f"“{row['unit_type']}” không phải loại đơn vị cấp xã: "
                                       f"{', '.join(COMMUNE_TYPES)}")
        if not re.fullmatch(r"\d{5}", row["commune_code"]):
            raise fail(n, "commune_code", f"“{row['commune_code']}” không phải mã đơn vị 5 chữ số")
        row["unit_type"] = row["unit_type"].lower()
        row["commune_name"] = bare_name(row["commune_name"], COMMUNE_TYPES)
        row["district_name"] = row.get("district_name", "")
        row["district_id"] = row.get("district_id") or (unit_id(row["district_name"]) if row["district_name"] else "")

    new_rows: dict[str, tuple[str, str, str]] = {}  # code → (type, name, code) of the 2025 units
    for n, row in enumerate(rows):
        merged = row.get("merged_into_2025", "")
        found = _NEW_UNIT.findall(merged)
        if merged and not found:
            raise fail(n, "merged_into_2025", f"không đọc được “{merged}”: viết “xã Tên (mã 5 chữ số)”, "
                                              "nhiều đơn vị cách nhau bằng dấu ;")
        for utype, name, code in found:
            new_rows.setdefault(code, (utype.lower(), name.strip(), code))

    # ids: the bare name; a name shared by two units gets its code
    bases = {("row", n): slugify(r["commune_name"]) for n, r in enumerate(rows)}
    bases.update({("new", code): f"{slugify(name)}-2025" for code, (_, name, _) in new_rows.items()})
    fixed = {province_id, *(r["district_id"] for r in rows if r["district_id"])}
    counts = Counter(bases.values())
    ids = {key: f"{base}-{key[1] if key[0] == 'new' else rows[key[1]]['commune_code']}"
           if counts[base] > 1 or base in fixed else base for key, base in bases.items()}
    by_name = {(r["district_id"], r["unit_type"], r["commune_name"].lower()): ids["row", n] for n, r in enumerate(rows)}

    new_units = {code: Unit(id=ids["new", code], name=name, level="commune", type=utype, code=code,
                            parent=province_id, since=REORGANISED) for code, (utype, name, _) in new_rows.items()}
    communes: list[Unit] = []
    district_successors: dict[str, list[str]] = {}
    for n, row in enumerate(rows):
        merged = row.get("merged_into_2025", "")
        successors = [new_units[code].id for _, _, code in _NEW_UNIT.findall(merged)]
        until = last_day if successors else None
        abolished = _ABOLISHED.search(merged)
        if abolished:
            until = date.fromisoformat(abolished.group(1)) - timedelta(days=1)
            key = (row["district_id"], abolished.group(2).lower(), bare_name(abolished.group(3), COMMUNE_TYPES).lower())
            if key not in by_name:
                raise fail(n, "merged_into_2025", f"không có {abolished.group(2)} {abolished.group(3)} cùng huyện")
            successors = [by_name[key]]
        communes.append(Unit(id=ids["row", n], name=row["commune_name"], level="commune", type=row["unit_type"],
                             code=row["commune_code"], parent=row["district_id"] or province_id, until=until,
                             successors=tuple(successors)))
        if row["district_id"] and not abolished:
            targets = district_successors.setdefault(row["district_id"], [])
            targets.extend(s for s in successors if s not in targets)

    districts: dict[str, Unit] = {}
    for row in rows:
        did = row["district_id"]
        if did and did not in districts:
            name = row["district_name"] or did
            kind = next((k for k in DISTRICT_TYPES if name.lower().startswith(k + " ")), "")
            successors = tuple(district_successors.get(did, ()))
            districts[did] = Unit(id=did, name=name, level="district", type=kind, parent=province_id,
                                  until=last_day if successors else None, successors=successors)
    province = Unit(id=province_id, name=province_name, level="province", code=province_code)
    return [province, *districts.values(), *communes, *sorted(new_units.values(), key=lambda u: u.code)]
