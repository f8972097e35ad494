"""The ops schema: the lake's own record of what happened to every batch.

Stages append what they did to ``ops.batch_log`` — appends never conflict, so any
number of tasks can record at once, which a shared MERGE target would not allow.
``ops.batch_reconciliation`` (数据对账) is a view over it with one row per source,
entity and batch: what bronze read and stored, what silver accepted, quarantined and
dropped as duplicates, and whether
``rows_read = rows_bronze = rows_accepted + rows_quarantined + rows_duplicate`` holds.
A stage that finds nothing to do records nothing, so re-running changes no table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from pyspark.sql import SparkSession

from citylake.spark import once

BATCH_LOG = "ops.batch_log"
RECONCILIATION = "ops.batch_reconciliation"


@dataclass
class BatchRecord:
    """One stage's account of one batch."""

    source: str
    entity: str
    batch_id: str
    day: dt.date
    stage: str  # bronze | rejected | silver
    file: str | None = None
    reason: str | None = None
    rows_read: int | None = None
    rows_bronze: int | None = None
    rows_accepted: int | None = None
    rows_quarantined: int | None = None
    rows_duplicate: int | None = None
    recorded_at: dt.datetime | None = None


_DDL = {
    "source": "STRING", "entity": "STRING", "batch_id": "STRING", "day": "DATE", "stage": "STRING",
    "file": "STRING", "reason": "STRING", "rows_read": "BIGINT", "rows_bronze": "BIGINT",
    "rows_accepted": "BIGINT", "rows_quarantined": "BIGINT", "rows_duplicate": "BIGINT",
    "recorded_at": "TIMESTAMP",
}

_VIEW = f"""
CREATE OR REPLACE VIEW {RECONCILIATION} AS
WITH ranked AS (
    SELECT *, row_number() OVER (PARTITION BY source, entity, batch_id, stage = 'silver'
                                 ORDER BY recorded_at DESC) AS rn
    FROM {BATCH_LOG}
),
landed AS (SELECT * FROM ranked WHERE rn = 1 AND stage IN ('bronze', 'rejected')),
refined AS (SELECT * FROM ranked WHERE rn = 1 AND stage = 'silver')
SELECT l.source, l.entity, l.batch_id, l.day, l.file,
       CASE WHEN l.stage = 'rejected' THEN 'rejected'
            WHEN r.batch_id IS NULL THEN 'in_bronze' ELSE 'reconciled' END AS status,
       l.reason, l.rows_read, l.rows_bronze, r.rows_accepted, r.rows_quarantined, r.rows_duplicate,
       l.recorded_at AS bronze_at, r.recorded_at AS silver_at,
       l.stage = 'bronze' AND r.batch_id IS NOT NULL AND l.rows_read = l.rows_bronze
           AND l.rows_bronze = r.rows_accepted + r.rows_quarantined + r.rows_duplicate AS balanced
FROM landed l LEFT JOIN refined r
  ON l.source = r.source AND l.entity = r.entity AND l.batch_id = r.batch_id
"""


def ensure_ops(spark: SparkSession) -> None:
    def create() -> None:
        if not spark.catalog.tableExists(BATCH_LOG):
            cols = ", ".join(f"{name} {kind}" for name, kind in _DDL.items())
            try:
                spark.sql(f"CREATE TABLE IF NOT EXISTS {BATCH_LOG} ({cols}) USING delta")
            except Exception:
                # Two first tasks (of different DAGs) may create it at once; Delta lets
                # one win and fails the other, which is then done all the same.
                if not spark.catalog.tableExists(BATCH_LOG):
                    raise
            spark.sql(_VIEW)

    once(spark, "ops", create)


def record_batches(spark: SparkSession, records: list[BatchRecord]) -> None:
    """Append the stages' accounts (one atomic commit)."""
    if not records:
        return
    ensure_ops(spark)
    now = dt.datetime.now(dt.timezone.utc)
    names = [f.name for f in fields(BatchRecord)]
    rows: list[tuple[Any, ...]] = []
    for record in records:
        values = asdict(record)
        values["recorded_at"] = values["recorded_at"] or now
        rows.append(tuple(values[n] for n in names))
    schema = ", ".join(f"{n} {_DDL[n]}" for n in names)
    spark.createDataFrame(rows, schema=schema).write.format("delta").mode("append").saveAsTable(BATCH_LOG)
