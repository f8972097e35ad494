"""Table payloads: a lake table with its columns, descriptions, owner, domain, tier,
grade and the glossary term of each column.

A table is described from its contract (what the stage will write) and, once it exists,
from the live lake (what DESCRIBE says it holds): live columns win, contract facts
describe them, and a column the contract does not know (schema evolution) is still
listed. Tables no contract describes (ops, standards, gold) carry the descriptions here
or dbt's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from citylake.catalog import governance as g
from citylake.catalog import naming as n
from citylake.catalog.datatypes import om_column
from citylake.catalog.payload import Payload, label, ref
from citylake.contracts import ColumnContract, EntityContract, SourceContract, table_name

META: dict[str, str] = {
    "_rescued": "Fields of the delivered record the contract does not know, as JSON: nothing is dropped.",
    "_corrupt": "The delivered line, when it could not be read as a record.",
    "_corrupt_reason": "Why the line could not be read.",
    "_line": "Line (record) number in the delivered file.",
    "_batch_id": "The delivery batch: its day and a digest of the file's bytes, so a re-delivery adds nothing.",
    "_source_file": "The delivered file, relative to the landing zone.",
    "_ingested_at": "When bronze took the batch in.",
    "_day": "The delivery day.",
    "_row_hash": "SHA-256 of the standardized values: an equal row is a duplicate, a changed row a new version.",
    "_warnings": "Rules of severity warning or info the row failed; it was kept.",
    "_corrections": "What silver corrected while standardizing (e.g. a name mapped to its code).",
    "_reasons": "Every rule the row failed, with its column and severity.",
    "_quarantined_at": "When the row was put in quarantine.",
    "valid_from": "First day this version of the record was current (SCD2).",
    "valid_to": "Day this version was superseded; empty while current (SCD2).",
    "is_current": "Whether this is the current version of the record (SCD2).",
}

#: Tables that no contract describes: (display name, description, column descriptions).
PLATFORM_TABLES: dict[str, tuple[str, str, dict[str, str]]] = {
    "ops.batch_log": ("批次日志 Batch log", "Every stage's account of every batch, appended by bronze and silver.", {
        "source": "Source (department) id.", "entity": "Entity of the source.", "batch_id": "The batch.",
        "day": "Delivery day.", "stage": "bronze, rejected or silver.", "file": "Delivered file (landing-relative).",
        "reason": "Why a file was rejected, or the schema drift seen.", "rows_read": "Records read from the file.",
        "rows_bronze": "Rows bronze holds for the batch.", "rows_accepted": "Rows silver accepted.",
        "rows_quarantined": "Rows silver quarantined.", "rows_duplicate": "Rows silver dropped as duplicates.",
        "recorded_at": "When the stage recorded it."}),
    "ops.batch_reconciliation": ("数据对账 Batch reconciliation", "One row per batch: what bronze read and stored, what "
                                 "silver accepted, quarantined and dropped, and whether the counts balance.", {
        "status": "rejected, in_bronze or reconciled.", "bronze_at": "When bronze recorded the batch.",
        "silver_at": "When silver recorded it.",
        "balanced": "rows_read = rows_bronze = rows_accepted + rows_quarantined + rows_duplicate."}),
    "ops.run_metrics": ("运行指标 Run metrics", "One row per stage run (bronze, silver, quality, publish): rows and "
                        "seconds, for the operations view of the quality page.", {
        "run_id": "The Airflow run (or CLI run) the stage belonged to.", "dag_id": "The DAG, when Airflow ran it.",
        "task_id": "The task, when Airflow ran it.", "stage": "bronze, silver, quality or publish.",
        "source": "Source (department) id.", "entity": "Entity of the source.", "day": "Delivery day processed.",
        "rows": "Rows the stage handled.", "seconds": "Wall-clock seconds the stage took.",
        "status": "success or failed.", "started_at": "When the stage started.", "finished_at": "When it ended."}),
    "ops.quality_results": ("质检结果 Quality results", "One row per rule, table and quality run: the outcome of every "
                            "expectation, with masked samples and failing rows (file and line).", {
        "run_id": "The quality run.", "checked_at": "When the rules were checked.", "day": "Delivery day checked.",
        "source": "Source (department) id.", "entity": "Entity of the source.", "department": "Owning department.",
        "layer": "bronze, delivery, silver or gold.", "table_name": "The table checked.",
        "suite": "The expectation suite.", "rule": "The contract's rule (column.rule).",
        "expectation": "The Great Expectations expectation type.", "column_name": "The column checked.",
        "dimension": "completeness, validity, uniqueness, consistency, timeliness or accuracy.",
        "severity": "critical, warning or info (from the contract).",
        "gating": "Whether a critical failure of this rule stops publishing.", "success": "Whether the rule held.",
        "element_count": "Rows checked.", "unexpected_count": "Rows that failed.",
        "unexpected_percent": "Share of rows that failed, in percent.", "observed_value": "What was observed (masked).",
        "unexpected_sample": "A masked sample of failing values.", "details": "Further details (JSON).",
        "dag_id": "The DAG, when Airflow ran the check.", "dag_run_id": "The DAG run.",
        "data_docs_page": "The Data Docs page of the validation.",
        "failed_rows": "Failing rows: batch, file, line and masked value."}),
    "ops.quality_scores": ("质检评分 Quality scores", "Scores per run, table and dimension (and overall), weighted by "
                           "severity: the scorecard.", {
        "run_id": "The quality run.", "checked_at": "When the rules were checked.", "day": "Delivery day checked.",
        "source": "Source (department) id.", "department": "Owning department.", "table_name": "The table scored.",
        "layer": "The table's layer.", "dimension": "A quality dimension, or overall.",
        "score": "0-100, weighted by severity.", "rules": "Rules checked.", "failed": "Rules that failed.",
        "failed_critical": "Critical rules of a gating table that failed."}),
    "ops.quality_failed_rows": ("质检问题行 Failing rows", "Every failing row of every rule, by file and line, with its "
                                "masked value (drill-down of the quality page).", {
        "run_id": "The quality run.", "table_name": "The table checked.", "rule": "The rule that failed.",
        "day": "Delivery day checked.", "batch_id": "The row's batch.", "source_file": "The delivered file.",
        "line": "Line in the delivered file.", "masked_value": "The failing value, masked."}),
    "ops.audit_log": ("审计日志 Audit log", "One row per attempt to see protected data, granted or refused: who, what, "
                      "when and why.", {
        "event_id": "The event.", "at": "When it happened.", "principal": "Who asked.",
        "role": "The role they acted in.", "action": "What they asked for (decrypt …).",
        "table_name": "The table.", "columns": "The columns.", "purpose": "The purpose they gave.",
        "row_filter": "Which rows.", "rows": "How many rows were returned.",
        "row_keys": "Tokens or non-sensitive keys of the rows (never plaintext).",
        "granted": "Whether the policy allowed it.", "reason": "Why it was refused, if it was."}),
    "standards.code_tables": ("代码表 Code tables", "Every code of every code table (metadata/standards/code_tables).", {
        "table_id": "Code table id (a term of the CodeTables glossary).", "code": "The code.", "name": "Its name.",
        "name_en": "English name.", "parent_code": "Parent code (hierarchies).", "level": "Level in the hierarchy."}),
    "standards.code_lookup": ("代码查找 Code lookup", "Every code, name and alias in lookup form: silver maps delivered "
                              "values to codes with a join on it.", {
        "table_id": "Code table id.", "key": "Normalized code, name or alias.", "code": "The code it maps to.",
        "ambiguous": "The name matches several codes."}),
}


@dataclass(frozen=True)
class LiveColumn:
    name: str
    type: str
    comment: str | None = None


@dataclass
class LiveTable:
    """A table as the lake's catalog describes it (DESCRIBE TABLE EXTENDED)."""

    schema: str
    name: str
    columns: list[LiveColumn]
    kind: str = "table"  # table | view
    provider: str | None = None
    location: str | None = None
    partitions: list[str] = field(default_factory=list)
    view_text: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


# --- columns a stage writes, per the contract (mirrors the DDL in citylake.layers) ------------

def _protection():  # type: ignore[no-untyped-def]
    from citylake.layers import protection

    return protection


def expected_columns(layer: str, entity: EntityContract) -> list[LiveColumn]:
    """The columns the bronze, silver or quarantine stage creates for an entity."""
    from citylake.layers.silver_rules import REASON_TYPE

    batch = [LiveColumn("_batch_id", "string"), LiveColumn("_source_file", "string")]
    if layer == "bronze":
        return ([LiveColumn(c.name, "string") for c in entity.columns]
                + [LiveColumn(x, "string") for x in ("_rescued", "_corrupt", "_corrupt_reason")]
                + [LiveColumn("_line", "bigint"), *batch, LiveColumn("_ingested_at", "timestamp"), LiveColumn("_day", "date")])
    if layer == "quarantine":
        return ([LiveColumn(c.name, "string") for c in entity.columns]
                + [LiveColumn(x, "string") for x in ("_rescued", "_corrupt", "_corrupt_reason")]
                + [LiveColumn("_reasons", REASON_TYPE), *batch, LiveColumn("_line", "bigint"), LiveColumn("_day", "date"),
                   LiveColumn("_ingested_at", "timestamp"), LiveColumn("_quarantined_at", "timestamp")])
    p = _protection()
    encrypted = set(p.encrypted_columns(entity))
    cols = [LiveColumn(c.name, "string" if c.name in encrypted else c.type) for c in entity.columns]
    cols += [LiveColumn(p.token_column(t), "string") for t in p.tokenized_columns(entity)]
    cols += [LiveColumn("_row_hash", "string"), LiveColumn("_warnings", REASON_TYPE), LiveColumn("_corrections", "array<string>"),
             *batch, LiveColumn("_line", "bigint"), LiveColumn("_day", "date"), LiveColumn("_ingested_at", "timestamp")]
    if entity.history == "scd2":
        cols += [LiveColumn("valid_from", "date"), LiveColumn("valid_to", "date"), LiveColumn("is_current", "boolean")]
    return cols


def column_tags(col: ColumnContract) -> list[dict[str, Any]]:
    s = col.sensitivity
    tags = [g.term_label(col.element)] if col.element else []
    tags += [g.grade_label(s.grade), g.category_label(s.classification)]
    if s.personal in g.PII:
        tags.append(label(g.PII[s.personal]))
    return tags


def _contract_column(col: ColumnContract, layer: str) -> tuple[str, list[dict[str, Any]]]:
    text = col.description or col.name
    text = text[0].upper() + text[1:]
    parts = [f"{text}. Delivered as `{col.delivered_as}`."]
    if col.element:
        parts.append(f"Data element {col.element}.")
    if col.code_table:
        parts.append(f"Code table {col.code_table}.")
    protection = col.sensitivity.protection
    if layer == "silver" and protection in ("encrypt", "encrypt_and_tokenize") and _protection().security_active():
        parts.append("Stored encrypted (SM4).")
    if layer in ("bronze", "quarantine"):
        parts.append("As delivered (text).")
    return " ".join(parts), column_tags(col)


def _describe_column(name: str, layer: str, entity: EntityContract | None) -> tuple[str | None, list[dict[str, Any]]]:
    by_name = {c.name: c for c in entity.columns} if entity else {}
    if name in by_name:
        return _contract_column(by_name[name], layer)
    if name.endswith("_token") and name[:-6] in by_name:
        return (f"Keyed SM3-HMAC token of `{name[:-6]}`: joins and deduplicates without the plaintext.",
                [g.grade_label(2)])
    if name in META:
        return META[name], []
    if entity is not None:
        return "Not in the contract: added by schema evolution.", []
    return None, []


# --- payloads --------------------------------------------------------------------------------

def _max_sensitivity(entity: EntityContract) -> tuple[int, str]:
    order = ["general", "important", "core"]
    grade = max((c.sensitivity.grade for c in entity.columns), default=1)
    category = max((c.sensitivity.classification for c in entity.columns), key=order.index, default="general")
    return grade, category


def contract_table(layer: str, contract: SourceContract, entity: EntityContract, live: LiveTable | None = None,
                   origin: str = "contracts") -> Payload:
    """The payload of a bronze, silver or quarantine table of a contract entity."""
    schema_name = f"{layer}.{table_name(contract.source, entity.name)}"
    columns = live.columns if live else expected_columns(layer, entity)
    om_columns = []
    for col in columns:
        description, tags = _describe_column(col.name, layer, entity)
        om_columns.append(om_column(col.name, col.type, description or col.comment, tags))
    grade, category = _max_sensitivity(entity)
    tier = 1 if category == "core" else g.LAYER_TIER.get(layer, 3)
    title = {"bronze": "贴源", "silver": "标准", "quarantine": "隔离"}.get(layer, layer)
    description = (f"{entity.title} ({contract.department}). {g.LAYERS.get(layer, '')}\n\n{entity.description}").strip()
    payload = _table(layer, table_name(contract.source, entity.name), om_columns, live, origin,
                     display=f"{entity.title}（{title}）", description=description, owner=contract.owner,
                     domain=contract.domain, tags=[g.tier_label(tier), g.grade_label(grade), g.category_label(category)])
    payload.meta.update({"source": contract.source, "entity": entity.name, "title": entity.title,
                         "department": contract.department, "grade": grade, "category": category, "tier": tier,
                         "short": schema_name})
    return payload


def platform_table(live: LiveTable, origin: str = "lake") -> Payload:
    """A table no contract describes: ops, standards, or anything else found in the lake."""
    display, description, col_docs = PLATFORM_TABLES.get(live.qualified, (None, None, {}))
    if description is None:
        description = f"Found in the lake's `{live.schema}` schema. {g.LAYERS.get(live.schema, '')}".strip()
    if live.schema == "ops":  # the reconciliation view repeats the batch log's columns
        col_docs = {**PLATFORM_TABLES["ops.batch_log"][2], **col_docs}
    om_columns = [om_column(c.name, c.type, col_docs.get(c.name) or c.comment) for c in live.columns]
    tier = g.LAYER_TIER.get(live.schema, 3)
    payload = _table(live.schema, live.name, om_columns, live, origin, display=display, description=description,
                     owner=n.PLATFORM_TEAM, domain=n.PLATFORM_DOMAIN, tags=[g.tier_label(tier), g.grade_label(1)])
    payload.meta.update({"grade": 1, "tier": tier, "short": live.qualified})
    return payload


def _table(schema: str, name: str, columns: list[dict[str, Any]], live: LiveTable | None, origin: str, *,
           display: str | None, description: str, owner: str | None, domain: str | None,
           tags: list[dict[str, Any]]) -> Payload:
    request: dict[str, Any] = {"name": name, "databaseSchema": n.schema_fqn(schema), "columns": columns,
                               "description": description, "tags": tags,
                               "tableType": "View" if live and live.kind == "view" else "Regular"}
    if display:
        request["displayName"] = display
    if owner:
        request["owners"] = [ref("team", owner)]
    if domain:
        request["domains"] = [domain]
    if live and live.partitions:
        request["tablePartition"] = {"columns": [{"columnName": p, "intervalType": "COLUMN-VALUE"} for p in live.partitions]}
    if live and live.view_text:
        request["schemaDefinition"] = live.view_text
    if live and live.location and "://" in live.location and not live.location.startswith("file:"):
        request["locationPath"] = live.location  # object-store locations only: a local path means nothing elsewhere
    payload = Payload("table", n.table_fqn(schema, name), request, origin)
    payload.meta.update({"layer": schema, "owner": owner, "domain": domain, "live": live is not None,
                         "provider": live.provider if live else "delta"})
    return payload
