"""The access policy: the project's file is valid, and a wrong one names what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from citylake.security.policy import PolicyError, load_policy, policy_path, view_schema
from citylake.settings import SOURCE_ROOT

POLICY = policy_path(SOURCE_ROOT / "metadata")


def test_the_project_policy_has_the_four_kinds_of_role():
    policy = load_policy(POLICY)
    assert {r.kind for r in policy.roles.values()} == {"analyst", "steward", "tenant", "auditor"}
    assert policy.role("analyst").decrypt is None and policy.role("steward").decrypt is not None
    assert "silver" not in policy.role("analyst").layers
    assert view_schema("analyst") == "secure_analyst"


def _write(tmp_path: Path, roles: dict) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump({"version": 1, "roles": roles}, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("role,message", [
    ({"kind": "auditor", "description": "d", "layers": ["ops"], "decrypt": {"purposes": ["x"]}}, "separation of duties"),
    ({"kind": "tenant", "description": "d", "layers": ["silver"]}, "needs a `tenant:` section"),
    ({"kind": "tenant", "description": "d", "layers": ["silver"], "tenant": {"sources": ["a"], "divisions": ["42x"]}},
     "GB/T 2260 code prefix"),
    ({"kind": "analyst", "description": "d", "layers": ["bronze"]}, "layers"),
    ({"kind": "analyst", "description": "d", "layers": ["gold"], "clear_max_grade": 9}, "clear_max_grade"),
    ({"kind": "analyst", "description": "d", "layers": ["gold"], "colour": "red"}, "colour"),
])
def test_a_wrong_policy_names_the_field(tmp_path: Path, role, message):
    with pytest.raises(PolicyError, match=message) as err:
        load_policy(_write(tmp_path, {"someone": role}))
    assert str(tmp_path) in str(err.value) and "\n" not in str(err.value)


def test_role_names_become_schema_names(tmp_path: Path):
    with pytest.raises(PolicyError, match="snake_case"):
        load_policy(_write(tmp_path, {"Bad-Name": {"kind": "analyst", "description": "d", "layers": ["gold"]}}))


def test_unknown_role_and_membership():
    policy = load_policy(POLICY)
    with pytest.raises(PolicyError, match="no role 'nobody'"):
        policy.role("nobody")
    assert policy.role("analyst").admits("anyone")
