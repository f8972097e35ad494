"""Runs source DAGs with dag.test() for several days, in a process of its own.

Test helper (not part of citylake): Airflow keeps its metadata database per process
(``AIRFLOW_HOME``), so tests run lanes of DAGs side by side as subprocesses and read
back the JSON this script writes: one record per DAG run with every task's state.
Usage: dag_runner.py DAG_ID[,DAG_ID…] YYYY-MM-DD[,…] RESULT.json
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time


def main(dag_ids: list[str], days: list[str], out: str) -> None:
    from airflow.dag_processing.dagbag import DagBag

    from citylake.settings import SOURCE_ROOT

    bag = DagBag(dag_folder=str(SOURCE_ROOT / "dags" / "citylake_sources.py"))
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    records = []
    for day in days:
        for dag_id in dag_ids:
            started = time.monotonic()
            logical = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc)
            run = bag.get_dag(dag_id).test(logical_date=logical)
            records.append({
                "dag_id": dag_id, "day": day, "state": str(run.state), "seconds": round(time.monotonic() - started, 1),
                "tasks": {ti.task_id: str(ti.state) for ti in run.get_task_instances()},
            })
            with open(out, "w") as fh:
                json.dump(records, fh)


if __name__ == "__main__":
    main(sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3])
