"""Expectation suites derived from a contract and the data standards.

Nothing here is typed twice: every expectation comes from a contract field — a required
column, a data element's validator or code table, accepted values, a pattern, min/max,
the keys, an entity rule, a reference, freshness_hours — and carries three things in
its ``meta``/``severity`` that the gate, the results and the scorecards read:

* ``rule``: ``<column>.<check>`` (``citizen_id.citizen_id``, ``filing_id.unique``,
  ``credit_code.reference``, ``record.well_formed``, ``delivery.freshness``…);
* ``dimension``: completeness, validity, uniqueness, consistency, timeliness, accuracy;
* ``severity``: the contract's — critical unless a column rule, a reference or an
  entity rule says otherwise. Where one expectation covers several silver rule ids
  (``phone.format``, ``phone.no_area_code``), it takes the mildest of their severities:
  rows failing a warning rule are kept in silver by design, and a critical expectation
  over them would stop a table that is as the contract wants it.

Three suites per entity: **bronze** (what was delivered: every row of the day, judged
as silver judges it, reported and never gating — silver quarantines what fails), the
**delivery** figures (freshness, rejected files, quarantine share), and **silver** (the
table consumers read: the gate). Hand-written suites for a table join its generated one
(``citylake.quality.handwritten``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import great_expectations as gx
from great_expectations.expectations.expectation import Expectation
from great_expectations.expectations.row_conditions import Column

import citylake.quality.expectations as cx
from citylake.contracts import ColumnContract, EntityContract, SourceContract, table_name
from citylake.layers.protection import encrypted_columns, merge_keys, token_column, tokenized_columns
from citylake.layers.silver_rules import ColumnRule, check_name, column_rule
from citylake.quality.batches import Batch
from citylake.settings import QualitySettings

DIMENSIONS = ("completeness", "validity", "uniqueness", "consistency", "timeliness", "accuracy")
SEVERITIES = ("critical", "warning", "info")
_MILDNESS = {"info": 0, "warning": 1, "critical": 2}
#: The failure reasons silver gives each check (citylake.layers.silver_rules), for severity lookup.
_REASONS = {
    "citizen_id": ("format", "birthplace", "birth_date", "check_digit"),
    "credit_code": ("format", "check_digit"),
    "phone": ("no_area_code", "format"), "mobile_phone": ("no_area_code", "format"),
    "date": ("format", "impossible_date"), "timestamp": ("invalid",),
    "code": ("ambiguous", "not_in_code_table"), "division": ("ambiguous", "not_in_code_table"),
    "number": ("not_a_number", "out_of_range"), "amount": ("not_a_number", "out_of_range"),
    "longitude": ("not_a_number", "out_of_range"), "latitude": ("not_a_number", "out_of_range"),
}
#: Bounds of the numeric data elements (silver_rules' _number), as accuracy ranges.
_ELEMENT_RANGE = {"amount": (0.0, None), "longitude": (73.0, 136.0), "latitude": (3.0, 54.0)}


def mildest(severities: Iterable[str]) -> str:
    return min(severities, key=lambda s: _MILDNESS[s])


def column_severity(col: ColumnContract, check: str, reasons: Iterable[str]) -> str:
    """The severity the contract gives a column's check: its rules matched by rule id
    (``<check>.<reason>``) or by check; critical where none matches."""
    by_rule = {r.rule: r.severity for r in col.rules}
    found = [by_rule.get(f"{check}.{reason}", by_rule.get(check, "critical")) for reason in reasons]
    return mildest(found or [by_rule.get(check, "critical")])


def expectation(cls: type[Expectation], rule: str, dimension: str, severity: str, column: str | None = None,
                description: str | None = None, **kwargs: Any) -> Expectation:
    """An expectation with citylake's rule id, dimension and severity attached."""
    if column is not None and "column" in cls.__fields__:
        kwargs["column"] = column
    meta = {"rule": rule, "dimension": dimension, "column": column}
    return cls(meta=meta, severity=severity, description=description, **kwargs)


def _present(layer: str, col: ColumnContract, severity: str, token_only: bool = False) -> Expectation:
    """Bronze: present after normalization; silver: not NULL (its token, where silver keeps
    only the token)."""
    cls = cx.ExpectColumnValuesToBePresent if layer == "bronze" else gx.expectations.ExpectColumnValuesToNotBeNull
    column = token_column(col.name) if token_only else col.name
    return expectation(cls, f"{col.name}.required", "completeness", severity, column,
                       f"`{col.name}` is required by the contract")


def _validity(layer: str, rule: ColumnRule, batch: Batch, protected: set[str]) -> list[Expectation]:
    """The standard a column's values must meet; on silver only where the value is not
    ciphertext (protected columns were checked on bronze, before encryption)."""
    col, check, name = rule.column, rule.check, rule.name
    if layer == "silver" and name in protected:
        return []
    sev = column_severity(col, check_name(rule), _REASONS.get(check, ("invalid",)))
    out: list[Expectation] = []

    def add(cls: type[Expectation], kind: str, dimension: str, text: str, **kw: Any) -> None:
        out.append(expectation(cls, f"{name}.{kind}", dimension, sev, name, text, **kw))

    if check == "citizen_id":
        add(cx.ExpectColumnValuesToBeValidCitizenId, "citizen_id", "validity", f"`{name}` is a valid citizen ID (GB 11643)",
            birthplace_flag_column=batch.birthplace_flags.get(name))
    elif check == "credit_code":
        add(cx.ExpectColumnValuesToBeValidCreditCode, "credit_code", "validity", f"`{name}` is a valid credit code (GB 32100)")
    elif check in ("phone", "mobile_phone"):
        add(cx.ExpectColumnValuesToBeValidPhone, "phone", "validity", f"`{name}` is a phone number")
    elif check == "date" and (layer == "bronze" or col.type == "string"):
        add(cx.ExpectColumnValuesToBeValidDate, "date", "validity", f"`{name}` is a possible date")
    elif check == "timestamp" and layer == "bronze":
        add(cx.ExpectColumnValuesToBeValidTimestamp, "timestamp", "validity", f"`{name}` is a timestamp")
    elif rule.code_table:
        add(cx.ExpectColumnValuesToBeInCodeTable, "code_table", "validity",
            f"`{name}` is a code of {rule.code_table}", code_table=rule.code_table,
            code_flag_column=batch.code_flags.get(name) if layer == "bronze" else None)
    if col.accepted_values is not None:
        add(cx.ExpectNormalizedValuesToBeInSet, "accepted_values", "validity", f"`{name}` is an accepted value",
            value_set=list(col.accepted_values))
    if col.pattern is not None and col.type == "string":
        add(cx.ExpectNormalizedValuesToMatchRegex, "pattern", "validity", f"`{name}` matches {col.pattern}",
            regex=col.pattern)
    low, high = col.min, col.max
    if low is None and high is None and check in _ELEMENT_RANGE:
        low, high = _ELEMENT_RANGE[check]
    numeric = col.type in ("int", "bigint", "double") or col.type.startswith("decimal") or check in _ELEMENT_RANGE
    if numeric or low is not None or high is not None:
        if layer == "bronze":
            add(cx.ExpectColumnValuesToBeNumberBetween, "range" if (low, high) != (None, None) else "number",
                "accuracy" if (low, high) != (None, None) else "validity",
                f"`{name}` is a number in [{low}, {high}]", min_value=low, max_value=high)
        elif (low, high) != (None, None):
            add(gx.expectations.ExpectColumnValuesToBeBetween, "range", "accuracy", f"`{name}` is in [{low}, {high}]",
                min_value=low, max_value=high)
    return out


def _entity_rules(layer: str, entity: EntityContract, protected: set[str]) -> list[Expectation]:
    out = []
    for spec in entity.rules:
        id_col = spec.params.get("id", "citizen_id")
        if layer == "silver" and id_col in protected:
            continue  # the ID is ciphertext in silver; bronze checked it
        if spec.rule == "id_matches_birth_date":
            target = spec.params.get("birth_date", "birth_date")
            out.append(expectation(cx.ExpectColumnValuesToMatchIdBirthDate, f"{target}.matches_id_birth_date",
                                   "accuracy", spec.severity, target, f"`{target}` agrees with `{id_col}`",
                                   id_column=id_col))
        elif spec.rule == "id_matches_gender":
            target = spec.params.get("gender", "gender")
            table = column_rule(entity.column(target)).code_table or "gender"
            out.append(expectation(cx.ExpectColumnValuesToMatchIdGender, f"{target}.matches_id_gender", "accuracy",
                                   spec.severity, target, f"`{target}` agrees with `{id_col}`", id_column=id_col,
                                   code_table=table))
    return out


def _unique(keys: list[str], severity: str, layer: str) -> list[Expectation]:
    if not keys:
        return []
    what = "delivered once per key on a day" if layer == "bronze" else "unique"
    if len(keys) == 1:
        return [expectation(gx.expectations.ExpectColumnValuesToBeUnique, f"{keys[0]}.unique", "uniqueness", severity,
                            keys[0], f"`{keys[0]}` is {what}")]
    rule = "+".join(keys)
    return [expectation(gx.expectations.ExpectCompoundColumnsToBeUnique, f"{rule}.unique", "uniqueness", severity,
                        None, f"({', '.join(keys)}) is {what}", column_list=keys)]


def bronze_suite(contract: SourceContract, entity: EntityContract, batch: Batch) -> gx.ExpectationSuite:
    """What was delivered, judged row by row as silver judges it (reported, never gating)."""
    exps: list[Expectation] = [
        expectation(gx.expectations.ExpectColumnValuesToBeNull, "record.well_formed", "validity", "critical", "_corrupt",
                    "every delivered line parses into the contract's columns"),
        expectation(gx.expectations.ExpectColumnValuesToBeNull, "record.no_unknown_columns", "validity", "warning",
                    "_rescued", "no value arrives in a column the contract does not know"),
    ]
    for col in entity.columns:
        rule = column_rule(col)
        if col.required:
            exps.append(_present("bronze", col, column_severity(col, check_name(rule), ("missing",))))
        exps += _validity("bronze", rule, batch, set())
    exps += _entity_rules("bronze", entity, set())
    # Silver keeps the newest row of a key and drops the others: duplicates are reported.
    exps += _unique(list(entity.keys), "warning", "bronze")
    # A line that did not parse has no columns: record.well_formed reports it, once.
    parsed = Column("_corrupt").is_null()
    for exp in exps[2:]:
        exp.row_condition = parsed
    if batch.row_count_bounds is not None:
        low, high = batch.row_count_bounds
        exps.append(expectation(gx.expectations.ExpectTableRowCountToBeBetween, "table.row_count", "completeness",
                                "warning", None, "the day's row count is within mean ± k·std of earlier days",
                                min_value=int(low), max_value=int(high + 0.999)))
    return gx.ExpectationSuite(name=batch.table, expectations=exps,
                               meta={"table": batch.table, "layer": "bronze"})


def delivery_suite(contract: SourceContract, entity: EntityContract, settings: QualitySettings) -> gx.ExpectationSuite:
    """Timeliness and completeness of the day's delivery, from the batch log."""
    table = f"bronze.{table_name(contract.source, entity.name)}"
    exps = [
        expectation(gx.expectations.ExpectColumnValuesToBeBetween, "delivery.freshness", "timeliness", "warning",
                    "age_hours", f"the latest delivery is at most {entity.freshness_hours} h old",
                    min_value=0, max_value=entity.freshness_hours),
        expectation(gx.expectations.ExpectColumnValuesToBeBetween, "delivery.files_accepted", "completeness", "warning",
                    "rejected_files", "no delivered file of the day was rejected", min_value=0, max_value=0),
        expectation(gx.expectations.ExpectColumnValuesToBeBetween, "delivery.quarantine_share", "validity", "warning",
                    "quarantined_share", f"at most {settings.quarantine_share_max:.0%} of the day's rows are quarantined",
                    min_value=0, max_value=settings.quarantine_share_max),
    ]
    return gx.ExpectationSuite(name=f"{table}.delivery", expectations=exps, meta={"table": table, "layer": "delivery"})


def silver_suite(contract: SourceContract, entity: EntityContract, batch: Batch) -> gx.ExpectationSuite:
    """The table consumers read: its critical rules gate publishing."""
    encrypted = set(encrypted_columns(entity))
    token_only = set(tokenized_columns(entity)) - encrypted
    protected = encrypted | token_only
    exps: list[Expectation] = []
    for col in entity.columns:
        rule = column_rule(col)
        if col.required:
            exps.append(_present("silver", col, column_severity(col, check_name(rule), ("missing",)),
                                 token_only=col.name in token_only))
        exps += _validity("silver", rule, batch, protected)
    # Columns delivered as names map to codes by design, and numbers have one standard form:
    # only text whose writing can vary counts as not delivered in standard form.
    variable = [c.name for c in entity.columns
                if c.code_form != "name" and c.type in ("string", "date", "timestamp")
                and column_rule(c).check not in ("code", "division", "number")]
    if variable:
        exps.append(expectation(cx.ExpectColumnValuesToBeDeliveredInStandardForm, "record.standard_form", "validity",
                                "info", "_corrections", "values arrived in their standard form (silver corrected none)",
                                columns=variable))
    exps += _entity_rules("silver", entity, protected)
    exps += _unique(merge_keys(entity), "critical", "silver")
    for ref in entity.references:
        flag = batch.references.get(ref.column)
        if flag:
            exps.append(expectation(cx.ExpectColumnValuesToHaveReference, f"{ref.column}.reference", "consistency",
                                    ref.severity, ref.column, f"`{ref.column}` exists in {ref.to}",
                                    flag_column=flag, reference=ref.to))
    return gx.ExpectationSuite(name=batch.table, expectations=exps, meta={"table": batch.table, "layer": "silver"})
