"""Sensitive-data discovery: sample every table, classify its columns, compare with the declarations.

For each table of the lake's schemas (bronze … ops, and any other asked for) discovery
samples up to ``sample_rows`` rows, detects what each column holds (``classification``),
proposes a classification and grade, and compares them with what is declared: the
contract (and its data elements) for bronze, silver and quarantine tables, the tags a
caller passes for gold and published tables, nothing for ops. Where plaintext must not be
— protected silver and quarantine columns, every gold, published, ops and ``secure_*``
column — a citizen ID, phone or bank card in the clear is a ``plaintext_leak``.

The findings are appended to ``ops.sensitive_data_scan`` (one row per column and scan);
``ops.sensitive_data_latest`` is a view of each table's latest scan, which the catalog
reads for its classification and grade tags (``tag_*``: the stricter of declared and
proposed). Sampled values stay in this process's memory: the report and the table hold
kinds, shares and counts, never a value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from typing import Iterable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from citylake.contracts import SourceContract, load_contracts
from citylake.security.classification import (
    LEAK, SEVERITY, ClassificationRules, Detection, Level, compare, detect_column, load_rules, propose,
)
from citylake.security.column_protection import RAW_TEXT_COLUMNS
from citylake.security.tags import ColumnTag, TableSpec, contract_table_spec
from citylake.settings import Settings
from citylake.spark import once

SCAN_TABLE = "ops.sensitive_data_scan"
LATEST_VIEW = "ops.sensitive_data_latest"
DEFAULT_SCHEMAS = ("bronze", "silver", "quarantine", "gold", "published", "ops")
#: Schemas where no citizen ID, phone or bank card may be in the clear, in any column.
NO_PLAINTEXT_SCHEMAS = ("gold", "published", "ops")
CONTRACT_SCHEMAS = ("bronze", "silver", "quarantine")
PEOPLE_KINDS = ("citizen_id", "person_name", "phone", "bank_card", "email")
UNDECLARED_CIPHERTEXT = Level("personal", "general", 3, "encrypt")

_DDL = """scan_id STRING, scanned_at TIMESTAMP, schema_name STRING, table_name STRING, column_name STRING,
    data_type STRING, detected STRING, share DOUBLE, sampled BIGINT, embedded MAP<STRING, BIGINT>,
    declared_personal STRING, declared_classification STRING, declared_grade INT, declared_protection STRING,
    proposed_personal STRING, proposed_classification STRING, proposed_grade INT, proposed_protection STRING,
    tag_personal STRING, tag_classification STRING, tag_grade INT, status STRING, note STRING"""


@dataclass
class ColumnFinding:
    scan_id: str
    scanned_at: dt.datetime
    schema_name: str
    table_name: str
    column_name: str
    data_type: str
    detected: str | None
    share: float
    sampled: int
    embedded: dict[str, int]
    declared_personal: str | None = None
    declared_classification: str | None = None
    declared_grade: int | None = None
    declared_protection: str | None = None
    proposed_personal: str | None = None
    proposed_classification: str | None = None
    proposed_grade: int | None = None
    proposed_protection: str | None = None
    tag_personal: str | None = None
    tag_classification: str | None = None
    tag_grade: int | None = None
    status: str = "ok"
    note: str = ""

    @property
    def table(self) -> str:
        return f"{self.schema_name}.{self.table_name}"


@dataclass
class ScanReport:
    scan_id: str
    findings: list[ColumnFinding] = field(default_factory=list)
    tables: int = 0

    def problems(self) -> list[ColumnFinding]:
        return sorted((f for f in self.findings if f.status not in ("ok", "protected")),
                      key=lambda f: (SEVERITY[f.status], f.table, f.column_name))

    def leaks(self) -> list[ColumnFinding]:
        return [f for f in self.findings if f.status == LEAK]


# --- reading the lake ----------------------------------------------------------------------

def lake_tables(spark: SparkSession, schemas: Iterable[str]) -> list[tuple[str, str]]:
    """(schema, table) of every table and view in the schemas that exist."""
    existing = {d.name for d in spark.catalog.listDatabases()}
    out = []
    for schema in schemas:
        if schema in existing:
            out += [(schema, t.name) for t in spark.catalog.listTables(dbName=schema) if not t.isTemporary]
    return sorted(out)


def secure_schemas(spark: SparkSession) -> list[str]:
    return sorted(d.name for d in spark.catalog.listDatabases() if d.name.startswith("secure_"))


def scannable_columns(df: DataFrame) -> list[tuple[str, str, object]]:
    """(name, type, expression as text) of the columns worth sampling: text and whole numbers
    as they are (a phone stored as a bigint is still a phone), nested values as JSON."""
    out = []
    for f in df.schema.fields:
        col = F.col(f"`{f.name}`")
        if isinstance(f.dataType, T.StringType):
            out.append((f.name, f.dataType.simpleString(), col))
        elif isinstance(f.dataType, (T.IntegerType, T.LongType, T.DecimalType)):
            out.append((f.name, f.dataType.simpleString(), col.cast("string")))
        elif isinstance(f.dataType, (T.ArrayType, T.StructType, T.MapType)):
            out.append((f.name, f.dataType.simpleString(), F.to_json(col)))
    return out


def sample_table(spark: SparkSession, qualified: str, rows: int) -> tuple[list[tuple[str, str]], dict[str, list[object]]]:
    """Up to ``rows`` rows, spread over the table, of the scannable columns."""
    df = spark.table(qualified)
    cols = scannable_columns(df)
    if not cols:
        return [], {}
    total = df.count()
    if total > rows:
        df = df.sample(fraction=min(1.0, 2.0 * rows / total), seed=17)
    sampled = df.select(*[expr.alias(name) for name, _, expr in cols]).limit(rows).collect()
    return [(n, t) for n, t, _ in cols], {n: [r[n] for r in sampled] for n, _, _ in cols}


# --- one table ----------------------------------------------------------------------------

def _plaintext_forbidden(schema: str, column: str, tag: ColumnTag | None, spec: TableSpec | None) -> bool:
    if schema in NO_PLAINTEXT_SCHEMAS or schema.startswith("secure_"):
        return True
    if schema in ("silver", "quarantine") and tag is not None and tag.protection != "none":
        return True
    if schema == "quarantine" and column in RAW_TEXT_COLUMNS and spec is not None:
        return any(t.protection != "none" for t in spec.columns)
    return False


def scan_table(spark: SparkSession, schema: str, table: str, spec: TableSpec | None,
               rules: ClassificationRules, scan_id: str, now: dt.datetime) -> list[ColumnFinding]:
    columns, values = sample_table(spark, f"{schema}.{table}", rules.sample_rows)
    detections = {name: detect_column(values[name], rules) for name, _ in columns}
    declared_kinds = {t.kind for t in spec.columns} if spec else set()
    about_people = bool(({d.kind for d in detections.values()} | declared_kinds) & set(PEOPLE_KINDS))
    findings = []
    for name, data_type in columns:
        tag = spec.tag(name) if spec else None
        findings.append(_finding(schema, table, name, data_type, detections[name], tag, spec, about_people,
                                 rules, scan_id, now))
    return findings


def _finding(schema: str, table: str, name: str, data_type: str, detection: Detection, tag: ColumnTag | None,
             spec: TableSpec | None, about_people: bool, rules: ClassificationRules, scan_id: str,
             now: dt.datetime) -> ColumnFinding:
    # A protected column's values are ciphertext: judge it by the kind it is declared to hold.
    kind = tag.kind if detection.kind in ("encrypted", "token") and tag else detection.kind
    proposed = propose(kind, about_people, rules)
    declared = Level.of(tag) if tag else None
    status, note = compare(declared, proposed, detection, _plaintext_forbidden(schema, name, tag, spec),
                           tag.element_personal if tag else None)
    tag_level = declared.stricter(proposed) if declared and proposed else (declared or proposed)
    if tag_level is None:  # every sampled column gets a tag; ciphertext nobody declared was worth encrypting
        tag_level = UNDECLARED_CIPHERTEXT if detection.kind == "encrypted" else Level()
    finding = ColumnFinding(scan_id, now, schema, table, name, data_type, detection.kind, detection.share,
                            detection.values, detection.embedded, status=status, note=note)
    for prefix, level in (("declared", declared), ("proposed", proposed), ("tag", tag_level)):
        if level is not None:
            setattr(finding, f"{prefix}_personal", level.personal)
            setattr(finding, f"{prefix}_classification", level.classification)
            setattr(finding, f"{prefix}_grade", level.grade)
            if prefix != "tag":
                setattr(finding, f"{prefix}_protection", level.protection)
    return finding


# --- the whole lake -----------------------------------------------------------------------

def contract_specs(contracts: dict[str, SourceContract]) -> dict[tuple[str, str], TableSpec]:
    specs = {}
    for schema in CONTRACT_SCHEMAS:
        for contract in contracts.values():
            for entity in contract.entities:
                spec = contract_table_spec(schema, contract, entity)
                specs[(schema, spec.name)] = spec
    return specs


def scan(spark: SparkSession, settings: Settings, schemas: Iterable[str] | None = None,
         tables: Iterable[str] | None = None, specs: Iterable[TableSpec] = (), write: bool = True) -> ScanReport:
    """Scan the lake (or the named ``schema.table``s); ``specs`` declare gold/published tags."""
    rules = load_rules(settings.metadata_dir / "security" / "classification.yml")
    known = contract_specs(load_contracts(settings.contracts_dir))
    known.update({(s.schema, s.name): s for s in specs})
    if tables:
        targets = [tuple(t.split(".", 1)) for t in tables]
    else:
        targets = lake_tables(spark, list(schemas or DEFAULT_SCHEMAS))
    report = ScanReport(uuid.uuid4().hex[:16])
    now = dt.datetime.now(dt.timezone.utc)
    for schema, table in targets:
        report.findings += scan_table(spark, schema, table, known.get((schema, table)), rules, report.scan_id, now)
        report.tables += 1
    if write and report.findings:
        write_scan(spark, report.findings)
    return report


def ensure_scan_table(spark: SparkSession) -> None:
    def create() -> None:
        spark.sql("CREATE DATABASE IF NOT EXISTS ops")
        spark.sql(f"CREATE TABLE IF NOT EXISTS {SCAN_TABLE} ({_DDL}) USING delta")
        spark.sql(f"""CREATE OR REPLACE VIEW {LATEST_VIEW} AS
            SELECT * EXCEPT (_rank) FROM (
                SELECT *, dense_rank() OVER (PARTITION BY schema_name, table_name ORDER BY scanned_at DESC, scan_id DESC) AS _rank
                FROM {SCAN_TABLE}) WHERE _rank = 1""")

    once(spark, "security:scan-table", create)


def write_scan(spark: SparkSession, findings: list[ColumnFinding]) -> None:
    """Append one scan's findings (one atomic commit)."""
    ensure_scan_table(spark)
    rows = [tuple(asdict(f).values()) for f in findings]  # field order = _DDL's order (a test holds them equal)
    spark.createDataFrame(rows, schema=_DDL).write.format("delta").mode("append").saveAsTable(SCAN_TABLE)
