"""Data elements reference existing code tables and validators; bad files name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from citylake.errors import CitylakeError
from citylake.standards.code_tables import list_code_tables
from citylake.standards.data_elements import data_element, load_data_elements, read_data_elements
from citylake.standards.validators import VALIDATORS

#: Elements the sources of the platform use (people, places, legal persons, licences).
REQUIRED = {
    "DE.citizen_id", "DE.person_name", "DE.gender", "DE.ethnicity", "DE.birth_date", "DE.marital_status",
    "DE.family_relationship", "DE.household_id", "DE.mobile_phone", "DE.phone", "DE.address",
    "DE.admin_division_code", "DE.credit_code", "DE.enterprise_name", "DE.enterprise_type",
    "DE.industry_code", "DE.registered_capital", "DE.enterprise_status", "DE.licence_number",
    "DE.licence_type", "DE.date", "DE.longitude", "DE.latitude", "DE.email", "DE.bank_card_number",
}


def test_required_elements_exist() -> None:
    assert REQUIRED <= set(load_data_elements())


def test_elements_reference_existing_tables_and_validators() -> None:
    tables = set(list_code_tables())
    for element in load_data_elements().values():
        assert element.code_table is None or element.code_table in tables
        assert element.validator is None or element.validator in VALIDATORS
        if element.validator and VALIDATORS[element.validator].needs_code_table:
            assert element.code_table


def test_identifiers_of_people_are_sensitive() -> None:
    for name in ("DE.citizen_id", "DE.bank_card_number"):
        assert data_element(name).sensitivity == "sensitive_personal"
    assert data_element("DE.credit_code").sensitivity == "none"


def test_elements_check_values_with_their_standard() -> None:
    assert data_element("DE.gender").check("女").value == "2"
    assert data_element("DE.citizen_id").check("11010119900307803x").value == "11010119900307803X"
    assert data_element("DE.birth_date").check("1990年3月7日").ok
    assert data_element("DE.latitude").check("91").reason == "out_of_range"


def test_unknown_element_is_a_clear_error() -> None:
    with pytest.raises(CitylakeError, match="no data element 'DE.nope'"):
        data_element("DE.nope")


ENTRY = """\
elements:
  - id: DE.ok
    name: 性别
    name_en: sex
    definition: d
    data_type: string
    format: n1
    code_table: gender
    validator: code
    sensitivity: personal
  - id: {id}
    name: 错
    name_en: wrong
    definition: d
    data_type: {data_type}
    format: n1
    code_table: {table}
    validator: {validator}
    sensitivity: none
"""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"table": "sex"}, r"elements.yml:11: DE.bad: field 'code_table': no code table 'sex'"),
        ({"validator": "magic"}, r"elements.yml:11: DE.bad: field 'validator': no validator 'magic'"),
        ({"data_type": "text"}, r"elements.yml:11: DE.bad: field 'data_type'"),
        ({"id": "DE.ok"}, r"elements.yml:11: DE.ok: the id is already used"),
        ({"id": "citizen"}, r"elements.yml:11: citizen: field 'id'"),
    ],
)
def test_a_wrong_element_names_file_line_and_field(tmp_path: Path, fields: dict[str, str], message: str) -> None:
    values = {"id": "DE.bad", "data_type": "string", "table": "gender", "validator": "code"} | fields
    path = tmp_path / "elements.yml"
    path.write_text(ENTRY.format(**values), encoding="utf-8")
    with pytest.raises(CitylakeError, match=message):
        read_data_elements(path)


def test_a_code_validator_needs_a_table(tmp_path: Path) -> None:
    path = tmp_path / "elements.yml"
    text = ENTRY.format(id="DE.bad", data_type="string", table="gender", validator="code")
    path.write_text(text.replace("    code_table: gender\n    validator: code\n    sensitivity: none",
                                 "    validator: code\n    sensitivity: none"), encoding="utf-8")
    with pytest.raises(CitylakeError, match=r"DE.bad: field 'code_table': validator 'code' needs one"):
        read_data_elements(path)
