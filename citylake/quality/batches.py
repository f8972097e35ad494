"""The DataFrames quality validates, one per layer an entity passes through.

* **bronze**: the rows delivered on the day, as delivered (text), including those silver
  later quarantined — so quality sees every defect of a delivery, not only what reached
  silver. Code-table and citizen-ID columns get silver's own lookups (a broadcast join
  on ``standards.code_lookup``), so the checks judge exactly as silver does without
  carrying thousands of literal codes in every plan.
* **silver**: the table a consumer reads — current versions for SCD2 tables — with a
  flag per contract reference, true where the value exists in the referenced table
  (by token where the column is tokenized: tokens of one kind share a key in every
  table, so they join without plaintext).
* **delivery**: one row of figures from ``ops.batch_log`` for the entity and day — how
  old its latest delivery is, how many files were rejected, what share of its rows went
  to quarantine — read with the row-count history in one small query.

Each batch is checkpointed once: Great Expectations runs several Spark jobs per
expectation, and re-reading Delta and redoing the joins for each would dominate.
Building batches is the only place here that touches tables.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from citylake.contracts import EntityContract, SourceContract, table_name
from citylake.layers.protection import tokenized_columns, token_column, encrypted_columns
from citylake.layers.silver_rules import column_rule, with_lookups
from citylake.ops import BATCH_LOG
from citylake.standards.publish import CODE_LOOKUP

log = logging.getLogger(__name__)

#: The age, in hours, of a source that never delivered: stale under any contract.
NEVER_DELIVERED = 10**6
#: Columns that find a row again without showing its content (file and line, batch).
INDEX_COLUMNS = ("_batch_id", "_source_file", "_line")


@dataclass
class Batch:
    """A DataFrame to validate, and what the suite needs to know about its columns."""

    layer: str                      # bronze | silver | delivery | any hand-written layer
    table: str                      # the table it stands for, e.g. silver.tax__filings
    df: DataFrame | None            # None: nothing to check (no table, no rows)
    rows: int = 0
    index_columns: list[str] = field(default_factory=list)
    code_flags: dict[str, str] = field(default_factory=dict)        # column -> looked-up code column
    birthplace_flags: dict[str, str] = field(default_factory=dict)  # ID column -> looked-up birthplace column
    references: dict[str, str] = field(default_factory=dict)        # column -> found-flag column
    row_count_bounds: tuple[float, float] | None = None
    row_count_history: list[int] = field(default_factory=list)
    note: str = ""


def _exists(spark: SparkSession, table: str) -> bool:
    return bool(spark.catalog.tableExists(table))


def _checkpoint(df: DataFrame) -> tuple[DataFrame, int]:
    df = df.localCheckpoint(eager=True)
    return df, df.count()


def row_count_bounds(history: list[int], k: float, min_history: int) -> tuple[float, float] | None:
    """mean ± k·std of earlier days' row counts, once there are ``min_history`` of them.

    The band is at least ±10% of the mean: a source that delivers the same count every day
    has std 0, and one row more is no anomaly."""
    if len(history) < min_history:
        return None
    mean = statistics.fmean(history)
    spread = max(k * statistics.pstdev(history), 0.1 * mean)
    return max(0.0, mean - spread), mean + spread


@dataclass
class DeliveryLog:
    """An entity's deliveries up to a day, from ``ops.batch_log``."""

    daily_rows: dict[dt.date, int] = field(default_factory=dict)  # rows landed in bronze per day
    batches: int = 0                                               # the day's bronze batches
    rejected: list[str] = field(default_factory=list)              # the day's rejected files
    rows_read: int | None = None
    rows_quarantined: int | None = None

    def history(self, day: dt.date, days: int) -> list[int]:
        return [n for d, n in sorted(self.daily_rows.items()) if d < day][-days:]

    def age_hours(self, day: dt.date) -> float:
        delivered = [d for d in self.daily_rows if d <= day]
        return float((day - max(delivered)).days * 24) if delivered else float(NEVER_DELIVERED)


def delivery_log(spark: SparkSession, source: str, entity: str, day: dt.date) -> DeliveryLog:
    """One small query: per day and stage, the latest account of each batch, summed."""
    log_ = DeliveryLog()
    if not _exists(spark, BATCH_LOG):
        return log_
    rows = spark.sql(f"""
        SELECT day, stage, count(*) AS batches, sum(rows_read) AS rows_read, sum(rows_bronze) AS rows_bronze,
               sum(rows_quarantined) AS rows_quarantined, collect_list(coalesce(file, batch_id)) AS files
        FROM (SELECT *, row_number() OVER (PARTITION BY batch_id, stage ORDER BY recorded_at DESC) AS rn
              FROM {BATCH_LOG} WHERE source = '{source}' AND entity = '{entity}' AND day <= DATE'{day.isoformat()}')
        WHERE rn = 1 GROUP BY day, stage""").collect()
    for r in rows:
        if r["stage"] == "bronze":
            log_.daily_rows[r["day"]] = int(r["rows_bronze"] or 0)
        if r["day"] != day:
            continue
        if r["stage"] == "bronze":
            log_.batches, log_.rows_read = int(r["batches"]), int(r["rows_read"] or 0)
        elif r["stage"] == "rejected":
            log_.rejected = sorted(r["files"])
        elif r["stage"] == "silver":
            log_.rows_quarantined = int(r["rows_quarantined"] or 0)
    return log_


def bronze_batch(spark: SparkSession, contract: SourceContract, entity: EntityContract, day: dt.date,
                 deliveries: DeliveryLog, k: float = 3.0, min_history: int = 3, history_days: int = 30) -> Batch:
    table = f"bronze.{table_name(contract.source, entity.name)}"
    batch = Batch("bronze", table, None, index_columns=[c for c in INDEX_COLUMNS])
    if not _exists(spark, table):
        batch.note = f"{table} does not exist yet"
        return batch
    rows = spark.table(table).where(F.col("_day") == F.lit(day))
    rules = [column_rule(c) for c in entity.columns]
    df = with_lookups(rows, rules, spark.table(CODE_LOOKUP))
    batch.code_flags = {r.name: f"_lk_code_{r.name}" for r in rules if r.code_table}
    batch.birthplace_flags = {r.name: f"_bp_{r.name}" for r in rules if r.is_citizen_id}
    batch.df, batch.rows = _checkpoint(df)
    batch.row_count_history = deliveries.history(day, history_days)
    batch.row_count_bounds = row_count_bounds(batch.row_count_history, k, min_history)
    if batch.rows == 0:
        batch.df, batch.note = None, f"no rows delivered to {table} on {day}"
    return batch


def _reference_side(spark: SparkSession, contracts: dict[str, SourceContract], ref_to: str,
                    by_token: bool) -> DataFrame | None:
    """The distinct keys of a referenced column, or None if they cannot be compared."""
    source, entity_name, column = ref_to.split(".")
    target_table = f"silver.{table_name(source, entity_name)}"
    if source not in contracts or not _exists(spark, target_table):
        return None
    target = contracts[source].entity(entity_name)
    target_tokenized = column in tokenized_columns(target)
    if by_token != target_tokenized:
        return None  # a token and a value, or two keys, never compare equal
    if not by_token and column in encrypted_columns(target):
        return None
    key = token_column(column) if by_token else column
    return spark.table(target_table).select(F.col(f"`{key}`").alias("_ref_key")).where("_ref_key IS NOT NULL").distinct()


def silver_batch(spark: SparkSession, contracts: dict[str, SourceContract], contract: SourceContract,
                 entity: EntityContract, day: dt.date | None = None, version: int | None = None) -> Batch:
    """The silver table as consumers see it, at Delta ``version`` (the one that will be
    published if it passes; the current one if None); with ``day``, only the rows that
    day's batches wrote (the whole table otherwise)."""
    table = f"silver.{table_name(contract.source, entity.name)}"
    batch = Batch("silver", table, None, index_columns=list(INDEX_COLUMNS))
    if not _exists(spark, table):
        batch.note = f"{table} does not exist yet"
        return batch
    df = spark.table(table) if version is None else spark.sql(f"SELECT * FROM {table} VERSION AS OF {int(version)}")
    if entity.history == "scd2":
        df = df.where("is_current")
    if day is not None:
        df = df.where(F.col("_day") == F.lit(day))
    tokens = set(tokenized_columns(entity))
    for i, ref in enumerate(entity.references):
        by_token = ref.column in tokens
        if not by_token and ref.column in encrypted_columns(entity):
            continue
        side = _reference_side(spark, contracts, ref.to, by_token)
        if side is None:
            log.info("%s: reference %s -> %s not checked (table missing or keys not comparable)", table, ref.column, ref.to)
            continue
        own = token_column(ref.column) if by_token else ref.column
        flag, key = f"_ref_{i}_{ref.column}", f"_ref_key_{i}"
        side = side.withColumnRenamed("_ref_key", key)
        df = (df.join(F.broadcast(side), F.col(f"`{own}`") == F.col(key), "left")
              .withColumn(flag, F.when(F.col(f"`{own}`").isNotNull(), F.col(key).isNotNull()))
              .drop(key))
        batch.references[ref.column] = flag
    batch.df, batch.rows = _checkpoint(df)
    if batch.rows == 0:
        batch.df, batch.note = None, f"{table} has no rows" + (f" from {day}" if day else "")
    return batch


def delivery_batch(spark: SparkSession, contract: SourceContract, entity: EntityContract, day: dt.date,
                   deliveries: DeliveryLog) -> Batch:
    """One row: the age in hours of the latest delivery up to the day, and the day's
    batches, rejected files, rows read and the share quarantined."""
    table = f"bronze.{table_name(contract.source, entity.name)}"
    read, quarantined = deliveries.rows_read, deliveries.rows_quarantined
    share = (quarantined or 0) / read if read else None
    row = (deliveries.age_hours(day), deliveries.batches, len(deliveries.rejected),
           "; ".join(deliveries.rejected) or None, read, quarantined, share)
    df = spark.createDataFrame([row], "age_hours double, batches bigint, rejected_files bigint, "
                                      "rejected_files_list string, rows_read bigint, rows_quarantined bigint, "
                                      "quarantined_share double")
    return Batch("delivery", table, df, rows=1)
