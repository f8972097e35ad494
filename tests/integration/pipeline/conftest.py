"""The generated city run through every source DAG with dag.test(), day after day.

The run is shared by the tests of this folder: it is the expensive part (two days of
ten departments), and the tests then look at the lake it left. DAGs run in a few lanes
side by side, each a process with its own Airflow database, as tasks of different DAGs
would run at once under a scheduler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

LANES = 3
RUNNER = Path(__file__).with_name("dag_runner.py")


def _run_dags(dag_ids: list[str], days: list[str], workdir: Path, lanes: int = LANES) -> list[dict[str, Any]]:
    """dag.test() every DAG for every day (days in order), DAGs spread over lanes."""
    procs = []
    for lane in range(lanes):
        mine = dag_ids[lane::lanes]
        if not mine:
            continue
        home = workdir / f"airflow-lane-{lane}"
        home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, AIRFLOW_HOME=str(home),
                   AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db")
        airflow = Path(sys.executable).parent / "airflow"
        subprocess.run([str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
        out = home / "result.json"
        log = open(home / "run.log", "w")
        procs.append((subprocess.Popen([sys.executable, str(RUNNER), ",".join(mine), ",".join(days), str(out)],
                                       env=env, stdout=log, stderr=subprocess.STDOUT), out, home, log))
    records: list[dict[str, Any]] = []
    try:
        for proc, out, home, log in procs:
            proc.wait(timeout=1800)
            log.close()
            assert proc.returncode == 0, (home / "run.log").read_text()[-4000:]
            records += json.loads(out.read_text())
    finally:  # a lane that timed out must not outlive the session (it would restart its server)
        for proc, *_ in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return records


@pytest.fixture(scope="session")
def run_dags() -> Any:
    """dag.test() DAGs for days in lanes of processes: ``run_dags(dag_ids, days, workdir, lanes=3)``."""
    return _run_dags


@pytest.fixture(scope="session")
def source_dag_ids(citylake_env: dict[str, str]) -> list[str]:
    from citylake.orchestration import source_dags

    return sorted(source_dags())


@pytest.fixture(scope="session")
def dag_runs(city: Path, city_days: list[str], spark, source_dag_ids: list[str],  # type: ignore[no-untyped-def]
             tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return _run_dags(source_dag_ids, city_days, tmp_path_factory.mktemp("dag-runs"))
