"""Pure-Python normalizers and validators of the data standards.

Each check returns a ``Checked``: the standardized value, or None and the *rule* that
failed (a short stable name such as ``check_digit``). Silver writes the rule into the
quarantine reason; ``citylake.standards.spark_rules`` computes the same rules as Spark
SQL and the tests hold the two to the same answers. ``VALIDATORS`` names every check
so data elements can refer to one by name. The identity-number checks live in
``identifiers`` and are re-exported here, so callers need one import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from citylake.standards.checked import REASONS, Checked, date_or_none
from citylake.standards.checked import fail as _fail
from citylake.standards.code_tables import load_code_table
from citylake.standards.identifiers import (
    CREDIT_ALPHABET,
    EARLIEST_BIRTH,
    check_bank_card,
    check_citizen_id,
    check_credit_code,
    id_birth_date,
    id_gender,
    is_birthplace_code,
    luhn_ok,
    normalize_bank_card,
    normalize_citizen_id,
    normalize_credit_code,
)
from citylake.standards.text import normalize_text, to_simplified

__all__ = [
    "Checked", "VALIDATORS", "Validator", "REASONS", "CREDIT_ALPHABET", "EARLIEST_BIRTH",
    "normalize_text", "to_simplified", "normalize_citizen_id", "check_citizen_id",
    "id_birth_date", "id_gender", "normalize_credit_code", "check_credit_code",
    "normalize_phone", "check_mobile_phone", "parse_date", "normalize_bank_card", "check_bank_card",
    "luhn_ok", "is_birthplace_code", "check_email", "check_person_name", "check_code", "check_admin_division",
    "check_industry_code", "check_amount", "check_longitude", "check_latitude",
    "check_identifier", "check_text",
]


# --- telephone numbers --------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[ \-().]+")
_COUNTRY_CODE = re.compile(r"^(\+86|0086)")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_MOBILE_86 = re.compile(r"^86(1[3-9][0-9]{9})$")
_LANDLINE_3 = re.compile(r"^(0(?:10|2[0-9]))([2-9][0-9]{6,7})$")
_LANDLINE_4 = re.compile(r"^(0[3-9][0-9]{2})([2-9][0-9]{6,7})$")
_LOCAL_ONLY = re.compile(r"^[2-9][0-9]{6,7}$")


def normalize_phone(value: object) -> Checked:
    """A Chinese phone number as an 11-digit mobile (13800138000) or a landline with its
    area code (010-12345678, 0755-1234567).

    Removes spaces, dashes, dots, parentheses and the +86 / 0086 country code (after
    which a landline gets back its trunk 0). Mobile numbers follow the 1[3-9] plan of
    the numbering regulation; landlines are 0 + area code (010, 02x: three digits,
    else four) + a 7-8 digit local number. ``no_area_code``: a bare local number, which
    cannot be placed without knowing the city.
    """
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = _PHONE_SEPARATORS.sub("", text)
    had_country_code = bool(_COUNTRY_CODE.match(text))
    text = _COUNTRY_CODE.sub("", text)
    text = _MOBILE_86.sub(r"\1", text)
    if _MOBILE.match(text):
        return Checked(text)
    if had_country_code and not text.startswith("0"):
        text = "0" + text
    for pattern in (_LANDLINE_3, _LANDLINE_4):
        match = pattern.match(text)
        if match:
            return Checked(f"{match.group(1)}-{match.group(2)}")
    if _LOCAL_ONLY.match(text):
        return _fail("no_area_code")
    return _fail("format")


def check_mobile_phone(value: object) -> Checked:
    """A mobile number only: ``normalize_phone``, and ``format`` for a landline."""
    checked = normalize_phone(value)
    if checked.ok and "-" in checked.value:
        return _fail("format")
    return checked


# --- dates ----------------------------------------------------------------------------

#: The date shapes sources use; the year is 1000-2999 so a typo such as 0023 fails.
_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DATE_SHAPES = (
    re.compile(rf"^([12][0-9]{{3}})([-/.])([0-9]{{1,2}})\2([0-9]{{1,2}}){_TIME}$"),
    re.compile(r"^([12][0-9]{3})年([0-9]{1,2})月([0-9]{1,2})日?$"),
    re.compile(r"^([12][0-9]{3})([0-9]{2})([0-9]{2})$"),
)


def parse_date(value: object) -> Checked:
    """A date from 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日 or 20230501 (a time after
    the dashed, slashed or dotted forms is ignored). ``impossible_date`` for a right
    shape that is no date (2023-02-30), ``format`` for anything else.
    """
    if isinstance(value, dt.datetime):
        return Checked(value.date())
    if isinstance(value, dt.date):
        return Checked(value)
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = re.sub(r" ?([年月日]) ?", r"\1", text)
    for shape in _DATE_SHAPES:
        match = shape.match(text)
        if match:
            parts = [g for g in match.groups() if g not in {"-", "/", "."}]
            parsed = date_or_none(int(parts[0]), int(parts[1]), int(parts[2]))
            return Checked(parsed) if parsed else _fail("impossible_date")
    return _fail("format")


# --- e-mail ---------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}$"
)


def check_email(value: object) -> Checked:
    """An e-mail address in the common subset of RFC 5322 that mail systems accept
    (dot-atom local part, a domain with a letter TLD), at most 254 characters;
    normalized to lower case with full-width characters made ASCII."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = text.replace(" ", "").lower()
    if len(text) > 254 or not _EMAIL.match(text):
        return _fail("format")
    return Checked(text)


# --- names, codes, amounts, coordinates -----------------------------------------------

_PERSON_NAME = re.compile(r"^(?:[\u3400-\u9fff\uf900-\ufaff]{1,20}(?:[·•][\u3400-\u9fff]{1,20})*|[A-Za-z][A-Za-z .'\-]{0,59})$")


def check_person_name(value: object) -> Checked:
    """A person's name (GB/T 2261-style 姓名): trimmed, traditional common characters
    simplified, middle dots unified to ·; Chinese characters (2+ for Chinese names,
    ethnic names joined by ·) or a Latin-letter foreign name."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = to_simplified(text) or ""
    if re.search(r"[\u3400-\u9fff]", text):  # a Chinese name: one kind of dot, no spaces
        text = re.sub("[•・.‧]", "·", text).replace(" ", "")
    if not _PERSON_NAME.match(text) or len(text) < 2:
        return _fail("format")
    return Checked(text)


def check_code(value: object, code_table: str) -> Checked:
    """A value of a code table: its code, or a name or alias that maps to exactly one code."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    table = load_code_table(code_table)
    if table.contains(text):
        return Checked(text)
    codes = table.codes_of(text)
    if len(codes) == 1:
        return Checked(codes[0])
    return _fail("ambiguous" if codes else "not_in_code_table")


def check_admin_division(value: object) -> Checked:
    """A six-digit GB/T 2260 code of the current table (a 12-digit statistical code is
    cut to its first six digits)."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = text.replace(" ", "")
    if re.match(r"^[0-9]{12}$", text):
        text = text[:6]
    if not re.match(r"^[0-9]{6}$", text):
        return _fail("format")
    return Checked(text) if load_code_table("admin_division").contains(text) else _fail("not_in_code_table")


def check_industry_code(value: object) -> Checked:
    """A GB/T 4754-2017 code: a section letter, or 2-4 digits (division, group, class)
    whose division is in the table. Upper-cased; a section letter before digits
    (C3911) is dropped, as some registers print it."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = text.replace(" ", "").upper()
    table = load_code_table("industry")
    if re.match(r"^[A-T]$", text):
        return Checked(text) if table.contains(text) else _fail("not_in_code_table")
    text = re.sub(r"^[A-T](?=[0-9])", "", text)
    if not re.match(r"^[0-9]{2,4}$", text):
        return _fail("format")
    return Checked(text) if table.contains(text[:2]) else _fail("not_in_code_table")


def check_amount(value: object) -> Checked:
    """A non-negative decimal amount (registered capital in 万元): thousands separators
    and a trailing 万元/万 are removed."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = re.sub(r"(万元|万|,|\s)", "", text)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return _fail("format")
    if not amount.is_finite():
        return _fail("format")
    if amount < 0:
        return _fail("out_of_range")
    return Checked(amount)


#: The extent of China in WGS84 (incl. the South China Sea islands); data elements
#: narrow it to the city's extent.
CHINA_LONGITUDE = (73.4, 135.1)
CHINA_LATITUDE = (3.8, 53.6)


def _check_number(value: object, bounds: tuple[float, float]) -> Checked:
    if value is None or normalize_text(str(value)) is None:
        return _fail("missing")
    try:
        number = float(normalize_text(str(value)) or "")
    except ValueError:
        return _fail("format")
    if number != number or not bounds[0] <= number <= bounds[1]:
        return _fail("out_of_range")
    return Checked(number)


def check_longitude(value: object, bounds: tuple[float, float] = CHINA_LONGITUDE) -> Checked:
    """A WGS84 longitude in decimal degrees within ``bounds`` (default: China)."""
    return _check_number(value, bounds)


def check_latitude(value: object, bounds: tuple[float, float] = CHINA_LATITUDE) -> Checked:
    """A WGS84 latitude in decimal degrees within ``bounds`` (default: China)."""
    return _check_number(value, bounds)


def check_identifier(value: object) -> Checked:
    """A source identifier such as a household or licence number: letters, digits and
    - / ( ), upper-cased, 1-64 characters, no spaces inside."""
    text = normalize_text(None if value is None else str(value))
    if text is None:
        return _fail("missing")
    text = text.upper()
    return Checked(text) if re.match(r"^[0-9A-Z\-/()]{1,64}$", text) else _fail("format")


def check_text(value: object) -> Checked:
    """Free text (an address, an enterprise name): normalized with ``normalize_text``."""
    text = normalize_text(None if value is None else str(value))
    return Checked(text) if text is not None else _fail("missing")


# --- registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Validator:
    """A check that data elements name; ``needs_code_table`` checks take the table too."""

    name: str
    check: Callable[..., Checked]
    standard: str
    needs_code_table: bool = False


VALIDATORS: dict[str, Validator] = {
    v.name: v
    for v in (
        Validator("citizen_id", check_citizen_id, "GB 11643-1999"),
        Validator("credit_code", check_credit_code, "GB 32100-2015"),
        Validator("phone", normalize_phone, "MIIT telecommunication numbering plan (电信网编码计划)"),
        Validator("mobile_phone", check_mobile_phone, "MIIT telecommunication numbering plan, mobile 1[3-9]"),
        Validator("date", parse_date, "GB/T 7408 (ISO 8601) calendar date"),
        Validator("bank_card", check_bank_card, "ISO/IEC 7812-1 (Luhn)"),
        Validator("email", check_email, "RFC 5322 (common subset)"),
        Validator("person_name", check_person_name, "GB/T 2261 个人基本信息 姓名"),
        Validator("code", check_code, "the element's code table", needs_code_table=True),
        Validator("admin_division", check_admin_division, "GB/T 2260"),
        Validator("industry_code", check_industry_code, "GB/T 4754-2017"),
        Validator("amount", check_amount, "decimal, non-negative"),
        Validator("longitude", check_longitude, "WGS84 (EPSG:4326)"),
        Validator("latitude", check_latitude, "WGS84 (EPSG:4326)"),
        Validator("identifier", check_identifier, "source identifier"),
        Validator("text", check_text, "normalized text"),
    )
}
