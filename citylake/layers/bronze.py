"""Bronze: every delivered record, as delivered, in an append-only Delta table.

One file (or one day of a SQL source) is one batch. Its id is derived from its content,
so delivering or ingesting the same file again adds nothing. The task process reads the
file (``citylake.layers.readers``), stages it as Parquet in the lake, and one Spark
append moves it into ``bronze.<source>__<entity>`` with ``_batch_id``, ``_source_file``,
``_ingested_at`` and ``_day``; the Delta commit is atomic, so a crash leaves either the
whole batch or none of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.sql import SparkSession

from citylake.contracts import EntityContract, SourceContract, table_name
from citylake.errors import CitylakeError
from citylake.layers.readers import ColumnMap, ReadStats, SchemaDriftError, UnreadableFile, read_file, read_rows
from citylake.ops import BATCH_LOG, BatchRecord, ensure_ops, record_batches
from citylake.settings import Settings
from citylake.storage import Location, lake, landing

log = logging.getLogger(__name__)

BATCH_COLUMNS = ("_batch_id", "_source_file", "_ingested_at", "_day")


@dataclass
class IngestReport:
    """What one entity's delivery of one day became."""

    table: str
    day: dt.date
    ingested: list[BatchRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # batches already in bronze
    rejected: list[BatchRecord] = field(default_factory=list)
    created: bool = False  # the table was created or gained columns: the catalog must hear of it

    @property
    def rows(self) -> int:
        return sum(r.rows_bronze or 0 for r in self.ingested)

    def raise_for_rejected(self) -> None:
        if self.rejected:
            reasons = "; ".join(r.reason or r.file for r in self.rejected)
            raise CitylakeError(f"{len(self.rejected)} file(s) of {self.table} for {self.day} were rejected "
                                f"(the others were ingested): {reasons}")


def bronze_table(contract: SourceContract, entity: EntityContract) -> str:
    return f"bronze.{table_name(contract.source, entity.name)}"


def delivery_files(settings: Settings, contract: SourceContract, entity: EntityContract, day: dt.date) -> list[Location]:
    base = landing(settings).child(entity.path or f"{contract.source}/{entity.name}", f"day={day.isoformat()}")
    return base.list_files(recursive=True)


def content_batch_id(loc: Location, day: dt.date) -> str:
    """Day plus a digest of the bytes: the same delivery always gets the same id."""
    digest = hashlib.sha256()
    with loc.open() as stream:
        while chunk := stream.read(8 << 20):
            digest.update(chunk)
    return f"{day.isoformat()}-{digest.hexdigest()[:20]}"


def ensure_bronze_table(spark: SparkSession, table: str, columns: list[str], evolve: bool = False) -> bool:
    """Create the table (all contract columns as text, partitioned by day, append-only) or add
    columns a drifting delivery brought under the ``evolve`` policy; True if it did either."""
    if not spark.catalog.tableExists(table):
        cols = ", ".join(f"`{c}` STRING" for c in columns)
        spark.sql(
            f"""CREATE TABLE IF NOT EXISTS {table} ({cols}, _rescued STRING, _corrupt STRING,
                _corrupt_reason STRING, _line BIGINT, _batch_id STRING, _source_file STRING,
                _ingested_at TIMESTAMP, _day DATE)
                USING delta PARTITIONED BY (_day)
                TBLPROPERTIES ('delta.appendOnly' = 'true')"""
        )
        return True
    if not evolve:
        return False
    have = {f.name for f in spark.table(table).schema.fields}
    new = [c for c in columns if c not in have]
    if new:
        spark.sql(f"ALTER TABLE {table} ADD COLUMNS ({', '.join(f'`{c}` STRING' for c in new)})")
    return bool(new)


def batches_in_bronze(spark: SparkSession, table: str, day: dt.date) -> dict[str, int]:
    if not spark.catalog.tableExists(table):
        return {}
    rows = spark.sql(f"SELECT _batch_id, count(*) AS n FROM {table} WHERE _day = DATE'{day.isoformat()}' GROUP BY _batch_id").collect()
    return {r["_batch_id"]: r["n"] for r in rows}


def _stage(settings: Settings, table: str, batch_id: str, colmap: ColumnMap, batches: Iterator[pa.RecordBatch],
           source_file: str, day: dt.date) -> Location | None:
    """Write the batch as Parquet under <lake>/_staging, with the batch columns filled in;
    None when the file held no records (a header-only delivery: nothing changed)."""
    stage = lake(settings).child("_staging", "bronze", table, batch_id)
    stage.remove_tree()
    stage.fs.create_dir(stage.path, recursive=True)
    now = dt.datetime.now(dt.timezone.utc)
    writer: pq.ParquetWriter | None = None
    try:
        for rb in batches:
            n = rb.num_rows
            extra = [pa.array([batch_id] * n, pa.string()), pa.array([source_file] * n, pa.string()),
                     pa.array([now] * n, pa.timestamp("us", tz="UTC")), pa.array([day] * n, pa.date32())]
            full = pa.RecordBatch.from_arrays(list(rb.columns) + extra, names=list(rb.schema.names) + list(BATCH_COLUMNS))
            if writer is None:
                writer = pq.ParquetWriter(stage.fs.open_output_stream(f"{stage.path}/part-0.parquet"), full.schema,
                                          compression="snappy")
            writer.write_batch(full)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        stage.remove_tree()
        return None
    return stage


def _append_staged(spark: SparkSession, table: str, stage: Location | None) -> None:
    if stage is None:
        return
    spark.read.parquet(stage.uri).write.format("delta").mode("append").saveAsTable(table)
    stage.remove_tree()


def _relative(settings: Settings, loc: Location) -> str:
    root = landing(settings).uri.rstrip("/") + "/"
    return loc.uri[len(root):] if loc.uri.startswith(root) else loc.uri


def logged_batches(spark: SparkSession, source: str, entity: str, day: dt.date) -> dict[str, set[str]]:
    """The batch ids each stage has recorded for an entity and day, by stage."""
    ensure_ops(spark)
    rows = spark.sql(f"""SELECT DISTINCT stage, batch_id FROM {BATCH_LOG} WHERE source = '{source}'
                         AND entity = '{entity}' AND day = DATE'{day.isoformat()}'""").collect()
    out: dict[str, set[str]] = {"bronze": set(), "rejected": set(), "silver": set()}
    for r in rows:
        out.setdefault(r["stage"], set()).add(r["batch_id"])
    return out


def _landed(spark: SparkSession, table: str, source: str, entity: str, day: dt.date) -> tuple[dict[str, int], dict[str, set[str]]]:
    """What bronze holds for the day and what the log says, in one round trip."""
    from pyspark.errors import AnalysisException

    ensure_ops(spark)
    log_query = f"""SELECT DISTINCT stage, batch_id, CAST(NULL AS BIGINT) AS n FROM {BATCH_LOG}
                    WHERE source = '{source}' AND entity = '{entity}' AND day = DATE'{day.isoformat()}'"""
    bronze_query = f"""SELECT 'present' AS stage, _batch_id AS batch_id, count(*) AS n FROM {table}
                       WHERE _day = DATE'{day.isoformat()}' GROUP BY _batch_id"""
    try:
        rows = spark.sql(f"{log_query} UNION ALL {bronze_query}").collect()
    except AnalysisException:  # no bronze table yet
        rows = spark.sql(log_query).collect()
    present: dict[str, int] = {}
    stages: dict[str, set[str]] = {"bronze": set(), "rejected": set(), "silver": set()}
    for r in rows:
        if r["stage"] == "present":
            present[r["batch_id"]] = r["n"]
        else:
            stages.setdefault(r["stage"], set()).add(r["batch_id"])
    return present, stages


def ingest_day(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract,
               day: dt.date) -> IngestReport:
    """Ingest every file (or the SQL day) of one entity's delivery into bronze."""
    if entity.format == "jdbc":
        return _ingest_sql_day(spark, settings, contract, entity, day)
    table = bronze_table(contract, entity)
    report = IngestReport(table, day)
    present, stages = _landed(spark, table, contract.source, entity.name, day)
    logged, rejected_before = stages["bronze"], stages["rejected"]
    for loc in delivery_files(settings, contract, entity, day):
        rel = _relative(settings, loc)
        batch_id = content_batch_id(loc, day) if loc.size() else f"{day.isoformat()}-empty-{hashlib.sha256(rel.encode()).hexdigest()[:12]}"
        if batch_id in logged:  # on record (a batch of no rows is on record, not in the table): nothing to add
            report.skipped.append(batch_id)
            continue
        stats = ReadStats()
        try:
            colmap, batches = read_file(loc, entity, stats)
            if batch_id in present:  # landed by a run that stopped before logging it: count, do not load
                for _ in batches:
                    pass
            else:
                report.created |= ensure_bronze_table(spark, table, colmap.columns, entity.schema_drift == "evolve")
                stage = _stage(settings, table, batch_id, colmap, batches, rel, day)
                _append_staged(spark, table, stage)
        except (UnreadableFile, SchemaDriftError) as exc:
            log.warning("rejected %s: %s", rel, exc)
            record = BatchRecord(contract.source, entity.name, batch_id, day, "rejected", file=rel, reason=str(exc),
                                 rows_read=stats.rows_read, rows_bronze=0)
            report.rejected.append(record)
            if batch_id not in rejected_before:  # already on record: a re-run adds nothing
                record_batches(spark, [record])
            continue
        if stats.rescued_columns or stats.missing_columns or stats.evolved_columns:
            log.warning("%s: schema drift (policy %s): new %s, missing %s", rel, entity.schema_drift,
                        stats.rescued_columns or stats.evolved_columns, stats.missing_columns)
        report.ingested.append(BatchRecord(contract.source, entity.name, batch_id, day, "bronze", file=rel,
                                           reason=_drift_note(stats), rows_read=stats.rows_read))
    _count_and_record(spark, table, day, report)
    return report


def _drift_note(stats: ReadStats) -> str | None:
    parts = []
    if stats.rescued_columns:
        parts.append("rescued columns: " + ", ".join(stats.rescued_columns))
    if stats.evolved_columns:
        parts.append("added columns: " + ", ".join(stats.evolved_columns))
    if stats.missing_columns:
        parts.append("missing columns: " + ", ".join(stats.missing_columns))
    return "; ".join(parts) or None


def _count_and_record(spark: SparkSession, table: str, day: dt.date, report: IngestReport) -> None:
    """rows_bronze is counted in the table itself, not taken from the writer."""
    if not report.ingested:
        return
    counts = batches_in_bronze(spark, table, day)
    for record in report.ingested:
        record.rows_bronze = counts.get(record.batch_id, 0)
    record_batches(spark, report.ingested)


def _ingest_sql_day(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract,
                    day: dt.date) -> IngestReport:
    """One day of a relational source, read over SQL (SQLAlchemy: SQLite, PostgreSQL …)."""
    import sqlalchemy as sa

    assert entity.jdbc is not None
    table = bronze_table(contract, entity)
    report = IngestReport(table, day)
    url = source_url(settings, contract)
    engine = sa.create_engine(url)
    spec = entity.jdbc
    order = f' ORDER BY "{spec.row_id_column}"' if spec.row_id_column else ""
    try:
        with engine.connect() as conn:
            query = sa.text(f'SELECT * FROM "{spec.table}" WHERE "{spec.day_column}" = :day{order}')
            result = conn.execute(query, {"day": day.isoformat()})
            columns = list(result.keys())
            rows = [tuple(r) for r in result]
    except sa.exc.SQLAlchemyError as exc:
        raise CitylakeError(f"{contract.source}.{entity.name}: cannot read {spec.table} over SQL "
                            f"({str(exc).splitlines()[0]}); check CITYLAKE_SOURCES") from None
    finally:
        engine.dispose()
    digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()[:20]
    batch_id = f"{day.isoformat()}-{digest}"
    rel = f"{contract.source}/{spec.table}?{spec.day_column}={day.isoformat()}"
    if not rows:
        return report
    present = batches_in_bronze(spark, table, day)
    if batch_id in present and batch_id in logged_batches(spark, contract.source, entity.name, day)["bronze"]:
        report.skipped.append(batch_id)
        return report
    stats = ReadStats()
    skip = {spec.day_column, spec.row_id_column}
    keep = [i for i, c in enumerate(columns) if c not in skip]
    row_id = columns.index(spec.row_id_column) if spec.row_id_column else None
    numbered = ((r[row_id] if row_id is not None else n, tuple(r[i] for i in keep)) for n, r in enumerate(rows))
    colmap, batches = read_rows(entity, [columns[i] for i in keep], numbered, stats, rel)
    if batch_id in present:
        for _ in batches:
            pass
    else:
        report.created |= ensure_bronze_table(spark, table, colmap.columns, entity.schema_drift == "evolve")
        stage = _stage(settings, table, batch_id, colmap, batches, rel, day)
        _append_staged(spark, table, stage)
    report.ingested.append(BatchRecord(contract.source, entity.name, batch_id, day, "bronze", file=rel,
                                       reason=_drift_note(stats), rows_read=stats.rows_read))
    _count_and_record(spark, table, day, report)
    return report


def source_url(settings: Settings, contract: SourceContract) -> str:
    """The SQLAlchemy URL of a relational source: a setting, else the landing zone's SQLite file."""
    configured = settings.sources.get(contract.source)
    if configured:
        return configured.get_secret_value()
    return f"sqlite:///{settings.landing}/{contract.source}/{contract.source}.sqlite"
