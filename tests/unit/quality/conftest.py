"""A lake of quality records written with delta-rs, for the report's tests (no Spark).

Only tables are written: ``ops.quality_scores`` and ``ops.quality_failed_rows`` are Spark
views, which the report computes itself from ``ops.quality_results``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pytest

from citylake.quality.ops_tables import FAILED_ROW_TYPE, SCHEMAS
from citylake.settings import Settings

_TYPES = {"STRING": pa.string(), "TIMESTAMP": pa.timestamp("us", tz="UTC"), "DATE": pa.date32(), "BOOLEAN": pa.bool_(),
          "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "ARRAY<STRING>": pa.list_(pa.string()),
          "ARRAY<STRUCT>": pa.list_(pa.struct([("rule", pa.string()), ("column", pa.string()), ("severity", pa.string())])),
          FAILED_ROW_TYPE: pa.list_(pa.struct([("batch_id", pa.string()), ("source_file", pa.string()),
                                               ("line", pa.int64()), ("masked_value", pa.string())]))}


def write_table(lake: Path, table: str, rows: list[dict[str, Any]], columns: dict[str, str] | None = None) -> None:
    from deltalake import write_deltalake

    columns = columns or SCHEMAS[table]
    schema = pa.schema([(name, _TYPES[kind] if kind in _TYPES else pa.string()) for name, kind in columns.items()])
    data = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows], schema=schema)
    schema_name, name = table.split(".")
    write_deltalake(str(lake / schema_name / name), data, mode="append")


@pytest.fixture
def quality_lake(tmp_path: Path) -> tuple[Settings, Callable[..., None]]:
    """Settings of an empty home, and ``write(table, rows)`` into its lake."""
    settings = Settings(home=tmp_path / "home")
    lake = Path(settings.lake)
    lake.mkdir(parents=True)
    return settings, lambda table, rows, columns=None: write_table(lake, table, rows, columns)


