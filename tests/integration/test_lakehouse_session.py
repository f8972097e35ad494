"""The embedded lakehouse: Delta and Sedona on the shared session, and the catalog
shared by several processes at once through the one Spark Connect server."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from citylake.selfcheck import run_selfcheck

pytestmark = pytest.mark.spark


def test_delta_table_is_written_read_merged_and_time_travelled(spark, scratch_schema):
    table = f"{scratch_schema}.people"
    spark.sql(f"CREATE TABLE {table} (id BIGINT, name STRING) USING delta")
    spark.sql(f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    spark.sql(
        f"""MERGE INTO {table} t USING (SELECT * FROM VALUES (2, 'B'), (4, 'd') AS s(id, name)) s
            ON t.id = s.id
            WHEN MATCHED THEN UPDATE SET name = s.name
            WHEN NOT MATCHED THEN INSERT *"""
    )
    now = {r["id"]: r["name"] for r in spark.table(table).collect()}
    assert now == {1: "a", 2: "B", 3: "c", 4: "d"}
    history = [r["operation"] for r in spark.sql(f"DESCRIBE HISTORY {table}").orderBy("version").collect()]
    assert history == ["CREATE TABLE", "WRITE", "MERGE"]
    before = {r["id"]: r["name"] for r in spark.sql(f"SELECT * FROM {table} VERSION AS OF 1").collect()}
    assert before == {1: "a", 2: "b", 3: "c"}
    assert spark.read.option("versionAsOf", 0).table(table).count() == 0
    assert spark.sql(f"DESCRIBE DETAIL {table}").collect()[0]["format"] == "delta"


def test_sedona_functions_and_spatial_join(spark):
    area = spark.sql("SELECT ST_Area(ST_PolygonFromEnvelope(0.0, 0.0, 2.0, 3.0)) AS a").collect()[0]["a"]
    assert area == pytest.approx(6.0)
    distance = spark.sql("SELECT ST_Distance(ST_Point(0.0, 0.0), ST_Point(3.0, 4.0)) AS d").collect()[0]["d"]
    assert distance == pytest.approx(5.0)
    wkt = spark.sql("SELECT ST_AsText(ST_GeomFromWKT('POINT (116.4 39.9)')) AS w").collect()[0]["w"]
    assert wkt == "POINT (116.4 39.9)"
    spark.sql(
        """CREATE OR REPLACE TEMP VIEW districts AS
           SELECT * FROM VALUES ('west', 0.0, 0.0, 5.0, 10.0), ('east', 5.0, 0.0, 10.0, 10.0)
           AS d(name, x0, y0, x1, y1)"""
    )
    spark.sql(
        """CREATE OR REPLACE TEMP VIEW shelters AS
           SELECT * FROM VALUES (1, 1.0, 1.0), (2, 2.0, 8.0), (3, 7.0, 3.0), (4, 20.0, 20.0)
           AS s(id, x, y)"""
    )
    query = """SELECT d.name, count(*) AS n FROM districts d JOIN shelters s
               ON ST_Contains(ST_PolygonFromEnvelope(d.x0, d.y0, d.x1, d.y1), ST_Point(s.x, s.y))
               GROUP BY d.name"""
    counts = {r["name"]: r["n"] for r in spark.sql(query).collect()}
    assert counts == {"west": 2, "east": 1}
    plan = "\n".join(r[0] for r in spark.sql("EXPLAIN " + query).collect())
    assert "RangeJoin" in plan or "BroadcastIndexJoin" in plan, plan


def test_selfcheck_passes_on_the_embedded_session(spark):
    results = {r.name: r for r in run_selfcheck(spark)}
    assert all(r.ok for r in results.values()), [r.error for r in results.values() if not r.ok]
    assert results["master"].observed["master"].startswith("local")


def _python(code: str) -> subprocess.Popen[str]:
    """Another process, configured by the same CITYLAKE_* environment as this one."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str], timeout: float = 240) -> str:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return out


def test_table_created_in_another_process_is_found_by_name(spark, scratch_schema):
    _finish(_python(f"""
        from citylake.spark import get_spark
        spark = get_spark()
        spark.sql("CREATE TABLE {scratch_schema}.made_elsewhere USING delta AS SELECT id FROM range(42)")
    """))
    assert spark.table(f"{scratch_schema}.made_elsewhere").count() == 42
    spark.sql(f"CREATE TABLE {scratch_schema}.made_here USING delta AS SELECT id FROM range(7)")
    out = _finish(_python(f"""
        from citylake.spark import get_spark
        print(get_spark().table("{scratch_schema}.made_here").count())
    """))
    assert out.strip() == "7"


def test_two_processes_write_and_read_tables_at_the_same_time(spark, scratch_schema):
    def worker(me: str, other: str) -> subprocess.Popen[str]:
        return _python(f"""
            import time
            from citylake.spark import get_spark
            spark = get_spark()
            spark.sql("CREATE TABLE {scratch_schema}.{me} (round INT, id BIGINT) USING delta")
            seen = 0
            for round in range(4):
                spark.sql(f"INSERT INTO {scratch_schema}.{me} SELECT {{round}}, id FROM range(1000)")
                if spark.catalog.tableExists("{scratch_schema}.{other}"):
                    seen = max(seen, spark.table("{scratch_schema}.{other}").count())
            deadline = time.time() + 120
            while seen < 4000 and time.time() < deadline:
                if spark.catalog.tableExists("{scratch_schema}.{other}"):
                    seen = spark.table("{scratch_schema}.{other}").count()
                time.sleep(0.5)
            print(spark.table("{scratch_schema}.{me}").count(), seen)
        """)

    a, b = worker("left", "right"), worker("right", "left")
    out_a, out_b = _finish(a), _finish(b)
    assert out_a.split() == ["4000", "4000"]
    assert out_b.split() == ["4000", "4000"]
    history = spark.sql(f"DESCRIBE HISTORY {scratch_schema}.left").count()
    assert history == 5  # create + four appends, none lost
