"""The pipeline's stages as plain functions: what an Airflow task, a spark_job, the CLI
and the demo all call, so each runs the same code whatever drives it.

Each stage takes names (source, entity) and a day, finds the contract, gets the one
session, and returns a small report (safe to return through XCom).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable

from citylake.contracts import EntityContract, SourceContract, load_contracts
from citylake.errors import CitylakeError
from citylake.settings import Settings, get_settings
from citylake.spark import ensure_schemas, get_spark, once
from citylake.storage import landing

log = logging.getLogger(__name__)


def contract_entity(source: str, entity: str, settings: Settings | None = None) -> tuple[SourceContract, EntityContract]:
    contracts = load_contracts((settings or get_settings()).contracts_dir)
    if source not in contracts:
        raise CitylakeError(f"no contract for source {source!r}; known: {', '.join(sorted(contracts))}")
    try:
        return contracts[source], contracts[source].entity(entity)
    except KeyError as exc:
        raise CitylakeError(str(exc).strip("'\"")) from None


def _session(settings: Settings):  # type: ignore[no-untyped-def]
    """The session, with the lake's schemas and the published code tables in place."""
    from citylake.standards.publish import publish_standards

    spark = get_spark(settings)
    once(spark, "schemas", lambda: ensure_schemas(spark, settings))
    once(spark, "standards", lambda: publish_standards(spark))
    return spark


def _register(spark: Any, settings: Settings, contract: SourceContract, entity: EntityContract, stage: str,
              tables: list[str]) -> None:
    """Asset registration (数据资产注册): a table enters the catalog when its stage first writes it."""
    from citylake.catalog.register import register_table

    for table in tables:
        register_table(spark, table, contract, entity, stage, settings)


def bronze(source: str, entity: str, day: dt.date, settings: Settings | None = None, strict: bool = True) -> dict[str, Any]:
    """Ingest one entity's delivery of one day into bronze. With ``strict``, raise after
    ingesting the readable files if any file was rejected, so the task shows it."""
    from citylake.layers.bronze import ingest_day

    settings = settings or get_settings()
    contract, ent = contract_entity(source, entity, settings)
    if ent.format == "stream":
        return stream(source, entity, settings)
    spark = _session(settings)
    report = ingest_day(spark, settings, contract, ent, day)
    if report.ingested:
        _register(spark, settings, contract, ent, "bronze", [report.table])
    log.info("%s %s: %d batch(es) ingested (%d rows), %d already present, %d rejected", report.table, day,
             len(report.ingested), report.rows, len(report.skipped), len(report.rejected))
    if strict:
        report.raise_for_rejected()
    return {"table": report.table, "day": day.isoformat(), "ingested": len(report.ingested), "rows": report.rows,
            "skipped": len(report.skipped), "rejected": [r.reason for r in report.rejected]}


def stream(source: str, entity: str, settings: Settings | None = None, continuous: bool = False) -> dict[str, Any]:
    """Run a stream entity's query into bronze: what is available now, or for good."""
    from citylake.layers.stream import ingest_stream

    settings = settings or get_settings()
    contract, ent = contract_entity(source, entity, settings)
    spark = _session(settings)
    report = ingest_stream(spark, settings, contract, ent, continuous=continuous)
    if report is not None and report.files:
        _register(spark, settings, contract, ent, "bronze", [report.table])
    if report is None:
        return {"table": f"bronze.{source}__{entity}", "continuous": True}
    log.info("%s: %d new micro-batch(es), %d rows", report.table, report.files, report.rows)
    return {"table": report.table, "ingested": report.files, "rows": report.rows}


def silver(source: str, entity: str, day: dt.date, settings: Settings | None = None) -> dict[str, Any]:
    """Standardize, validate, deduplicate and merge the day's pending bronze batches."""
    from citylake.layers.silver import run_silver

    settings = settings or get_settings()
    contract, ent = contract_entity(source, entity, settings)
    spark = _session(settings)
    report = run_silver(spark, settings, contract, ent, day)
    if report.batches:
        _register(spark, settings, contract, ent, "silver", [report.table, report.table.replace("silver.", "quarantine.", 1)])
    log.info("%s %s: %d accepted, %d quarantined, %d duplicate from %d batch(es)", report.table, day,
             report.accepted, report.quarantined, report.duplicate, len(report.batches))
    out = asdict(report)
    out["day"] = day.isoformat()
    return out


@dataclass(frozen=True)
class Step:
    source: str
    entity: str
    stage: str  # bronze | silver


def steps(contracts: dict[str, SourceContract], sources: Iterable[str] | None = None) -> list[Step]:
    wanted = set(sources) if sources else set(contracts)
    unknown = wanted - set(contracts)
    if unknown:
        raise CitylakeError(f"unknown source(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(contracts))}")
    out = []
    for name in sorted(wanted):
        for ent in contracts[name].entities:
            out += [Step(name, ent.name, "bronze"), Step(name, ent.name, "silver")]
    return out


def run_day(day: dt.date, sources: Iterable[str] | None = None, settings: Settings | None = None,
            on_step: Callable[[Step, dict[str, Any] | Exception], None] | None = None,
            workers: int | None = None) -> list[tuple[Step, dict[str, Any] | Exception]]:
    """Every contract's bronze then silver for one day, several entities at once (each in
    a session of its own). A failing entity is reported and the others go on, as their
    Airflow tasks would; what a failed bronze step did load still goes on to silver."""
    settings = settings or get_settings()
    plan = steps(load_contracts(settings.contracts_dir), sources)
    entities = list(dict.fromkeys((s.source, s.entity) for s in plan))
    _session(settings)  # set the lake up once, before the workers start
    results: list[tuple[Step, dict[str, Any] | Exception]] = []
    lock = threading.Lock()

    def run_entity(source: str, entity: str) -> None:
        for stage, stage_fn in (("bronze", bronze), ("silver", silver)):
            step = Step(source, entity, stage)
            try:
                outcome: dict[str, Any] | Exception = stage_fn(source, entity, day, settings)
            except CitylakeError as exc:
                log.warning("%s.%s %s: %s", source, entity, stage, exc)
                outcome = exc
            with lock:
                results.append((step, outcome))
            if on_step:
                on_step(step, outcome)

    with ThreadPoolExecutor(max_workers=workers or settings.workers, thread_name_prefix="citylake") as pool:
        for future in [pool.submit(run_entity, *e) for e in entities]:
            future.result()
    order = {s: i for i, s in enumerate(plan)}
    return sorted(results, key=lambda r: order[r[0]])


def delivery_days(settings: Settings | None = None) -> list[dt.date]:
    """The days for which the landing zone holds deliveries (day=YYYY-MM-DD folders)."""
    settings = settings or get_settings()
    days: set[dt.date] = set()
    root = landing(settings)
    for source in root.list_dirs():
        for entity in source.list_dirs():
            for folder in entity.list_dirs():
                name = folder.path.rsplit("/", 1)[-1]
                if name.startswith("day="):
                    try:
                        days.add(dt.date.fromisoformat(name[4:]))
                    except ValueError:
                        continue
    return sorted(days)
