"""The SQL endpoint, as an analyst's BI tool meets it: PyHive over the HiveServer2 protocol.

The module starts one home of its own with `citylake sql-endpoint start` (a Spark server
serving Spark Connect and the Thrift Server from one JVM, since that home's metastore is
embedded Derby), writes a gold table and the analyst's role view of it through Spark
Connect, and reads them back through the endpoint.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from pyhive import hive

from citylake.settings import Settings
from citylake.sql_endpoint import SqlEndpoint

pytestmark = [pytest.mark.spark, pytest.mark.analytics]

GOLD = "gold.zz_district_residents"
ROWS = [("420102", "张三", 3), ("420103", "李四", 5), ("420104", None, 0)]
ANALYST_VIEW = "secure_analyst.gold__zz_district_residents"


def free_port() -> int:
    """A free port below the kernel's ephemeral range: a port the kernel hands out (bind to 0)
    can be handed again to another process (a pyspark worker) before the server binds it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = random.randrange(20000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def _citylake(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "citylake"
    return subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqlEndpoint]:
    """One home with the endpoint up, started by the command users type; stopped at the end."""
    home = tmp_path_factory.mktemp("sql-endpoint-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYLAKE_")}
    env.update(
        CITYLAKE_HOME=str(home),
        CITYLAKE_SPARK__REMOTE=f"sc://127.0.0.1:{free_port()}",
        CITYLAKE_SPARK__DRIVER_MEMORY="1g",
        CITYLAKE_SPARK__SHUFFLE_PARTITIONS="2",
        CITYLAKE_SQL_ENDPOINT__PORT=str(free_port()),
    )
    settings = Settings(home=home, spark={"remote": env["CITYLAKE_SPARK__REMOTE"], "driver_memory": "1g",
                                          "shuffle_partitions": 2},
                        sql_endpoint={"port": int(env["CITYLAKE_SQL_ENDPOINT__PORT"])})
    ep = SqlEndpoint(settings)
    t0 = time.monotonic()
    started = _citylake(env, "sql-endpoint", "start")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        print(f"SQL endpoint started in {time.monotonic() - t0:.1f} s")
        status = _citylake(env, "sql-endpoint", "status", "--format", "json")
        assert status.returncode == 0, status.stdout + status.stderr
        row = json.loads(status.stdout)[0]
        assert row["up"] is True and row["jdbc_url"] == ep.jdbc_url and row["pid"] == ep.server().pid()
        again = _citylake(env, "sql-endpoint", "start")
        assert again.returncode == 0 and "already running" in again.stdout, again.stdout + again.stderr
        yield ep
    finally:
        stopped = _citylake(env, "sql-endpoint", "stop")
        assert stopped.returncode == 0 and not ep.is_up(), stopped.stdout + stopped.stderr


@pytest.fixture(scope="module")
def lake(endpoint: SqlEndpoint):  # type: ignore[no-untyped-def]
    """A gold table and the analyst's role view of it, written through Spark Connect: the
    other door of the same server."""
    from citylake.security.policy import load_policy, policy_path
    from citylake.security.tags import ColumnTag, TableSpec
    from citylake.security.views import sync_views
    from citylake.spark import ensure_schemas, get_spark

    settings = endpoint.settings
    spark = get_spark(settings)
    ensure_schemas(spark, settings)
    df = spark.createDataFrame(ROWS, "district_code string, holder_name string, residents int")
    df.write.format("delta").mode("overwrite").saveAsTable(GOLD)
    spec = TableSpec("gold", "zz_district_residents", (
        ColumnTag("district_code", grade=1, type="string"),
        ColumnTag("holder_name", kind="person_name", personal="personal", grade=3, type="string"),
        ColumnTag("residents", grade=1, type="int"),
    ), division_column="district_code")
    plans = sync_views(spark, settings, load_policy(policy_path(settings.metadata_dir)), [spec], roles=["analyst"])
    assert [p.view for p in plans] == [ANALYST_VIEW] and plans[0].masked == ["holder_name"]
    yield spark
    spark.stop()


def _query(endpoint: SqlEndpoint, sql: str, database: str = "default") -> tuple[list[str], list[tuple]]:
    with hive.connect(host=endpoint.client_host, port=endpoint.port, username="analyst", database=database) as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()
        return [d[0] for d in cursor.description], rows


def test_a_hiveserver2_client_reads_a_gold_table(endpoint, lake):
    columns, rows = _query(endpoint, "SELECT * FROM zz_district_residents WHERE district_code <= '420104' "
                                   "ORDER BY district_code", database="gold")
    assert columns == ["district_code", "holder_name", "residents"]
    assert rows == ROWS
    _, schemas = _query(endpoint, "SHOW DATABASES")
    assert {"gold", "published", "secure_analyst"} <= {s[0] for s in schemas}


def test_what_spark_connect_writes_the_endpoint_reads_at_once(endpoint, lake):
    lake.sql(f"INSERT INTO {GOLD} VALUES ('420105', '王五', 7)")
    _, rows = _query(endpoint, f"SELECT residents FROM {GOLD} WHERE district_code = '420105'")
    assert rows == [(7,)]


def test_the_analyst_schema_serves_its_masked_views(endpoint, lake):
    _, tables = _query(endpoint, "SHOW TABLES", database="secure_analyst")
    assert ANALYST_VIEW.split(".")[1] in {t[1] for t in tables}
    columns, rows = _query(endpoint, f"SELECT * FROM {ANALYST_VIEW.split('.')[1]} WHERE district_code <= '420104' "
                           "ORDER BY district_code",
                           database="secure_analyst")
    assert columns == ["district_code", "holder_name", "residents"]
    assert [r[0] for r in rows] == [r[0] for r in ROWS] and [r[2] for r in rows] == [r[2] for r in ROWS]
    names = [r[1] for r in rows]
    assert names[:2] == ["张*", "李*"] and names[2] is None, "a grade-3 name is masked for the analyst"


def test_sedona_functions_work_in_endpoint_sessions(endpoint, lake):
    _, rows = _query(endpoint, "SELECT ST_AsText(ST_Point(114.3, 30.6))")
    assert rows == [("POINT (114.3 30.6)",)]
