"""Reading the lake by table name: what exists, and running an analyst's query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from citylake.errors import CitylakeError
from citylake.settings import Settings, get_settings
from citylake.spark import SCHEMAS, get_spark


class QueryError(CitylakeError):
    """Spark rejected a query (syntax, unknown table or column)."""


@dataclass(frozen=True)
class TableInfo:
    schema: str
    name: str
    format: str

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def list_tables(settings: Settings | None = None) -> list[TableInfo]:
    """Every table in the lake's schemas, in data-flow order."""
    spark = get_spark(settings or get_settings())
    existing = {row[0] for row in spark.sql("SHOW DATABASES").collect()}
    found: list[TableInfo] = []
    for schema in SCHEMAS:
        if schema not in existing:
            continue
        for row in spark.sql(f"SHOW TABLES IN {schema}").collect():
            if row["isTemporary"]:
                continue
            found.append(TableInfo(schema, row["tableName"], _table_format(spark, schema, row["tableName"])))
    return found


def _table_format(spark: Any, schema: str, table: str) -> str:
    rows = spark.sql(f"DESCRIBE TABLE EXTENDED {schema}.{table}").collect()
    for row in rows:
        if row[0] == "Provider":
            return str(row[1])
        if row[0] == "Type" and row[1] == "VIEW":
            return "view"
    return "unknown"


def run_query(query: str, limit: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one statement; returns column names and at most ``limit`` rows."""
    from pyspark.errors import PySparkException

    spark = get_spark()
    try:
        df = spark.sql(query)
        if limit is not None:
            df = df.limit(limit)
        rows = df.collect()
    except PySparkException as exc:
        first = str(exc).strip().splitlines()[0]
        raise QueryError(f"query failed: {first}") from None
    return list(df.columns), [tuple(r) for r in rows]
