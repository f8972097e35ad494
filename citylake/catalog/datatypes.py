"""Spark SQL types, as DESCRIBE and dbt's catalog.json print them, in OpenMetadata's terms.

A column's ``dataTypeDisplay`` keeps Spark's own spelling; ``dataType`` is the nearest
OpenMetadata type, with the parts the server insists on (an ARRAY's element type, a
DECIMAL's precision and scale, a STRUCT's children).
"""

from __future__ import annotations

import re
from typing import Any

_SIMPLE = {
    "string": "STRING", "varchar": "VARCHAR", "char": "CHAR", "int": "INT", "integer": "INT",
    "bigint": "BIGINT", "long": "BIGINT", "smallint": "SMALLINT", "short": "SMALLINT", "tinyint": "TINYINT",
    "byte": "TINYINT", "double": "DOUBLE", "float": "FLOAT", "real": "FLOAT", "boolean": "BOOLEAN",
    "date": "DATE", "timestamp": "TIMESTAMP", "timestamp_ltz": "TIMESTAMP", "timestamp_ntz": "DATETIME",
    "binary": "BYTES", "void": "NULL", "geometry": "GEOMETRY", "geography": "GEOGRAPHY", "variant": "VARIANT",
    "interval": "INTERVAL",
}
_DECIMAL = re.compile(r"^(decimal|numeric)\s*(\((\d+)\s*,\s*(\d+)\))?$")


def _split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside <...> and (...)."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def base_type(spark_type: str) -> str:
    """The OpenMetadata type of a Spark type string."""
    t = spark_type.strip().lower()
    if t.startswith("array<"):
        return "ARRAY"
    if t.startswith("struct<"):
        return "STRUCT"
    if t.startswith("map<"):
        return "MAP"
    if _DECIMAL.match(t):
        return "DECIMAL"
    head = re.split(r"[<(\s]", t, maxsplit=1)[0]
    if head in ("varchar", "char"):
        return head.upper()
    return _SIMPLE.get(head, "UNKNOWN")


def om_column(name: str, spark_type: str, description: str | None = None,
              tags: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An OpenMetadata Column for a Spark column."""
    kind = base_type(spark_type)
    col: dict[str, Any] = {"name": name, "dataType": kind, "dataTypeDisplay": spark_type}
    t = spark_type.strip()
    if kind == "DECIMAL":
        m = _DECIMAL.match(t.lower())
        col["precision"], col["scale"] = (int(m.group(3)), int(m.group(4))) if m and m.group(2) else (10, 0)
    elif kind in ("VARCHAR", "CHAR"):
        m = re.search(r"\((\d+)\)", t)
        col["dataLength"] = int(m.group(1)) if m else 1
    elif kind == "ARRAY":
        inner = t[t.index("<") + 1:-1]
        col["arrayDataType"] = base_type(inner)
        if col["arrayDataType"] == "UNKNOWN":
            col["arrayDataType"] = "STRING"
    elif kind == "STRUCT":
        col["children"] = [om_column(f.split(":", 1)[0].strip().strip("`"), f.split(":", 1)[1].strip())
                           for f in _split_top(t[t.index("<") + 1:-1]) if ":" in f]
    if description:
        col["description"] = description
    if tags:
        col["tags"] = tags
    return col
