"""Classification and grading: from sampled values to a proposal, and where declarations disagree."""

from __future__ import annotations

import dataclasses

import pytest

from citylake.security import crypto
from citylake.security.classification import (
    LEAK, OK, OVER, PROTECTED, UNDER, UNTAGGED, Level, compare, detect_column, load_rules, propose,
)
from citylake.security.discovery import _DDL, ColumnFinding
from citylake.settings import SOURCE_ROOT
from security_values import ADDRESSES, CITIZEN_IDS, NAMES, PHONES

RULES = load_rules(SOURCE_ROOT / "metadata" / "security" / "classification.yml")
ID_LEVEL = Level("sensitive_personal", "important", 4, "encrypt_and_tokenize")


def test_a_column_is_the_kind_most_of_its_values_are():
    column = CITIZEN_IDS * 3 + ["", None, "unknown"]
    detection = detect_column(column, RULES)
    assert detection.kind == "citizen_id" and detection.share == pytest.approx(18 / 19, abs=1e-3)
    assert detect_column(CITIZEN_IDS[:2] + ["a", "b", "c"], RULES).kind is None  # below the threshold


def test_a_code_column_is_not_taken_for_names():
    assert detect_column(["初始"] * 40 + ["出生"] * 5, RULES).kind is None
    assert detect_column(NAMES * 2, RULES).kind == "person_name"


def test_identifiers_inside_free_text_are_counted():
    texts = [f"{n},{i},{p},x" for n, i, p in zip(NAMES, CITIZEN_IDS, PHONES)]
    detection = detect_column(texts, RULES)
    assert detection.kind is None and detection.embedded == {"citizen_id": 6, "phone": 6}
    assert detection.plaintext_kinds == {"citizen_id", "phone"}


def test_proposals_follow_the_rules_and_addresses_need_people():
    assert propose("citizen_id", True, RULES) == ID_LEVEL
    assert propose("address", True, RULES) == Level("personal", "general", 2, "none")
    assert propose("address", False, RULES) == Level()  # a shelter's address is not personal
    assert propose(None, True, RULES) is None


def test_plaintext_where_it_must_not_be_is_a_leak():
    detection = detect_column(CITIZEN_IDS, RULES)
    status, note = compare(ID_LEVEL, ID_LEVEL, detection, plaintext_forbidden=True)
    assert status == LEAK and "citizen_id" in note
    assert compare(ID_LEVEL, ID_LEVEL, detection, plaintext_forbidden=False)[0] == OK  # bronze: raw by design


def test_ciphertext_is_protected():
    values = [crypto.encrypt_value(v, bytes(16), "k.1") for v in CITIZEN_IDS]
    detection = detect_column(values, RULES)
    assert detection.kind == "encrypted"
    assert compare(ID_LEVEL, propose("citizen_id", True, RULES), detection, True) == (PROTECTED, "")


def test_looser_declarations_are_under_declared_and_stricter_over_declared():
    names = detect_column(NAMES, RULES)
    status, note = compare(Level(), propose("person_name", True, RULES), names, False)
    assert status == UNDER and "grade declared 1, proposed 3" in note
    status, note = compare(Level("personal", "general", 2, "none"), Level(), detect_column(ADDRESSES, RULES), False,
                           element_personal="personal")
    assert status == OVER and "grade declared 2, proposed 1" in note
    status, note = compare(Level(), None, detect_column(["1", "2"] * 5, RULES), False, element_personal="personal")
    assert status == UNDER and "data element says personal" in note


def test_untagged_tables_are_reported():
    detection = detect_column(PHONES, RULES)
    assert compare(None, propose("phone", True, RULES), detection, False)[0] == UNTAGGED


def test_the_stricter_level_is_the_catalog_tag():
    assert Level("personal", "general", 2, "none").stricter(ID_LEVEL) == ID_LEVEL


def test_scan_rows_and_the_table_ddl_have_the_same_columns():
    ddl_names = [part.strip().split()[0] for part in _DDL.replace("MAP<STRING, BIGINT>", "MAP").split(",")]
    assert ddl_names == [f.name for f in dataclasses.fields(ColumnFinding)]
