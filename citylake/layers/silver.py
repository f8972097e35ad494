"""Silver: standardized, validated, deduplicated tables with history, and quarantine.

For the bronze batches of one entity and day that silver has not taken yet:

1. *Plan*: standardize every row (``silver_rules``), protect sensitive columns (the
   contract's hook that security fills), and give each row one disposition —
   ``quarantined`` (a critical rule failed), ``duplicate`` (another row of the run
   has the same key and is newer, or the row equals the current silver version) or
   ``accepted``. The plan is written once, so the later steps and a re-run after a
   crash all see the same decisions.
2. *Quarantine*: the rejected rows as delivered, with their reasons, replacing any
   earlier attempt's rows of the same batches (one atomic Delta commit).
3. *Merge* the accepted rows into ``silver.<source>__<entity>``: SCD2 (``valid_from``,
   ``valid_to``, ``is_current``) for people and organisations, upsert or append for the
   rest. The MERGE carries a Delta transaction id, so a re-run after a crash that
   already committed it is skipped by Delta itself.
4. *Reconcile*: accepted, quarantined and duplicate counts per batch into
   ``ops.batch_reconciliation``, then the plan is removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from typing import Callable
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from citylake.contracts import EntityContract, SourceContract, table_name
from citylake.layers.bronze import bronze_table, logged_batches
from citylake.layers.protection import encrypted_columns, merge_keys, protect, token_column, tokenized_columns
from citylake.layers.silver_rules import REASON_TYPE, derived_columns, has_critical, standardize
from citylake.standards.publish import CODE_LOOKUP
from citylake.ops import BatchRecord, record_batches
from citylake.settings import Settings
from citylake.spark import once
from citylake.storage import lake

log = logging.getLogger(__name__)

ACCEPTED, QUARANTINED, DUPLICATE = "accepted", "quarantined", "duplicate"
SILVER_META = ("_row_hash", "_warnings", "_corrections", "_batch_id", "_source_file", "_line", "_day", "_ingested_at")


@dataclass
class SilverReport:
    table: str
    day: dt.date
    batches: list[str] = field(default_factory=list)
    accepted: int = 0
    quarantined: int = 0
    duplicate: int = 0
    created: bool = False  # the silver and quarantine tables were created by this run

    @property
    def rows(self) -> int:
        return self.accepted + self.quarantined + self.duplicate


def silver_table(contract: SourceContract, entity: EntityContract) -> str:
    return f"silver.{table_name(contract.source, entity.name)}"


def quarantine_table(contract: SourceContract, entity: EntityContract) -> str:
    return f"quarantine.{table_name(contract.source, entity.name)}"


def pending_batches(spark: SparkSession, contract: SourceContract, entity: EntityContract, day: dt.date) -> list[str]:
    """Batches of the day that bronze holds and silver has not taken yet."""
    stages = logged_batches(spark, contract.source, entity.name, day)
    return sorted(stages["bronze"] - stages["silver"])


def ensure_silver_tables(spark: SparkSession, contract: SourceContract, entity: EntityContract) -> bool:
    """Create the silver and quarantine tables if missing; True if this call created them."""
    created: list[bool] = []
    once(spark, f"silver:{contract.source}.{entity.name}",
         lambda: created.append(_create_silver_tables(spark, contract, entity)))
    return bool(created and created[0])


def _create_silver_tables(spark: SparkSession, contract: SourceContract, entity: EntityContract) -> bool:
    if spark.catalog.tableExists(silver_table(contract, entity)) and spark.catalog.tableExists(quarantine_table(contract, entity)):
        return False
    encrypted = set(encrypted_columns(entity))
    cols = ", ".join(f"`{c.name}` {'STRING' if c.name in encrypted else c.type.upper()}" for c in entity.columns)
    cols += "".join(f", `{token_column(t)}` STRING" for t in tokenized_columns(entity))
    cols += "".join(f", `{name}` {kind}" for name, kind in derived_columns(entity))
    history = ", valid_from DATE, valid_to DATE, is_current BOOLEAN" if entity.history == "scd2" else ""
    spark.sql(
        f"""CREATE TABLE IF NOT EXISTS {silver_table(contract, entity)} ({cols}, _row_hash STRING,
            _warnings {REASON_TYPE}, _corrections ARRAY<STRING>, _batch_id STRING, _source_file STRING,
            _line BIGINT, _day DATE, _ingested_at TIMESTAMP{history}) USING delta
            TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')"""
    )
    raw = ", ".join(f"`{c.name}` STRING" for c in entity.columns)
    spark.sql(
        f"""CREATE TABLE IF NOT EXISTS {quarantine_table(contract, entity)} ({raw}, _rescued STRING,
            _corrupt STRING, _corrupt_reason STRING, _reasons {REASON_TYPE}, _batch_id STRING,
            _source_file STRING, _line BIGINT, _day DATE, _ingested_at TIMESTAMP, _quarantined_at TIMESTAMP)
            USING delta PARTITIONED BY (_day)"""
    )
    return True


def _row_hash(entity: EntityContract) -> F.Column:
    parts = [F.coalesce(F.col(f"`{c.name}`").cast("string"), F.lit("\u2400")) for c in entity.columns]
    return F.sha2(F.concat_ws("\u0001", *parts), 256)


def classify(spark: SparkSession, bronze_rows: DataFrame, contract: SourceContract, entity: EntityContract) -> DataFrame:
    """Every bronze row with its silver values and disposition (a pure function of the
    bronze rows, the code tables and the current silver table)."""
    raw = bronze_rows.select("*", *[F.col(f"`{c.name}`").alias(f"_raw_{c.name}") for c in entity.columns])
    std = standardize(raw, entity, spark.table(CODE_LOOKUP)).withColumn("_row_hash", _row_hash(entity))
    std = protect(std, contract, entity)  # after the change hash: it must not depend on random IVs
    critical = has_critical(F.col("_reasons"))
    keys = merge_keys(entity) or ["_row_hash"]
    order = [F.col(f"`{entity.order_by}`").desc_nulls_last()] if entity.order_by else []
    order += [F.col("_day").desc(), F.col("_batch_id").desc(), F.col("_line").desc()]
    rank = F.row_number().over(Window.partitionBy(*[F.col(f"`{k}`") for k in keys]).orderBy(*order))
    ranked = std.withColumn("_rank", F.when(~critical, rank))
    current = _current_hashes(spark, contract, entity)
    if current is not None:
        ranked = ranked.join(current, on="_row_hash", how="left")
    else:
        ranked = ranked.withColumn("_unchanged", F.lit(False))
    disposition = (F.when(critical, F.lit(QUARANTINED))
                   .when((F.col("_rank") > 1) | F.coalesce(F.col("_unchanged"), F.lit(False)), F.lit(DUPLICATE))
                   .otherwise(F.lit(ACCEPTED)))
    return ranked.withColumn("_disposition", disposition).drop("_rank", "_unchanged")


def _current_hashes(spark: SparkSession, contract: SourceContract, entity: EntityContract) -> DataFrame | None:
    """Hashes of the rows silver holds now (current versions): equal rows are duplicates."""
    table = silver_table(contract, entity)
    if not spark.catalog.tableExists(table):
        return None
    current = spark.table(table)
    if entity.history == "scd2":
        current = current.where("is_current")
    return current.select("_row_hash").distinct().withColumn("_unchanged", F.lit(True))


def _plan_location(settings: Settings, table: str, batches: list[str]) -> tuple[str, str]:
    plan_id = hashlib.sha256("|".join(batches).encode()).hexdigest()[:16]
    return plan_id, lake(settings).child("_staging", "silver", table, plan_id).uri


def run_silver(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract,
               day: dt.date) -> SilverReport:
    table = silver_table(contract, entity)
    report = SilverReport(table, day)
    batches = pending_batches(spark, contract, entity, day)
    if not batches:
        return report
    report.batches = batches
    report.created = ensure_silver_tables(spark, contract, entity)
    plan_id, plan_uri = _plan_location(settings, table, batches)
    plan_loc = lake(settings).child("_staging", "silver", table, plan_id)
    for stale in lake(settings).child("_staging", "silver", table).list_dirs():
        if stale.path != plan_loc.path:  # left by a run that stopped after recording its batches
            stale.remove_tree()
    if not plan_loc.child("_SUCCESS").exists():
        in_list = ", ".join(f"'{b}'" for b in batches)
        bronze_rows = spark.table(bronze_table(contract, entity)).where(
            f"_day = DATE'{day.isoformat()}' AND _batch_id IN ({in_list})")
        classify(spark, bronze_rows, contract, entity).write.mode("overwrite").parquet(plan_uri)
    plan = spark.read.parquet(plan_uri)
    counts = _count_dispositions(plan)
    # The plan is fixed, so an earlier attempt at it wrote nothing where this one has nothing.
    if any(c[QUARANTINED] for c in counts.values()):
        _write_quarantine(spark, contract, entity, plan, batches)
    if any(c[ACCEPTED] for c in counts.values()):
        _merge(spark, contract, entity, plan.where(F.col("_disposition") == ACCEPTED), plan_id)
    report = _reconcile(spark, contract, entity, day, counts, report)
    plan_loc.remove_tree()
    return report


def _count_dispositions(plan: DataFrame) -> dict[str, dict[str, int]]:
    rows = plan.groupBy("_batch_id", "_disposition").count().collect()
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["_batch_id"], {ACCEPTED: 0, QUARANTINED: 0, DUPLICATE: 0})[r["_disposition"]] = r["count"]
    return out


def _write_quarantine(spark: SparkSession, contract: SourceContract, entity: EntityContract, plan: DataFrame,
                      batches: list[str]) -> None:
    """The rejected rows as delivered (bronze's text, kept in the plan), with their reasons."""
    table = quarantine_table(contract, entity)
    rows = plan.where(F.col("_disposition") == QUARANTINED).select(
        *[F.col(f"`_raw_{c.name}`").alias(c.name) for c in entity.columns],
        "_rescued", "_corrupt", "_corrupt_reason", "_reasons", "_batch_id", "_source_file", "_line",
        "_day", "_ingested_at", F.current_timestamp().alias("_quarantined_at"))
    rows = protect(rows, contract, entity, raw=True)
    in_list = ", ".join(f"'{b}'" for b in batches)
    rows.write.format("delta").mode("overwrite").option("replaceWhere", f"_batch_id IN ({in_list})").saveAsTable(table)


def _silver_columns(entity: EntityContract) -> list[str]:
    return ([c.name for c in entity.columns] + [token_column(t) for t in tokenized_columns(entity)]
            + [name for name, _ in derived_columns(entity)] + list(SILVER_META))


def _merge(spark: SparkSession, contract: SourceContract, entity: EntityContract, accepted: DataFrame, plan_id: str) -> None:
    table = silver_table(contract, entity)
    cols = _silver_columns(entity)
    rows = accepted.withColumn("_warnings", F.filter("_reasons", lambda r: r["severity"] != "critical")).select(
        *[F.col(f"`{c}`") for c in cols])
    view = f"_silver_in_{table_name(contract.source, entity.name)}"
    rows.createOrReplaceTempView(view)
    quoted = ", ".join(f"`{c}`" for c in cols)
    # Delta skips a commit whose (app id, version) it has already seen: a re-run after a
    # crash that had committed this merge does not apply it twice.
    spark.conf.set("spark.databricks.delta.write.txnAppId", f"citylake-silver-{table}-{plan_id}")
    spark.conf.set("spark.databricks.delta.write.txnVersion", "1")
    try:
        _with_retry(lambda: _merge_sql(spark, table, entity, view, cols, quoted))
    finally:
        spark.conf.unset("spark.databricks.delta.write.txnAppId")
        spark.conf.unset("spark.databricks.delta.write.txnVersion")


def _with_retry(action: Callable[[], None], attempts: int = 4) -> None:
    """Retry on Delta's optimistic-concurrency conflicts: a re-run may meet the commit of
    a killed run's orphaned MERGE, which the server finishes; once it has, the
    transaction id makes the retry a no-op."""
    for attempt in range(attempts):
        try:
            action()
            return
        except Exception as exc:
            if "Concurrent" not in type(exc).__name__ + str(exc)[:500] or attempt == attempts - 1:
                raise
            log.warning("concurrent Delta commit, retrying: %s", str(exc).splitlines()[0][:200])
            time.sleep(2 * (attempt + 1))


def _merge_sql(spark: SparkSession, table: str, entity: EntityContract, view: str, cols: list[str], quoted: str) -> None:
    if entity.history == "append":
        spark.sql(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {view}")
    elif entity.history == "upsert":
        on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in merge_keys(entity))
        sets = ", ".join(f"t.`{c}` = s.`{c}`" for c in cols)
        spark.sql(f"""MERGE INTO {table} t USING {view} s ON {on}
                      WHEN MATCHED THEN UPDATE SET {sets}
                      WHEN NOT MATCHED THEN INSERT ({quoted}) VALUES ({', '.join(f's.`{c}`' for c in cols)})""")
    else:
        _merge_scd2(spark, table, entity, view, cols)


def _merge_scd2(spark: SparkSession, table: str, entity: EntityContract, view: str, cols: list[str]) -> None:
    """Close the current version of every changed key and insert the new one, in one MERGE:
    each incoming row appears once keyed (to close) and, for keys that exist, once unkeyed
    (to insert)."""
    keys = merge_keys(entity)
    types = {k: ("STRING" if k not in entity.keys else entity.column(k).type.upper()) for k in keys}
    keyed = ", ".join(f"s.`{k}` AS `_mk_{k}`" for k in keys)
    null_keys = ", ".join(f"CAST(NULL AS {types[k]}) AS `_mk_{k}`" for k in keys)
    join = " AND ".join(f"t.`{k}` = s.`{k}`" for k in keys)
    staged = f"""
        SELECT {keyed}, s.* FROM {view} s
        UNION ALL
        SELECT {null_keys}, s.* FROM {view} s JOIN {table} t ON {join} AND t.is_current
    """
    on = " AND ".join(f"t.`{k}` = s.`_mk_{k}`" for k in keys)
    values = ", ".join(f"s.`{c}`" for c in cols)
    quoted = ", ".join(f"`{c}`" for c in cols)
    spark.sql(
        f"""MERGE INTO {table} t USING ({staged}) s ON {on} AND t.is_current
            WHEN MATCHED THEN UPDATE SET t.is_current = false, t.valid_to = s._day
            WHEN NOT MATCHED THEN INSERT ({quoted}, valid_from, valid_to, is_current)
                VALUES ({values}, s._day, CAST(NULL AS DATE), true)"""
    )


def _reconcile(spark: SparkSession, contract: SourceContract, entity: EntityContract, day: dt.date,
               counts: dict[str, dict[str, int]], report: SilverReport) -> SilverReport:
    records = []
    for batch in report.batches:
        c = counts.get(batch, {ACCEPTED: 0, QUARANTINED: 0, DUPLICATE: 0})
        report.accepted += c[ACCEPTED]
        report.quarantined += c[QUARANTINED]
        report.duplicate += c[DUPLICATE]
        records.append(BatchRecord(contract.source, entity.name, batch, day, "silver", rows_accepted=c[ACCEPTED],
                                   rows_quarantined=c[QUARANTINED], rows_duplicate=c[DUPLICATE]))
    record_batches(spark, records)
    return report
