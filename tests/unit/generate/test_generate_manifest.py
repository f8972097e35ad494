"""The manifest says exactly what is wrong with the files: checked by reading every row back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from city_checks import ID_NAME, RATE, Truth, canonical, group_manifest, row_issues

from citylake.generate.defects import LINE_DEFECTS, OUTCOME
from citylake.generate.entities import DRIFT_ENTITY

VARIATION = {"lowercase_x", "fullwidth_digits", "phone_format", "date_format", "traditional_chars", "address_variant"}
NAME_CHANGES = {"name_homophone", "name_typo"}


def test_manifest_vocabulary_is_closed(manifest: list[dict]) -> None:
    assert {m["defect_type"] for m in manifest} <= set(OUTCOME)
    assert all(m["expected_outcome"] == OUTCOME[m["defect_type"]] for m in manifest)
    assert {m["expected_outcome"] for m in manifest} == {"corrected", "quarantined", "deduplicated", "resolved", "flagged",
                                                          "file_rejected"}
    # every type of the vocabulary actually occurs in the test city
    assert set(OUTCOME) == {m["defect_type"] for m in manifest}


def test_every_row_is_as_the_manifest_says(city: Path, landed, manifest: list[dict]) -> None:  # type: ignore[no-untyped-def]
    truth = Truth(city)
    by_row = group_manifest(manifest)
    drifted = {m["file"] for m in manifest if m["defect_type"] == "schema_drift"}
    checked = Counter()
    for entity, rows in landed.items():
        seen: set = set()
        for row in rows:
            listed = by_row.get((entity.name, row.file, row.row_index), [])
            kinds = {m["defect_type"] for m in listed}
            where = f"{row.file} row {row.row_index}: {listed}"
            if row.file in drifted:
                assert not listed, where
                continue
            if row.problem:
                assert kinds & set(LINE_DEFECTS), f"{where} unparsable ({row.problem}) but not listed"
                checked["line"] += 1
                continue
            assert not kinds & set(LINE_DEFECTS), f"{where} parses although listed as a line defect"
            key = row.raw
            duplicate = key in seen
            seen.add(key)
            if "exact_duplicate" in kinds:
                assert duplicate, f"{where} is not a copy of an earlier row"
                checked["exact_duplicate"] += 1
                continue
            assert not duplicate or kinds, f"{where} repeats an earlier row but is not listed"
            found = row_issues(entity, row.values, truth)
            if "fuzzy_duplicate" in kinds:
                checked["fuzzy_duplicate"] += 1
                continue
            expected = set()
            for m in listed:
                kind = "name_mismatch" if m["defect_type"] in NAME_CHANGES else m["defect_type"]
                if kind == "name_mismatch" and (
                        m["column"] not in ID_NAME
                        or canonical(entity.column(ID_NAME[m["column"]]), row.values.get(ID_NAME[m["column"]])) not in truth.names):
                    continue  # no valid ID beside it to look the true name up by
                expected.add((kind, m["column"]))
            assert found == expected, f"{where}: found {sorted(found)} expected {sorted(expected)}"
            checked["rows"] += 1
    assert checked["rows"] > 15_000 and checked["line"] > 50 and checked["exact_duplicate"] > 50


def test_fuzzy_duplicates_are_new_keys_of_known_entities(city: Path, manifest: list[dict]) -> None:
    import pyarrow.parquet as pq

    records = pq.read_table(city / "ground_truth" / "person_records.parquet").to_pylist()
    by_place = {(r["entity"], r["file"], r["row_index"], r["role"]): r["person_id"] for r in records}
    fuzzy = [m for m in manifest if m["defect_type"] == "fuzzy_duplicate" and m["entity"] == "persons"]
    assert fuzzy
    people = pq.read_table(city / "ground_truth" / "people.parquet", columns=["person_id", "citizen_id"]).to_pydict()
    true_ids = dict(zip(people["person_id"], people["citizen_id"]))
    for m in fuzzy:
        pid = by_place[("persons", m["file"], m["row_index"], "subject")]
        assert pid is not None and true_ids[pid] != m["business_key"]


RATED = [("persons", k) for k in ("invalid_check_digit", "impossible_date", "unknown_code", "exact_duplicate",
                                   "malformed_line", "wrong_column_count", "truncated_line", "fuzzy_duplicate",
                                   "id_birthdate_mismatch", "id_gender_mismatch")]
RATED += [("employment", "orphan_reference"), ("filings", "orphan_reference"), ("enterprises", "out_of_range"),
          ("insurance", "malformed_line"), ("licences", "truncated_line")]


@pytest.mark.parametrize(("entity", "kind"), RATED)
def test_defect_rates_on_day0(landed, manifest: list[dict], entity: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    """On day 0 of these entities every row is eligible for the defect: its share is the configured rate."""
    e = next(x for x in landed if x.name == entity)
    day0 = [r for r in landed[e] if "day=2026-01-01" in r.file]
    listed = [m for m in manifest if m["entity"] == entity and m["day"] == "2026-01-01"]
    originals = len(day0) - sum(1 for m in listed if m["defect_type"] in ("exact_duplicate", "fuzzy_duplicate"))
    count = sum(1 for m in listed if m["defect_type"] == kind)
    expected = originals * RATE
    assert abs(count - expected) < 4 * (expected ** 0.5) + 2, f"{kind}: {count} rows, expected about {expected:.0f}"


def test_variation_rates_on_persons(manifest: list[dict], landed) -> None:  # type: ignore[no-untyped-def]
    persons = next(e for e in landed if e.id == "public_security/persons")
    n = sum(1 for r in landed[persons] if "day=2026-01-01" in r.file)
    counts = Counter(m["defect_type"] for m in manifest if m["entity"] == "persons" and m["day"] == "2026-01-01")
    assert abs(counts["address_variant"] / n - 0.1) < 0.025
    assert abs(counts["date_format"] / (2 * n) - 0.05) < 0.015  # two date columns
    assert counts["name_homophone"] == 0 and counts["name_typo"] == 0  # the register spells its own names


def test_schema_drift_and_empty_files(city: Path, manifest: list[dict]) -> None:
    drift = [m for m in manifest if m["defect_type"] == "schema_drift"]
    assert {m["entity"] for m in drift} == {DRIFT_ENTITY.name} and {m["day"] for m in drift} == {"2026-01-03"}
    header = (city / drift[0]["file"]).read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "wage_monthly" in header and "monthly_wage" not in header and header[-1] == "data_source"
    normal = (city / drift[0]["file"].replace("2026-01-03", "2026-01-02").replace("20260103", "20260102"))
    assert "monthly_wage" in normal.read_text(encoding="utf-8").splitlines()[0]
    empty = [m for m in manifest if m["defect_type"] == "empty_file"]
    assert empty and all((city / m["file"]).stat().st_size == 0 for m in empty)
    listed = {m["file"] for m in empty}
    zero = {p.relative_to(city).as_posix() for p in (city / "landing").rglob("*") if p.is_file() and p.stat().st_size == 0}
    assert zero == listed
