"""The IoT event stream into bronze with Spark Structured Streaming.

Micro-batch files (JSON lines) land under ``<landing>/<source>/<entity>/day=…/``. A
streaming query reads them as text and appends to the bronze table with the Delta
sink and a checkpoint: exactly once, whatever fails and restarts. In Airflow the query
runs with ``availableNow`` (everything new, then stop); as a spark_job it runs
continuously. Each file is a batch (``_batch_id`` = its day and name), so silver and
the reconciliation treat stream batches like delivered files.

Records are parsed from text rather than with a JSON schema so that nothing is
dropped: fields the contract does not know go to ``_rescued``, lines that are not
JSON objects to ``_corrupt``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from citylake.contracts import EntityContract, SourceContract
from citylake.layers.bronze import bronze_table, ensure_bronze_table, logged_batches
from citylake.ops import BatchRecord, record_batches
from citylake.settings import Settings
from citylake.storage import lake, landing

log = logging.getLogger(__name__)


@dataclass
class StreamReport:
    table: str
    files: int
    rows: int
    created: bool = False


def _stream_source(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract) -> DataFrame:
    base = landing(settings).child(entity.path or f"{contract.source}/{entity.name}")
    return (spark.readStream.format("text")
            .option("recursiveFileLookup", "false")
            .option("pathGlobFilter", "*.jsonl")
            .option("maxFilesPerTrigger", 200)
            .load(f"{base.uri}/day=*/"))


def to_bronze_rows(lines: DataFrame, entity: EntityContract) -> DataFrame:
    """JSON-lines text (``value``, ``_metadata``) as bronze rows: contract fields as text,
    unknown fields in ``_rescued``, unparsable lines in ``_corrupt``."""
    record = F.from_json(F.col("value"), "map<string,string>")
    known: list[str] = []
    fields: list[Column] = []
    for col in entity.columns:
        names = [col.delivered_as, col.name, *col.aliases]
        known += names
        fields.append(F.coalesce(*[F.try_element_at(record, F.lit(n)) for n in dict.fromkeys(names)]).alias(col.name))
    extra = F.map_filter(record, lambda k, v: ~k.isin(list(dict.fromkeys(known))))
    path = F.col("_metadata.file_path")
    name = F.regexp_extract(path, r"([^/]+)\.jsonl$", 1)
    day = F.to_date(F.regexp_extract(path, r"day=([0-9]{4}-[0-9]{2}-[0-9]{2})", 1))
    ok = record.isNotNull()
    return lines.where(F.trim(F.col("value")) != "").select(
        *[F.when(ok, f).alias(col.name) for f, col in zip(fields, entity.columns)],
        F.when(ok & (F.size(extra) > 0), F.to_json(extra)).alias("_rescued"),
        F.when(~ok, F.col("value")).alias("_corrupt"),
        F.when(~ok, F.lit("not a JSON object")).alias("_corrupt_reason"),
        F.lit(None).cast("bigint").alias("_line"),
        F.concat_ws("-", F.date_format(day, "yyyy-MM-dd"), name).alias("_batch_id"),
        F.regexp_replace(path, "^file:", "").alias("_source_file"),
        F.current_timestamp().alias("_ingested_at"),
        day.alias("_day"),
    )


def checkpoint(settings: Settings, contract: SourceContract, entity: EntityContract) -> str:
    return lake(settings).child("_checkpoints", bronze_table(contract, entity)).uri


def ingest_stream(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract,
                  continuous: bool = False) -> StreamReport | None:
    """Run the streaming query: until everything available is in (``availableNow``), or
    for good (``continuous``, processing every minute)."""
    table = bronze_table(contract, entity)
    created = ensure_bronze_table(spark, table, [c.name for c in entity.columns])
    rows = to_bronze_rows(_stream_source(spark, settings, contract, entity), entity)
    writer = (rows.writeStream.format("delta").outputMode("append")
              .option("checkpointLocation", checkpoint(settings, contract, entity))
              .queryName(f"bronze_{contract.source}__{entity.name}"))
    if continuous:
        writer.trigger(processingTime="1 minute").toTable(table).awaitTermination()
        return None
    query = writer.trigger(availableNow=True).toTable(table)
    query.awaitTermination()
    if query.exception() is not None:
        raise RuntimeError(f"the stream into {table} failed: {str(query.exception()).splitlines()[0]}")
    report = record_stream_batches(spark, settings, contract, entity)
    report.created = created
    return report


def record_stream_batches(spark: SparkSession, settings: Settings, contract: SourceContract,
                          entity: EntityContract) -> StreamReport:
    """Log every micro-batch file that reached bronze and is not logged yet: rows_bronze
    counted in the table, rows_read counted in the file itself."""
    table = bronze_table(contract, entity)
    landed = spark.sql(f"""SELECT _batch_id, _day, first(_source_file) AS file, count(*) AS n
                           FROM {table} GROUP BY _batch_id, _day""").collect()
    days = sorted({r["_day"] for r in landed})
    logged: set[str] = set()
    for day in days:
        logged |= logged_batches(spark, contract.source, entity.name, day)["bronze"]
    base = landing(settings).uri.rstrip("/") + "/"
    records = []
    for r in landed:
        if r["_batch_id"] in logged:
            continue
        path = str(r["file"])
        records.append(BatchRecord(contract.source, entity.name, r["_batch_id"], r["_day"], "bronze",
                                   file=path[len(base):] if path.startswith(base) else path,
                                   rows_read=_count_records(settings, path), rows_bronze=r["n"]))
    record_batches(spark, records)
    return StreamReport(table, len(records), sum(r.rows_bronze or 0 for r in records))


def _count_records(settings: Settings, path: str) -> int:
    from citylake.storage import location

    count = 0
    with location(settings, path).open() as stream:
        tail = b""
        while chunk := stream.read(8 << 20):
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            count += sum(1 for line in lines if line.strip())
        count += 1 if tail.strip() else 0
    return count


def stream_days(spark: SparkSession, contract: SourceContract, entity: EntityContract) -> list[dt.date]:
    rows = spark.sql(f"SELECT DISTINCT _day FROM {bronze_table(contract, entity)}").collect()
    return sorted(r["_day"] for r in rows)
