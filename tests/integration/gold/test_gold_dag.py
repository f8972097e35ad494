"""The gold DAG renders from the dbt manifest quickly: resolution first, then every dbt
model as Cosmos tasks, scheduled on the silver Assets the project reads."""

from __future__ import annotations

import time

import pytest


@pytest.fixture(scope="module")
def manifest(settings):  # type: ignore[no-untyped-def]
    from citylake.gold import manifest_path, parse

    path = manifest_path(settings)
    return path if path.exists() else parse(settings)


def test_gold_dag_renders_from_manifest(manifest, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.gold_dag import DAG_ID, gold_dag

    dag = gold_dag(settings)  # the first render also pays Cosmos' lazy imports
    t0 = time.perf_counter()
    gold_dag(settings)
    took = time.perf_counter() - t0  # what each later parse by the DAG processor costs
    assert dag.dag_id == DAG_ID
    ids = set(dag.task_ids)
    assert "resolve_entities" in ids
    for model in ("dim_person", "population_stats", "dim_enterprise", "dim_address", "person_tags"):
        assert f"dbt.{model}.run" in ids, sorted(ids)[:20]
    first = dag.get_task("dbt.stg_resolution__person_xref_run")  # a model without tests: one task
    assert first.upstream_task_ids == {"resolve_entities"}
    names = {a.name for a in dag.timetable.asset_condition.objects}
    assert {"silver.public_security__persons", "silver.market_supervision__enterprises"} <= names, names
    assert not [n for n in names if "xref" in n]
    assert took < 5, took


def test_the_published_tables_follow_the_dbt_models(manifest, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.gold_dag import gold_dag

    dag = gold_dag(settings)
    publish = dag.get_task("publish_tables")
    assert publish.downstream_task_ids == set(), "the last step"
    before = publish.get_flat_relative_ids(upstream=True)
    assert {t for t in dag.task_ids if t.startswith("dbt.")} <= before, "after every model and its tests"
    assert {"published.population_stats_v1", "published.dim_person_v1"} <= {a.name for a in publish.outlets}
