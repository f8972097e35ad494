"""A DuckDB file of views over the lake's Delta tables: the SQL endpoint Superset queries
where no Spark Thrift Server runs (the local default).

Each table a dashboard reads becomes ``<schema>.<table>`` in the file, a view
``select * from delta_scan('<lake>/<schema>/<table>')``: DuckDB reads the table's latest
Delta snapshot at query time, so the file only changes when the set of tables does. Views
that live in Spark's catalog only (``ops.quality_scores`` over ``ops.quality_results``) are
made from the same SQL that Spark runs (``citylake.quality.ops_tables.VIEWS``), translated
to DuckDB's dialect by sqlglot. Which tables are needed is read from the datasets of the
dashboards folder, physical and virtual alike, so a new chart on a new mart needs no edit here.

The file is written beside and renamed over the old one: a running Superset keeps reading
the old file through its open connections and sees the new one on the next.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from citylake.errors import ConfigError
from citylake.settings import Settings
from citylake.superset.bundle import Assets


@dataclass
class LakeViews:
    """What a refresh made: the views by name and what was missing from the lake."""

    path: Path
    views: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def referenced_tables(assets: Assets) -> list[str]:
    """``schema.table`` of every table the datasets read (virtual datasets parsed with sqlglot)."""
    import sqlglot
    from sqlglot import exp

    found: set[str] = set()
    for dataset in assets.datasets.values():
        if dataset.get("sql"):
            for table in sqlglot.parse_one(dataset["sql"], read="spark").find_all(exp.Table):
                if table.db:
                    found.add(f"{table.db}.{table.name}")
        else:
            found.add(f"{dataset['schema']}.{dataset['table_name']}")
    return sorted(found)


def delta_extension_dir() -> str:
    """Where the ``duckdb-ext-delta`` wheel put DuckDB's delta extension (DuckDB's own
    extension download is not reachable here)."""
    import duckdb_ext  # namespace package of the duckdb-ext-* wheels

    return str(Path(next(iter(duckdb_ext.__path__))) / "extensions")


def _spark_views() -> dict[str, str]:
    from citylake.quality.ops_tables import VIEWS

    return dict(VIEWS)


def refresh(settings: Settings, assets: Assets, path: Path) -> LakeViews:
    """Write the DuckDB file at ``path`` with a view per table the dashboards read."""
    import duckdb
    import sqlglot
    from sqlglot import exp

    if not settings.lake_is_local:
        raise ConfigError(f"the lake is at {settings.lake}: DuckDB reads local lakes here; point Superset at the "
                          "Spark Thrift Server instead (CITYLAKE_SUPERSET__LAKE_URI=hive://host:10000/default)")
    lake = settings.lake.removeprefix("file://")
    spark_views = _spark_views()
    result = LakeViews(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config={"extension_directory": delta_extension_dir(),
                                           "autoinstall_known_extensions": "false"})
    try:
        con.execute("load delta")

        def make(name: str) -> bool:
            if name in result.views:
                return True
            schema, table = name.split(".", 1)
            location = Path(lake) / schema / table
            con.execute(f"create schema if not exists {schema}")
            if (location / "_delta_log").is_dir():
                sql = f"select * from delta_scan('{location}')"
            elif name in spark_views:
                query = sqlglot.parse_one(spark_views[name], read="spark")
                inputs = {f"{t.db}.{t.name}" for t in query.find_all(exp.Table) if t.db}
                if not all([make(i) for i in sorted(inputs)]):
                    return False
                sql = query.sql(dialect="duckdb")
            else:
                if name not in result.missing:
                    result.missing.append(name)
                return False
            con.execute(f"create or replace view {name} as {sql}")
            result.views[name] = sql
            return True

        for name in referenced_tables(assets):
            make(name)
        # Check every view once: a broken translation fails here, not in a chart.
        for name in result.views:
            con.execute(f"select * from {name} limit 0").fetchall()
    finally:
        con.close()
    os.replace(tmp, path)
    return result
