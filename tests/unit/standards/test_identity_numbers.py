"""Citizen ID (GB 11643) and unified social credit code (GB 32100) checks."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric, uscc

from citylake.standards.validators import (
    check_citizen_id,
    check_credit_code,
    id_birth_date,
    id_gender,
    normalize_citizen_id,
    normalize_credit_code,
)

TODAY = dt.date(2025, 6, 30)


def make_id(place: str, born: str, seq: str) -> str:
    body = place + born + seq
    return body + ric.calc_check_digit(body + "0")


VALID_ID = make_id("110101", "19900307", "803")  # ends in X


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VALID_ID, VALID_ID),
        (VALID_ID.lower(), VALID_ID),
        (" 110101 19900307 803x ", VALID_ID),
        ("１１０１０１１９９００３０７８０３ｘ", VALID_ID),
        ("\u3000" + VALID_ID + "\t", VALID_ID),
        ("", None),
        (None, None),
    ],
)
def test_normalize_citizen_id(raw: str | None, expected: str | None) -> None:
    assert normalize_citizen_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [VALID_ID, VALID_ID.lower(), "１１０１０１１９９００３０７８０３ｘ", make_id("440305", "20010228", "123"),
     make_id("110103", "19800101", "001"),   # 崇文区, retired in 2010: still a valid birthplace
     make_id("330112", "20180101", "002")],  # 临安区, newer than the cpca snapshot
)
def test_valid_citizen_ids_pass(raw: str) -> None:
    checked = check_citizen_id(raw, today=TODAY)
    assert checked.ok and checked.value == normalize_citizen_id(raw)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (None, "missing"),
        ("   ", "missing"),
        ("11010119900307803", "format"),            # 17 characters
        ("1101011990030780312", "format"),          # 19 characters
        ("110101900307803", "format"),              # 15-digit first generation
        ("11010119900307803Y", "format"),
        ("A10101199003078031", "format"),
        (make_id("999999", "19900307", "803"), "birthplace"),
        (make_id("110101", "19900230", "803"), "birth_date"),   # 30 February
        (make_id("110101", "19901301", "803"), "birth_date"),   # month 13
        (make_id("110101", "20300101", "803"), "birth_date"),   # in the future
        (make_id("110101", "18991231", "803"), "birth_date"),   # before 1900
        (VALID_ID[:17] + "0", "check_digit"),
    ],
)
def test_invalid_citizen_ids_name_the_rule(raw: str | None, rule: str) -> None:
    assert check_citizen_id(raw, today=TODAY).reason == rule


def test_birthplace_missing_from_stdnum_does_not_raise() -> None:
    # stdnum's is_valid() can raise KeyError for such codes; ours returns a rule.
    assert check_citizen_id(make_id("990000", "19900101", "123"), today=TODAY).reason == "birthplace"


def test_id_birth_date_and_gender() -> None:
    assert id_birth_date(VALID_ID) == dt.date(1990, 3, 7)
    assert id_gender(VALID_ID) == "1"          # 17th digit 3: odd
    assert id_gender(make_id("110101", "19900307", "802")) == "2"
    assert id_birth_date("110101199002301234") is None
    assert id_birth_date("not an id") is None and id_gender(None) is None


# --- unified social credit code ------------------------------------------------------------

VALID_CREDIT = "91110000600037341L"


def make_credit(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


@pytest.mark.parametrize(
    "raw",
    [VALID_CREDIT, VALID_CREDIT.lower(), "9111 0000 6000 3734 1L", "91110000-600037341L",
     "９１１１００００６０００３７３４１Ｌ", make_credit("Y1440300MA5XXXXXX"), make_credit("N2440305123456789")],
)
def test_valid_credit_codes_pass(raw: str) -> None:
    checked = check_credit_code(raw)
    assert checked.ok and checked.value == normalize_credit_code(raw)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "missing"),
        ("91110000600037341", "format"),
        ("911100006000373410L", "format"),
        ("9111000060003734IL", "format"),          # I is not in the GB 32100 alphabet
        ("91AB0000600037341L", "format"),           # region code must be digits
        ("91110000600037341A", "check_digit"),
    ],
)
def test_invalid_credit_codes_name_the_rule(raw: str, rule: str) -> None:
    assert check_credit_code(raw).reason == rule
