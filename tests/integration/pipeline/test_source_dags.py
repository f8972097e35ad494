"""Every source DAG runs with dag.test() on the generated city, day after day, and
the lake it leaves reconciles: rows_read = rows_bronze = accepted + quarantined + duplicate."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.airflow]


def test_every_source_dag_has_an_asset_per_silver_table(source_dag_ids: list[str]) -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=None)
    assert bag.import_errors == {}
    assert set(source_dag_ids) <= set(bag.dag_ids)
    for dag_id in source_dag_ids:
        dag = bag.dags[dag_id]
        silver = [t for t in dag.tasks if t.task_id.endswith(".silver")]
        assert silver, dag_id
        for task in silver:
            entity = task.task_id.split(".")[0]
            assets = [a.uri for a in task.outlets if type(a).__name__ == "Asset"]
            assert assets == [f"citylake://silver/{dag_id.split('__')[1]}__{entity}"]


def test_every_dag_ran_every_day(dag_runs: list[dict[str, Any]], source_dag_ids: list[str], city_days: list[str],
                                 spark) -> None:  # type: ignore[no-untyped-def]
    assert {(r["dag_id"], r["day"]) for r in dag_runs} == {(d, day) for d in source_dag_ids for day in city_days}
    rejected = {(r["source"], r["entity"], str(r["day"])) for r in spark.sql(
        "SELECT source, entity, day FROM ops.batch_reconciliation WHERE status = 'rejected'").collect()}
    for run in dag_runs:
        source = run["dag_id"].split("__")[1]
        for task_id, state in run["tasks"].items():
            entity, stage = task_id.split(".")
            if state in ("TaskInstanceState.SUCCESS", "TaskInstanceState.SKIPPED", "success", "skipped"):
                continue
            # A bronze task fails only because a file was rejected, and then silver still ran.
            assert stage == "bronze" and (source, entity, run["day"]) in rejected, (run["dag_id"], run["day"], task_id, state)
            assert run["tasks"][f"{entity}.silver"] in ("TaskInstanceState.SUCCESS", "success")


def test_every_batch_reconciles(dag_runs: list[dict[str, Any]], source_dag_ids: list[str], spark) -> None:  # type: ignore[no-untyped-def]
    sources = ", ".join(f"'{d.split('__')[1]}'" for d in source_dag_ids)
    rows = spark.sql(f"SELECT * FROM ops.batch_reconciliation WHERE source IN ({sources})").collect()
    batches = [r for r in rows if r["status"] != "rejected"]
    assert len(batches) > 50
    unbalanced = [r.asDict() for r in batches if not r["balanced"]]
    assert unbalanced == []
    assert all(r["rows_read"] == r["rows_bronze"] for r in batches)
    # the tables agree with the log: silver holds what was accepted (SCD2 tables count current rows only once)
    read = sum(r["rows_read"] for r in batches)
    assert read == sum(r["rows_accepted"] + r["rows_quarantined"] + r["rows_duplicate"] for r in batches)
    quarantined = sum(r["rows_quarantined"] for r in batches)
    in_quarantine = sum(spark.table(f"quarantine.{t['tableName']}").count()
                        for t in spark.sql("SHOW TABLES IN quarantine").collect()
                        if not t["isTemporary"] and t["tableName"].split("__")[0] in sources)
    assert in_quarantine == quarantined > 0


def test_rejected_files_fail_their_task_with_a_clear_reason(dag_runs: list[dict[str, Any]], spark) -> None:  # type: ignore[no-untyped-def]
    rejected = spark.sql("SELECT entity, file, reason FROM ops.batch_reconciliation WHERE status = 'rejected'").collect()
    reasons: dict[str, list[str]] = {}
    for r in rejected:
        reasons.setdefault(r["entity"], []).append(r["reason"])
    assert "employment" in reasons, "the schema-drift day of employment is rejected by its contract (policy fail)"
    assert any("schema_drift policy is fail" in reason for reason in reasons["employment"])
    assert any("is empty (0 bytes)" in r["reason"] for r in rejected)
    for r in rejected:
        assert r["file"] in r["reason"] or r["file"].rsplit("/", 1)[-1] in r["reason"]
