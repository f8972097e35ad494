"""Which tables there are to secure, each with its column tags (``TableSpec``).

* silver: from the contracts (``tags.contract_table_spec``).
* gold and published: from tags a model declares (passed in, e.g. from dbt model meta
  when the gold layer exists), else from the latest sensitive-data scan
  (``ops.sensitive_data_latest``), which tags every column it sampled. A table with
  neither is not exposed: views fail closed.
* ops: every column grade 1. Ops tables hold counts, reasons and tokens by design, and
  the leak scan holds them to it.
"""

from __future__ import annotations

from typing import Iterable

from pyspark.sql import SparkSession

from citylake.contracts import load_contracts
from citylake.security.detectors import ENCRYPTED, TOKEN
from citylake.security.discovery import LATEST_VIEW, lake_tables
from citylake.security.tags import ColumnTag, TableSpec, contract_table_specs
from citylake.settings import Settings

_SOURCE_NAMES = ("source", "_source", "source_id")
_DIVISION_NAMES = ("division", "division_code", "district_code", "street_code", "admin_division")


def spec_from_tags(schema: str, name: str, tags: dict[str, dict[str, object]], source: str | None = None,
                   source_column: str | None = None, division_column: str | None = None) -> TableSpec:
    """A spec from ``{column: {kind, personal, classification, grade, protection, type}}`` (a
    gold model's declared tags)."""
    columns = tuple(ColumnTag(col, **{k: v for k, v in t.items()}) for col, t in tags.items())  # type: ignore[arg-type]
    return TableSpec(schema, name, columns, source=source, source_column=source_column, division_column=division_column)


def uniform_spec(spark: SparkSession, schema: str, name: str, grade: int = 1) -> TableSpec:
    cols = spark.table(f"{schema}.{name}").schema.fields
    tags = tuple(ColumnTag(f.name, grade=grade, type=f.dataType.simpleString()) for f in cols)
    return TableSpec(schema, name, tags)


def scanned_specs(spark: SparkSession, schemas: Iterable[str]) -> list[TableSpec]:
    """Specs from each table's latest scan: the stricter of declared and proposed tags."""
    if not spark.catalog.tableExists(LATEST_VIEW):
        return []
    in_list = ", ".join(f"'{s}'" for s in schemas)
    rows = spark.sql(f"""SELECT schema_name, table_name, column_name, data_type, detected, tag_personal,
                                tag_classification, tag_grade FROM {LATEST_VIEW}
                         WHERE schema_name IN ({in_list})""").collect()
    by_table: dict[tuple[str, str], list[ColumnTag]] = {}
    for r in rows:
        kind = "token" if r["detected"] == TOKEN else ("other" if r["detected"] in (None, ENCRYPTED) else r["detected"])
        by_table.setdefault((r["schema_name"], r["table_name"]), []).append(ColumnTag(
            r["column_name"], kind, r["tag_personal"] or "none", r["tag_classification"] or "general",
            int(r["tag_grade"] or 1), "encrypt" if r["detected"] == ENCRYPTED else "none", r["data_type"]))
    specs = []
    for (schema, table), tags in by_table.items():
        names = {t.name for t in tags}
        specs.append(TableSpec(schema, table, tuple(tags),
                               source_column=next((n for n in _SOURCE_NAMES if n in names), None),
                               division_column=next((n for n in _DIVISION_NAMES if n in names), None)))
    return specs


def lake_specs(spark: SparkSession, settings: Settings, declared: Iterable[TableSpec] = ()) -> list[TableSpec]:
    """Every table to secure: contracts for silver, declared or scanned tags for gold and
    published, uniform grade 1 for ops."""
    specs = {s.qualified: s for s in contract_table_specs(load_contracts(settings.contracts_dir), "silver")}
    for spec in scanned_specs(spark, ("gold", "published")):
        specs.setdefault(spec.qualified, spec)
    specs.update({s.qualified: s for s in declared})
    for schema, table in lake_tables(spark, ["ops"]):
        specs.setdefault(f"{schema}.{table}", uniform_spec(spark, schema, table))
    return list(specs.values())
