"""The gold layer on the test city: silver (reused when the pipeline tests built it),
then entity resolution and ``dbt build`` once for the tests of this folder."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

#: Sources the gold layer does not read (the IoT stream: 24 micro-batches a day for nothing here).
NOT_GOLD_INPUTS = {"iot"}
#: Wall-clock seconds of the shared steps, printed at the end of the session (the brief's budget).
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="session")
def silver_lake(city: Path, city_days: list[str], spark, settings) -> Path:  # type: ignore[no-untyped-def]
    """The test city through bronze and silver. Only the initial extract is run here (gold
    needs one day); days the pipeline tests already ran are left as they are."""
    from citylake.contracts import load_contracts
    from citylake.pipeline import run_day

    t0 = time.perf_counter()
    day = city_days[0]
    sources = [s for s in load_contracts(settings.contracts_dir) if s not in NOT_GOLD_INPUTS]
    # Every source, always: a re-run skips what earlier tests already loaded (batches are
    # idempotent), and one loaded source must not pass for all of them.
    failures = [(s, o) for s, o in run_day(dt.date.fromisoformat(day), sources=sources, settings=settings)
                if isinstance(o, Exception)]
    assert not [f for f in failures if f[0].stage == "silver"], failures
    TIMINGS["silver"] = time.perf_counter() - t0
    return city


@pytest.fixture(scope="session")
def resolution(silver_lake: Path, spark, settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from citylake.resolution.job import run_resolution

    t0 = time.perf_counter()
    report = run_resolution(settings)
    TIMINGS["resolution"] = time.perf_counter() - t0
    return report


@pytest.fixture(scope="session")
def dbt_build(resolution: dict[str, Any], settings) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from citylake.gold import build

    t0 = time.perf_counter()
    result = build(settings)
    TIMINGS["dbt_build"] = time.perf_counter() - t0
    return result


@pytest.fixture(scope="session")
def ground_truth(silver_lake: Path) -> Path:
    return silver_lake / "ground_truth"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.write_line("gold fixtures: " + ", ".join(f"{k} {v:.1f} s" for k, v in TIMINGS.items()))
