"""A tiny source of its own for the quality tests: one contract, one delivery of 40 rows,
run through bronze → silver → quality → publish by ``pipeline.run_day``.

Its own contract (in a copy of metadata/) keeps the shared test lake's real tables out of
reach of the tests that break things on purpose, and 40 rows keep the suite's time to
Spark's fixed costs; the benchmark (benchmarks/bench_quality_recall.py) runs a whole city.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from stdnum.cn import ric

from citylake.contracts import clear_cache
from citylake.settings import SOURCE_ROOT, Settings, reload_settings

SOURCE, ENTITY = "dqtest", "readings"
TABLE = f"{SOURCE}__{ENTITY}"
DAY = dt.date(2026, 4, 1)
CONTRACT = f"""
source: {SOURCE}
department: 质检测试水务 (quality test utility)
owner: quality-tests
domain: utilities
description: Meter readings made up for the data-quality tests.
schedule: '@daily'
entities:
  - name: {ENTITY}
    title: 测试水表读数
    format: csv
    encoding: utf-8
    keys: [meter_id]
    history: upsert
    freshness_hours: 48
    schema_drift: rescue
    columns:
      - name: meter_id
        required: true
      - name: holder_id
        source_name: 户主身份证号
        element: DE.citizen_id
        sensitivity: {{personal: sensitive_personal, classification: important, grade: 4,
                      protection: encrypt_and_tokenize}}
      - name: holder_name
        element: DE.person_name
        sensitivity: {{personal: personal, classification: important, grade: 3}}
      - name: reading_m3
        type: double
        min: 0
        max: 100000
      - name: read_on
        element: DE.date
        type: date
        rules: [{{rule: date, severity: warning}}]
"""


def citizen_id(seq: int) -> str:
    body = f"110101199001{seq % 28 + 1:02d}{seq % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def delivery(n: int = 40) -> str:
    rows = ["meter_id,户主身份证号,holder_name,reading_m3,read_on"]
    rows += [f"M{i:04d},{citizen_id(i)},张{'三四五六'[i % 4]},{i * 1.5},2026-03-31" for i in range(1, n + 1)]
    rows += ["M9001,110101199001011234,李四,12.0,2026-03-31",   # wrong check digit: quarantined, seen on bronze
             "M9002,,王五,7.5,2026-03-30"]                      # no holder: allowed
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="package")
def dq_settings(settings: Settings, spark, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """The test home's settings with one more contract (``dqtest``) and its delivery; its
    tables are dropped afterwards, so later tests see the lake of the real contracts."""
    import os

    meta = tmp_path_factory.mktemp("dq-metadata")
    shutil.copytree(SOURCE_ROOT / "metadata", meta, dirs_exist_ok=True)
    (meta / "contracts" / f"{SOURCE}.yml").write_text(CONTRACT)
    folder = Path(settings.landing) / SOURCE / ENTITY / f"day={DAY.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{ENTITY}-{DAY:%Y%m%d}.csv").write_text(delivery())
    # The session's settings keep quality out of run_day (the pipeline tests' speed); this
    # source is here to go through it, so it runs all four stages.
    saved = {name: os.environ.get(name) for name in ("CITYLAKE_METADATA_DIR", "CITYLAKE_QUALITY__IN_SOURCE_DAGS")}
    os.environ["CITYLAKE_METADATA_DIR"] = str(meta)
    os.environ["CITYLAKE_QUALITY__IN_SOURCE_DAGS"] = "true"
    clear_cache()
    yield reload_settings()
    for schema in ("published", "bronze", "silver", "quarantine"):
        kind = "VIEW" if schema == "published" else "TABLE"
        spark.sql(f"DROP {kind} IF EXISTS {schema}.{TABLE}")
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    clear_cache()
    reload_settings()


@pytest.fixture(scope="package")
def dq(dq_settings: Settings) -> SimpleNamespace:
    """What the tests need to know of the test source: its names, day and settings."""
    return SimpleNamespace(source=SOURCE, entity=ENTITY, table=TABLE, day=DAY, settings=dq_settings)


@pytest.fixture(scope="package")
def first_day(dq_settings: Settings, spark) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The day run through all four stages: {stage: outcome}, plus the seconds it took."""
    import time

    from citylake import pipeline

    started = time.monotonic()
    outcomes = {step.stage: outcome for step, outcome in pipeline.run_day(DAY, [SOURCE], dq_settings)}
    outcomes["seconds"] = time.monotonic() - started
    return outcomes
