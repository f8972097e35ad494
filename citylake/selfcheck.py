"""``citylake check``: prove that this installation's lakehouse works, end to end.

A new machine, a new cluster or a changed setting is trusted only after a real round
trip: a Delta table written, MERGEd and read back at an old version, a Sedona spatial
join, and the catalog finding the table by name. Each step reports what it observed,
so a failure says which part is broken.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from pyspark.sql import SparkSession


@dataclass
class CheckResult:
    name: str
    ok: bool
    seconds: float
    observed: dict[str, Any] = field(default_factory=dict)
    error: str = ""


def _step(name: str, func: Callable[[], dict[str, Any]], expect: dict[str, Any]) -> CheckResult:
    started = time.monotonic()
    try:
        observed = func()
    except Exception as exc:  # a check reports failures; it must not stop at the first
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CheckResult(name, False, time.monotonic() - started, error=first[:300])
    ok = all(observed.get(k) == v for k, v in expect.items())
    return CheckResult(name, ok, time.monotonic() - started, observed,
                       "" if ok else f"expected {expect}, observed {observed}")


def run_selfcheck(spark: SparkSession, schema: str = "ops") -> list[CheckResult]:
    """Run every check on a scratch table in ``schema``; the table is dropped afterwards."""
    table = f"{schema}._selfcheck_{uuid.uuid4().hex[:8]}"
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    results: list[CheckResult] = []
    try:
        results.append(_step("delta write", lambda: _write(spark, table), {"rows": 100, "version": 0}))
        results.append(_step("delta merge", lambda: _merge(spark, table), {"rows": 150, "updated": 50, "version": 1}))
        results.append(_step("delta time travel", lambda: _time_travel(spark, table), {"rows_v0": 100, "rows_v1": 150}))
        results.append(_step("catalog by name", lambda: _catalog(spark, table), {"found": True, "provider": "delta"}))
        results.append(_step("sedona spatial join", lambda: _spatial_join(spark), {"pairs": 25, "spatial_operator": True}))
        results.append(_step("master", lambda: {"master": spark.conf.get("spark.master")}, {}))
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {table}")
    return results


def _write(spark: SparkSession, table: str) -> dict[str, Any]:
    spark.sql(f"CREATE TABLE {table} USING delta AS SELECT id, concat('v', id) AS value FROM range(100)")
    return {"rows": spark.table(table).count(), "version": _version(spark, table)}


def _merge(spark: SparkSession, table: str) -> dict[str, Any]:
    spark.sql(
        f"""MERGE INTO {table} t
        USING (SELECT id, concat('w', id) AS value FROM range(50, 150)) s ON t.id = s.id
        WHEN MATCHED THEN UPDATE SET value = s.value
        WHEN NOT MATCHED THEN INSERT (id, value) VALUES (s.id, s.value)"""
    )
    updated = spark.sql(f"SELECT count(*) FROM {table} WHERE id < 100 AND value LIKE 'w%'").collect()[0][0]
    return {"rows": spark.table(table).count(), "updated": updated, "version": _version(spark, table)}


def _time_travel(spark: SparkSession, table: str) -> dict[str, Any]:
    v0 = spark.sql(f"SELECT count(*) FROM {table} VERSION AS OF 0").collect()[0][0]
    v1 = spark.sql(f"SELECT count(*) FROM {table} VERSION AS OF 1").collect()[0][0]
    return {"rows_v0": v0, "rows_v1": v1}


def _catalog(spark: SparkSession, table: str) -> dict[str, Any]:
    schema, name = table.split(".")
    names = {r["tableName"] for r in spark.sql(f"SHOW TABLES IN {schema}").collect()}
    detail = spark.sql(f"DESCRIBE DETAIL {table}").collect()[0]
    return {"found": name in names, "provider": detail["format"]}


def _spatial_join(spark: SparkSession) -> dict[str, Any]:
    """25 grid cells of 1x1 and 100 points on a 10x10 lattice inside them: each cell holds one."""
    query = """
        WITH cells AS (
            SELECT x * 2 AS cx, y * 2 AS cy,
                   ST_PolygonFromEnvelope(CAST(x * 2 AS DOUBLE), CAST(y * 2 AS DOUBLE),
                                          CAST(x * 2 + 1 AS DOUBLE), CAST(y * 2 + 1 AS DOUBLE)) AS cell
            FROM (SELECT explode(sequence(0, 4)) AS x) CROSS JOIN (SELECT explode(sequence(0, 4)) AS y)
        ),
        points AS (
            SELECT ST_Point(px + 0.5, py + 0.5) AS p
            FROM (SELECT explode(sequence(0, 9)) AS px) CROSS JOIN (SELECT explode(sequence(0, 9)) AS py)
        )
        SELECT cx, cy, p FROM cells JOIN points ON ST_Contains(cells.cell, points.p)
    """
    pairs = spark.sql(query).count()
    plan = "\n".join(r[0] for r in spark.sql("EXPLAIN " + query).collect())
    spatial = any(op in plan for op in ("RangeJoin", "BroadcastIndexJoin", "DistanceJoin"))
    return {"pairs": pairs, "spatial_operator": spatial}


def _version(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").collect()[0]["version"])
