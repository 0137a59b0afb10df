from datetime import date
from pathlib import Path

from studio.plan import Reach
from studio.units import UnitTree, import_units_csv

CSV = Path(__file__).resolve().parent.parent / "examples/ninh-thuan-2025/data/ninh-thuan-units-2024.csv"


def tree():
    return UnitTree(import_units_csv(CSV))


def test_import_counts():
    units = import_units_csv(CSV)
    levels = [u.level for u in units]
    assert levels.count("province") == 1
    assert levels.count("district") == 7
    # 65 communes of 2024 plus the 24 units formed on 2025-07-01
    assert levels.count("commune") == 65 + 24
    codes = {u.code for u in units if u.level == "commune" and not u.id.endswith("-2025")}
    assert len(codes) == 65


def test_commune_count_follows_the_reorganisations():
    t = tree()
    assert len(t.at_level("commune", date(2024, 6, 1))) == 65
    assert len(t.at_level("commune", date(2025, 1, 1))) == 62  # 3 wards abolished 2024-11-01
    assert len(t.at_level("commune", date(2025, 8, 1))) == 24  # after the 2025 reorganisation


def test_abolished_ward_routes_to_absorbing_ward_then_to_2025_unit():
    t = tree()
    assert [u.id for u in t.resolve("phuong-thanh-son", date(2025, 1, 1))] == ["phuong-phu-ha"]
    assert [u.id for u in t.resolve("phuong-tan-tai", date(2025, 1, 1))] == ["phuong-kinh-dinh"]
    assert [u.id for u in t.resolve("phuong-thanh-son", date(2025, 8, 1))] == ["phuong-phan-rang-2025"]


def test_split_ward_routes_to_both_parts():
    t = tree()
    assert sorted(u.id for u in t.resolve("phuong-dong-hai", date(2025, 8, 1))) == \
        ["phuong-dong-hai-2025", "xa-phuoc-dinh-2025"]


def test_abolished_district_level_routes_to_new_communes():
    t = tree()
    assert len(t.at_level("district", date(2025, 1, 1))) == 7
    after = t.at_level("district", date(2025, 8, 1))
    assert {u.level for u in after} == {"commune"} and len(after) == 24


def test_same_name_units_get_distinct_ids():
    ids = [u.id for u in import_units_csv(CSV)]
    assert len(ids) == len(set(ids))
    assert "xa-thanh-hai-22774" in ids and "xa-thanh-hai-22868" in ids


def test_reach_of_targets():
    t = tree()
    day = date(2025, 1, 1)

    def reach(unit: str, targets: list[str]) -> str | None:
        return Reach.of(t, targets, day)(unit)

    assert reach("xa-phuoc-binh", ["bac-ai"]) == "in"
    assert reach("xa-phuoc-binh", ["ninh-hai"]) is None
    # a brief addressed to an abolished ward reaches the ward that absorbed it
    assert reach("phuong-phu-ha", ["phuong-thanh-son"]) == "in"
    # …and one addressed to a 2025 commune before it exists reaches the communes it is formed from
    assert reach("xa-phuoc-trung", ["xa-my-son-2025"]) == "in"
    assert reach("xa-phuoc-binh", ["xa-my-son-2025"]) is None
    # the units above a target still get their own level's asset of it; no targets: everyone
    assert reach("bac-ai", ["xa-phuoc-binh"]) == reach("ninh-thuan", ["xa-phuoc-binh"]) == "above"
    assert reach("ninh-hai", ["xa-phuoc-binh"]) is None
    assert reach("xa-phuoc-binh", []) == "in"
