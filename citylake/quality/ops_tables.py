"""The ops tables data quality writes: results (with their failing rows) and run metrics,
and the views over them: scores and failing rows.

The tables are append-only Delta tables, like ``ops.batch_log``: appends never conflict,
so any number of quality tasks and stages record at once, and a quality run is one
commit. Readers take the latest run of each table, so nothing is updated in place.
``ops.quality_scores`` and ``ops.quality_failed_rows`` are views for Spark SQL users; the
page and the CLI compute the same scores in Python (``citylake.quality.scores``) from the
results, which delta-rs reads without Spark (views need Spark). A test holds the view's
scores to the Python ones.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from pyspark.sql import SparkSession

from citylake.spark import once

QUALITY_RESULTS = "ops.quality_results"
FAILED_ROWS = "ops.quality_failed_rows"
QUALITY_SCORES = "ops.quality_scores"
RUN_METRICS = "ops.run_metrics"
FAILED_ROW_TYPE = "ARRAY<STRUCT<batch_id: STRING, source_file: STRING, line: BIGINT, masked_value: STRING>>"

SCHEMAS: dict[str, dict[str, str]] = {
    QUALITY_RESULTS: {
        "run_id": "STRING", "checked_at": "TIMESTAMP", "day": "DATE", "source": "STRING", "entity": "STRING",
        "department": "STRING", "layer": "STRING", "table_name": "STRING", "suite": "STRING", "rule": "STRING",
        "expectation": "STRING", "column_name": "STRING", "dimension": "STRING", "severity": "STRING",
        "gating": "BOOLEAN", "success": "BOOLEAN", "element_count": "BIGINT", "unexpected_count": "BIGINT",
        "unexpected_percent": "DOUBLE", "observed_value": "STRING", "unexpected_sample": "ARRAY<STRING>",
        "details": "STRING", "dag_id": "STRING", "dag_run_id": "STRING", "data_docs_page": "STRING",
        "failed_rows": FAILED_ROW_TYPE,
    },
    RUN_METRICS: {
        "run_id": "STRING", "dag_id": "STRING", "task_id": "STRING", "stage": "STRING", "source": "STRING",
        "entity": "STRING", "day": "DATE", "rows": "BIGINT", "seconds": "DOUBLE", "status": "STRING",
        "started_at": "TIMESTAMP", "finished_at": "TIMESTAMP",
    },
}


def _ddl(columns: dict[str, str]) -> str:
    return ", ".join(f"`{name}` {kind}" for name, kind in columns.items())


_RULE_SCORE = ("CASE WHEN element_count > 0 AND unexpected_count IS NOT NULL "
               "THEN greatest(0.0, 100.0 * (1 - unexpected_count / element_count)) "
               "WHEN success THEN 100.0 ELSE 0.0 END")
_WEIGHT = "CASE severity WHEN 'critical' THEN 3.0 WHEN 'warning' THEN 2.0 ELSE 1.0 END"
#: The same scores as citylake.quality.scores.table_scores, for Spark SQL users.
VIEWS = {
    QUALITY_SCORES: f"""
        WITH scored AS (SELECT *, {_RULE_SCORE} AS rule_score, {_WEIGHT} AS weight FROM {QUALITY_RESULTS}),
        dims AS (SELECT *, 'overall' AS dim FROM scored UNION ALL SELECT *, dimension AS dim FROM scored)
        SELECT run_id, first(checked_at) AS checked_at, first(day) AS day, first(source) AS source,
               first(department) AS department, table_name, first(layer) AS layer, dim AS dimension,
               round(sum(weight * rule_score) / sum(weight), 2) AS score, count(*) AS rules,
               count_if(NOT success) AS failed, count_if(NOT success AND severity = 'critical' AND gating) AS failed_critical
        FROM dims GROUP BY run_id, table_name, dim""",
    FAILED_ROWS: f"""
        SELECT run_id, table_name, rule, day, f.batch_id, f.source_file, f.line, f.masked_value
        FROM {QUALITY_RESULTS} LATERAL VIEW explode(failed_rows) AS f""",
}


def ensure_table(spark: SparkSession, table: str) -> None:
    def create() -> None:
        for attempt in range(3):
            try:
                spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({_ddl(SCHEMAS[table])}) USING delta")
                if table == QUALITY_RESULTS:
                    for view, query in VIEWS.items():
                        spark.sql(f"CREATE OR REPLACE VIEW {view} AS {query}")
                return
            except Exception as exc:  # two first writers at once: the other one created it
                if "already exists" not in str(exc).lower() or attempt == 2:
                    if spark.catalog.tableExists(table):
                        return
                    raise
                time.sleep(1)

    once(spark, f"quality:{table}", create)


def append(spark: SparkSession, table: str, rows: Iterable[dict[str, Any]] | Sequence[Any]) -> int:
    """Append rows (dicts or dataclass rows' dicts) in one commit; returns how many."""
    records = [r if isinstance(r, dict) else r.__dict__ for r in rows]
    if not records:
        return 0
    ensure_table(spark, table)
    names = list(SCHEMAS[table])
    data = [tuple(r.get(n) for n in names) for r in records]
    spark.createDataFrame(data, schema=_ddl(SCHEMAS[table]).replace("`", "")).write.format("delta").mode(
        "append").saveAsTable(table)
    return len(records)
