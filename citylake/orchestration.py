"""Airflow DAGs built from the contracts: the only module of the core that knows Airflow.

One DAG per department (``citylake_source__<source>``), and in it, per entity, a task
group ``freshness → bronze → silver → quality → publish``. Each silver task produces an
Airflow Asset, so gold runs when its inputs change; ``quality`` fails on a critical rule
(``QualityGateError`` names table and rule, and the stewards are alerted), so ``publish``
does not run and ``published.<source>__<entity>`` stays at the version consumers read. Tasks are thin: they call ``citylake.pipeline`` and
return its small report; data never travels through XCom. Building the DAGs reads the
contracts only: no Spark, no I/O beyond the YAML, so DAG parsing stays fast.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from airflow.sdk import DAG, Asset, Param, TaskGroup, TriggerRule, task
from airflow.sdk.exceptions import AirflowSkipException

from citylake.contracts import EntityContract, SourceContract, load_contracts, table_name
from citylake.settings import Settings, get_settings

log = logging.getLogger(__name__)

#: The first day the pipeline has deliveries for (the synthetic city's base date).
START = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
DEFAULT_ARGS = {"owner": "citylake", "retries": 2, "retry_delay": dt.timedelta(seconds=30)}


def silver_asset(source: str, entity: str) -> Asset:
    table = table_name(source, entity)
    return Asset(name=f"silver.{table}", uri=f"citylake://silver/{table}", group="silver")


def published_asset(source: str, entity: str) -> Asset:
    table = table_name(source, entity)
    return Asset(name=f"published.{table}", uri=f"citylake://published/{table}", group="published")


def alert_on_failure(context: dict[str, Any]) -> None:
    """Tell the stewards (e-mail, webhook from the settings) which task failed and, for a
    quality gate, which critical rules on which table."""
    from citylake.quality.alerts import on_failure

    on_failure(context)


def processing_day(context: dict[str, Any]) -> dt.date:
    """The delivery day a run works on: the ``day`` param if given, else the run's logical
    date (or, for a manual run without one, when it was triggered)."""
    day = (context.get("params") or {}).get("day")
    if day:
        return dt.date.fromisoformat(str(day))
    when = context.get("logical_date") or context["dag_run"].run_after
    return when.date()


@task(task_id="freshness")
def check_freshness(source: str, entity: str, freshness_hours: int, **context: Any) -> str:
    """Is there a delivery for the day, or at least one recent enough? Skips the group when
    nothing new arrived within the limit; fails when the source has gone stale."""
    from citylake.freshness import freshness

    day = processing_day(context)
    state = freshness(source, entity, day, freshness_hours)
    log.info("%s.%s on %s: %s", source, entity, day, state.message)
    if state.status == "stale":
        raise RuntimeError(state.message)
    if state.status == "no_delivery":
        raise AirflowSkipException(state.message)
    return state.message


@task(task_id="bronze")
def ingest_bronze(source: str, entity: str, **context: Any) -> dict[str, Any]:
    """Land the day's files in bronze (re-running adds nothing); fails, after loading the
    readable files, if a file was rejected."""
    from citylake import pipeline

    return pipeline.bronze(source, entity, processing_day(context))


@task(task_id="silver", trigger_rule=TriggerRule.NONE_SKIPPED)
def build_silver(source: str, entity: str, **context: Any) -> dict[str, Any]:
    """Standardize, validate, quarantine, deduplicate and merge (SCD2) the new bronze batches."""
    from citylake import pipeline

    return pipeline.silver(source, entity, processing_day(context))


@task(task_id="quality", retries=0, on_failure_callback=alert_on_failure)
def check_quality(source: str, entity: str, **context: Any) -> dict[str, Any]:
    """Great Expectations suites from the contract on the day's bronze delivery and on the
    silver table; results go to ``ops.quality_results`` (the Data quality page). Fails, with
    the table and rules named, when a critical rule of the silver table fails. Not retried:
    the same data fails the same way."""
    from citylake import pipeline

    return pipeline.quality(source, entity, processing_day(context))


@task(task_id="publish")
def publish_table(source: str, entity: str, quality_report: dict[str, Any], **context: Any) -> dict[str, Any]:
    """Pin ``published.<source>__<entity>`` to the silver version the quality task passed."""
    from citylake import pipeline

    return pipeline.publish(source, entity, processing_day(context), version=quality_report.get("silver_version"))


def _entity_group(contract: SourceContract, entity: EntityContract, with_quality: bool = True) -> TaskGroup:
    from citylake.catalog.openlineage import task_datasets

    bronze_in, bronze_out = task_datasets(contract, entity, "bronze")
    silver_in, silver_out = task_datasets(contract, entity, "silver")
    with TaskGroup(group_id=entity.name, tooltip=entity.title) as group:
        fresh = check_freshness(contract.source, entity.name, entity.freshness_hours)
        landed = ingest_bronze.override(inlets=bronze_in, outlets=bronze_out)(contract.source, entity.name)
        refined = build_silver.override(inlets=silver_in, outlets=[silver_asset(contract.source, entity.name), *silver_out])(
            contract.source, entity.name)
        fresh >> landed >> refined
        if with_quality:
            checked = check_quality(contract.source, entity.name)
            published = publish_table.override(outlets=[published_asset(contract.source, entity.name)])(
                contract.source, entity.name, checked)
            refined >> checked >> published
    return group


def source_dag(contract: SourceContract, with_quality: bool = True) -> DAG:
    doc = (f"### {contract.department}\n\n{contract.description}\n\nOwner: {contract.owner} · domain: "
           f"{contract.domain} · contract version {contract.version}\n\nEntities: "
           + ", ".join(f"`{e.name}` ({e.title})" for e in contract.entities))
    with DAG(
        dag_id=f"citylake_source__{contract.source}",
        description=f"{contract.department}: landing → bronze → silver" + (" → quality → publish" if with_quality else ""),
        schedule=contract.schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["citylake", "source", contract.domain],
        doc_md=doc,
        params={"day": Param(None, type=["null", "string"], format="date",
                             description="Delivery day to process (YYYY-MM-DD); empty: the run's logical date.")},
    ) as dag:
        for entity in contract.entities:
            _entity_group(contract, entity, with_quality)
    return dag


def source_dags(settings: Settings | None = None) -> dict[str, DAG]:
    """Every department's DAG, by dag_id, for a DAG file's globals()."""
    settings = settings or get_settings()
    with_quality = settings.quality.in_source_dags
    return {dag.dag_id: dag for dag in (source_dag(c, with_quality) for c in load_contracts(settings.contracts_dir).values())}
