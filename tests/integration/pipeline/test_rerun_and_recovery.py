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


#: Logs of activity, not data: a re-run is activity (it records that it ran and found nothing to do).
ACTIVITY_LOGS = {"ops.run_metrics", "ops.quality_results", "ops.audit_log"}


def snapshot(spark) -> dict[str, tuple[Any, ...]]:  # type: ignore[no-untyped-def]
    """Row count, two order-free content checksums and the Delta version of every table."""
    out = {}
    for schema in ("bronze", "silver", "quarantine", "ops", "standards"):
        for t in spark.catalog.listTables(schema):
            name = f"{schema}.{t.name}"
            if t.isTemporary or t.tableType == "VIEW" or name in ACTIVITY_LOGS:
                continue
            # over the row's JSON: xxhash64 takes no map columns (ops.sensitive_data_scan has one)
            row = spark.sql(f"SELECT count(*) AS n, bit_xor(xxhash64(to_json(struct(*)))) AS x, "
                            f"sum(abs(xxhash64(to_json(struct(*)))) % 1000000007) AS s FROM {name}").collect()[0]
            version = spark.sql(f"DESCRIBE HISTORY {name} LIMIT 1").collect()[0]["version"]
            out[name] = (row["n"], row["x"], row["s"], version)
    return out


def test_rerunning_a_day_changes_no_table(dag_runs: list[dict[str, Any]], spark, source_dag_ids: list[str],  # type: ignore[no-untyped-def]
                                          city_days: list[str], tmp_path: Path, run_dags: Any) -> None:
    before = snapshot(spark)
    assert len(before) > 40
    # One DAG of each kind: SCD2 (persons), a SQL source (civil affairs), a rejected
    # drifting file (employment) and the append-only stream (iot).
    kinds = ["public_security", "civil_affairs", "hr_social_security", "iot"]
    again = [d for d in source_dag_ids if d.split("__")[1] in kinds]
    assert len(again) == len(kinds)
    rerun = run_dags(again, [city_days[-1]], tmp_path, lanes=2)
    assert all(r["state"] in ("success", "DagRunState.SUCCESS", "failed", "DagRunState.FAILED") for r in rerun)
    assert snapshot(spark) == before


@pytest.fixture
def two_copies_of_persons(request: pytest.FixtureRequest, settings: Settings, city: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                          monkeypatch: pytest.MonkeyPatch, spark):
    """Two sources, the one to crash and a reference: the household register's persons under
    names of their own, so their tables start empty; they are dropped afterwards."""
    suffix = request.node.callspec.id.replace(" ", "_")
    names = (f"crash_{suffix}", f"ref_{suffix}")
    meta = tmp_path / "metadata"
    shutil.copytree(SOURCE_ROOT / "metadata" / "contracts", meta / "contracts")
    base = yaml.safe_load((SOURCE_ROOT / "metadata" / "contracts" / "public_security.yml").read_text())
    persons = next(e for e in base["entities"] if e["name"] == "persons")
    persons["path"] = "public_security/persons"
    for name in names:
        (meta / "contracts" / f"{name}.yml").write_text(
            yaml.safe_dump({**base, "source": name, "entities": [persons]}, allow_unicode=True))
    monkeypatch.setenv("CITYLAKE_METADATA_DIR", str(meta))
    clear_cache()
    yield reload_settings(), names
    for name in names:
        for schema in ("bronze", "silver", "quarantine"):
            spark.sql(f"DROP TABLE IF EXISTS {schema}.{name}__persons")
        spark.sql(f"DELETE FROM ops.batch_log WHERE source = '{name}'")
    monkeypatch.delenv("CITYLAKE_METADATA_DIR")
    clear_cache()
    reload_settings()


def _silver_in_subprocess(source: str) -> subprocess.Popen[bytes]:  # noqa: D103
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
    """What two tables of the same rows share: each table encrypts with its own data key,
    so compare tokens, clear columns and the change hash, not ciphertext."""
    cols = "citizen_id_token, gender, birth_date, registered_address, is_current, valid_from, _row_hash"
    return sorted(tuple(r) for r in spark.sql(f"SELECT {cols} FROM {table}").collect())


@pytest.mark.parametrize("kill_at", ["plan written", "quarantine committed"])
def test_a_silver_write_killed_half_way_recovers_exactly(two_copies_of_persons: tuple[Settings, tuple[str, str]], spark,  # type: ignore[no-untyped-def]
                                                         kill_at: str) -> None:
    from citylake import pipeline

    settings, (crash, ref) = two_copies_of_persons
    for name in (crash, ref):
        pipeline.bronze(name, "persons", DAY0, settings)
    pipeline.silver(ref, "persons", DAY0, settings)

    staging = lake(settings).child("_staging", "silver", f"silver.{crash}__persons")
    if kill_at == "plan written":
        ready = lambda: any(d.child("_SUCCESS").exists() for d in staging.list_dirs())  # noqa: E731
    else:
        ready = lambda: (spark.catalog.tableExists(f"quarantine.{crash}__persons")  # noqa: E731
                         and spark.sql(f"DESCRIBE HISTORY quarantine.{crash}__persons").count() > 1)
    killed = _kill_when(_silver_in_subprocess(crash), ready)
    assert killed, "the silver run finished before it could be killed"

    report = pipeline.silver(crash, "persons", DAY0, settings)  # the re-run
    again = pipeline.silver(crash, "persons", DAY0, settings)   # and once more: nothing left to do
    assert again["batches"] == []
    assert _content(spark, f"silver.{crash}__persons") == _content(spark, f"silver.{ref}__persons")
    assert (spark.table(f"quarantine.{crash}__persons").count()
            == spark.table(f"quarantine.{ref}__persons").count() > 0)
    recon = spark.sql(f"SELECT * FROM ops.batch_reconciliation WHERE source = '{crash}'").collect()
    assert [r["balanced"] for r in recon] == [True]
    silver_records = spark.sql(f"SELECT count(*) FROM ops.batch_log WHERE source = '{crash}' AND stage = 'silver'").collect()[0][0]
    assert silver_records == 1
    assert report["accepted"] + report["quarantined"] + report["duplicate"] == recon[0]["rows_bronze"]
