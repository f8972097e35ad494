"""Test-session fixtures: an isolated citylake home and one shared Spark Connect server.

The whole run uses its own home (lake, metastore, logs) in a temporary folder and its
own server port, so tests never touch a developer's lake or a running demo. The
environment variables are set for the test process and inherited by every
subprocess the tests start, so those connect to the same server.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from citylake.settings import SOURCE_ROOT, Settings, reload_settings

# Airflow reads its configuration when first imported: point it at a private home and
# at the project's DAGs before any test imports it.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="citylake-airflow-")
os.environ.update(
    AIRFLOW_HOME=_AIRFLOW_HOME,
    AIRFLOW__CORE__DAGS_FOLDER=str(SOURCE_ROOT / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(SOURCE_ROOT / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{_AIRFLOW_HOME}/airflow.db",
    AIRFLOW__COSMOS__CACHE_DIR=f"{_AIRFLOW_HOME}/cosmos",
    # Airflow's 30 s per DAG file is for a scheduler; a test machine under load parses slower.
    AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT="180",
)

#: The generated city the pipeline tests share: small (fixed costs dominate anyway), with
#: every defect type, and one change day after the initial extract (the schema-drift day
#: moved onto it and empty part files more likely), so SCD2 changes, updates, rejected
#: files and late rows are all exercised.
CITY_PEOPLE = 1000
CITY_DAYS = 1
CITY_SEED = 20261126


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def citylake_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("citylake-home")
    env = {
        "CITYLAKE_HOME": str(home),
        "CITYLAKE_LANDING_ROOT": str(home / "city" / "landing"),
        "CITYLAKE_SPARK__REMOTE": f"sc://127.0.0.1:{free_port()}",
        "CITYLAKE_SPARK__DRIVER_MEMORY": "2g",
        "CITYLAKE_SPARK__SHUFFLE_PARTITIONS": "4",
        # Tests that build a lake to look at it (gold, security, the city's DAG runs) need
        # bronze and silver only; the tests of quality and of a new source's DAG turn the
        # quality and publish stages on (they cost tens of seconds an entity today).
        "CITYLAKE_QUALITY__IN_SOURCE_DAGS": "false",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    reload_settings()
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    reload_settings()


@pytest.fixture(scope="session")
def settings(citylake_env: dict[str, str]) -> Settings:
    return reload_settings()


@pytest.fixture(scope="session")
def spark(settings: Settings):  # type: ignore[no-untyped-def]
    """The one session of the test run: a client of the test home's Connect server."""
    from citylake.connect_server import ConnectServer
    from citylake.spark import ensure_schemas, get_spark

    server = ConnectServer(settings)
    session = get_spark(settings)
    ensure_schemas(session, settings)
    yield session
    session.stop()
    server.stop()


@pytest.fixture
def scratch_schema(spark, request: pytest.FixtureRequest) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A schema of its own for one test, dropped afterwards."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:60].lower()
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {name}")
    yield name
    spark.sql(f"DROP DATABASE IF EXISTS {name} CASCADE")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def city(settings: Settings) -> Path:
    """A generated city in the test home's landing zone; returns the folder holding
    ``landing/`` and ``ground_truth/`` (ground truth is for the tests' eyes only)."""
    from citylake.generate.city import generate_city
    from citylake.generate.config import load_config

    out = Path(settings.landing).parent
    generate_city(load_config(None, people=CITY_PEOPLE, seed=CITY_SEED, days=CITY_DAYS, db_url=None,
                              defects={"schema_drift_day": CITY_DAYS, "empty_file": 0.3}), out)
    return out


@pytest.fixture(scope="session")
def city_days(city: Path) -> list[str]:
    """The delivery days of the generated city, in order."""
    import datetime as dt

    start = dt.date(2026, 1, 1)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range(CITY_DAYS + 1)]


@pytest.fixture(scope="session")
def airflow_db(citylake_env: dict[str, str]) -> str:
    """Airflow's metadata database for dag.test(), migrated once per test run."""
    import subprocess
    import sys

    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, timeout=300)
    return os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
