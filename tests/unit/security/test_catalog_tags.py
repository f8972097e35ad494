"""Catalog tags from the scan: gold/published columns get the scan's grade, classification and
PII tags; a contract's declaration is only ever raised, never lowered."""

from __future__ import annotations

from citylake.catalog import tables
from citylake.catalog.tables import LiveColumn, LiveTable
from citylake.contracts import load_contracts
from citylake.security.catalog_tags import ScanLevel, apply_scan_tags
from citylake.settings import SOURCE_ROOT


def _fqns(tags: list[dict]) -> set[str]:
    return {t["tagFQN"] for t in tags}


def test_a_table_without_contract_takes_the_scanned_levels():
    live = LiveTable("published", "person_services_v1", [LiveColumn("person_token", "string"),
                                                         LiveColumn("holder_name", "string"),
                                                         LiveColumn("service", "string")])
    payload = tables.platform_table(live)
    assert "DataGrade.Grade1" in _fqns(payload.request["tags"])
    changed = apply_scan_tags([payload], {"published.person_services_v1": {
        "holder_name": ScanLevel("personal", "general", 3), "service": ScanLevel("none", "general", 1)}})
    assert changed == 1
    cols = {c["name"]: _fqns(c.get("tags") or []) for c in payload.request["columns"]}
    assert cols["holder_name"] == {"DataGrade.Grade3", "DataClassification.General", "PII.NonSensitive"}
    assert cols["person_token"] == set(), "a column the scan did not see keeps what it had"
    table_tags = _fqns(payload.request["tags"])
    assert "DataGrade.Grade3" in table_tags and "DataGrade.Grade1" not in table_tags
    assert any(t.startswith("Tier.") for t in table_tags) and not any(t.startswith("PII.") for t in table_tags)
    assert payload.meta["grade"] == 3


def test_a_contract_declaration_is_never_lowered_by_a_scan():
    contract = load_contracts(SOURCE_ROOT / "metadata" / "contracts")["public_security"]
    payload = tables.contract_table("silver", contract, contract.entity("persons"))
    before = {c["name"]: _fqns(c.get("tags") or []) for c in payload.request["columns"]}
    assert "DataGrade.Grade4" in before["citizen_id"]
    apply_scan_tags([payload], {"silver.public_security__persons": {
        "citizen_id": ScanLevel("none", "general", 1),           # a scan that saw only ciphertext
        "registered_address": ScanLevel("personal", "important", 3)}})  # a scan that found more
    after = {c["name"]: _fqns(c.get("tags") or []) for c in payload.request["columns"]}
    assert after["citizen_id"] == before["citizen_id"]
    assert {"DataGrade.Grade3", "DataClassification.Important"} <= after["registered_address"]
    assert any(t.startswith("DataStandards.") for t in after["registered_address"]), "glossary term kept"
