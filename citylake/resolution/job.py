"""The resolution job: silver mentions → Splink → ``silver.person_xref`` / ``silver.org_xref``.

What an Airflow task, ``citylake resolve`` and the tests call. Re-running on unchanged
silver writes nothing (the new cross-reference is compared with the stored one first), so
the tables' Delta history shows real changes only.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from citylake.resolution import backends
from citylake.resolution.city_codes import issue_city_codes
from citylake.resolution.linkage import LinkResult, link
from citylake.resolution.mentions import ORG_COLUMNS, PERSON_COLUMNS, org_mentions, person_mentions
from citylake.resolution.models import Model, org_model, person_model
from citylake.settings import Settings, get_settings
from citylake.spark import ensure_schemas, get_spark

log = logging.getLogger(__name__)

META = ("unique_id", "source_table", "role", "record_key", "record_day")
XREF_TABLES = {"person": "silver.person_xref", "org": "silver.org_xref"}
KEY_COLUMNS = {"person": "person_key", "org": "org_key"}


@dataclass
class KindReport:
    table: str
    mentions: int
    profiles: int
    clusters: int
    pairs: int
    written: bool
    timings: dict[str, float] = field(default_factory=dict)
    charts: list[str] = field(default_factory=list)


def reports_dir(settings: Settings) -> Path:
    return settings.home / "reports" / "resolution"


def with_profiles(mentions: DataFrame, features: list[str]) -> DataFrame:
    """Mentions with ``profile_id``: a hash of their linkage features (see ``linkage``)."""
    parts = [F.coalesce(F.col(c).cast("string"), F.lit("\u0000")) for c in features]
    return mentions.withColumn("profile_id", F.sha2(F.concat_ws("\u0001", *parts), 256))


def profiles_of(mentions: DataFrame, features: list[str]) -> DataFrame:
    return (mentions.groupBy("profile_id", *features).agg(F.count(F.lit(1)).alias("n_mentions"))
            .withColumnRenamed("profile_id", "unique_id"))


def _model(kind: str) -> tuple[Model, list[str]]:
    if kind == "person":
        return person_model(), [c for c in PERSON_COLUMNS if c not in META]
    return org_model(), [c for c in ORG_COLUMNS if c not in META]


def _mentions(spark: SparkSession, settings: Settings, kind: str) -> DataFrame:
    return person_mentions(spark, settings) if kind == "person" else org_mentions(spark, settings)


def resolve_kind(spark: SparkSession, settings: Settings, kind: str, backend: str | None = None,
                 write: bool = True, charts: bool = True) -> tuple[KindReport, DataFrame]:
    """Link one kind of entity; returns the report and the cross-reference DataFrame."""
    backend = backend or settings.gold.resolution_backend
    model, features = _model(kind)
    t0 = time.perf_counter()
    mentions = with_profiles(_mentions(spark, settings, kind), features).persist()
    profiles = profiles_of(mentions, features)
    n_mentions = mentions.count()
    if backend == "duckdb":
        profiles, api = profiles.toPandas(), backends.duckdb_api()
        n_profiles = len(profiles)
    else:
        profiles, api = profiles.persist(), backends.spark_api(spark)
        n_profiles = profiles.count()
    prepare_s = time.perf_counter() - t0
    threshold = settings.gold.person_threshold if kind == "person" else settings.gold.org_threshold
    result: LinkResult = link(model, profiles, api, threshold, settings.gold.em_sample, settings.gold.u_max_pairs,
                              settings.gold.seed, reports_dir(settings) if charts else None)
    xref = _xref(spark, mentions, result, kind)
    written = write_if_changed(spark, xref, XREF_TABLES[kind]) if write else False
    if write:  # the server keeps no copy between runs (a caller of write=False may still read xref)
        mentions.unpersist()
        if backend != "duckdb":
            profiles.unpersist()
    report = KindReport(XREF_TABLES[kind], n_mentions, n_profiles, int(result.clusters["cluster_key"].nunique()),
                        result.pairs, written, {"prepare_s": prepare_s, **result.timings},
                        [str(p) for p in result.charts])
    log.info("%s: %d mentions, %d profiles, %d clusters, %d scored pairs; %s", report.table, n_mentions,
             n_profiles, report.clusters, report.pairs, "written" if written else "unchanged")
    return report, xref


def _xref(spark: SparkSession, mentions: DataFrame, result: LinkResult, kind: str) -> DataFrame:
    clusters = spark.createDataFrame(result.clusters[["profile_id", "cluster_key", "match_probability"]])
    key = KEY_COLUMNS[kind]
    key_expr = (F.substring(F.sha2(F.concat(F.lit("person|"), F.col("cluster_key")), 256), 1, 32)
                if kind == "person" else F.col("cluster_key"))
    identifier = "id_token" if kind == "person" else "credit_code"
    return (mentions.join(clusters, "profile_id", "left")
            .select(key_expr.alias(key), "source_table", "role", "record_key", identifier,
                    F.col("match_probability").cast("double").alias("match_probability")))


def write_if_changed(spark: SparkSession, df: DataFrame, table: str) -> bool:
    """Overwrite ``table`` with ``df`` unless they hold the same rows; True if written."""
    if spark.catalog.tableExists(table):
        old = spark.table(table)
        if old.columns == df.columns and df.exceptAll(old).limit(1).count() == 0 \
                and old.exceptAll(df).limit(1).count() == 0:
            return False
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(table)
    return True


def run_resolution(settings: Settings | None = None, backend: str | None = None) -> dict[str, Any]:
    """Resolve people and organisations of silver; a small report (safe for XCom)."""
    settings = settings or get_settings()
    spark = get_spark(settings)
    ensure_schemas(spark, settings)
    out: dict[str, Any] = {}
    for kind in ("person", "org"):
        report, _ = resolve_kind(spark, settings, kind, backend)
        out[kind] = report.__dict__
    t0 = time.perf_counter()
    out["city_codes_issued"] = issue_city_codes(spark, settings, XREF_TABLES["person"])
    log.info("city codes: %d issued in %.1f s", out["city_codes_issued"], time.perf_counter() - t0)
    return out
