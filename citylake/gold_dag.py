"""The gold DAG: entity resolution, then the dbt project rendered by Cosmos, then the
published tables (``citylake.published``) written from the new gold.

Kept apart from ``citylake.gold`` (which never imports Airflow) like
``citylake.orchestration`` is for the sources. Cosmos renders from the manifest that
``dbt parse`` wrote in set-up (``LoadMode.DBT_MANIFEST``): parsing this DAG reads one
JSON file and runs no dbt. The run is scheduled on the silver Assets the gold layer
reads — the sources declared in the dbt project — so it follows a day's silver.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.sdk import DAG, Asset, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

from citylake.gold import dbt_env, dbt_executable, manifest_path
from citylake.orchestration import silver_asset
from citylake.settings import Settings, get_settings

DAG_ID = "citylake_gold"
#: Written by the resolution task, read by dbt's sources.
XREF_TABLES = ("person_xref", "org_xref")


def silver_sources(settings: Settings) -> list[tuple[str, str]]:
    """(source, entity) of every silver table the dbt project reads, from the manifest."""
    path = manifest_path(settings)
    if not path.exists():
        return []
    nodes = json.loads(path.read_text(encoding="utf-8"))["sources"].values()
    out = []
    for node in nodes:
        if node["source_name"] == "silver" and node["name"] not in XREF_TABLES and "__" in node["name"]:
            source, entity = node["name"].split("__", 1)
            out.append((source, entity))
    return sorted(out)


@task(task_id="resolve_entities")
def resolve_entities() -> dict[str, Any]:
    """Link the records of one person and of one enterprise across silver (Splink) into
    `silver.person_xref` and `silver.org_xref`; unchanged silver writes nothing."""
    from citylake.resolution.job import run_resolution

    return run_resolution()


def published_assets(settings: Settings) -> list[Asset]:
    """An Asset per published table (``metadata/published``), which the publish task updates:
    downstream DAGs can be scheduled on them. An invalid contract gives none here (the task
    then fails with the contract's error) rather than a DAG that does not load."""
    from citylake.errors import CitylakeError
    from citylake.published.contracts import contracts_dir, load_published_contracts

    try:
        contracts = load_published_contracts(contracts_dir(settings.metadata_dir))
    except CitylakeError:
        return []
    return [Asset(name=c.table, uri=f"citylake://published/{c.table_name}", group="published")
            for c in contracts.values()]


@task(task_id="score_models")
def score_models() -> dict[str, Any]:
    """Score gold with the models of `citylake.ml` (training a missing one when labels are at
    hand) into `gold.*_model_scores`, and rebuild the tag marts when a score changed, so the
    model tags reach `gold.person_tags` / `gold.enterprise_tags` with their model version."""
    from citylake.ml.jobs import score_and_tag

    return score_and_tag()


@task(task_id="publish_tables")
def publish_tables() -> dict[str, Any]:
    """Write the published tables (metadata/published) from the new gold through the
    consumer role's view, only what changed, and the manifest; fails naming each table
    that could not be written."""
    from citylake.published.writer import publish_all

    return publish_all().summary()


@task(task_id="dbt_manifest_missing")
def manifest_missing() -> None:
    """Stands in for the dbt tasks when the manifest was not written, so the DAG still
    loads and says what to do."""
    from citylake.errors import CitylakeError

    raise CitylakeError("the dbt manifest is missing: run `make setup` (or `citylake gold parse`) and reload the DAG")


def gold_dag(settings: Settings | None = None) -> DAG:
    settings = settings or get_settings()
    project = settings.gold.dbt_project_dir
    assets: list[Asset] = [silver_asset(s, e) for s, e in silver_sources(settings)]
    with DAG(
        dag_id=DAG_ID,
        schedule=assets or None,
        catchup=False,
        max_active_runs=1,
        tags=["citylake", "gold"],
        doc_md=__doc__,
    ) as dag:
        if not manifest_path(settings).exists():
            resolve_entities() >> manifest_missing()
            return dag
        dbt = DbtTaskGroup(
            group_id="dbt",
            project_config=ProjectConfig(dbt_project_path=project, manifest_path=manifest_path(settings),
                                         install_dbt_deps=False),
            profile_config=ProfileConfig(profile_name="citylake", target_name="lake",
                                         profiles_yml_filepath=project / "profiles.yml"),
            render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, test_behavior=TestBehavior.AFTER_EACH),
            execution_config=ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.SUBPROCESS,
                                             dbt_executable_path=dbt_executable()),
            operator_args={"env": dbt_env(settings), "append_env": True, "install_deps": False},
        )
        resolve_entities() >> dbt >> score_models() >> publish_tables.override(outlets=published_assets(settings))()
    return dag
