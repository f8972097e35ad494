"""Text, phone, date, bank card, e-mail, name, code and number normalizers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from citylake.standards.validators import (
    REASONS,
    VALIDATORS,
    check_admin_division,
    check_amount,
    check_bank_card,
    check_code,
    check_email,
    check_industry_code,
    check_latitude,
    check_longitude,
    check_mobile_phone,
    check_person_name,
    luhn_ok,
    normalize_phone,
    normalize_text,
    parse_date,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ＡＢＣ　１２３  ", "ABC 123"),
        ("a \t\n b", "a b"),
        ("有限公司（深圳）", "有限公司(深圳)"),
        ("中文不变", "中文不变"),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_text(raw: str | None, expected: str | None) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-138-0013-8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("(0755) 8888 9999", "0755-88889999"),
        ("010-62345678", "010-62345678"),
        ("021 5123456", "021-5123456"),
        ("+86 755 88889999", "0755-88889999"),
        ("+86 (10) 6234-5678", "010-62345678"),
    ],
)
def test_phone_numbers_normalize(raw: str, expected: str) -> None:
    assert normalize_phone(raw).value == expected


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (None, "missing"),
        (" ", "missing"),
        ("88889999", "no_area_code"),
        ("12800138000", "format"),    # 12x is not a mobile prefix
        ("1380013800", "format"),     # 10 digits
        ("400-800-8888", "format"),   # a service number, not a subscriber's
        ("010-12345678", "format"),   # local numbers do not start with 1
        ("call me", "format"),
    ],
)
def test_bad_phone_numbers_give_none_and_a_reason(raw: str | None, rule: str) -> None:
    checked = normalize_phone(raw)
    assert checked.value is None and checked.reason == rule


def test_mobile_only_rejects_landlines() -> None:
    assert check_mobile_phone("+86 13800138000").value == "13800138000"
    assert check_mobile_phone("0755-88889999").reason == "format"


@pytest.mark.parametrize(
    "raw",
    ["2023-05-01", "2023/5/1", "2023.5.1", "2023年5月1日", "2023年05月01日", "2023年5月1", "20230501",
     "2023-5-1", " 2023 年 5 月 1 日 ", "2023-05-01 08:30:00", "2023-05-01T08:30", "２０２３－０５－０１",
     dt.date(2023, 5, 1), dt.datetime(2023, 5, 1, 8, 30)],
)
def test_every_date_format_parses(raw: object) -> None:
    assert parse_date(raw).value == dt.date(2023, 5, 1)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("2023-02-30", "impossible_date"),
        ("2023-02-29", "impossible_date"),   # not a leap year
        ("2023/13/1", "impossible_date"),
        ("2023年4月31日", "impossible_date"),
        ("20230631", "impossible_date"),
        ("2023-00-10", "impossible_date"),
        ("2023/05-01", "format"),            # mixed separators
        ("0023-05-01", "format"),
        ("23-05-01", "format"),
        ("May 1, 2023", "format"),
        ("", "missing"),
        (None, "missing"),
    ],
)
def test_bad_dates_give_none_and_a_reason(raw: str | None, rule: str) -> None:
    checked = parse_date(raw)
    assert checked.value is None and checked.reason == rule


def test_leap_day_is_a_date() -> None:
    assert parse_date("2024-02-29").value == dt.date(2024, 2, 29)


def test_to_simplified_maps_common_name_characters() -> None:
    assert to_simplified("陳張劉黃") == "陈张刘黄"
    assert to_simplified("王芳") == "王芳" and to_simplified(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("陳 大文", "陈大文"), ("阿卜杜拉•买买提", "阿卜杜拉·买买提"), (" John Smith ", "John Smith"), ("王芳", "王芳")],
)
def test_person_names(raw: str, expected: str) -> None:
    assert check_person_name(raw).value == expected


@pytest.mark.parametrize("raw", ["王", "张3", "@@", ""])
def test_bad_person_names(raw: str) -> None:
    assert not check_person_name(raw).ok


def test_bank_cards_and_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert check_bank_card("4111-1111-1111-1111").value == "4111111111111111"
    assert check_bank_card("4111111111111112").reason == "check_digit"
    assert check_bank_card("12345").reason == "format"
    assert check_bank_card(None).reason == "missing"


@pytest.mark.parametrize("raw", ["a@b.cn", "Foo.Bar@Example.COM", "x_y+z@mail.gov.cn", "ａ@ｂ.ｃｎ"])
def test_good_emails(raw: str) -> None:
    assert check_email(raw).value == normalize_text(raw).lower()  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", ["a..b@x.com", ".a@x.com", "a@x", "a@-x.com", "张三@x.com", "a@b.c"])
def test_bad_emails(raw: str) -> None:
    assert check_email(raw).reason == "format"


def test_code_values_map_names_and_aliases() -> None:
    assert check_code("男", "gender").value == "1"
    assert check_code("01", "ethnicity").value == "01"
    assert check_code("朝阳区", "admin_division").reason == "ambiguous"
    assert check_code("火星", "admin_division").reason == "not_in_code_table"


def test_admin_division_and_industry_codes() -> None:
    assert check_admin_division("440305").ok and check_admin_division("440305000000").value == "440305"
    assert check_admin_division("110103").reason == "not_in_code_table"   # retired: not for addresses
    assert check_admin_division("4403").reason == "format"
    assert check_industry_code("C3911").value == "3911" and check_industry_code("f").value == "F"
    assert check_industry_code("9911").reason == "not_in_code_table"


def test_amounts_and_coordinates() -> None:
    assert check_amount("1,000.50万元").value == Decimal("1000.50")
    assert check_amount("-1").reason == "out_of_range" and check_amount("abc").reason == "format"
    assert check_longitude("114.06").value == 114.06 and check_latitude("22.54").ok
    assert check_longitude("22.54").reason == "out_of_range"
    assert check_latitude("22.5", bounds=(22.4, 22.9)).ok and not check_latitude("23", bounds=(22.4, 22.9)).ok


def test_every_validator_is_documented() -> None:
    for validator in VALIDATORS.values():
        assert validator.check.__doc__ and validator.standard
    assert {"missing", "format", "check_digit"} <= set(REASONS)
