"""Suites derived from the contracts: which expectation checks what, with which rule id,
dimension and severity, on which layer; and hand-written suites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citylake.contracts import RuleSpec, load_contracts
from citylake.quality.batches import Batch
from citylake.quality.handwritten import SuiteFileError, handwritten_suites, load_suite
from citylake.quality.suites import DIMENSIONS, SEVERITIES, bronze_suite, column_severity, delivery_suite, silver_suite
from citylake.settings import QualitySettings
from citylake.settings import SOURCE_ROOT


@pytest.fixture(scope="module")
def contracts():  # type: ignore[no-untyped-def]
    return load_contracts(SOURCE_ROOT / "metadata" / "contracts")


def _rules(suite) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {e.meta["rule"]: e for e in suite.expectations}


def test_every_entity_gets_suites_with_known_dimensions_and_severities(contracts) -> None:  # type: ignore[no-untyped-def]
    for contract in contracts.values():
        for entity in contract.entities:
            batch = Batch("bronze", f"bronze.{contract.source}__{entity.name}", None)
            for suite in (bronze_suite(contract, entity, batch), silver_suite(contract, entity, batch),
                          delivery_suite(contract, entity, QualitySettings())):
                assert suite.expectations, (contract.source, entity.name)
                for exp in suite.expectations:
                    assert exp.meta["dimension"] in DIMENSIONS and str(exp.severity.value) in SEVERITIES
                    assert exp.meta["rule"]


def test_bronze_judges_every_column_as_silver_does(contracts) -> None:  # type: ignore[no-untyped-def]
    persons = contracts["public_security"].entity("persons")
    batch = Batch("bronze", "bronze.public_security__persons", None, birthplace_flags={"citizen_id": "_bp_citizen_id"},
                  code_flags={"gender": "_lk_code_gender"}, row_count_bounds=(900.0, 1100.0))
    rules = _rules(bronze_suite(contracts["public_security"], persons, batch))
    assert rules["citizen_id.citizen_id"].expectation_type == "expect_column_values_to_be_valid_citizen_id"
    assert rules["citizen_id.citizen_id"].birthplace_flag_column == "_bp_citizen_id"
    assert rules["gender.code_table"].code_flag_column == "_lk_code_gender"
    assert rules["phone.phone"].expectation_type == "expect_column_values_to_be_valid_phone"
    assert rules["name.required"].meta["dimension"] == "completeness"
    assert rules["birth_date.matches_id_birth_date"].id_column == "citizen_id"
    assert rules["gender.matches_id_gender"].meta["dimension"] == "accuracy"
    assert rules["registration_status.accepted_values"].value_set == ["正常", "死亡注销", "迁出注销"]
    assert rules["citizen_id.unique"].severity.value == "warning"  # silver drops duplicates by design
    assert rules["record.well_formed"].column == "_corrupt"
    assert rules["table.row_count"].min_value == 900 and rules["table.row_count"].max_value == 1100
    # columns are judged on the lines that parsed; a broken line is reported once
    assert rules["name.required"].row_condition is not None and rules["record.well_formed"].row_condition is None


def test_silver_skips_ciphertext_and_checks_keys_references_and_standard_form(contracts) -> None:  # type: ignore[no-untyped-def]
    employment = contracts["hr_social_security"].entity("employment")
    batch = Batch("silver", "silver.hr_social_security__employment", None,
                  references={"employer_credit_code": "_ref_1_employer_credit_code", "citizen_id": "_ref_0_citizen_id"})
    rules = _rules(silver_suite(contracts["hr_social_security"], employment, batch))
    assert "citizen_id.citizen_id" not in rules and "phone.phone" not in rules  # encrypted in silver
    assert rules["employer_credit_code.credit_code"].severity.value == "critical"
    assert rules["monthly_wage.range"].expectation_type == "expect_column_values_to_be_between"
    assert rules["monthly_wage.range"].meta["dimension"] == "accuracy"
    ref = rules["employer_credit_code.reference"]
    assert ref.meta["dimension"] == "consistency" and ref.severity.value == "warning"
    assert ref.reference == "market_supervision.enterprises.credit_code"
    assert rules["citizen_id.reference"].flag_column == "_ref_0_citizen_id"
    assert rules["employment_id.unique"].severity.value == "critical"
    assert rules["record.standard_form"].severity.value == "info"


def test_a_contracts_column_rule_sets_the_severity_and_the_mildest_wins() -> None:
    from citylake.contracts import ColumnContract

    col = ColumnContract(name="phone", element="DE.mobile_phone",
                         rules=[RuleSpec(rule="phone.format", severity="warning")])
    assert column_severity(col, "phone", ("no_area_code", "format")) == "warning"
    assert column_severity(col, "phone", ("missing",)) == "critical"
    col = ColumnContract(name="phone", rules=[RuleSpec(rule="phone", severity="info")])
    assert column_severity(col, "phone", ("format",)) == "info"


def test_delivery_suite_reads_freshness_from_the_contract(contracts) -> None:  # type: ignore[no-untyped-def]
    filings = contracts["tax"].entity("filings")
    rules = _rules(delivery_suite(contracts["tax"], filings, QualitySettings(quarantine_share_max=0.1)))
    assert rules["delivery.freshness"].max_value == filings.freshness_hours
    assert rules["delivery.freshness"].meta["dimension"] == "timeliness"
    assert rules["delivery.quarantine_share"].max_value == 0.1


def test_the_example_hand_written_suite_loads() -> None:
    suites = handwritten_suites(SOURCE_ROOT / "expectations", "silver.public_security__persons")
    assert len(suites) == 1
    table, suite = suites[0]
    assert table == "silver.public_security__persons"
    assert {e.meta["rule"] for e in suite.expectations} >= {"table.not_empty", "change_date.after_birth"}


def test_hand_written_suites_load_from_yaml_or_gx_json_and_bad_ones_say_where(tmp_path: Path) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "gold.dim_person.json").write_text(json.dumps({
        "name": "gold.dim_person.checks", "meta": {"table": "gold.dim_person"},
        "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "person_key"},
                          "meta": {}, "severity": "critical"}]}))
    (folder / "gold.x.yml").write_text("table: gold.x\nexpectations:\n  - type: expect_column_values_to_be_unique\n"
                                       "    kwargs: {column: k}\n    severity: warning\n")
    found = dict(handwritten_suites(tmp_path))
    assert set(found) == {"gold.dim_person", "gold.x"}
    assert found["gold.dim_person"].name == "gold.dim_person.checks"
    assert found["gold.x"].expectations[0].severity.value == "warning"
    bad = folder / "bad.yml"
    bad.write_text("table: gold.y\nexpectations:\n  - type: expect_no_such_thing\n")
    with pytest.raises(SuiteFileError, match=r"bad.yml: expectations\[0\]: expect_no_such_thing"):
        load_suite(bad)
    bad.write_text("table: gold.y\nexpectations:\n  - type: expect_column_values_to_be_unique\n    severity: fatal\n")
    with pytest.raises(SuiteFileError, match="severity 'fatal'"):
        load_suite(bad)
    bad.write_text("expectations: []\n")
    with pytest.raises(SuiteFileError, match="`table:`"):
        load_suite(bad)
