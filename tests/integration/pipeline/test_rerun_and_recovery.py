"""Re-running changes nothing, and a silver write killed half-way recovers exactly."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from citylake.contracts import clear_cache
from citylake.settings import SOURCE_ROOT, Settings, reload_settings
from citylake.storage import lake

pytestmark = [pytest.mark.spark, pytest.mark.airflow]
DAY0 = dt.date(2026, 1, 1)


def snapshot(spark) -> dict[str, tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    """Row count, two order-free content checksums and the Delta version of every table."""
    out = {}
    for schema in ("bronze", "silver", "quarantine", "ops", "standards"):
        for t in spark.sql(f"SHOW TABLES IN {schema}").collect():
            name = f"{schema}.{t['tableName']}"
            if spark.sql(f"DESCRIBE TABLE EXTENDED {name}").where("col_name = 'Type' AND data_type = 'VIEW'").count():
                continue
            row = spark.sql(f"SELECT count(*) AS n, bit_xor(xxhash64(*)) AS x, "
                            f"sum(abs(xxhash64(*)) % 1000000007) AS s FROM {name}").collect()[0]
            version = spark.sql(f"DESCRIBE HISTORY {name} LIMIT 1").collect()[0]["version"]
            out[name] = (row["n"], row["x"], row["s"], version)
    return out


def test_rerunning_a_day_changes_no_table(dag_runs: list[dict[str, Any]], spark, source_dag_ids: list[str],  # type: ignore[no-untyped-def]
                                          city_days: list[str], tmp_path: Path, run_dags: Any) -> None:
    before = snapshot(spark)
    assert len(before) > 40
    rerun = run_dags(source_dag_ids, [city_days[-1]], tmp_path, lanes=2)
    assert all(r["state"] in ("success", "DagRunState.SUCCESS", "failed", "DagRunState.FAILED") for r in rerun)
    assert snapshot(spark) == before


@pytest.fixture
def two_copies_of_persons(settings: Settings, city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Sources ``crashtest`` and ``crashref``: the household register's persons under other names,
    so their tables start empty whatever ran before."""
    meta = tmp_path / "metadata"
    shutil.copytree(SOURCE_ROOT / "metadata" / "contracts", meta / "contracts")
    base = yaml.safe_load((SOURCE_ROOT / "metadata" / "contracts" / "public_security.yml").read_text())
    persons = next(e for e in base["entities"] if e["name"] == "persons")
    persons["path"] = "public_security/persons"
    for name in ("crashtest", "crashref"):
        (meta / "contracts" / f"{name}.yml").write_text(
            yaml.safe_dump({**base, "source": name, "entities": [persons]}, allow_unicode=True))
    monkeypatch.setenv("CITYLAKE_METADATA_DIR", str(meta))
    clear_cache()
    yield reload_settings()
    monkeypatch.delenv("CITYLAKE_METADATA_DIR")
    clear_cache()
    reload_settings()


def _silver_in_subprocess(source: str) -> subprocess.Popen[bytes]:
    code = f"import datetime as dt; from citylake import pipeline; pipeline.silver('{source}', 'persons', dt.date(2026, 1, 1))"
    return subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _kill_when(proc: subprocess.Popen[bytes], ready: Any, timeout: float = 300) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.05)
    return False


def _content(spark, table: str) -> list[tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    cols = "citizen_id, name, gender, birth_date, registered_address, is_current, valid_from, _row_hash"
    return sorted(tuple(r) for r in spark.sql(f"SELECT {cols} FROM {table}").collect())


@pytest.mark.parametrize("kill_at", ["plan written", "quarantine committed"])
def test_a_silver_write_killed_half_way_recovers_exactly(two_copies_of_persons: Settings, spark, kill_at: str) -> None:  # type: ignore[no-untyped-def]
    from citylake import pipeline

    settings = two_copies_of_persons
    for name in ("crashtest", "crashref"):
        for schema in ("bronze", "silver", "quarantine"):
            spark.sql(f"DROP TABLE IF EXISTS {schema}.{name}__persons")
        spark.sql(f"DELETE FROM ops.batch_log WHERE source = '{name}'")
        pipeline.bronze(name, "persons", DAY0, settings)
    pipeline.silver("crashref", "persons", DAY0, settings)

    staging = lake(settings).child("_staging", "silver", "silver.crashtest__persons")
    if kill_at == "plan written":
        ready = lambda: any(d.child("_SUCCESS").exists() for d in staging.list_dirs())  # noqa: E731
    else:
        ready = lambda: (spark.catalog.tableExists("quarantine.crashtest__persons")  # noqa: E731
                         and spark.sql("DESCRIBE HISTORY quarantine.crashtest__persons").count() > 1)
    killed = _kill_when(_silver_in_subprocess("crashtest"), ready)
    assert killed, "the silver run finished before it could be killed"

    report = pipeline.silver("crashtest", "persons", DAY0, settings)  # the re-run
    again = pipeline.silver("crashtest", "persons", DAY0, settings)   # and once more: nothing left to do
    assert again["batches"] == []
    assert _content(spark, "silver.crashtest__persons") == _content(spark, "silver.crashref__persons")
    assert (spark.table("quarantine.crashtest__persons").count()
            == spark.table("quarantine.crashref__persons").count() > 0)
    recon = spark.sql("SELECT * FROM ops.batch_reconciliation WHERE source = 'crashtest'").collect()
    assert [r["balanced"] for r in recon] == [True]
    silver_records = spark.sql("SELECT count(*) FROM ops.batch_log WHERE source = 'crashtest' AND stage = 'silver'").collect()[0][0]
    assert silver_records == 1
    assert report["accepted"] + report["quarantined"] + report["duplicate"] == recon[0]["rows_bronze"]
