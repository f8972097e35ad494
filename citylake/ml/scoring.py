"""Batch scoring into ``gold.person_model_scores`` / ``gold.enterprise_model_scores``.

One Delta table per entity kind, one row per (entity, model): the score, whether it
reaches the model's threshold (``tagged``), the threshold and the model version. The tag
models of dbt (``person_tags``, ``enterprise_tags``) read them as sources and turn the
tagged rows into tags with their ``model_version``.

Scores are rounded to six decimals, and a model's rows are rewritten only when they
differ from what the table holds: scoring the same gold with the same model adds no Delta
version (a re-run of the gold DAG changes nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from citylake.ml import store
from citylake.ml.models import KEYS, ModelSpec
from citylake.settings import Settings

log = logging.getLogger(__name__)

SCORE_TABLES = {"person": "person_model_scores", "enterprise": "enterprise_model_scores"}
#: Digits a score keeps: far below any decision, and stable across runs.
DIGITS = 6


def scores_table(settings: Settings, entity: str) -> str:
    return f"{settings.gold.dbt_schema}.{SCORE_TABLES[entity]}"


def table_ddl(entity: str) -> str:
    return (f"{KEYS[entity]} STRING NOT NULL, model STRING NOT NULL, model_version STRING NOT NULL, "
            "score DOUBLE NOT NULL, tagged BOOLEAN NOT NULL, threshold DOUBLE NOT NULL")


def ensure_score_tables(spark: Any, settings: Settings) -> None:
    """Create the (empty) score tables, so readers find them before the first scoring."""
    for entity in SCORE_TABLES:
        spark.sql(f"CREATE TABLE IF NOT EXISTS {scores_table(settings, entity)} ({table_ddl(entity)}) USING delta "
                  "COMMENT 'Model scores of citylake.ml: one row per entity and model'")


@dataclass(frozen=True)
class ScoreReport:
    model: str
    version: str
    table: str
    rows: int
    tagged: int
    written: bool

    def summary(self) -> dict[str, Any]:
        return self.__dict__.copy()


def score_frame(spec: ModelSpec, model: store.StoredModel, features: pd.DataFrame) -> pd.DataFrame:
    """Rows of the score table for ``features`` (in key order)."""
    pipeline = model.load()
    columns = model.card["features"]["numeric"] + model.card["features"]["categorical"]
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise store.ModelMissing(f"model {spec.name} {model.version} reads columns gold no longer gives ({missing}): "
                                 f"train it again (`citylake ml train --model {spec.name}`)")
    ordered = features.sort_values(spec.key, kind="stable").reset_index(drop=True)
    proba = pipeline.predict_proba(ordered[columns])[:, 1] if len(ordered) else np.zeros(0)
    score = np.round(proba.astype(float), DIGITS)
    threshold = round(float(model.card["threshold"]), DIGITS)
    return pd.DataFrame({spec.key: ordered[spec.key].astype(str), "model": spec.name, "model_version": model.version,
                         "score": score, "tagged": score >= threshold, "threshold": threshold})


def _same(old: pd.DataFrame, new: pd.DataFrame, key: str) -> bool:
    if len(old) != len(new):
        return False
    a = old[list(new.columns)].sort_values(key, kind="stable").reset_index(drop=True)
    b = new.sort_values(key, kind="stable").reset_index(drop=True)
    return bool((a[key].astype(str).to_numpy() == b[key].to_numpy()).all()
                and (a["model_version"].astype(str).to_numpy() == b["model_version"].to_numpy()).all()
                and np.array_equal(a["score"].to_numpy(dtype=float), b["score"].to_numpy(dtype=float))
                and np.array_equal(a["tagged"].to_numpy(dtype=bool), b["tagged"].to_numpy(dtype=bool))
                and np.array_equal(a["threshold"].to_numpy(dtype=float), b["threshold"].to_numpy(dtype=float)))


def write_scores(spark: Any, settings: Settings, spec: ModelSpec, frame: pd.DataFrame) -> bool:
    """Replace the model's rows of its score table, unless they are the same; True if written."""
    table = scores_table(settings, spec.entity)
    ensure_score_tables(spark, settings)
    old = spark.table(table).where(f"model = '{spec.name}'").toPandas()
    if _same(old, frame, spec.key):
        return False
    rows = spark.createDataFrame(frame, schema=table_ddl(spec.entity))
    (rows.write.format("delta").mode("overwrite").option("replaceWhere", f"model = '{spec.name}'")
     .saveAsTable(table))
    return True


def score_model(spark: Any, settings: Settings, spec: ModelSpec, features: pd.DataFrame | None = None) -> ScoreReport:
    """Score gold's current population with the model's current version (``features``: the
    frame of ``spec.load`` when the caller read it already)."""
    model = store.require_current(settings, spec.name)
    if features is None:
        features, _ = spec.load(spark, settings)
    frame = score_frame(spec, model, features)
    written = write_scores(spark, settings, spec, frame)
    report = ScoreReport(spec.name, model.version, scores_table(settings, spec.entity), len(frame),
                         int(frame["tagged"].sum()), written)
    log.info("%s %s: %d scored, %d tagged, %s", spec.name, model.version, report.rows, report.tagged,
             "written" if written else "unchanged")
    return report
