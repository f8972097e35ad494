"""Contracts: the project's own load cleanly; a wrong one names its file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citylake.contracts import ContractError, clear_cache, json_schema, load_contract, load_contracts
from citylake.settings import SOURCE_ROOT

CONTRACTS = SOURCE_ROOT / "metadata" / "contracts"


def test_the_projects_contracts_load_and_cover_ten_departments() -> None:
    contracts = load_contracts(CONTRACTS)
    assert len(contracts) == 10
    entities = [e for c in contracts.values() for e in c.entities]
    assert len(entities) == 22
    for contract in contracts.values():
        assert contract.department and contract.owner and contract.domain
        for e in contract.entities:
            assert all(e.column(k).required for k in e.keys)
            assert all(c.description for c in e.columns), f"{contract.source}.{e.name}"


def test_sensitive_columns_are_declared() -> None:
    persons = load_contracts(CONTRACTS)["public_security"].entity("persons")
    assert persons.column("citizen_id").sensitivity.personal == "sensitive_personal"
    assert persons.column("citizen_id").sensitivity.protection == "encrypt_and_tokenize"


def test_json_schema_for_editors_is_current() -> None:
    assert (CONTRACTS / "contract.schema.json").read_text() == json_schema()
    assert json.loads(json_schema())["title"] == "SourceContract"


def _write(tmp_path: Path, body: str, name: str = "water.yml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


GOOD = """source: water
department: 水务局
owner: water
domain: utilities
entities:
  - name: meters
    title: 水表
    format: csv
    keys: [meter_id]
    columns:
      - name: meter_id
        required: true
        description: meter
      - name: reading
        type: double
        description: m3
"""


def test_a_good_contract_loads(tmp_path: Path) -> None:
    contract = load_contract(_write(tmp_path, GOOD))
    assert contract.entity("meters").column("reading").type == "double"


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("type: double", "type: dubble"), 15, "entities.0.columns.1.type", "not one of"),
        (("keys: [meter_id]", "keys: [meter]"), 6, "entities.0", "key 'meter' is not a column"),
        (("        required: true\n", ""), 6, "entities.0", "must be required"),
        (("format: csv", "format: xls"), 8, "entities.0.format", "Input should be"),
        (("owner: water\n", ""), 1, "owner", "Field required"),
    ],
)
def test_a_wrong_contract_names_file_line_and_field(tmp_path: Path, change: tuple[str, str], line: int, field: str,
                                                    message: str) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ContractError) as err:
        load_contract(path)
    text = str(err.value)
    assert text.startswith(f"{path}:{line}: {field}:"), text
    assert message in text


def test_broken_yaml_and_wrong_file_name(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match=r"water.yml:4: not valid YAML"):
        load_contract(_write(tmp_path, "source: water\nentities:\n  - [oops\n"))
    with pytest.raises(ContractError, match="must match the file name"):
        load_contract(_write(tmp_path, GOOD, name="sewage.yml"))


def test_unknown_data_element_or_reference_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "contracts"
    folder.mkdir()
    _write(folder, GOOD.replace("        description: meter", "        description: meter\n        element: DE.nope"))
    clear_cache()
    with pytest.raises(ContractError, match="unknown data element 'DE.nope'"):
        load_contracts(folder)
