"""Writing published tables: a gold model, as the contract's role may see it, into
``published.<name>_v<version>`` — a Delta table with its change data feed on.

For each contract of ``metadata/published/``:

1. **What the role sees.** The rows are the SELECT of the role's view of the gold model
   (``citylake.security.views.plan_view``: the same masks, tokens and row filters as
   ``secure_<role>.gold__<model>``), so there is one masking path, driven by the column
   tags and the policy. Gold tables have no contract: their text columns are tagged by the
   sensitive-data scan, which runs here first when the model changed since its last scan,
   and the columns a scan cannot judge (dates, doubles, booleans) by the model's ``meta``
   in the dbt project. A column with no tag is left out of the view (fail closed), and a
   contract that names it fails with the reason.
2. **What the contract says.** The view's columns are projected onto the contract's, in
   its order, and must have its types exactly; the keys must identify a row. The table in
   the lake must have the contract's schema: a changed schema under the same version is
   ``SchemaChangeError`` (a new version is a new table, beside the old one).
3. **Only what changed.** The new rows are compared with the table's; when nothing
   differs nothing is written (no Delta version). Otherwise one MERGE on the keys updates,
   inserts and deletes exactly the rows that differ, so the change data feed of that one
   version holds exactly the changed rows.

Then the manifest (``citylake.published.manifest``) is rewritten from the tables, if it
changed. A contract that fails does not stop the others; the failures are raised together
at the end, after the manifest was written for what succeeded.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

from pyspark.sql import DataFrame, SparkSession

from citylake.errors import CitylakeError
from citylake.published.contracts import (
    SCHEMA, PublishedContract, PublishedContractError, check_schema, contracts_dir, load_published_contracts,
)
from citylake.settings import Settings, get_settings

log = logging.getLogger(__name__)

#: Table properties a published table carries (besides the change data feed).
PROP_CONTRACT = "citylake.published.contract"
PROP_CONTRACT_VERSION = "citylake.published.contract_version"
PROP_FINGERPRINT = "citylake.published.fingerprint"
PROP_SOURCE = "citylake.published.source"
CDF = "delta.enableChangeDataFeed"


class PublishError(CitylakeError):
    """One or more published tables could not be written; each line says which and why."""


@dataclass
class PublishResult:
    contract: PublishedContract
    source: str
    changed: bool
    version: int
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    masked: list[str] = field(default_factory=list)

    @property
    def table(self) -> str:
        return self.contract.table

    def line(self) -> str:
        what = (f"{self.inserted} inserted, {self.updated} updated, {self.deleted} deleted" if self.changed
                else "unchanged")
        return f"{self.table} version {self.version} ({what})"


@dataclass
class PublishReport:
    results: list[PublishResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    manifest: str = ""
    entries: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly: what an Airflow task returns."""
        return {"manifest": self.manifest, "errors": self.errors,
                "tables": {r.table: {"version": r.version, "changed": r.changed, "inserted": r.inserted,
                                     "updated": r.updated, "deleted": r.deleted} for r in self.results}}


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _sql_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- what the role sees ---------------------------------------------------------------------

def stale_scans(spark: SparkSession, tables: list[str]) -> list[str]:
    """The tables changed since their latest sensitive-data scan (or never scanned)."""
    from citylake.security.discovery import LATEST_VIEW

    if not tables:
        return []
    scanned: dict[str, int] = {}
    if spark.catalog.tableExists(LATEST_VIEW):
        in_list = ", ".join(_sql_text(t) for t in tables)
        for r in spark.sql(f"""SELECT concat(schema_name, '.', table_name) AS t, max(unix_millis(scanned_at)) AS at
                               FROM {LATEST_VIEW} WHERE concat(schema_name, '.', table_name) IN ({in_list})
                               GROUP BY 1""").collect():
            scanned[r["t"]] = int(r["at"])
    stale = []
    for table in tables:
        changed = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").selectExpr("unix_millis(timestamp) AS at").first()
        if table not in scanned or (changed is not None and int(changed["at"]) > scanned[table]):
            stale.append(table)
    return stale


def refresh_tags(spark: SparkSession, settings: Settings, sources: list[str]) -> list[str]:
    """Scan the gold tables that changed since their latest scan, so that the tags the role's
    view is built from describe the gold that is there now. Returns the tables scanned."""
    from citylake.security.discovery import scan

    stale = stale_scans(spark, [s for s in sources if spark.catalog.tableExists(s)])
    if stale:
        scan(spark, settings, tables=stale)
    return stale


def source_table(settings: Settings, contract: PublishedContract) -> str:
    return f"{settings.gold.dbt_schema}.{contract.model}"


def role_view(spark: SparkSession, settings: Settings, contract: PublishedContract, source: str) -> tuple[DataFrame, Any]:
    """The rows of ``source`` as the contract's role sees them, and the view plan."""
    from citylake.security.policy import load_policy, policy_path
    from citylake.security.specs import table_spec
    from citylake.security.views import plan_view

    role = load_policy(policy_path(settings.metadata_dir)).role(contract.role)
    spec = table_spec(spark, settings, source)
    if spec is None:
        raise PublishedContractError(f"{contract.table}: {source} has no column tags (no scan, no dbt meta), so the "
                                     f"{contract.role} role sees nothing of it: run `citylake security scan --table {source}`")
    plan = plan_view(contract.role, role, spec, spark.table(source).columns)
    if plan is None:
        raise PublishedContractError(f"{contract.table}: the {contract.role} role sees nothing of {source} "
                                     f"(its layers are {', '.join(role.layers)}); publish through a role that reads it")
    return spark.sql(plan.query), plan


def contract_rows(contract: PublishedContract, view: DataFrame, plan: Any, source: str) -> DataFrame:
    """The role's rows projected onto the contract: its columns, in order, of its types."""
    types = {f.name: f.dataType.simpleString() for f in view.schema.fields}
    where = f"metadata/published/{contract.name}.yml"
    missing = [c.name for c in contract.columns if c.name not in types]
    if missing:
        left_out = [m for m in missing if m in plan.omitted]
        raise PublishedContractError(
            f"{where}: {contract.table} declares {', '.join(missing)}, which the {contract.role} role's view of {source} "
            + (f"leaves out ({', '.join(left_out)}: no tag; declare the column's sensitivity in the model's `meta` in "
               "the dbt project, or take it out of the contract with a new version)" if left_out
               else "does not have (not a column of the model)"))
    wrong = [f"{c.name} is {types[c.name]} in {source}, the contract says {c.type}"
             for c in contract.columns if types[c.name] != c.type]
    if wrong:
        raise PublishedContractError(f"{where}: {'; '.join(wrong)}. Fix the model or the contract (a new type is a new version).")
    return view.select(*[_q(c.name) for c in contract.columns])


# --- the table ------------------------------------------------------------------------------

def _properties(contract: PublishedContract, source: str) -> dict[str, str]:
    return {CDF: "true", PROP_CONTRACT: contract.name, PROP_CONTRACT_VERSION: str(contract.version),
            PROP_FINGERPRINT: contract.fingerprint, PROP_SOURCE: source}


def ensure_table(spark: SparkSession, settings: Settings, contract: PublishedContract, source: str) -> bool:
    """Create the table from the contract (columns, types, descriptions, change data feed),
    or check the one there against it. True if created."""
    props = _properties(contract, source)
    if spark.catalog.tableExists(contract.table):
        fields = spark.table(contract.table).schema.fields
        check_schema(contract, [(f.name, f.dataType.simpleString()) for f in fields], "the lake")
        current = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {contract.table}").collect()}
        missing = {k: v for k, v in props.items() if current.get(k) != v}
        if missing:  # e.g. the change data feed switched off by hand: one metadata commit puts it back
            spark.sql(f"ALTER TABLE {contract.table} SET TBLPROPERTIES ("
                      + ", ".join(f"{_sql_text(k)} = {_sql_text(v)}" for k, v in missing.items()) + ")")
        # descriptions are not the schema: an edited one is carried over (a metadata-only commit)
        for field_, column in zip(fields, contract.columns):
            if (field_.metadata or {}).get("comment") != column.description:
                spark.sql(f"ALTER TABLE {contract.table} ALTER COLUMN {_q(column.name)} COMMENT {_sql_text(column.description)}")
        if spark.sql(f"DESCRIBE DETAIL {contract.table}").first()["description"] != contract.description:
            spark.sql(f"COMMENT ON TABLE {contract.table} IS {_sql_text(contract.description)}")
        return False
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {SCHEMA} LOCATION '{settings.lake}/{SCHEMA}'")
    cols = ", ".join(f"{_q(c.name)} {c.type} COMMENT {_sql_text(c.description)}" for c in contract.columns)
    spark.sql(f"CREATE TABLE IF NOT EXISTS {contract.table} ({cols}) USING delta "
              f"COMMENT {_sql_text(contract.description)} TBLPROPERTIES ("
              + ", ".join(f"{_sql_text(k)} = {_sql_text(v)}" for k, v in props.items()) + ")")
    log.info("created %s", contract.table)
    return True


def current_version(spark: SparkSession, table: str) -> int:
    return int(spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"])


def _duplicate_keys(rows: DataFrame, keys: list[str]) -> int:
    return rows.groupBy(*[_q(k) for k in keys]).count().where("`count` > 1").count()


def merge_sql(contract: PublishedContract, target: str, source_view: str) -> str:
    """One MERGE on the keys (null-safe): rows whose other columns differ are updated, new
    keys inserted, keys gone deleted; equal rows are not touched (nor in the change feed)."""
    on = " AND ".join(f"t.{_q(k)} <=> s.{_q(k)}" for k in contract.keys)
    others = [c.name for c in contract.columns if c.name not in contract.keys]
    cols = [_q(c.name) for c in contract.columns]
    sql = f"MERGE INTO {target} t USING {source_view} s ON {on}\n"
    if others:
        same = " AND ".join(f"t.{_q(c)} <=> s.{_q(c)}" for c in others)
        sql += f"WHEN MATCHED AND NOT ({same}) THEN UPDATE SET " + ", ".join(f"t.{_q(c)} = s.{_q(c)}" for c in others) + "\n"
    sql += (f"WHEN NOT MATCHED THEN INSERT ({', '.join(cols)}) VALUES ({', '.join('s.' + c for c in cols)})\n"
            "WHEN NOT MATCHED BY SOURCE THEN DELETE")
    return sql


def write_rows(spark: SparkSession, contract: PublishedContract, rows: DataFrame, source: str) -> tuple[int, int, int] | None:
    """Bring the table to ``rows``; None when it holds them already (nothing written), else
    (inserted, updated, deleted) of the one MERGE."""
    table = spark.table(contract.table)
    if rows.exceptAll(table).unionAll(table.exceptAll(rows)).isEmpty():  # one job: nothing differs
        return None
    dupes = _duplicate_keys(rows, contract.keys)
    if dupes:
        raise PublishedContractError(f"metadata/published/{contract.name}.yml: {dupes} value(s) of the keys "
                                     f"({', '.join(contract.keys)}) occur more than once in {source}: the keys are not "
                                     "the grain. Fix the keys (a new version) or the model.")
    view = f"_published_in_{contract.table_name}"
    rows.createOrReplaceTempView(view)
    spark.conf.set("spark.databricks.delta.commitInfo.userMetadata",
                   f"citylake publish {source} -> {contract.table} (contract v{contract.version})")
    try:
        metrics = spark.sql(merge_sql(contract, contract.table, view)).first()
    finally:
        spark.conf.unset("spark.databricks.delta.commitInfo.userMetadata")
        spark.catalog.dropTempView(view)
    get = (lambda k: int(metrics[k] or 0) if metrics is not None and k in metrics.asDict() else 0)
    return get("num_inserted_rows"), get("num_updated_rows"), get("num_deleted_rows")


def publish_table(spark: SparkSession, settings: Settings, contract: PublishedContract) -> PublishResult:
    """One contract: its gold model through its role's view into its Delta table (the
    model's tags refreshed first: ``refresh_tags``)."""
    source = source_table(settings, contract)
    if not spark.catalog.tableExists(source):
        raise PublishedContractError(f"{contract.table}: its model {source} does not exist: run `citylake gold build`")
    view, plan = role_view(spark, settings, contract, source)
    rows = contract_rows(contract, view, plan, source)
    ensure_table(spark, settings, contract, source)
    counts = write_rows(spark, contract, rows, source)
    masked = [m for m in plan.masked if m in {c.name for c in contract.columns}]
    result = PublishResult(contract, source, counts is not None, current_version(spark, contract.table), masked=masked)
    if counts is not None:
        result.inserted, result.updated, result.deleted = counts
    log.info("%s", result.line())
    return result


def publish_all(settings: Settings | None = None, names: Iterable[str] | None = None,
                spark: SparkSession | None = None, raise_errors: bool = True) -> PublishReport:
    """Publish every contract (or the ``names``), then rewrite the manifest. Raises
    ``PublishError`` naming each table that failed (after the others were published)."""
    from citylake.published.manifest import write_manifest
    from citylake.spark import ensure_schemas, get_spark

    settings = settings or get_settings()
    contracts = load_published_contracts(contracts_dir(settings.metadata_dir))
    wanted = list(names) if names else sorted(contracts)
    unknown = sorted(set(wanted) - set(contracts))
    if unknown:
        raise PublishedContractError(f"no published-table contract named {', '.join(unknown)} in "
                                     f"{contracts_dir(settings.metadata_dir)}; contracts: {', '.join(sorted(contracts))}")
    spark = spark or get_spark(settings)
    ensure_schemas(spark, settings)
    report = PublishReport()
    refresh_tags(spark, settings, sorted({source_table(settings, contracts[n]) for n in wanted}))
    for name in wanted:
        try:
            report.results.append(publish_table(spark, settings, contracts[name]))
        except CitylakeError as exc:
            report.errors.append(str(exc))
            log.error("%s", exc)
    report.manifest, report.entries = write_manifest(spark, settings, contracts, report.results)
    if report.errors and raise_errors:
        raise PublishError("published tables not written:\n" + "\n".join(f"  {e}" for e in report.errors))
    return report


def published_at(spark: SparkSession, table: str) -> tuple[int, str]:
    """(Delta version, its commit time as ISO 8601 UTC) of a table."""
    row = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").selectExpr("version", "unix_millis(timestamp) AS ms").first()
    when = dt.datetime.fromtimestamp(int(row["ms"]) / 1000, tz=dt.timezone.utc)
    return int(row["version"]), when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
