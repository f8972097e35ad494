"""Which tables there are to secure, each with its column tags (``TableSpec``).

* silver: from the contracts (``tags.contract_table_spec``).
* gold and published: from tags a model declares (its columns' ``meta`` in the dbt
  project, ``dbt_specs``, or passed in), over the latest sensitive-data scan
  (``ops.sensitive_data_latest``), which tags every column it sampled. A published table
  (``citylake.published``) takes its model's declarations (``published_specs``). A table
  with neither is not exposed: views fail closed.
* ops: every column grade 1. Ops tables hold counts, reasons and tokens by design, and
  the leak scan holds them to it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
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


def scanned_specs(spark: SparkSession, schemas: Iterable[str], table: str | None = None) -> list[TableSpec]:
    """Specs from each table's latest scan (or only ``table``'s): the stricter of declared and
    proposed tags."""
    if not spark.catalog.tableExists(LATEST_VIEW):
        return []
    in_list = ", ".join(f"'{s}'" for s in schemas)
    only = "" if table is None else " AND table_name = '" + table.replace("'", "''") + "'"
    rows = spark.sql(f"""SELECT schema_name, table_name, column_name, data_type, detected, tag_personal,
                                tag_classification, tag_grade FROM {LATEST_VIEW}
                         WHERE schema_name IN ({in_list}){only}""").collect()
    by_table: dict[tuple[str, str], list[ColumnTag]] = {}
    for r in rows:
        kind = "token" if r["detected"] == TOKEN else ("other" if r["detected"] in (None, ENCRYPTED) else r["detected"])
        # ciphertext nobody declared: whatever it is was worth encrypting, so not grade 1
        floor = ("personal", 3) if r["detected"] == ENCRYPTED else ("none", 1)
        by_table.setdefault((r["schema_name"], r["table_name"]), []).append(ColumnTag(
            r["column_name"], kind, r["tag_personal"] or floor[0], r["tag_classification"] or "general",
            int(r["tag_grade"] or floor[1]), "encrypt" if r["detected"] == ENCRYPTED else "none", r["data_type"]))
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
    for spec in [*dbt_specs(dbt_manifest(settings)), *published_specs(settings), *declared]:
        specs[spec.qualified] = merge_specs(spec, specs.get(spec.qualified))
    for schema, table in lake_tables(spark, ["ops"]):
        specs.setdefault(f"{schema}.{table}", uniform_spec(spark, schema, table))
    return list(specs.values())


def table_spec(spark: SparkSession, settings: Settings, qualified: str) -> TableSpec | None:
    """The spec of one table, as ``lake_specs`` would give it, without reading every table's
    (a decryption needs one; a lake of hundreds of tables should not slow it down)."""
    schema, _, name = qualified.partition(".")
    if schema == "silver":
        found = [s for s in contract_table_specs(load_contracts(settings.contracts_dir), "silver") if s.name == name]
        if found:
            return found[0]
    if schema in ("gold", "published"):
        scanned = scanned_specs(spark, [schema], name)
        declared = [s for s in [*dbt_specs(dbt_manifest(settings), [schema]), *published_specs(settings)]
                    if s.schema == schema and s.name == name]
        if declared:
            return merge_specs(declared[0], scanned[0] if scanned else None)
        return scanned[0] if scanned else None
    if schema == "ops" and spark.catalog.tableExists(qualified):
        return uniform_spec(spark, schema, name)
    return None


# --- tags a dbt model declares --------------------------------------------------------------

#: What a token is without a declaration: pseudonymous, still personal information (as ``tags.token_tag``).
TOKEN_LEVEL = {"personal": "personal", "classification": "general", "grade": 2}


def dbt_manifest(settings: Settings) -> Path:
    """dbt's manifest of the gold project: the one `dbt parse` wrote (`make setup` runs it), or
    the latest `dbt build`'s (under home) when that is newer — the declarations gold was
    built with, even when the project changed since set-up."""
    from citylake.gold import target_dir

    parsed = settings.gold.dbt_project_dir / "target" / "manifest.json"
    built = target_dir(settings) / "manifest.json"
    found = [p for p in (parsed, built) if p.exists()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else parsed


def dbt_specs(manifest: Path, schemas: Iterable[str] = ("gold", "published")) -> list[TableSpec]:
    """Specs of the dbt models built in ``schemas`` whose columns declare tags in their
    ``meta``: ``sensitivity`` (as in a contract: personal, classification, grade, protection),
    ``element`` (a data element, for the kind) or ``kind``; a model's ``meta.source_column``
    and ``meta.division_column`` name what tenants are filtered by. A column without any is
    not in the spec, so the scan's tags stand for it (``merge_specs``)."""
    import json

    from citylake.contracts import Sensitivity
    from citylake.security.tags import KINDS, column_kind_of_element

    try:
        nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    except (OSError, ValueError):
        return []
    out = []
    for node in nodes.values():
        if node.get("resource_type") != "model" or node.get("schema") not in set(schemas):
            continue
        tags = []
        for name, col in (node.get("columns") or {}).items():
            meta = col.get("meta") or {}
            if not ({"sensitivity", "element", "kind"} & set(meta)):
                continue
            token = name.endswith("_token") and "kind" not in meta  # the token of an ID, not an ID
            s = Sensitivity.model_validate(meta.get("sensitivity") or (TOKEN_LEVEL if token else {}))
            kind = "token" if token else meta.get("kind") or column_kind_of_element(meta.get("element"))
            tags.append(ColumnTag(col.get("name", name), kind if kind in KINDS else "other", s.personal,
                                  s.classification, s.grade, s.protection, col.get("data_type") or "string"))
        if tags:
            meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
            out.append(TableSpec(node["schema"], node.get("alias") or node["name"], tuple(tags),
                                 source_column=meta.get("source_column"), division_column=meta.get("division_column")))
    return out


def published_specs(settings: Settings) -> list[TableSpec]:
    """Declared tags of the published tables (``citylake.published``): each column as the gold
    model it is cut from declares it, so that a published table's date, number and flag
    columns, which the scan does not sample, are in its views as they are in the model's."""
    from citylake.errors import CitylakeError
    from citylake.published.contracts import SCHEMA, contracts_dir, load_published_contracts

    try:
        contracts = load_published_contracts(contracts_dir(settings.metadata_dir))
    except CitylakeError:
        return []  # publishing reports a broken contract; views just go without its tags
    gold = {s.name: s for s in dbt_specs(dbt_manifest(settings), [settings.gold.dbt_schema])}
    out = []
    for contract in contracts.values():
        model = gold.get(contract.model)
        names = {c.name for c in contract.columns}
        tags = tuple(t for t in model.columns if t.name in names) if model else ()
        if tags:
            out.append(TableSpec(SCHEMA, contract.table_name, tags,
                                 source_column=model.source_column if model.source_column in names else None,
                                 division_column=model.division_column if model.division_column in names else None))
    return out


def merge_specs(declared: TableSpec, scanned: TableSpec | None) -> TableSpec:
    """A model's declared tags over the scan's, column by column; tenant columns from either."""
    if scanned is None:
        return declared
    columns = {t.name: t for t in scanned.columns}
    columns.update({t.name: t for t in declared.columns})
    return replace(declared, columns=tuple(columns.values()),
                   source_column=declared.source_column or scanned.source_column,
                   division_column=declared.division_column or scanned.division_column)
