"""Per-role views: one schema ``secure_<role>`` per role, one view per table it may read.

A view is named ``secure_<role>.<schema>__<table>`` (``secure_analyst.gold__dim_person``):
the layer stays visible in the name and two layers' tables never collide. It selects
the table's columns in order, as stored up to the role's clear grade, masked above it
(``masking``), token columns as they are (pseudonymous join keys), and filters the rows
of a tenant to its sources and divisions.

It fails closed: a column with no tag that is not one of silver's own bookkeeping
columns (``_batch_id``, ``valid_from`` …) is left out, and a tenant restricted to
divisions gets no view of a table that has no division column — better no answer than
another district's rows. Views are regenerated from the tags each time (``sync``), and a
view whose table left the role's reach is dropped.

Views shape access, they do not enforce it: Spark's local catalog has no grants. The
enforcement is the SQL gateway's (Thrift server, Superset) mapping each role's group to
its ``secure_<role>`` schema only; docs/security.md says how.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from pyspark.sql import SparkSession

from citylake.security.discovery import lake_tables
from citylake.security.masking import mask_sql, quote
from citylake.security.policy import Policy, Role, view_schema
from citylake.security.tags import ColumnTag, TableSpec, is_meta_column
from citylake.settings import Settings

VIEW_MARK = "citylake.security.view"


@dataclass
class ViewPlan:
    role: str
    view: str
    table: str
    sql: str
    masked: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)
    row_filter: str | None = None
    query: str = ""  # the view's SELECT: what the role reads (published tables are written from it)


def view_name(role: str, spec: TableSpec) -> str:
    return f"{view_schema(role)}.{spec.schema}__{spec.name}"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def row_filter(role: Role, spec: TableSpec) -> tuple[bool, str | None]:
    """(whether the role sees the table at all, the SQL condition on its rows)."""
    if role.tenant is None:
        return True, None
    conditions = []
    if spec.source is not None:
        if spec.source not in role.tenant.sources:
            return False, None
    elif spec.source_column:
        conditions.append(f"{quote(spec.source_column)} IN ({_in_list(role.tenant.sources)})")
    else:
        return False, None  # a table of no known department: not a tenant's
    if role.tenant.divisions:
        if not spec.division_column:
            return False, None
        div = quote(spec.division_column)
        prefixes = " OR ".join(f"substring(CAST({div} AS STRING), 1, {len(p)}) = '{p}'" for p in role.tenant.divisions)
        conditions.append(f"({prefixes})")
    return True, " AND ".join(conditions) or None


def column_sql(role: Role, name: str, tag: ColumnTag | None) -> tuple[str | None, bool]:
    """(select expression, masked?) of one column; None leaves the column out."""
    if tag is None:
        return (quote(name), False) if is_meta_column(name) else (None, False)
    if tag.kind == "token":
        return (quote(name), False) if role.show_tokens else (None, False)
    if tag.grade <= role.clear_max_grade:
        return quote(name), False
    return f"{mask_sql(tag.kind, name, tag.type)} AS {quote(name)}", True


def plan_view(role_name: str, role: Role, spec: TableSpec, columns: list[str]) -> ViewPlan | None:
    """The view of one table for one role, or None if the role does not see it."""
    if spec.schema not in role.layers:
        return None
    visible, where = row_filter(role, spec)
    if not visible:
        return None
    plan = ViewPlan(role_name, view_name(role_name, spec), spec.qualified, "", row_filter=where)
    selects = []
    for name in columns:
        expr, masked = column_sql(role, name, spec.tag(name))
        if expr is None:
            plan.omitted.append(name)
            continue
        selects.append(expr)
        if masked:
            plan.masked.append(name)
    if not selects:
        return None
    plan.query = f"SELECT {', '.join(selects)} FROM {spec.qualified}" + (f" WHERE {where}" if where else "")
    plan.sql = f"CREATE OR REPLACE VIEW {plan.view} TBLPROPERTIES ('{VIEW_MARK}' = '{role_name}') AS {plan.query}"
    return plan


def sync_views(spark: SparkSession, settings: Settings, policy: Policy, specs: Iterable[TableSpec],
               roles: Iterable[str] | None = None) -> list[ViewPlan]:
    """Create or replace every role's views of the tables that exist; drop views of ours that
    no longer have a table in reach."""
    specs = list(specs)
    present = set(lake_tables(spark, sorted({s.schema for s in specs})))
    existing_tables = {s for s in specs if (s.schema, s.name) in present}
    plans: list[ViewPlan] = []
    for role_name in roles or sorted(policy.roles):
        role = policy.role(role_name)
        schema = view_schema(role_name)
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema} LOCATION '{settings.lake}/{schema}'")
        mine = []
        for spec in sorted(existing_tables, key=lambda s: s.qualified):
            plan = plan_view(role_name, role, spec, spark.table(spec.qualified).columns)
            if plan is not None:
                spark.sql(plan.sql)
                mine.append(plan)
        wanted = {p.view.split(".", 1)[1] for p in mine}
        for table in spark.catalog.listTables(dbName=schema):
            if table.tableType == "VIEW" and not table.isTemporary and table.name not in wanted:
                spark.sql(f"DROP VIEW IF EXISTS {schema}.{table.name}")
        plans += mine
    return plans


def refresh_views(spark: SparkSession, settings: Settings, policy: Policy | None = None,
                  roles: Iterable[str] | None = None, scan_first: Iterable[str] = ("gold", "published")) -> list[ViewPlan]:
    """Every role's views after the pipeline ran: tables without a contract (gold, published)
    are scanned first so that each of their columns has tags — a column the scan never saw
    is left out of every view — then the views are regenerated from the tags."""
    from citylake.security.discovery import scan
    from citylake.security.policy import load_policy, policy_path
    from citylake.security.specs import lake_specs

    policy = policy or load_policy(policy_path(settings.metadata_dir))
    schemas = list(scan_first)
    if schemas and lake_tables(spark, schemas):
        scan(spark, settings, schemas=schemas)
    return sync_views(spark, settings, policy, lake_specs(spark, settings), roles)
