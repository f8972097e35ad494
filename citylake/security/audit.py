"""The audit log: ``ops.audit_log``, one row per attempt to see protected data, granted or not.

A row says who (the principal and the role claimed), what (table, columns, the row filter
and how many rows, with the keys of those rows as tokens), why (the purpose), when, and
whether it was granted — with the reason for a refusal or a failure. It holds no
plaintext: row keys are the tokens or non-sensitive keys silver stores.

Appends never conflict, so any number of processes can write at once. Decryption writes
its row *before* it hands back any value: if the log cannot be written, nothing is shown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from citylake.spark import once

AUDIT_TABLE = "ops.audit_log"
MAX_ROW_KEYS = 1000
_DDL = ("event_id STRING, at TIMESTAMP, principal STRING, role STRING, action STRING, table_name STRING, "
        "columns ARRAY<STRING>, purpose STRING, row_filter STRING, rows BIGINT, row_keys ARRAY<STRING>, "
        "granted BOOLEAN, reason STRING")


@dataclass
class AuditEvent:
    principal: str
    role: str
    action: str
    table_name: str
    columns: list[str]
    purpose: str
    row_filter: str | None = None
    rows: int = 0
    row_keys: list[str] = field(default_factory=list)
    granted: bool = False
    reason: str | None = None
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def row(self) -> tuple[object, ...]:
        return (self.event_id, self.at, self.principal, self.role, self.action, self.table_name, self.columns,
                self.purpose, self.row_filter, self.rows, self.row_keys[:MAX_ROW_KEYS], self.granted, self.reason)


def ensure_audit_table(spark: SparkSession) -> None:
    def create() -> None:
        spark.sql("CREATE DATABASE IF NOT EXISTS ops")
        spark.sql(f"CREATE TABLE IF NOT EXISTS {AUDIT_TABLE} ({_DDL}) USING delta")

    once(spark, "security:audit", create)


def record(spark: SparkSession, event: AuditEvent) -> str:
    """Append one event (an atomic commit); returns its id."""
    ensure_audit_table(spark)
    spark.createDataFrame([event.row()], schema=_DDL).write.format("delta").mode("append").saveAsTable(AUDIT_TABLE)
    return event.event_id

