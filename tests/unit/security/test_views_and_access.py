"""Views and decryption decided from tags and the policy alone (no Spark): what each role sees."""

from __future__ import annotations

import pytest

from citylake.contracts import load_contracts
from citylake.security.access import DecryptRequest, refusal
from citylake.security.policy import Policy, Role
from citylake.security.specs import spec_from_tags
from citylake.security.tags import contract_table_spec, token_domain
from citylake.security.views import plan_view
from citylake.settings import SOURCE_ROOT

CONTRACTS = load_contracts(SOURCE_ROOT / "metadata" / "contracts")
PERSONS = contract_table_spec("silver", CONTRACTS["public_security"], CONTRACTS["public_security"].entity("persons"))
HOUSEHOLDS = contract_table_spec("silver", CONTRACTS["public_security"],
                                 CONTRACTS["public_security"].entity("households"))
POLICY = Policy.model_validate({"roles": {
    "analyst": {"kind": "analyst", "description": "a", "layers": ["silver", "gold"], "clear_max_grade": 1},
    "steward": {"kind": "steward", "description": "s", "layers": ["silver"], "clear_max_grade": 2,
                "decrypt": {"purposes": ["quality_review"], "max_grade": 4}},
    "jiangan": {"kind": "tenant", "description": "t", "layers": ["silver"], "clear_max_grade": 2,
                "tenant": {"sources": ["public_security"], "divisions": ["420102"]},
                "decrypt": {"purposes": ["service"], "max_grade": 3}},
    "auditor": {"kind": "auditor", "description": "u", "layers": ["ops"]},
}})
SILVER_COLUMNS = [c.name for c in PERSONS.columns] + ["_row_hash", "_batch_id", "valid_from", "is_current", "mystery"]


def test_token_keys_are_shared_by_value_domain_across_departments():
    """A citizen ID tokenizes alike in the register, a marriage and an enterprise's legal rep."""
    domains = set()
    for contract in CONTRACTS.values():
        for entity in contract.entities:
            for col in entity.columns:
                if col.element == "DE.citizen_id" and col.sensitivity.protection != "none":
                    domains.add(token_domain(contract, entity, col))
    assert domains == {"citizen_id"}
    phones = {token_domain(c, e, col) for c in CONTRACTS.values() for e in c.entities for col in e.columns
              if col.element in ("DE.mobile_phone",) and col.sensitivity.protection != "none"}
    assert phones == {"phone"}


def test_analyst_sees_masks_tokens_and_bookkeeping_never_an_untagged_column():
    plan = plan_view("analyst", POLICY.role("analyst"), PERSONS, SILVER_COLUMNS)
    assert plan is not None and plan.view == "secure_analyst.silver__public_security__persons"
    assert set(plan.masked) == {"citizen_id", "name", "phone", "registered_address"}
    assert plan.omitted == ["mystery"], "a column without tags is left out (fail closed)"
    assert "`citizen_id_token`" in plan.sql and "`_row_hash`" in plan.sql and "WHERE" not in plan.sql


def test_steward_sees_grade_two_in_the_clear():
    plan = plan_view("steward", POLICY.role("steward"), PERSONS, SILVER_COLUMNS)
    assert plan is not None and set(plan.masked) == {"citizen_id", "name", "phone"}


def test_tenant_sees_its_divisions_and_fails_closed_without_a_division_column():
    tenant = POLICY.role("jiangan")
    plan = plan_view("jiangan", tenant, HOUSEHOLDS, [c.name for c in HOUSEHOLDS.columns])
    assert plan is not None and plan.row_filter == "(substring(CAST(`street_code` AS STRING), 1, 6) = '420102')"
    assert plan_view("jiangan", tenant, PERSONS, SILVER_COLUMNS) is None, "persons have no division column"
    hr = CONTRACTS["hr_social_security"]
    assert plan_view("jiangan", tenant, contract_table_spec("silver", hr, hr.entity("insurance")), ["citizen_id"]) is None


def test_cross_department_tables_are_filtered_by_their_source_column():
    gold = spec_from_tags("gold", "person_services", {
        "citizen_id_token": {"kind": "token", "grade": 2}, "service": {}, "source": {}, "division": {}},
        source_column="source", division_column="division")
    tenant = Role.model_validate({"kind": "tenant", "description": "t", "layers": ["gold"],
                                  "tenant": {"sources": ["civil_affairs"]}})
    plan = plan_view("ca", tenant, gold, ["citizen_id_token", "service", "source", "division"])
    assert plan is not None and plan.row_filter == "`source` IN ('civil_affairs')"
    assert plan_view("ca", POLICY.role("auditor"), gold, ["service"]) is None  # not the auditor's layer


def _req(role: str, columns=("citizen_id",), purpose="quality_review", **kw) -> DecryptRequest:
    return DecryptRequest(role, purpose, "silver.public_security__persons", list(columns), **kw)


@pytest.mark.parametrize("request_,reason", [
    (_req("analyst"), "may not decrypt"),
    (_req("auditor"), "may not decrypt"),
    (_req("steward", purpose="curiosity"), "purpose 'curiosity' is not one of"),
    (_req("steward", columns=("gender",)), "not an encrypted column"),
    (_req("steward", where="citizen_id = '420102199003071232'"), "names protected column"),
    (_req("steward", match={"name": "张三"}), "no token to match on"),
    (_req("jiangan", purpose="service"), "outside tenant"),
])
def test_refusals(request_, reason):
    role = POLICY.role(request_.role)
    assert reason in (refusal(role, request_.role, "alice", request_, PERSONS) or "")


def test_grants_and_grade_ceiling():
    steward = POLICY.role("steward")
    assert refusal(steward, "steward", "alice", _req("steward", columns=("citizen_id", "name")), PERSONS) is None
    assert refusal(steward, "steward", "alice", _req("steward", match={"citizen_id": "x"},
                                                      where="_day = '2026-01-01'"), PERSONS) is None
    members_only = Role.model_validate({"kind": "steward", "description": "s", "layers": ["silver"], "members": ["bob"],
                                        "decrypt": {"purposes": ["quality_review"], "max_grade": 3}})
    assert "not a member" in refusal(members_only, "s", "alice", _req("s"), PERSONS)
    assert "grade 4, above" in refusal(members_only, "s", "bob", _req("s"), PERSONS)
