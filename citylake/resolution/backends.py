"""Splink's database API for the backend settings choose: DuckDB (default) or Spark.

DuckDB links in this process: on one machine it was about 15x faster than Splink's Spark
backend (shared/NOTES.md). Spark is for data that needs a cluster; Splink's similarity
functions (Jaro-Winkler …) are Scala UDFs in a jar shipped with its wheel, registered
here explicitly — Splink only warns when they are missing and every comparison using
them then fails later, far from the cause.
"""

from __future__ import annotations

from typing import Any

from citylake.errors import CitylakeError


def duckdb_api() -> Any:
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    return DuckDBAPI(connection=con)


def spark_api(spark: Any) -> Any:
    """SparkAPI on ``spark`` with the similarity jar loaded and its UDFs registered.

    Over Spark Connect the jar is shipped as a session artifact, and lineage is broken by
    ``persist`` (Splink's default touches ``_jsc``, which a Connect session does not have)."""
    from splink import SparkAPI
    from splink.backends.spark import similarity_jar_location
    from splink.internals.spark.jar_location import get_scala_udfs

    connect = type(spark).__module__.startswith("pyspark.sql.connect")
    if connect:
        spark.addArtifacts(similarity_jar_location())
    api = SparkAPI(spark_session=spark, break_lineage_method="persist" if connect else None,
                   register_udfs_automatically=False)
    try:
        for name, class_name, return_type in get_scala_udfs():
            spark.udf.registerJavaFunction(name, class_name, return_type)
    except Exception as exc:  # noqa: BLE001 - a missing jar shows as several exception types
        raise CitylakeError(f"Splink's similarity functions could not be registered ({type(exc).__name__}): "
                            f"add {similarity_jar_location()} to the session's jars") from exc
    return api
