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
from citylake.quality.metrics import measure
from citylake.ops import ensure_ops
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
    ensure_ops(spark)
    return spark


def _register(spark: Any, settings: Settings, contract: SourceContract, entity: EntityContract, stage: str,
              tables: list[str]) -> None:
    """Asset registration (数据资产注册): a table enters the catalog when its stage creates it
    (or a drifting delivery adds columns); `citylake catalog sync` refreshes everything."""
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
    with measure(spark, "bronze", source, entity, day) as measured:
        report = ingest_day(spark, settings, contract, ent, day)
        measured.rows = report.rows
        if report.created:
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
    if report is not None and report.created:
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
    with measure(spark, "silver", source, entity, day) as measured:
        report = run_silver(spark, settings, contract, ent, day)
        measured.rows = report.accepted + report.quarantined + report.duplicate
    if report.created:
        _register(spark, settings, contract, ent, "silver", [report.table, report.table.replace("silver.", "quarantine.", 1)])
    log.info("%s %s: %d accepted, %d quarantined, %d duplicate from %d batch(es)", report.table, day,
             report.accepted, report.quarantined, report.duplicate, len(report.batches))
    out = asdict(report)
    out.pop("created")
    out["day"] = day.isoformat()
    return out


def quality(source: str, entity: str, day: dt.date, settings: Settings | None = None) -> dict[str, Any]:
    """Validate the entity's bronze delivery of the day and its silver table, record the
    results, and raise ``QualityGateError`` (a ``CitylakeError``) if a critical rule of the
    silver table failed. The report's ``silver_version`` is what ``publish`` may pin."""
    from citylake.quality.stage import run_quality

    settings = settings or get_settings()
    contract, ent = contract_entity(source, entity, settings)
    spark = _session(settings)
    with measure(spark, "quality", source, entity, day) as measured:
        report = run_quality(spark, settings, contract, ent, day)
        measured.rows = report.get("rows_checked")
    return report


def publish(source: str, entity: str, day: dt.date, settings: Settings | None = None,
            version: int | None = None) -> dict[str, Any]:
    """Point ``published.<source>__<entity>`` at the silver version that passed quality
    (``version``, from the quality report: the publish step never judges on its own)."""
    from citylake.layers.publish import publish as publish_view

    settings = settings or get_settings()
    contract, ent = contract_entity(source, entity, settings)
    if version is None:
        raise CitylakeError(f"silver.{source}__{entity} has no version that passed quality on {day}: "
                            "nothing to publish (run its quality step first)")
    spark = _session(settings)
    with measure(spark, "publish", source, entity, day):
        done = publish_view(spark, contract, ent, version)
    return {"table": done.table, "silver_version": done.version, "columns": done.columns, "day": day.isoformat()}


@dataclass(frozen=True)
class Step:
    source: str
    entity: str
    stage: str  # bronze | silver | quality | publish


def stages(settings: Settings | None = None) -> tuple[str, ...]:
    """The stages a day runs per entity: quality and publish only where settings want them."""
    return STAGES if (settings or get_settings()).quality.in_source_dags else STAGES[:2]


def steps(contracts: dict[str, SourceContract], sources: Iterable[str] | None = None,
          settings: Settings | None = None) -> list[Step]:
    wanted = set(sources) if sources else set(contracts)
    unknown = wanted - set(contracts)
    if unknown:
        raise CitylakeError(f"unknown source(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(contracts))}")
    out = []
    per_entity = stages(settings)
    for name in sorted(wanted):
        for ent in contracts[name].entities:
            out += [Step(name, ent.name, stage) for stage in per_entity]
    return out


def run_day(day: dt.date, sources: Iterable[str] | None = None, settings: Settings | None = None,
            on_step: Callable[[Step, dict[str, Any] | Exception], None] | None = None,
            workers: int | None = None) -> list[tuple[Step, dict[str, Any] | Exception]]:
    """Every contract's bronze, silver, quality and publish for one day, several entities
    at once (each in a session of its own). A failing entity is reported and the others go
    on, as their Airflow tasks would; what a failed bronze step did load still goes on to
    silver. A failed quality gate (or any failed step after bronze) stops the entity there:
    its published table stays as it was."""
    settings = settings or get_settings()
    plan = steps(load_contracts(settings.contracts_dir), sources, settings)
    entities = list(dict.fromkeys((s.source, s.entity) for s in plan))
    _session(settings)  # set the lake up once, before the workers start
    results: list[tuple[Step, dict[str, Any] | Exception]] = []
    lock = threading.Lock()

    def run_entity(source: str, entity: str) -> None:
        passed: dict[str, Any] = {}
        for stage in stages(settings):
            step = Step(source, entity, stage)
            try:
                if stage == "publish":
                    outcome: dict[str, Any] | Exception = publish(source, entity, day, settings,
                                                                  version=passed.get("silver_version"))
                else:
                    outcome = STAGE_FUNCTIONS[stage](source, entity, day, settings)
            except CitylakeError as exc:
                if on_step is None:  # else the caller reports it
                    log.warning("%s.%s %s: %s", source, entity, stage, exc)
                outcome = exc
            except Exception as exc:  # a bug or an engine failure: one entity fails, as its task would
                log.exception("%s.%s %s failed", source, entity, stage)
                outcome = exc
            with lock:
                results.append((step, outcome))
            if on_step:
                on_step(step, outcome)
            if isinstance(outcome, Exception) and stage != "bronze":
                break  # what follows needs this step: nothing is published from a failed one
            if stage == "quality":
                passed = outcome  # type: ignore[assignment]
                if passed.get("silver_version") is None:
                    break  # no silver table yet: nothing to publish

    with ThreadPoolExecutor(max_workers=workers or settings.workers, thread_name_prefix="citylake") as pool:
        for future in [pool.submit(run_entity, *e) for e in entities]:
            future.result()
    order = {s: i for i, s in enumerate(plan)}
    return sorted(results, key=lambda r: order[r[0]])


STAGES = ("bronze", "silver", "quality", "publish")
STAGE_FUNCTIONS: dict[str, Callable[..., dict[str, Any]]] = {"bronze": bronze, "silver": silver, "quality": quality}


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
