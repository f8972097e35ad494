"""Training one model: gold features, labels, the AutoML, a model card, the stored version.

The version is the hash of the inputs (``store.content_version``), so training again on
an unchanged gold with the same settings finds its version on disk and does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from citylake.ml import automl, store
from citylake.ml.card import ratios, render_markdown
from citylake.ml.models import ModelSpec
from citylake.settings import Settings

log = logging.getLogger(__name__)
LIBRARIES = ("scikit-learn", "numpy", "pandas", "joblib")


@dataclass(frozen=True)
class TrainOutcome:
    model: store.StoredModel
    trained: bool          # False: the same inputs had made this version already

    def summary(self) -> dict[str, Any]:
        card = self.model.card
        return {"model": self.model.name, "version": self.model.version, "trained": self.trained,
                "estimator": card["chosen"]["estimator"], "holdout_roc_auc": round(card["holdout"]["roc_auc"], 4),
                "baseline_roc_auc": round(card["baseline"]["roc_auc"], 4),
                "holdout_average_precision": round(card["holdout"]["average_precision"], 4),
                "baseline_average_precision": round(card["baseline"]["average_precision"], 4),
                "path": str(self.model.path)}


def labelled_frame(features: pd.DataFrame, labels: pd.DataFrame, key: str) -> pd.DataFrame:
    """Feature rows that have a label, in key order, with a ``label`` column."""
    merged = features.merge(labels.rename(columns={"key": key}), on=key, how="inner")
    return merged.sort_values(key, kind="stable").reset_index(drop=True)


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in LIBRARIES}


def input_version(spec: ModelSpec, data: pd.DataFrame, settings: Settings) -> str:
    """Hash of the labelled rows, the feature set, the search and the library versions."""
    ml = settings.ml
    cols = [spec.key, *spec.features.columns, "label"]
    rows = pd.util.hash_pandas_object(data[cols], index=False).to_numpy().tobytes()
    search = repr([(c.name, repr(c.make(ml.seed)), sorted(c.grid.items())) for c in automl.CANDIDATES]).encode()
    conf = repr((spec.name, spec.features, ml.seed, ml.cv_folds, ml.holdout_share, automl.SELECTION_METRIC,
                 sorted(_versions().items()))).encode()
    return store.content_version([rows, search, conf])


def _subgroup(spec: ModelSpec, data: pd.DataFrame, result: automl.TrainingResult) -> dict[str, Any] | None:
    if spec.subgroup is None:
        return None
    name, column, value = spec.subgroup
    index = result.extra["test_index"]
    mask = data.loc[index, column].to_numpy() == value
    y, p = result.extra["test_labels"][mask], result.extra["test_proba"][mask]
    auc = float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else None
    return {"name": name, "rows": int(mask.sum()), "positives": int(np.sum(y)), "roc_auc": auc}


def _rounded(value: Any, digits: int = 6) -> Any:
    """Floats to ``digits`` decimals all through the card: enough for any metric, and no long
    digit runs a reader (or the leak scan) could mistake for an identifier."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, np.generic):
        return _rounded(value.item(), digits)
    return value


def build_card(spec: ModelSpec, version: str, settings: Settings, result: automl.TrainingResult, population: int,
               labelled: int, label_source: str, unmatched: int, subgroup: dict[str, Any] | None) -> dict[str, Any]:
    return _rounded({
        "name": spec.name, "version": version, "entity": spec.entity, "purpose": spec.purpose,
        "population": spec.population, "label_source": label_source,
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "seed": settings.ml.seed, "threshold": result.threshold,
        "data": {"population_rows": population, "labelled_rows": labelled, "unmatched_truth": unmatched,
                 "positives": result.sizes["positives"], "train_rows": result.sizes["train"],
                 "holdout_rows": result.sizes["holdout"], "train_positives": result.sizes["train_positives"],
                 "holdout_positives": result.sizes["holdout_positives"], "holdout_share": settings.ml.holdout_share},
        "chosen": {"estimator": result.chosen, "params": result.chosen_params},
        "cv": {"folds": result.folds, "selection_metric": automl.SELECTION_METRIC, "candidates": result.cv},
        "holdout": result.holdout, "baseline": result.baseline, "ratios": ratios(result.holdout, result.baseline),
        "subgroup": subgroup,
        "features": {"numeric": list(spec.features.numeric), "categorical": list(spec.features.categorical),
                     "tables": list(spec.tables)},
        "leakage_notes": list(spec.leakage_notes),
        "libraries": _versions(), "training_seconds": round(result.seconds, 1),
    })


def train_model(spark: Any, settings: Settings, spec: ModelSpec,
                loaded: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> TrainOutcome:
    """Train ``spec`` on gold and its labels, unless this exact input made a version already.
    ``loaded``: the (features, keys) of ``spec.load`` when the caller read them already."""
    features, keys = loaded if loaded is not None else spec.load(spark, settings)
    labels = spec.labels(settings, keys)
    data = labelled_frame(features, labels.frame, spec.key)
    version = input_version(spec, data, settings)
    found = store.existing(settings, spec.name, version)
    if found is not None:
        store.set_current(settings, spec.name, version)
        log.info("%s: version %s already trained on these inputs", spec.name, version)
        return TrainOutcome(found, trained=False)
    result = automl.train(data[spec.features.columns], data["label"], spec.features, seed=settings.ml.seed,
                          folds=settings.ml.cv_folds, holdout=settings.ml.holdout_share)
    card = build_card(spec, version, settings, result, population=len(features), labelled=len(data),
                      label_source=labels.source, unmatched=labels.unmatched, subgroup=_subgroup(spec, data, result))
    saved = store.save(settings, spec.name, version, result.pipeline, card, render_markdown(card))
    log.info("%s: trained version %s (%s), held-out ROC AUC %.3f vs baseline %.3f", spec.name, version, result.chosen,
             result.holdout["roc_auc"], result.baseline["roc_auc"])
    return TrainOutcome(saved, trained=True)
