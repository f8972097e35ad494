"""Run metrics (统一运维): rows and duration of every pipeline task, in ``ops.run_metrics``.

Stages call ``record_run_metric`` (or wrap their work in ``measure``) so the quality page
can show what ran, how long it took and how many rows it moved, next to the quality it
produced. The DAG and task come from the environment Airflow sets for a task
(``AIRFLOW_CTX_*``); outside Airflow they are empty. Recording is one Delta append;
a failure to record is logged and never fails the stage.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from citylake.quality.ops_tables import RUN_METRICS, append

log = logging.getLogger(__name__)


@dataclass
class Measured:
    """What a measured block reports: set ``rows`` inside the block."""

    rows: int | None = None
    status: str = "success"


def record_run_metric(spark: Any, stage: str, source: str | None, entity: str | None, day: dt.date | None,
                      rows: int | None, seconds: float, status: str = "success",
                      started_at: dt.datetime | None = None, run_id: str | None = None) -> None:
    """Append one task's figures to ``ops.run_metrics``."""
    finished = dt.datetime.now(dt.timezone.utc)
    row = {
        "run_id": run_id or os.environ.get("AIRFLOW_CTX_DAG_RUN_ID"), "dag_id": os.environ.get("AIRFLOW_CTX_DAG_ID"),
        "task_id": os.environ.get("AIRFLOW_CTX_TASK_ID"), "stage": stage, "source": source, "entity": entity,
        "day": day, "rows": rows, "seconds": round(float(seconds), 3), "status": status,
        "started_at": started_at or finished - dt.timedelta(seconds=seconds), "finished_at": finished,
    }
    try:
        append(spark, RUN_METRICS, [row])
    except Exception as exc:  # metrics are for people; the stage's own outcome matters more
        log.warning("run metric of %s %s.%s not recorded: %s", stage, source, entity, str(exc).splitlines()[0][:200])


@contextmanager
def measure(spark: Any, stage: str, source: str | None, entity: str | None, day: dt.date | None) -> Iterator[Measured]:
    """Time a block and record it, as failed if it raises (the exception goes on)."""
    measured = Measured()
    started_at = dt.datetime.now(dt.timezone.utc)
    started = time.monotonic()
    try:
        yield measured
    except BaseException:
        measured.status = "failed"
        raise
    finally:
        record_run_metric(spark, stage, source, entity, day, measured.rows, time.monotonic() - started,
                          measured.status, started_at)
