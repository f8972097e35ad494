"""The shipped code tables are complete and consistent, and the loader rejects bad files."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from citylake.errors import CitylakeError
from citylake.settings import SOURCE_ROOT
from citylake.standards import standards_dir
from citylake.standards.code_tables import (
    CodeTableInfo,
    list_code_tables,
    load_code_table,
    read_code_table,
    read_index,
)

#: Tables other parts of citylake load by name; renaming one breaks them.
REQUIRED_TABLES = {
    "gender", "marital_status", "ethnicity", "family_relationship", "admin_division",
    "admin_division_history", "industry", "enterprise_type", "enterprise_status", "education",
    "licence_type", "insurance_type", "disaster_type", "poi_category", "hazard_level",
}
#: Tables whose names legitimately repeat: 朝阳区 is in Beijing and Changchun; in GB/T 4754
#: a section with one division shares its name (K 房地产业 / 70 房地产业).
NAMES_MAY_REPEAT = {"admin_division", "admin_division_history", "industry"}


def test_standards_live_in_the_source_tree() -> None:
    assert standards_dir() == SOURCE_ROOT / "metadata" / "standards"
    assert (standards_dir() / "standards.yml").is_file()


@pytest.mark.parametrize("name", sorted(REQUIRED_TABLES))
def test_every_table_loads_with_unique_codes_and_existing_parents(name: str) -> None:
    table = load_code_table(name)
    assert len(table) > 0
    assert len(set(table.codes)) == len(table.rows)
    for row in table.rows:
        assert row["name"].strip()
        if row.get("parent_code"):
            assert table.contains(row["parent_code"]), (name, row["code"])


def test_index_and_csv_files_match() -> None:
    folder = standards_dir() / "code_tables"
    assert set(list_code_tables()) == {p.stem for p in folder.glob("*.csv")}
    assert REQUIRED_TABLES <= set(list_code_tables())


def test_index_describes_each_table() -> None:
    for name in list_code_tables():
        info = load_code_table(name).info
        assert info.title.zh and info.title.en and info.standard and info.version and info.source and info.owner
        if info.authority == "national":
            assert re.search(r"GB(/T)? \d+", info.standard), name


@pytest.mark.parametrize("name", sorted(REQUIRED_TABLES - NAMES_MAY_REPEAT))
def test_hand_written_tables_have_no_ambiguous_names(name: str) -> None:
    table = load_code_table(name)
    assert {k: v for k, v in table.names.items() if len(v) > 1} == {}


def test_gender_follows_gb_t_2261_1() -> None:
    gender = load_code_table("gender")
    assert gender.codes == ("0", "1", "2", "9")
    assert gender.code_of("男") == "1" and gender.code_of("女性") == "2" and gender.code_of(" Ｆ ") == "2"


def test_marital_status_follows_gb_t_2261_2() -> None:
    marital = load_code_table("marital_status")
    assert {"10", "20", "21", "22", "23", "30", "40", "90"} == set(marital.codes)
    assert marital.children_of("20") == ("21", "22", "23")


def test_ethnicity_has_56_groups_and_the_extra_codes() -> None:
    ethnicity = load_code_table("ethnicity")
    groups = [c for c in ethnicity.codes if int(c) <= 56]
    assert groups == [f"{i:02d}" for i in range(1, 57)]
    assert ethnicity.contains("97") and ethnicity.contains("98")
    assert ethnicity.name_of("01") == "汉族" and ethnicity.name_of("56") == "基诺族"
    assert ethnicity.code_of("汉") == "01" and ethnicity.code_of("维吾尔族") == "05"
    assert len({r["abbr"] for r in ethnicity.rows if r["abbr"]}) == 56


def test_family_relationship_categories_hold_their_members() -> None:
    rel = load_code_table("family_relationship")
    for row in rel.rows:
        if row["parent_code"]:
            assert row["code"][0] == row["parent_code"][0] or row["parent_code"] == "80"
    assert rel.name_of("02") == "户主" and rel.parent_of("12") == "10"


def test_admin_division_has_the_real_codes_and_a_hierarchy() -> None:
    admin = load_code_table("admin_division")
    assert admin.name_of("110101") == "东城区"
    assert admin.name_of("440305") == "南山区"
    assert admin.parent_of("440305") == "440300" and admin.parent_of("440300") == "440000"
    assert admin.row("440000")["level"] == "province"
    provinces = [r for r in admin.rows if r["level"] == "province"]
    assert len(provinces) == 34
    assert "440305" in admin.codes_of("南山区") and admin.code_of("南山区") is None  # also 鹤岗市南山区
    for row in admin.rows:
        expected = "province" if row["code"].endswith("0000") else "city" if row["code"].endswith("00") else "district"
        assert row["level"] == expected


def test_admin_division_history_holds_retired_codes_only() -> None:
    admin = load_code_table("admin_division")
    history = load_code_table("admin_division_history")
    assert history.name_of("110103") == "崇文区" and history.row("110103")["valid_to"] == "2010"
    assert not set(admin.codes) & set(history.codes)


def test_admin_division_is_what_the_build_script_makes() -> None:
    path = standards_dir() / "build_admin_division.py"
    spec = importlib.util.spec_from_file_location("build_admin_division", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = module.cpca_divisions()
    assert set(load_code_table("admin_division").codes) == set(current)
    assert set(load_code_table("admin_division_history").codes) == set(module.stdnum_divisions()) - set(current)


def test_industry_has_sections_a_to_t_and_divisions_01_to_97() -> None:
    industry = load_code_table("industry")
    sections = [r["code"] for r in industry.rows if r["level"] == "section"]
    divisions = [r for r in industry.rows if r["level"] == "division"]
    assert sections == list("ABCDEFGHIJKLMNOPQRST")
    assert [r["code"] for r in divisions] == [f"{i:02d}" for i in range(1, 98)]
    assert all(r["parent_code"] in sections for r in divisions)
    assert industry.parent_of("65") == "I" and industry.name_of("C") == "制造业"


def test_local_tables_say_so() -> None:
    for name in ("enterprise_type", "enterprise_status", "licence_type", "poi_category", "disaster_type"):
        assert load_code_table(name).info.authority == "local"
    assert load_code_table("enterprise_type").code_of("有限责任公司（自然人投资或控股）") == "1130"
    assert load_code_table("enterprise_status").code_of("在业") == "10"
    assert load_code_table("licence_type").code_of("身份证") == "101"
    assert load_code_table("hazard_level").code_of("Ⅰ级") == "1"


def test_to_pandas_keeps_codes_as_text() -> None:
    df = load_code_table("ethnicity").to_pandas()
    assert list(df["code"][:2]) == ["01", "02"]
    assert len(df) == 58 and df["abbr"].isna().sum() == 2


def test_standards_version_is_in_the_changelog() -> None:
    doc = yaml.safe_load((standards_dir() / "standards.yml").read_text(encoding="utf-8"))
    assert re.match(r"^\d+\.\d+\.\d+$", str(doc["version"]))
    readme = (standards_dir() / "README.md").read_text(encoding="utf-8")
    assert f"## {doc['version']}" in readme


# --- the loader on bad files ------------------------------------------------------------------


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "demo.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name\n1,a\n2,b\n1,c\n", r"demo.csv:4: code '1' is already on line 2"),
        ("id,label\n1,a\n", r"demo.csv:1: header lacks column\(s\) code, name"),
        ("code,name\n1,a,extra\n", r"demo.csv:2: has 3 fields but the header has 2"),
        ("code,name,parent_code\n1,a,\n2,b,9\n", r"demo.csv:3: parent_code '9' of code '2'"),
        ("code,name,valid_from\n1,a,May\n", r"demo.csv:2: valid_from 'May'"),
        ("code,name\n 1,a\n", r"demo.csv:2: code ' 1' is empty or has spaces"),
        ("code,name\n1,\n", r"demo.csv:2: code '1' has no name"),
        ("", r"demo.csv:1: is empty"),
    ],
)
def test_a_wrong_file_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CitylakeError, match=message):
        read_code_table(_write(tmp_path, text))


def test_a_gbk_file_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "code,name\n1,男\n2,女\n", encoding="gbk")
    with pytest.raises(CitylakeError, match=r"demo.csv:2: is not UTF-8"):
        read_code_table(path)


def test_quoted_commas_and_a_bom_are_fine(tmp_path: Path) -> None:
    path = _write(tmp_path, '\ufeffcode,name,aliases\n1,"a, b",x|y\n')
    table = read_code_table(path)
    assert table.name_of("1") == "a, b" and table.code_of("Y") == "1"


def test_an_unknown_table_lists_the_known_ones() -> None:
    with pytest.raises(CitylakeError, match=r"no code table 'genders': known tables are .*gender"):
        load_code_table("genders")


def test_an_index_entry_missing_a_field_is_named(tmp_path: Path) -> None:
    index = tmp_path / "index.yml"
    index.write_text("tables:\n  - id: demo\n    title: {zh: 演示, en: demo}\n    standard: x\n", encoding="utf-8")
    with pytest.raises(CitylakeError, match=r"index.yml: table demo: field 'version' field required"):
        read_index(index)


def test_info_can_be_given_for_a_file(tmp_path: Path) -> None:
    info = CodeTableInfo(id="demo", title={"zh": "演示", "en": "demo"}, standard="local", version="1",
                         source="test", owner="me", authority="local")
    table = read_code_table(_write(tmp_path, "code,name\nA,甲\n"), info)
    assert table.name == "demo" and table.codes == ("A",)


def test_csv_files_are_plain_utf8_with_a_header() -> None:
    for path in sorted((standards_dir() / "code_tables").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert header[:2] == ["code", "name"], path.name
