"""The code tables as lake tables: ``standards.code_tables`` and ``standards.code_lookup``.

Analysts and dbt join codes to names through ``standards.code_tables``; silver maps
delivered values (a code, a name, an alias, in any width or case) to codes with a
broadcast join on ``standards.code_lookup`` rather than with literal maps in every
query, which made each silver plan megabytes large and looked names up by linear scan.
The tables are rewritten only when the CSVs change (their digest is a table property).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from pyspark.sql import SparkSession

from citylake.standards import standards_dir
from citylake.standards.code_tables import list_code_tables, load_code_table
from citylake.standards.text import lookup_key

CODE_TABLES = "standards.code_tables"
CODE_LOOKUP = "standards.code_lookup"
#: The pseudo-table of birthplace codes a citizen ID may carry (current and historical divisions).
BIRTHPLACE = "birthplace"
_DIGEST = "citylake.standards_digest"


def standards_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((standards_dir() / "code_tables").glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def code_table_rows() -> list[tuple[Any, ...]]:
    rows = []
    for table_id in list_code_tables():
        table = load_code_table(table_id)
        for row in table.rows:
            rows.append((table_id, row["code"], row["name"], row.get("name_en") or None,
                         row.get("parent_code") or None, row.get("level") or None))
    return rows


def lookup_rows() -> list[tuple[str, str, str | None, bool]]:
    """(table, key, code, ambiguous): every code, name and alias in its lookup form."""
    rows: list[tuple[str, str, str | None, bool]] = []
    for table_id in list_code_tables():
        table = load_code_table(table_id)
        seen: set[str] = set()
        for code in table.codes:
            key = lookup_key(code)
            rows.append((table_id, key, code, False))
            seen.add(key)
        for key, codes in table.names.items():
            if key in seen:
                continue
            rows.append((table_id, key, codes[0] if len(codes) == 1 else None, len(codes) > 1))
    places = set(load_code_table("admin_division").codes) | set(load_code_table("admin_division_history").codes)
    rows += [(BIRTHPLACE, code, code, False) for code in sorted(places)]
    return rows


def publish_standards(spark: SparkSession) -> bool:
    """Write the code tables into the lake if their CSVs changed; True if it wrote. The
    lookup table is cached in the server, where every silver job joins it."""
    for attempt in range(3):
        try:
            written = _write_if_changed(spark)
            break
        except Exception:  # another task published at the same moment: look again
            if attempt == 2:
                raise
            time.sleep(1 + attempt)
    spark.table(CODE_LOOKUP).cache()
    return written


def _write_if_changed(spark: SparkSession) -> bool:
    digest = standards_digest()
    spark.sql("CREATE DATABASE IF NOT EXISTS standards")
    if spark.catalog.tableExists(CODE_LOOKUP):
        props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {CODE_LOOKUP}").collect()}
        if props.get(_DIGEST) == digest:
            return False
    tables = spark.createDataFrame(code_table_rows(), "table_id string, code string, name string, name_en string, "
                                                      "parent_code string, level string")
    lookup = spark.createDataFrame(lookup_rows(), "table_id string, key string, code string, ambiguous boolean")
    tables.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(CODE_TABLES)
    lookup.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(CODE_LOOKUP)
    for name in (CODE_TABLES, CODE_LOOKUP):
        spark.sql(f"ALTER TABLE {name} SET TBLPROPERTIES ('{_DIGEST}' = '{digest}')")
    return True
