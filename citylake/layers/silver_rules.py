"""The silver rules of an entity, derived from its contract and the data standards.

For every column: the standardized, typed value (``citylake.standards.spark_rules``:
native Spark expressions, no Python UDF) and the reasons it fails, each named
``<check>.<reason>`` (e.g. ``citizen_id.check_digit``, ``code.not_in_code_table``) with
the severity the contract gives it (critical unless it says otherwise). Entity rules
(the ID's birth date and sex against the declared ones) and malformed records add
their own reasons. Reasons name the rule and the column, never the value, so they
can be shown without exposing personal data.

Code values and birthplace codes are looked up with broadcast joins on
``standards.code_lookup``; each column's value and reason are computed once in one
projection and only referenced afterwards. Both keep the plan small: inlined code
lists made a silver plan several megabytes and its planning slower than its work.

Everything here is a pure function of its DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from citylake.contracts import ColumnContract, EntityContract, RuleSpec
from citylake.errors import CitylakeError
from citylake.standards import spark_rules as R
from citylake.standards.data_elements import load_data_elements
from citylake.standards.publish import BIRTHPLACE

REASON_TYPE = "array<struct<rule:string,column:string,severity:string>>"
Normalizer = Callable[[Column], Column]
Reasoner = Callable[[Column], Column]
_CODE_VALIDATORS = {"code": None, "admin_division": "admin_division", "industry_code": "industry"}


def _missing_only(c: Column) -> Column:
    return F.when(R.normalize_text(c).isNull(), F.lit("missing"))


def _number(lo: float | None, hi: float | None) -> tuple[Normalizer, Reasoner]:
    def value(c: Column) -> Column:
        return R.normalize_text(c).try_cast("double")

    def reason(c: Column) -> Column:
        v = value(c)
        out = F.when(R.normalize_text(c).isNull(), F.lit("missing")).when(v.isNull(), F.lit("not_a_number"))
        if lo is not None:
            out = out.when(v < F.lit(lo), F.lit("out_of_range"))
        if hi is not None:
            out = out.when(v > F.lit(hi), F.lit("out_of_range"))
        return out

    return value, reason


_SIMPLE: dict[str, tuple[Normalizer, Reasoner]] = {
    "credit_code": (R.normalize_credit_code, R.credit_code_reason),
    "phone": (R.normalize_phone, R.phone_reason),
    "mobile_phone": (R.normalize_phone, R.phone_reason),
    "date": (R.parse_date, R.date_reason),
    "bank_card": (R.normalize_bank_card, R.bank_card_reason),
    "email": (R.normalize_email, R.email_reason),
    "person_name": (lambda c: R.to_simplified(R.normalize_text(c)), _missing_only),
    "identifier": (R.normalize_text, _missing_only),
    "text": (R.normalize_text, _missing_only),
    "amount": _number(0, None),
    "longitude": _number(73.0, 136.0),
    "latitude": _number(3.0, 54.0),
}


@dataclass(frozen=True)
class ColumnRule:
    """What silver does with one contract column."""

    column: ColumnContract
    check: str                 # the prefix of its rule ids
    code_table: str | None     # looked up by join when set

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def raw(self) -> Column:
        return F.col(f"`{self.name}`")

    @property
    def is_citizen_id(self) -> bool:
        return self.check == "citizen_id"


def column_rule(col: ColumnContract) -> ColumnRule:
    if col.element == "DE.address":
        return ColumnRule(col, "address", None)
    element = load_data_elements().get(col.element) if col.element else None
    validator = element.validator if element else None
    code_table = col.code_table or (element.code_table if element else None)
    if validator in _CODE_VALIDATORS or (code_table and validator in (None, "text", "identifier")):
        table = code_table or _CODE_VALIDATORS.get(validator or "")
        if table is None:
            raise CitylakeError(f"column {col.name}: validator {validator!r} needs a code table")
        return ColumnRule(col, "division" if validator == "admin_division" else "code", table)
    if validator == "citizen_id" or validator in _SIMPLE:
        return ColumnRule(col, validator, None)
    if validator:
        raise CitylakeError(f"column {col.name}: no Spark form of validator {validator!r} (add it to silver_rules)")
    if col.type in ("int", "bigint", "double") or col.type.startswith("decimal"):
        return ColumnRule(col, "number", None)
    if col.type == "date":
        return ColumnRule(col, "date", None)
    if col.type == "timestamp":
        return ColumnRule(col, "timestamp", None)
    return ColumnRule(col, "text", None)


_STREET_CODE = r"^[0-9]{12}$"


def _lookup_key(rule: ColumnRule) -> Column:
    """The lookup form of a value; a 12-digit township (street) code is looked up by its
    district, its first six digits (GB/T 10114 extends GB/T 2260)."""
    text = R.normalize_text(rule.raw)
    if rule.check == "division":
        return F.when(text.rlike(_STREET_CODE), F.substring(text, 1, 6)).otherwise(F.lower(text))
    return F.lower(text)


def with_lookups(df: DataFrame, rules: list[ColumnRule], lookup: DataFrame) -> DataFrame:
    """Join each code column's code (and whether its name is ambiguous), and each citizen
    ID's birthplace, from ``standards.code_lookup``."""
    for rule in rules:
        n = rule.name
        if rule.code_table:
            side = lookup.where(F.col("table_id") == rule.code_table).select(
                F.col("key").alias(f"_lk_key_{n}"), F.col("code").alias(f"_lk_code_{n}"),
                F.col("ambiguous").alias(f"_lk_amb_{n}"))
            df = df.join(F.broadcast(side), _lookup_key(rule) == F.col(f"_lk_key_{n}"), "left")
        elif rule.is_citizen_id:
            side = lookup.where(F.col("table_id") == BIRTHPLACE).select(F.col("code").alias(f"_bp_{n}"))
            place = F.substring(R.normalize_citizen_id(rule.raw), 1, 6)
            df = df.join(F.broadcast(side), place == F.col(f"_bp_{n}"), "left")
    return df


def _standard_address_udf():  # type: ignore[no-untyped-def]
    """A vectorized UDF: cpca is Python, and runs on each distinct address of a batch once."""

    @F.pandas_udf("struct<standard:string,adcode:string>")  # type: ignore[call-overload]
    def standard_address(values: pd.Series) -> pd.DataFrame:
        from citylake.standards.addresses import standardize

        parsed = standardize(v if isinstance(v, str) else None for v in values.tolist())
        return pd.DataFrame(parsed, columns=["standard", "adcode"], index=values.index)

    return standard_address


def derived_columns(entity: EntityContract) -> list[tuple[str, str]]:
    """Columns silver adds to the contract's: the district code of each address."""
    return [(f"{c.name}_adcode", "STRING") for c in entity.columns if c.element == "DE.address"]


def with_addresses(df: DataFrame, rules: list[ColumnRule]) -> DataFrame:
    addresses = [r for r in rules if r.check == "address"]
    if not addresses:
        return df
    udf = _standard_address_udf()
    return df.select("*", *[udf(r.raw).alias(f"_a_{r.name}") for r in addresses])


def _value_and_reason(rule: ColumnRule) -> tuple[Column, Column]:
    col, raw, n = rule.column, rule.raw, rule.name
    if rule.code_table:
        value = F.col(f"_lk_code_{n}")
        if rule.check == "division":
            text = R.normalize_text(raw)
            value = F.when(value.isNotNull() & text.rlike(_STREET_CODE), text).otherwise(value)
        reason = (F.when(R.normalize_text(raw).isNull(), F.lit("missing"))
                  .when(value.isNotNull(), F.lit(None).cast("string"))
                  .when(F.coalesce(F.col(f"_lk_amb_{n}"), F.lit(False)), F.lit("ambiguous"))
                  .otherwise(F.lit("not_in_code_table")))
    elif rule.is_citizen_id:
        value = R.normalize_citizen_id(raw)
        reason = R.citizen_id_reason(raw, birthplace_ok=F.col(f"_bp_{n}").isNotNull())
    elif rule.check in _SIMPLE:
        normalize, reason_of = _SIMPLE[rule.check]
        value, reason = normalize(raw), reason_of(raw)
    elif rule.check == "number":
        normalize, reason_of = _number(None, None)
        value, reason = normalize(raw), reason_of(raw)
    elif rule.check == "date":
        value, reason = R.parse_date(raw), R.date_reason(raw)
    elif rule.check == "address":
        value = F.col(f"_a_{n}")["standard"]
        reason = _missing_only(raw)
    elif rule.check == "timestamp":
        text = R.normalize_text(raw)
        value = _cast(text, "timestamp")
        reason = F.when(text.isNull(), F.lit("missing")).when(value.isNull(), F.lit("invalid"))
    else:
        value, reason = R.normalize_text(raw), _missing_only(raw)
    text = R.normalize_text(raw)
    if col.accepted_values is not None:
        reason = F.when(reason.isNull() & text.isNotNull() & ~text.isin(col.accepted_values),
                        F.lit("not_accepted")).otherwise(reason)
    if col.pattern is not None:
        reason = F.when(reason.isNull() & text.isNotNull() & ~text.rlike(col.pattern),
                        F.lit("mismatch")).otherwise(reason)
    if col.min is not None or col.max is not None:
        num = text.try_cast("double")
        low = num < F.lit(col.min) if col.min is not None else F.lit(False)
        high = num > F.lit(col.max) if col.max is not None else F.lit(False)
        reason = F.when(reason.isNull() & (low | high), F.lit("out_of_range")).otherwise(reason)
    # A value that is absent is a failure only of a required column.
    reason = F.when(reason == "missing", F.lit("missing") if col.required else F.lit(None)).otherwise(reason)
    return _cast(value, col.type), reason


def check_name(rule: ColumnRule) -> str:
    """The prefix of a column rule's ids (``citizen_id.check_digit``): quality names its
    expectations the same way, so a steward sees one rule under one name."""
    col = rule.column
    if rule.check == "text" and col.accepted_values is not None:
        return "values"
    if rule.check == "text" and col.pattern is not None:
        return "pattern"
    return rule.check


def _cast(value: Column, spark_type: str) -> Column:
    if spark_type == "string":
        return value.cast("string")
    if spark_type == "date":
        return value.cast("date")
    if spark_type == "timestamp":
        text = value.cast("string")
        return F.coalesce(F.try_to_timestamp(text, F.lit("yyyy-MM-dd HH:mm:ss")), F.try_to_timestamp(text))
    if spark_type == "boolean":
        t = F.lower(value.cast("string"))
        return F.when(t.isin("true", "1", "y", "yes", "是"), True).when(t.isin("false", "0", "n", "no", "否"), False)
    return value.try_cast(spark_type)


def _severity(rules: list[RuleSpec], rule_id: Column, check: str) -> Column:
    """The contract's severity for a rule id, else for its check, else critical."""
    by_rule = {r.rule: r.severity for r in rules}
    if not by_rule:
        return F.lit("critical")
    lookup = F.create_map(*[F.lit(x) for kv in by_rule.items() for x in kv])
    return F.coalesce(F.try_element_at(lookup, rule_id), F.lit(by_rule.get(check, "critical")))


def _reason_struct(rule_id: Column, column: str | None, severity: Column) -> Column:
    return F.struct(rule_id.alias("rule"), F.lit(column).cast("string").alias("column"), severity.alias("severity"))


def _entity_reasons(entity: EntityContract, names: set[str]) -> list[Column]:
    """Entity rules, on the columns' computed values (``_v_``) and reasons (``_r_``)."""
    out = []
    for rule in entity.rules:
        if rule.rule not in ("id_matches_birth_date", "id_matches_gender"):
            raise CitylakeError(f"{entity.name}: unknown entity rule {rule.rule!r} (known: id_matches_birth_date, id_matches_gender)")
        id_col = rule.params.get("id", "citizen_id")
        other = rule.params.get("birth_date" if rule.rule == "id_matches_birth_date" else "gender")
        if id_col not in names or other not in names:
            raise CitylakeError(f"{entity.name}: rule {rule.rule} names columns that are not in the contract")
        ident, value = F.col(f"_v_{id_col}"), F.col(f"_v_{other}")
        derived = R.id_birth_date(ident) if rule.rule == "id_matches_birth_date" else R.id_gender(ident)
        comparable = F.col(f"_r_{id_col}").isNull() & F.col(f"_r_{other}").isNull() & value.isNotNull()
        failed = comparable & (derived.cast("string") != value.cast("string"))
        out.append(F.when(failed, _reason_struct(F.lit(rule.rule), other, F.lit(rule.severity))))
    return out


def standardize(bronze: DataFrame, entity: EntityContract, lookup: DataFrame) -> DataFrame:
    """Bronze rows with every contract column standardized and typed in place, plus
    ``_reasons`` (every failure, with its severity) and ``_corrections`` (the columns
    whose text the standards changed); bronze's ``_`` columns are kept."""
    rules = [column_rule(c) for c in entity.columns]
    meta = [c for c in bronze.columns if c.startswith("_")]
    computed = with_addresses(with_lookups(bronze, rules, lookup), rules).select(
        *[F.col(f"`{c}`") for c in meta],
        *[F.col(f"`{r.name}`").alias(f"_t_{r.name}") for r in rules],
        *[expr.alias(f"_{kind}_{r.name}") for r in rules for kind, expr in zip("vr", _value_and_reason(r))],
        *[F.col(f"_a_{r.name}")["adcode"].alias(f"_adcode_{r.name}") for r in rules if r.check == "address"],
    )
    column_reasons = []
    for r in rules:
        check = check_name(r)
        rule_id = F.concat(F.lit(check + "."), F.col(f"_r_{r.name}"))
        severity = _severity(r.column.rules, rule_id, check)
        column_reasons.append(F.when(F.col(f"_r_{r.name}").isNotNull(), _reason_struct(rule_id, r.name, severity)))
    corrupt = _reason_struct(F.lit("record.malformed"), None, F.lit("critical"))
    reasons = F.filter(F.array(*column_reasons, *_entity_reasons(entity, {r.name for r in rules})), lambda x: x.isNotNull())
    corrections = F.filter(
        F.array(*[
            F.when(F.col(f"_t_{r.name}").isNotNull() & F.col(f"_v_{r.name}").isNotNull()
                   & (F.trim(F.col(f"_t_{r.name}")) != _as_text(F.col(f"_v_{r.name}"), r.column.type)), F.lit(r.name))
            for r in rules
        ]),
        lambda x: x.isNotNull(),
    )
    return computed.select(
        *[F.col(f"_v_{r.name}").alias(r.name) for r in rules],
        *[F.col(f"_adcode_{r.name}").alias(f"{r.name}_adcode") for r in rules if r.check == "address"],
        F.when(F.col("_corrupt").isNotNull(), F.array(corrupt)).otherwise(reasons).cast(REASON_TYPE).alias("_reasons"),
        corrections.alias("_corrections"),
        *[F.col(f"`{c}`") for c in meta],
    )


def _as_text(value: Column, spark_type: str) -> Column:
    if spark_type == "date":
        return F.date_format(value, "yyyy-MM-dd")
    if spark_type in ("double",) or spark_type.startswith("decimal"):
        return F.regexp_replace(value.cast("string"), r"\.0+$", "")
    return value.cast("string")


def has_critical(reasons: Column) -> Column:
    return F.exists(reasons, lambda r: r["severity"] == "critical")
