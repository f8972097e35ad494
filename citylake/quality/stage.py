"""The quality stage: an entity's checks for a day, recorded, and the gate.

``run_quality`` is what the ``quality`` task after ``silver`` calls (and ``citylake
quality run``). It validates, for one entity and day:

1. **bronze** — the day's delivered rows, against the contract and the standards,
   so every defect of a delivery is seen, including rows silver quarantined; reported;
2. **delivery** — freshness against the contract's ``freshness_hours``, rejected files,
   the share of rows quarantined (from ``ops.batch_log``); reported;
3. **silver** — the table consumers read, with the contract's severities and any
   hand-written suite for it: the gate.

Then it writes every result (masked, with its failing rows) to ``ops.quality_results``
in one commit (the Spark views ``ops.quality_scores`` and ``ops.quality_failed_rows`` read it),
stores the results for Data Docs (rendered when a page is first asked for, not per run:
``citylake quality docs`` or the report page), and only then raises ``QualityGateError`` if a critical
silver rule failed — so the failing task and the report tell the same story.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pyspark.sql import SparkSession

from citylake.contracts import EntityContract, SourceContract, load_contracts, table_name
from citylake.layers.publish import published_version, silver_version
from citylake.quality import batches as B
from citylake.quality import suites as S
from citylake.quality.config import data_docs_dir
from citylake.quality.context import defer_docs, keep, open_context, validate
from citylake.quality.gate import check_gate, failed_critical
from citylake.quality.handwritten import handwritten_suites
from citylake.quality.ops_tables import QUALITY_RESULTS, append
from citylake.quality.results import QualityResult, to_results
from citylake.quality.scores import weighted
from citylake.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Validated:
    batch: B.Batch
    suite: Any
    validation: Any
    gating: bool


@dataclass
class QualityRun:
    run_id: str
    checked_at: dt.datetime
    day: dt.date | None
    validated: list[Validated] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    results: list[QualityResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def new_run_id(name: str, day: dt.date | None) -> str:
    """Unique and readable: what, which day, when, and a random tail for concurrent runs."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    return f"{name}-{day.isoformat() if day else 'all'}-{stamp}-{secrets.token_hex(3)}"


def airflow_ids() -> dict[str, str | None]:
    """The DAG and run this process works for, when Airflow runs it (it sets AIRFLOW_CTX_*)."""
    return {"dag_id": os.environ.get("AIRFLOW_CTX_DAG_ID"), "dag_run_id": os.environ.get("AIRFLOW_CTX_DAG_RUN_ID")}


def _merge(suite: Any, extra: list[tuple[str, Any]]) -> Any:
    for _, other in extra:
        for exp in other.expectations:
            suite.add_expectation(exp)
    return suite


def _record(spark: SparkSession, settings: Settings, run: QualityRun, entity: EntityContract | None,
            context_fields: dict[str, Any], gx_context: Any) -> None:
    """Masked results (with their failing rows) into ops, in one commit, and into Data Docs."""
    qs = settings.quality
    keys = []
    for v in run.validated:
        results = to_results(v.validation, run_id=run.run_id, checked_at=run.checked_at, day=run.day,
                                   table=v.batch.table, layer=v.batch.layer, gating=v.gating, entity=entity,
                                   context=context_fields, sample_size=qs.sample_size,
                                   max_failed_rows=qs.max_failed_rows)
        key = keep(gx_context, v.suite, v.validation, run.run_id, run.checked_at,
                   f"{v.batch.table}-{run.day.isoformat() if run.day else 'all'}")
        keys.append(key)
        page = _docs_page(gx_context, key, data_docs_dir(settings))
        for r in results:
            r.data_docs_page = page
        run.results += results
    defer_docs(settings, run.run_id, keys)  # rendered when a page is asked for, not per run
    t = time.monotonic()
    append(spark, QUALITY_RESULTS, [r.row() for r in run.results])
    run.seconds["append"] = round(time.monotonic() - t, 1)


def _docs_page(gx_context: Any, key: Any, docs_root: Path) -> str | None:
    try:
        url = gx_context.get_docs_sites_urls(resource_identifier=key, site_name="citylake", only_if_exists=False)[0]["site_url"]
    except Exception:
        return None
    path = str(url).removeprefix("file://")
    root = str(docs_root).rstrip("/") + "/"
    return path[len(root):] if path.startswith(root) else None


def session(settings: Settings) -> SparkSession:
    """The session, with the lake's schemas and the published code tables (the checks
    join ``standards.code_lookup``) in place: what the pipeline's stages start from."""
    from citylake.spark import ensure_schemas, get_spark, once
    from citylake.standards.publish import publish_standards

    spark = get_spark(settings)
    once(spark, "schemas", lambda: ensure_schemas(spark, settings))
    once(spark, "standards", lambda: publish_standards(spark))
    return spark


def run_quality(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract,
                day: dt.date, scope: Literal["table", "day"] = "table", run_id: str | None = None,
                gate: bool = True) -> dict[str, Any]:
    """Validate an entity's bronze delivery, delivery figures and silver table for a day,
    record everything, then raise ``QualityGateError`` if a critical silver rule failed.
    The silver table is read at one Delta version, returned as ``silver_version``: the
    one the publish step may pin ``published.<source>__<entity>`` to.

    ``scope="table"`` checks the whole silver table (what consumers read); ``"day"`` only
    the rows the day's batches wrote. Returns a small report (safe for XCom)."""
    started = time.monotonic()
    run = QualityRun(run_id or new_run_id(table_name(contract.source, entity.name), day),
                     dt.datetime.now(dt.timezone.utc), day)
    gx_context = open_context(settings)
    try:
        return _run_entity(spark, settings, contract, entity, day, scope, run, gx_context, gate, started)
    finally:
        release(run)


def release(run: QualityRun) -> None:
    """Free the run's checkpointed batches now, while the server is up: a Connect
    checkpoint is released when its DataFrame is collected, and one collected after the
    server stopped retries for minutes (it held up the end of a test session)."""
    for v in run.validated:
        v.batch.df = None
    run.validated.clear()
    gc.collect()


def _run_entity(spark: SparkSession, settings: Settings, contract: SourceContract, entity: EntityContract,
                day: dt.date, scope: str, run: QualityRun, gx_context: Any, gate: bool, started: float) -> dict[str, Any]:
    qs = settings.quality
    name = table_name(contract.source, entity.name)
    contracts = load_contracts(settings.contracts_dir)

    def check(layer: str, batch: B.Batch, make_suite: Any, gating: bool) -> None:
        t = time.monotonic()
        if batch.df is None:
            run.notes.append(batch.note)
            return
        suite = make_suite()
        run.validated.append(Validated(batch, suite, validate(gx_context, batch, suite), gating))
        run.seconds[layer] = round(time.monotonic() - t, 1)

    deliveries = B.delivery_log(spark, contract.source, entity.name, day)
    bronze = B.bronze_batch(spark, contract, entity, day, deliveries, qs.row_count_k, qs.row_count_min_history,
                            qs.row_count_history_days)
    check("bronze", bronze, lambda: S.bronze_suite(contract, entity, bronze), gating=False)
    delivery = B.delivery_batch(spark, contract, entity, day, deliveries)
    check("delivery", delivery, lambda: S.delivery_suite(contract, entity, qs), gating=False)
    version = silver_version(spark, f"silver.{name}")
    silver = B.silver_batch(spark, contracts, contract, entity, day if scope == "day" else None, version)
    check("silver", silver, lambda: _merge(S.silver_suite(contract, entity, silver),
                                           handwritten_suites(qs.expectations_dir, silver.table)), gating=True)

    fields = {"source": contract.source, "entity": entity.name, "department": contract.department, **airflow_ids()}
    t = time.monotonic()
    _record(spark, settings, run, entity, fields, gx_context)
    run.seconds["record"] = round(time.monotonic() - t, 1)
    report = summarize(run, silver.table, time.monotonic() - started)
    report["silver_version"] = version
    report["rows_checked"] = silver.rows
    log.info("quality %s %s: %s", silver.table, day, report["message"])
    if gate:
        published = f"published.{name}"
        check_gate(silver.table, run.results, published, lambda: published_version(spark, published))
    return report


def summarize(run: QualityRun, gated_table: str, seconds: float) -> dict[str, Any]:
    rows = [r.row() for r in run.results]
    failed = [r for r in run.results if not r.success]
    critical = failed_critical(run.results, gated_table)
    by_layer = {layer: weighted([r for r in rows if r["layer"] == layer])
                for layer in dict.fromkeys(r["layer"] for r in rows)}
    warnings = sorted({f"{r.table_name}:{r.rule}" for r in failed if r.severity != "critical" or not r.gating})
    message = (f"{len(run.results)} rule(s) checked, {len(failed)} failed "
               f"({len(critical)} critical on {gated_table}); scores {by_layer}")
    return {
        "run_id": run.run_id, "table": gated_table, "day": run.day.isoformat() if run.day else None,
        "rules": len(run.results), "failed": len(failed), "failed_critical": [f.rule for f in critical],
        "reported": warnings[:50], "scores": by_layer, "failed_rows": sum(len(r.failed_rows) for r in run.results),
        "notes": run.notes,
        "seconds": round(seconds, 1), "seconds_by_step": run.seconds, "message": message,
    }


def run_table(spark: SparkSession, settings: Settings, table: str, day: dt.date | None = None,
              run_id: str | None = None, gate: bool = True) -> dict[str, Any]:
    """Run the hand-written suites of any lake table (gold has no contract): the whole table,
    recorded like an entity's run; raises ``QualityGateError`` on a critical failure."""
    from citylake.errors import CitylakeError

    qs = settings.quality
    suites = handwritten_suites(qs.expectations_dir, table)
    if not suites:
        raise CitylakeError(f"no hand-written suite names table {table!r}: add one to {qs.expectations_dir}/suites/")
    if not spark.catalog.tableExists(table):
        raise CitylakeError(f"table {table} does not exist: run the stage that builds it first")
    started = time.monotonic()
    run = QualityRun(run_id or new_run_id(table.replace(".", "_"), day), dt.datetime.now(dt.timezone.utc), day)
    gx_context = open_context(settings)
    df = spark.table(table).localCheckpoint(eager=True)
    batch = B.Batch(table.split(".")[0], table, df, rows=df.count(), index_columns=list(B.INDEX_COLUMNS))
    suite = _merge(suites[0][1], suites[1:])
    try:
        run.validated.append(Validated(batch, suite, validate(gx_context, batch, suite), gating=True))
        run.seconds[batch.layer] = round(time.monotonic() - started, 1)
        _record(spark, settings, run, None, {"source": None, "entity": None, "department": None, **airflow_ids()},
                gx_context)
    finally:
        release(run)
    report = summarize(run, table, time.monotonic() - started)
    if gate:
        check_gate(table, run.results)
    return report
