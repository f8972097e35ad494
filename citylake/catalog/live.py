"""The live lake's tables as its catalog describes them (Spark: DESCRIBE TABLE EXTENDED).

One query per table gives columns and types, partitioning, provider, location and a
view's text — everything the catalog records about a table — in about 0.2 s over Spark
Connect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from citylake.catalog.tables import LiveColumn, LiveTable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def describe(spark: SparkSession, qualified: str) -> LiveTable | None:
    """The table ``schema.table``, or None if it does not exist."""
    if not spark.catalog.tableExists(qualified):
        return None
    schema, name = qualified.split(".", 1)
    rows = [(r[0] or "", r[1] or "", r[2]) for r in spark.sql(f"DESCRIBE TABLE EXTENDED {qualified}").collect()]
    columns, partitions, details = [], [], {}
    section = "columns"
    for key, value, comment in rows:
        if key.startswith("# Partition"):
            section = "partitions"
            continue
        if key.startswith("# Detailed"):
            section = "details"
            continue
        if key.startswith("#") or (not key and not value):
            if section == "partitions" and not key:
                section = "after"
            continue
        if section == "columns":
            columns.append(LiveColumn(key, value, comment or None))
        elif section == "partitions":
            partitions.append(key)
        elif section == "details":
            details[key] = value
    kind = "view" if details.get("Type") == "VIEW" else "table"
    return LiveTable(schema, name, columns, kind=kind, provider=details.get("Provider") or None,
                     location=details.get("Location") or None, partitions=partitions,
                     view_text=details.get("View Text") or None)


def scan(spark: SparkSession, schemas: Iterable[str] | None = None) -> list[LiveTable]:
    """Every table of the lake's schemas."""
    from citylake.spark import SCHEMAS

    existing = {row[0] for row in spark.sql("SHOW DATABASES").collect()}
    found = []
    for schema in schemas or SCHEMAS:
        if schema not in existing:
            continue
        for row in spark.sql(f"SHOW TABLES IN {schema}").collect():
            if row["isTemporary"]:
                continue
            table = describe(spark, f"{schema}.{row['tableName']}")
            if table is not None:
                found.append(table)
    return found
