import re
from datetime import date
from pathlib import Path

from studio.plan import Reach
from studio.text import slugify
from studio.units import UnitTree, import_units_csv

CSV = Path(__file__).resolve().parent.parent / "examples/ninh-thuan-2025/data/ninh-thuan-units-2024.csv"


def tree():
    return UnitTree(import_units_csv(CSV, "Tỉnh Ninh Thuận", "58"))


def test_import_counts():
    units = import_units_csv(CSV, "Tỉnh Ninh Thuận", "58")
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
    assert [u.id for u in t.resolve("thanh-son", date(2025, 1, 1))] == ["phu-ha"]
    assert [u.id for u in t.resolve("tan-tai", date(2025, 1, 1))] == ["kinh-dinh"]
    assert [u.id for u in t.resolve("thanh-son", date(2025, 8, 1))] == ["phan-rang-2025"]


def test_split_ward_routes_to_both_parts():
    t = tree()
    assert sorted(u.id for u in t.resolve("dong-hai", date(2025, 8, 1))) == \
        ["dong-hai-2025", "phuoc-dinh-2025"]


def test_abolished_district_level_routes_to_new_communes():
    t = tree()
    assert len(t.at_level("district", date(2025, 1, 1))) == 7
    after = t.at_level("district", date(2025, 8, 1))
    assert {u.level for u in after} == {"commune"} and len(after) == 24


def test_same_name_units_get_distinct_ids():
    ids = [u.id for u in import_units_csv(CSV, "Tỉnh Ninh Thuận", "58")]
    assert len(ids) == len(set(ids))
    assert "thanh-hai-22774" in ids and "thanh-hai-22868" in ids


def test_reach_of_targets():
    t = tree()
    day = date(2025, 1, 1)

    def reach(unit: str, targets: list[str]) -> str | None:
        return Reach.of(t, targets, day)(unit)

    assert reach("phuoc-binh", ["bac-ai"]) == "in"
    assert reach("phuoc-binh", ["ninh-hai"]) is None
    # a brief addressed to an abolished ward reaches the ward that absorbed it
    assert reach("phu-ha", ["thanh-son"]) == "in"
    # …and one addressed to a 2025 commune before it exists reaches the communes it is formed from
    assert reach("phuoc-trung", ["my-son-2025"]) == "in"
    assert reach("phuoc-binh", ["my-son-2025"]) is None
    # the units above a target still get their own level's asset of it; no targets: everyone
    assert reach("bac-ai", ["phuoc-binh"]) == reach("ninh-thuan", ["phuoc-binh"]) == "above"
    assert reach("ninh-hai", ["phuoc-binh"]) is None
    assert reach("phuoc-binh", []) == "in"


DATA = Path(__file__).resolve().parent / "data"


def test_ids_leave_out_the_unit_type():
    units = import_units_csv(CSV, "Tỉnh Ninh Thuận", "58")
    by_code = {(u.code, u.since): u for u in units}
    assert by_code["22885", None].id == "phuoc-ha" and by_code["22885", None].display_name == "xã Phước Hà"
    assert by_code["22900", date(2025, 7, 1)].id == "phuoc-ha-2025"  # the 2025 unit of the same name
    communes = [u for u in units if u.level == "commune"]
    assert all(re.fullmatch(rf"{slugify(u.name)}(-2025)?(-\d{{5}})?", u.id) for u in communes)  # "Phương Hải" is a name


def test_a_two_level_province_without_mergers(tmp_path):
    """After 1 July 2025 a province has no districts: a CSV without district or merger columns, names
    written with their type ("Xã Đan Hải")."""
    units = import_units_csv(DATA / "ha-tinh-units-2025.csv", "Tỉnh Hà Tĩnh", "42")
    assert [(u.id, u.name, u.level, u.type, u.parent) for u in units[:3]] == [
        ("ha-tinh", "Tỉnh Hà Tĩnh", "province", "", None),
        ("dan-hai", "Đan Hải", "commune", "xã", "ha-tinh"), ("loc-ha", "Lộc Hà", "commune", "xã", "ha-tinh")]
    assert units[-1].id == "hai-ninh" and units[-1].display_name == "phường Hải Ninh"
    assert all(u.until is None and not u.successors for u in units)
    assert len(UnitTree(units).at_level("commune", date(2026, 1, 1))) == 6


def test_ids_that_would_repeat_get_the_unit_code(tmp_path):
    csv_path = tmp_path / "don-vi.csv"
    csv_path.write_text("district_name,unit_type,commune_name,commune_code\n"
                        "Huyện Sông Xanh,xã,Xã Một,00001\n"
                        "Huyện Núi Cao,Xã,Một,00002\n"
                        "Huyện Núi Cao,thị trấn,Thị trấn Núi Cao,00003\n"
                        "Huyện Núi Cao,phường,Hai,00004\n", encoding="utf-8")
    units = import_units_csv(csv_path, "Tỉnh Thử")
    assert [(u.id, u.name, u.parent) for u in units] == [
        ("thu", "Tỉnh Thử", None), ("song-xanh", "Huyện Sông Xanh", "thu"), ("nui-cao", "Huyện Núi Cao", "thu"),
        ("mot-00001", "Một", "song-xanh"), ("mot-00002", "Một", "nui-cao"),
        ("nui-cao-00003", "Núi Cao", "nui-cao"),  # the district is nui-cao
        ("hai", "Hai", "nui-cao")]


def test_units_import_needs_the_province_and_names_the_bad_line(tmp_path):
    from typer.testing import CliRunner

    from studio.cli import app

    runner = CliRunner()
    out = tmp_path / "units.yaml"
    result = runner.invoke(app, ["units", "import", str(DATA / "ha-tinh-units-2025.csv"), "--out", str(out)])
    assert result.exit_code == 2 and "--province" in result.output and not out.exists()  # no Ninh Thuận default
    bad = tmp_path / "sai.csv"
    bad.write_text("unit_type,commune_name,commune_code\nxã,Một,00001\nthôn,Hai,00002\n", encoding="utf-8")
    result = runner.invoke(app, ["units", "import", str(bad), "--province", "Tỉnh Thử", "--out", str(out)])
    assert result.exit_code == 2 and f"{bad}:3: unit_type: “thôn”" in result.output, result.output
    bad.write_text("unit_type,commune_name\nxã,Một\n", encoding="utf-8")
    result = runner.invoke(app, ["units", "import", str(bad), "--province", "Tỉnh Thử", "--out", str(out)])
    assert result.exit_code == 2 and "thiếu cột commune_code" in result.output, result.output
    result = runner.invoke(app, ["units", "import", str(DATA / "ha-tinh-units-2025.csv"), "--province", "Tỉnh Hà Tĩnh",
                                 "--out", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith(
        '# Sinh bởi: studio units import ha-tinh-units-2025.csv --province "Tỉnh Hà Tĩnh" —')
