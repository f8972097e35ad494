"""The gate in the pipeline: a clean day is checked, recorded and published as a view
pinned to the silver version that passed; an injected critical failure stops publishing,
the step fails naming table and rule, and the published table does not change."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.spark


def test_a_clean_day_is_checked_recorded_and_published(first_day: dict[str, Any], dq, spark) -> None:  # type: ignore[no-untyped-def]
    TABLE, SOURCE = dq.table, dq.source
    from citylake.layers.publish import published_version, silver_version

    assert not any(isinstance(o, Exception) for o in first_day.values()), first_day
    report = first_day["quality"]
    assert report["failed_critical"] == [] and report["rows_checked"] == 41
    assert "bronze." + TABLE + ":holder_id.citizen_id" in report["reported"], "the bad ID is reported on bronze"
    assert first_day["publish"]["silver_version"] == report["silver_version"] == silver_version(spark, f"silver.{TABLE}")
    assert published_version(spark, f"published.{TABLE}") == report["silver_version"]
    rows = spark.sql(f"SELECT * FROM published.{TABLE} ORDER BY meter_id").collect()
    assert len(rows) == 41
    assert "holder_id" not in rows[0].asDict(), "ciphertext stays in silver; consumers join on the token"
    assert rows[0]["holder_id_token"] and rows[0]["holder_name"] == "张*", "personal values are masked"
    results = spark.sql(f"SELECT layer, rule, success, unexpected_sample, failed_rows FROM ops.quality_results "
                        f"WHERE run_id = '{report['run_id']}'").collect()
    bad_id = [r for r in results if r["layer"] == "bronze" and r["rule"] == "holder_id.citizen_id"][0]
    assert not bad_id["success"] and bad_id["unexpected_sample"] == ["110101********1234"]
    assert [(f["line"], f["masked_value"]) for f in bad_id["failed_rows"]] == [(42, "110101********1234")]
    metrics = {r["stage"]: r for r in spark.sql(f"SELECT stage, rows, seconds, status FROM ops.run_metrics "
                                                f"WHERE source = '{SOURCE}'").collect()}
    assert set(metrics) == {"bronze", "silver", "quality", "publish"}
    assert metrics["bronze"]["rows"] == 42 and metrics["quality"]["rows"] == 41
    assert all(m["status"] == "success" and m["seconds"] > 0 for m in metrics.values())


def test_a_critical_failure_leaves_published_unchanged_and_names_table_and_rule(first_day: dict[str, Any], dq,  # type: ignore[no-untyped-def]
                                                                                spark) -> None:
    TABLE, SOURCE = dq.table, dq.source
    from citylake import pipeline
    from citylake.layers.publish import published_version
    from citylake.quality.gate import QualityGateError

    pinned = published_version(spark, f"published.{TABLE}")
    before = sorted(tuple(r) for r in spark.table(f"published.{TABLE}").collect())
    # A faulty writer (a manual fix, a bug) puts a second row of meter M0001 into silver:
    # its key is no longer unique, a critical rule of every keyed table.
    spark.sql(f"INSERT INTO silver.{TABLE} SELECT * FROM silver.{TABLE} WHERE meter_id = 'M0001'")

    outcomes = {step.stage: outcome for step, outcome in pipeline.run_day(dq.day, [SOURCE], dq.settings)}

    failure = outcomes["quality"]
    assert isinstance(failure, QualityGateError)
    message = str(failure)
    assert f"silver.{TABLE}" in message and "meter_id.unique" in message, message
    assert f"published.{TABLE} was not replaced" in message and f"silver version {pinned}" in message
    assert "publish" not in outcomes, "nothing is published after a failed gate"
    assert published_version(spark, f"published.{TABLE}") == pinned
    assert sorted(tuple(r) for r in spark.table(f"published.{TABLE}").collect()) == before
    recorded = spark.sql(f"SELECT success, severity, gating FROM ops.quality_results WHERE table_name = 'silver.{TABLE}' "
                         "AND rule = 'meter_id.unique' ORDER BY checked_at DESC LIMIT 1").collect()[0]
    assert (recorded["success"], recorded["severity"], recorded["gating"]) == (False, "critical", True)
    failed = spark.sql(f"SELECT status FROM ops.run_metrics WHERE source = '{SOURCE}' AND stage = 'quality' "
                       "ORDER BY finished_at DESC LIMIT 1").collect()[0]
    assert failed["status"] == "failed"
