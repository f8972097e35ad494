"""Every payload the catalog builds is a valid OpenMetadata request, and the catalog
holds every contract table with its owner, domain, grade, columns and descriptions."""

from __future__ import annotations

import pytest

from citylake.catalog import naming as n
from citylake.catalog.sync import stored_payloads
from citylake.contracts import load_contracts
from citylake.settings import Settings
from citylake.standards.data_elements import load_data_elements


@pytest.fixture(scope="module")
def payloads(synced: Settings) -> list:
    return stored_payloads(synced)


def test_every_payload_validates_against_openmetadata_models(synced: Settings, payloads: list) -> None:
    from citylake.catalog.sync import validate

    result = validate(synced)
    assert result["errors"] == []
    assert result["checked"] == len(payloads)
    for kind in ("databaseService", "storageService", "pipelineService", "database", "databaseSchema", "table",
                 "container", "pipeline", "team", "domain", "classification", "tag", "glossary", "glossaryTerm",
                 "lineage"):
        assert result["by_kind"].get(kind), f"no {kind} payload was checked"


def test_every_contract_table_is_catalogued_with_owner_domain_grade(synced: Settings, payloads: list) -> None:
    tables = {p.fqn: p for p in payloads if p.kind == "table"}
    containers = {p.fqn for p in payloads if p.kind == "container"}
    for contract in load_contracts(synced.contracts_dir).values():
        for entity in contract.entities:
            assert n.container_fqn(contract.source, entity.name) in containers
            for layer in ("bronze", "silver", "quarantine"):
                table = tables[n.table_fqn(layer, f"{contract.source}__{entity.name}")]
                req = table.request
                assert req["owners"][0]["fullyQualifiedName"] == contract.owner
                assert req["domains"] == [contract.domain]
                tags = {t["tagFQN"] for t in req["tags"]}
                assert any(t.startswith("DataGrade.Grade") for t in tags) and any(t.startswith("Tier.") for t in tags)
                assert all(c.get("description") for c in req["columns"]), f"{table.fqn} has a column without description"


def test_columns_carry_their_data_standard_and_grade(payloads: list) -> None:
    silver = next(p for p in payloads if p.fqn == n.table_fqn("silver", "public_security__persons"))
    citizen = next(c for c in silver.request["columns"] if c["name"] == "citizen_id")
    tags = {t["tagFQN"]: t["source"] for t in citizen["tags"]}
    assert tags["DataStandards.citizen_id"] == "Glossary"
    assert "DataGrade.Grade4" in tags and "PII.Sensitive" in tags and "DataClassification.Important" in tags
    assert "公民身份号码" in citizen["description"]


def test_glossary_holds_every_data_element_and_code_table(payloads: list) -> None:
    terms = {p.fqn for p in payloads if p.kind == "glossaryTerm"}
    for element in load_data_elements():
        assert n.term_fqn(n.GLOSSARY, n.term_name(element)) in terms
    gender = next(p for p in payloads if p.fqn == "DataStandards.gender")
    assert gender.request["relatedTerms"] == ["CodeTables.gender"]


def test_lineage_runs_from_each_landing_source_to_each_silver_table(synced: Settings, payloads: list) -> None:
    edges = {(p.meta["from"][1], p.meta["to"][1]) for p in payloads if p.kind == "lineage"}
    for contract in load_contracts(synced.contracts_dir).values():
        for entity in contract.entities:
            table = f"{contract.source}__{entity.name}"
            bronze = n.table_fqn("bronze", table)
            assert (n.container_fqn(contract.source, entity.name), bronze) in edges
            assert (bronze, n.table_fqn("silver", table)) in edges
            assert (bronze, n.table_fqn("quarantine", table)) in edges


def test_every_edge_names_columns_its_ends_have(payloads: list) -> None:
    columns = {}
    for p in payloads:
        cols = p.request.get("columns") or (p.request.get("dataModel") or {}).get("columns") or []
        columns[p.fqn] = {n.column_fqn(p.fqn, c["name"]) for c in cols}
    for p in (p for p in payloads if p.kind == "lineage"):
        details = p.request["edge"]["lineageDetails"]
        for cl in details.get("columnsLineage", []):
            assert set(cl["fromColumns"]) <= columns[p.meta["from"][1]], p.fqn
            assert cl["toColumn"] in columns[p.meta["to"][1]], p.fqn


def test_payloads_are_stable(catalog_settings: Settings) -> None:
    from citylake.catalog.build import build_catalog

    contracts = load_contracts(catalog_settings.contracts_dir)
    first = {(p.kind, p.fqn, p.origin): p.digest for p in build_catalog(contracts)}
    assert first == {(p.kind, p.fqn, p.origin): p.digest for p in build_catalog(contracts)}
