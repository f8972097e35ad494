"""The standards as native Spark column expressions.

The same normalizations and rules as ``citylake.standards.validators``, built from
Spark SQL functions only (no Python UDF), so they run at JVM speed on millions of rows
and over Spark Connect. Each ``*_reason`` function returns the name of the first rule a
value fails, exactly as the Python check does, or NULL when the value passes; the
integration tests hold the two to the same answers.

Every function takes a column name or a ``Column`` and returns a ``Column``.

Why ``_let``: a rule refers to its normalized input many times (17 digits of a check
sum, several CASE branches), and Spark does not share common subexpressions inside
CASE branches, so a plain expression re-normalizes the input at every reference — a
rule was 30x slower that way. ``_let`` binds a value once with a one-element
``transform``, which keeps the expression native and lets every reference reuse it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pyspark.sql import Column
from pyspark.sql import functions as F

from citylake.standards.code_tables import load_code_table
from citylake.standards.identifiers import CREDIT_ALPHABET, EARLIEST_BIRTH
from citylake.standards.text import FULLWIDTH, HALFWIDTH, simplified_map

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

ColumnOrName = Column | str

#: ISO 7064 MOD 11-2 weights of digits 1-17 of a citizen ID (GB 11643-1999), and the
#: check character for each remainder of the weighted sum modulo 11.
CITIZEN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CITIZEN_ID_CHECK_CHARS = "10X98765432"
#: GB 32100-2015 weights of characters 1-17 of a credit code (3^i mod 31).
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _col(c: ColumnOrName) -> Column:
    return F.col(c) if isinstance(c, str) else c


def _let(value: Column, body: Callable[[Column], Column]) -> Column:
    """``body(value)`` with ``value`` computed once per row (see the module docstring)."""
    return F.element_at(F.transform(F.array(value), body), 1)


def _digit(s: Column, position: int) -> Column:
    """The digit at a 1-based position, by code point: no cast, so no ANSI errors."""
    return F.ascii(F.substring(s, position, 1)) - 48


def _reason(*rules: tuple[Column, str | None]) -> Column:
    """The first rule whose condition holds, as a CASE WHEN chain; NULL if none holds
    or if the first that holds has no name (a "passes" branch)."""

    def value(name: str | None) -> Column:
        return F.lit(name) if name else F.lit(None).cast("string")

    expr = F.when(rules[0][0], value(rules[0][1]))
    for condition, name in rules[1:]:
        expr = expr.when(condition, value(name))
    return expr


# --- text ---------------------------------------------------------------------------------


def _halfwidth(c: ColumnOrName) -> Column:
    """Full-width → ASCII and any whitespace → ' ' (the same character map as Python)."""
    return F.translate(_col(c).cast("string"), FULLWIDTH, HALFWIDTH)


def normalize_text(c: ColumnOrName) -> Column:
    """Trim, full-width ASCII → half-width, collapse whitespace; '' → NULL."""
    return F.nullif(F.trim(F.regexp_replace(_halfwidth(c), " {2,}", " ")), F.lit(""))


def to_simplified(c: ColumnOrName) -> Column:
    """Traditional → simplified for common name characters (the shared map)."""
    traditional, simplified = simplified_map()
    return F.translate(_col(c), traditional, simplified)


def _compact(c: ColumnOrName, remove: str) -> Column:
    """Full-width → half-width, then delete every character of ``remove``; '' → NULL."""
    return F.nullif(F.translate(_halfwidth(c), remove, ""), F.lit(""))


# --- citizen identity number (GB 11643-1999) ---------------------------------------------


def normalize_citizen_id(c: ColumnOrName) -> Column:
    """Remove whitespace, full-width → ASCII, upper-case (x → X)."""
    return F.upper(_compact(c, " "))


def citizen_id_check_digit(c: ColumnOrName) -> Column:
    """The check character that digits 1-17 of a normalized ID call for (MOD 11-2)."""
    s = _col(c)
    total = sum(_digit(s, i + 1) * w for i, w in enumerate(CITIZEN_ID_WEIGHTS))
    return F.lit(CITIZEN_ID_CHECK_CHARS).substr(F.pmod(total, F.lit(11)) + 1, F.lit(1))


def _id_shape_ok(s: Column) -> Column:
    return s.rlike(r"^[0-9]{17}[0-9X]$")


def _birth_date_of(s: Column) -> Column:
    """Digits 7-14 of a normalized ID as a date; Spark accepts year 0000 and Python
    does not, so that year is excluded to keep the two the same."""
    parsed = F.try_to_timestamp(F.substring(s, 7, 8), F.lit("yyyyMMdd")).cast("date")
    return F.when(_id_shape_ok(s) & (F.substring(s, 7, 4) != "0000"), parsed)


def id_birth_date(c: ColumnOrName) -> Column:
    """The birth date in digits 7-14 of an ID (NULL if it is no date)."""
    return _let(normalize_citizen_id(c), _birth_date_of)


def id_gender(c: ColumnOrName) -> Column:
    """GB/T 2261.1 sex code from the 17th digit: odd "1" (male), even "2" (female)."""
    return _let(
        normalize_citizen_id(c),
        lambda s: F.when(_id_shape_ok(s), F.when(_digit(s, 17) % 2 == 1, F.lit("1")).otherwise(F.lit("2"))),
    )


def birthplace_codes() -> list[str]:
    """GB/T 2260 codes an ID may carry: current plus retired and newer ones."""
    codes = set(load_code_table("admin_division").codes) | set(load_code_table("admin_division_history").codes)
    return sorted(codes)


def citizen_id_reason(c: ColumnOrName, today: ColumnOrName | None = None,
                      birthplace_ok: Column | None = None) -> Column:
    """missing / format / birthplace / birth_date / check_digit, or NULL when valid.

    ``birthplace_ok`` lets a caller that has already looked the birthplace code up (a
    join on ``standards.code_lookup``, as silver does) pass the answer instead of the
    literal list of ~7,000 codes, which would make every plan hundreds of KB larger."""
    today_col = F.current_date() if today is None else _col(today)
    places = birthplace_codes() if birthplace_ok is None else None

    def rules(s: Column) -> Column:
        known = birthplace_ok if birthplace_ok is not None else F.substring(s, 1, 6).isin(places)
        return _let(_birth_date_of(s), lambda born: _reason(
            (s.isNull(), "missing"),
            (~_id_shape_ok(s), "format"),
            (~known, "birthplace"),
            (born.isNull() | (born < F.lit(EARLIEST_BIRTH)) | (born > today_col), "birth_date"),
            (citizen_id_check_digit(s) != F.substring(s, 18, 1), "check_digit"),
        ))

    return _let(normalize_citizen_id(c), rules)


# --- unified social credit code (GB 32100-2015) ------------------------------------------


def normalize_credit_code(c: ColumnOrName) -> Column:
    """Remove whitespace and dashes, full-width → ASCII, upper-case."""
    return F.upper(_compact(c, " -"))


def credit_code_check_digit(c: ColumnOrName) -> Column:
    """The MOD 31 check character that characters 1-17 call for."""
    s = _col(c)
    alphabet = F.lit(CREDIT_ALPHABET)
    total = sum((F.instr(alphabet, F.substring(s, i + 1, 1)) - 1) * w for i, w in enumerate(CREDIT_CODE_WEIGHTS))
    return alphabet.substr(F.pmod(F.lit(31) - F.pmod(total, F.lit(31)), F.lit(31)) + 1, F.lit(1))


def credit_code_reason(c: ColumnOrName) -> Column:
    """missing / format / check_digit, or NULL when valid."""
    shape = rf"^[{CREDIT_ALPHABET}]{{2}}[0-9]{{6}}[{CREDIT_ALPHABET}]{{10}}$"
    return _let(normalize_credit_code(c), lambda s: _reason(
        (s.isNull(), "missing"),
        (~s.rlike(shape), "format"),
        (credit_code_check_digit(s) != F.substring(s, 18, 1), "check_digit"),
    ))


# --- telephone numbers ----------------------------------------------------------------------

_MOBILE = r"^1[3-9][0-9]{9}$"
_LANDLINE_3 = r"^(0(?:10|2[0-9]))([2-9][0-9]{6,7})$"
_LANDLINE_4 = r"^(0[3-9][0-9]{2})([2-9][0-9]{6,7})$"


def _phone_digits(c: ColumnOrName) -> Column:
    """Separators removed, then +86/0086 (or 86 before a mobile) removed; a landline
    whose trunk 0 went with the country code gets it back."""
    text = F.translate(normalize_text(c), " -().", "")
    had_country_code = text.rlike(r"^(\+86|0086)")
    bare = F.regexp_replace(F.regexp_replace(text, r"^(\+86|0086)", ""), r"^86(1[3-9][0-9]{9})$", "$1")
    return _let(bare, lambda b: F.when(had_country_code & ~b.rlike(_MOBILE) & ~b.startswith("0"),
                                       F.concat(F.lit("0"), b)).otherwise(b))


def _phone_of(d: Column) -> Column:
    def landline(pattern: str) -> Column:
        return F.regexp_replace(d, pattern, "$1-$2")

    return (
        F.when(d.rlike(_MOBILE), d)
        .when(d.rlike(_LANDLINE_3), landline(_LANDLINE_3))
        .when(d.rlike(_LANDLINE_4), landline(_LANDLINE_4))
    )


def normalize_phone(c: ColumnOrName) -> Column:
    """11-digit mobile, or area code + '-' + local number for a landline; NULL if invalid."""
    return _let(_phone_digits(c), _phone_of)


def phone_reason(c: ColumnOrName) -> Column:
    """missing / no_area_code / format, or NULL when the number normalizes."""
    return _let(_phone_digits(c), lambda d: _reason(
        (d.isNull(), "missing"),
        (_phone_of(d).isNotNull(), None),
        (d.rlike(r"^[2-9][0-9]{6,7}$"), "no_area_code"),
        (F.lit(True), "format"),
    ))


# --- dates --------------------------------------------------------------------------------------

_TIME = r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
_DASHED = rf"^([12][0-9]{{3}})([-/.])([0-9]{{1,2}})\2([0-9]{{1,2}}){_TIME}$"
_CHINESE = r"^([12][0-9]{3})年([0-9]{1,2})月([0-9]{1,2})日?$"
_COMPACT = r"^([12][0-9]{3})([0-9]{2})([0-9]{2})$"


def _canonical_date(c: ColumnOrName) -> Column:
    """y-M-d text from whichever accepted shape matches; NULL if none does."""

    def shapes(t: Column) -> Column:
        return (
            F.when(t.rlike(_DASHED), F.regexp_replace(t, _DASHED, "$1-$3-$4"))
            .when(t.rlike(_CHINESE), F.regexp_replace(t, _CHINESE, "$1-$2-$3"))
            .when(t.rlike(_COMPACT), F.regexp_replace(t, _COMPACT, "$1-$2-$3"))
        )

    return _let(F.regexp_replace(normalize_text(c), r" ?([年月日]) ?", "$1"), shapes)


def _date_of(canonical: Column) -> Column:
    return F.try_to_timestamp(canonical, F.lit("yyyy-M-d")).cast("date")


def parse_date(c: ColumnOrName) -> Column:
    """A date from 2023-05-01, 2023/5/1, 2023.5.1, 2023年5月1日, 20230501; NULL for other
    shapes and for impossible dates such as 2023-02-30."""
    return _date_of(_canonical_date(c))


def date_reason(c: ColumnOrName) -> Column:
    """missing / format / impossible_date, or NULL when the value parses."""
    return _let(_canonical_date(c), lambda iso: _reason(
        (normalize_text(c).isNull(), "missing"),
        (iso.isNull(), "format"),
        (_date_of(iso).isNull(), "impossible_date"),
    ))


# --- bank card, e-mail ----------------------------------------------------------------------


def normalize_bank_card(c: ColumnOrName) -> Column:
    """Remove whitespace and dashes, full-width digits → ASCII."""
    return _compact(c, " -")


def luhn_ok(c: ColumnOrName) -> Column:
    """The Luhn (ISO/IEC 7812-1) check over a string of digits, as a SQL aggregate."""

    def check(reversed_digits: Column) -> Column:
        def add(acc: Column, i: Column) -> Column:
            d = F.ascii(reversed_digits.substr(i, F.lit(1))) - 48
            doubled = F.when(i % 2 == 0, d * 2).otherwise(d)
            return acc + F.when(doubled > 9, doubled - 9).otherwise(doubled)

        total = F.aggregate(F.sequence(F.lit(1), F.length(reversed_digits)), F.lit(0), add)
        return total % 10 == 0

    return _let(F.reverse(_col(c)), check)


def bank_card_reason(c: ColumnOrName) -> Column:
    """missing / format / check_digit, or NULL when valid."""
    return _let(normalize_bank_card(c), lambda s: _reason(
        (s.isNull(), "missing"),
        (~s.rlike(r"^[0-9]{12,19}$"), "format"),
        (~luhn_ok(s), "check_digit"),
    ))


_EMAIL = r"^[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*@(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+[a-z]{2,}$"


def normalize_email(c: ColumnOrName) -> Column:
    """Lower case, no spaces, full-width → ASCII; NULL if it is not an address."""
    return _let(F.lower(F.translate(normalize_text(c), " ", "")),
                lambda s: F.when((F.char_length(s) <= 254) & s.rlike(_EMAIL), s))


def email_reason(c: ColumnOrName) -> Column:
    """missing / format, or NULL when valid."""
    return _reason((normalize_text(c).isNull(), "missing"), (normalize_email(c).isNull(), "format"))


# --- code tables ------------------------------------------------------------------------------


def code_table_df(spark: SparkSession, name: str) -> DataFrame:
    """A small DataFrame of a code table (all columns strings, empty cells NULL), for
    joins and for the catalog; broadcast it when joining."""
    table = load_code_table(name)
    schema = ", ".join(f"`{c}` string" for c in table.columns)
    rows = [tuple(r[c] or None for c in table.columns) for r in table.rows]
    return spark.createDataFrame(rows, schema)


def in_code_table(c: ColumnOrName, name: str) -> Column:
    """Whether the (normalized) value is a code of the table, as an ``isin`` test."""
    return normalize_text(c).isin(list(load_code_table(name).codes))


def _name_lookup(name: str) -> tuple[dict[str, str], list[str]]:
    """(unambiguous lookup key → code, ambiguous keys) of a table's names and aliases."""
    unique: dict[str, str] = {}
    ambiguous: list[str] = []
    for key, codes in load_code_table(name).names.items():
        if len(codes) == 1:
            unique[key] = codes[0]
        else:
            ambiguous.append(key)
    return unique, ambiguous


def _standardize(s: Column, name: str) -> Column:
    unique, _ = _name_lookup(name)
    by_name = F.try_element_at(F.create_map(*[F.lit(x) for kv in unique.items() for x in kv]), F.lower(s))
    return F.when(s.isin(list(load_code_table(name).codes)), s).otherwise(by_name)


def standardize_code(c: ColumnOrName, name: str) -> Column:
    """The code for a value that is a code, or a name or alias of exactly one code."""
    return _let(normalize_text(c), lambda s: _standardize(s, name))


def code_reason(c: ColumnOrName, name: str) -> Column:
    """missing / ambiguous / not_in_code_table, or NULL when the value standardizes."""
    _, ambiguous = _name_lookup(name)
    return _let(normalize_text(c), lambda s: _reason(
        (s.isNull(), "missing"),
        (_standardize(s, name).isNotNull(), None),
        (F.lower(s).isin(ambiguous), "ambiguous"),
        (F.lit(True), "not_in_code_table"),
    ))


__all__ = [
    "normalize_text", "to_simplified", "normalize_citizen_id", "citizen_id_check_digit",
    "id_birth_date", "id_gender", "citizen_id_reason", "normalize_credit_code",
    "credit_code_check_digit", "credit_code_reason", "normalize_phone", "phone_reason",
    "parse_date", "date_reason", "normalize_bank_card", "luhn_ok", "bank_card_reason",
    "normalize_email", "email_reason", "code_table_df", "in_code_table", "standardize_code",
    "code_reason", "birthplace_codes",
]
