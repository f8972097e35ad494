"""A small AutoML: cross-validated choice among a few estimators, judged on held-out data.

Why this shape: the cities' label sets are small and imbalanced (a few percent of
enterprises turn abnormal, a fifth of the elderly need care), so

* the candidates are few and different in kind (a linear model, bagged trees, boosted
  trees), each with a small grid, rather than a large search that would overfit the CV;
* every candidate is scored by stratified K-fold CV on the training split only, and the
  winner is picked by mean ROC AUC (threshold-free, stable with few positives);
* the winner is then judged once on a held-out split it never saw, beside a
  ``DummyClassifier`` that predicts the base rate: the margin over that baseline is what
  says the model learnt something;
* the tag threshold is chosen on out-of-fold predictions of the training split
  (best F1), never on the held-out split.

Everything is seeded: one seed, one data set → one model, one report.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, precision_recall_curve, roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from citylake.errors import CitylakeError

#: The metric that picks the winner among candidates (threshold-free: robust to few positives).
SELECTION_METRIC = "roc_auc"
#: Fewest examples of each class the training split must hold to cross-validate at all.
MIN_PER_CLASS = 2


class TrainingDataError(CitylakeError):
    """The labelled data cannot train a model (one class only, too few positives, bad columns)."""


@dataclass(frozen=True)
class Candidate:
    """One estimator family and its small grid (parameter names without the pipeline prefix)."""

    name: str
    make: Callable[[int], Any]
    grid: dict[str, list[Any]]


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("logistic_regression",
              lambda seed: LogisticRegression(max_iter=5000, class_weight="balanced", random_state=seed),
              {"C": [0.1, 1.0]}),
    Candidate("random_forest",
              lambda seed: RandomForestClassifier(n_estimators=60, min_samples_leaf=2, class_weight="balanced_subsample",
                                                  random_state=seed, n_jobs=1),
              {"max_depth": [4, None]}),
    Candidate("hist_gradient_boosting",
              lambda seed: HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=7, early_stopping=False,
                                                          random_state=seed),
              {"learning_rate": [0.05, 0.15]}),
)


@dataclass(frozen=True)
class FeatureSet:
    """The columns a model reads: numeric ones (imputed, scaled) and categorical ones (one-hot)."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]


@dataclass
class TrainingResult:
    """The fitted pipeline of the winner and everything the model card reports about it."""

    pipeline: Pipeline
    chosen: str
    chosen_params: dict[str, Any]
    threshold: float
    cv: list[dict[str, Any]]
    holdout: dict[str, float]
    baseline: dict[str, float]
    sizes: dict[str, int]
    folds: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def preprocessor(features: FeatureSet) -> ColumnTransformer:
    """Median-imputed, scaled numbers (with a missing flag) and one-hot categories.

    Scaling is for the linear model; trees ignore it. Unknown categories at scoring time
    are ignored rather than failing a batch run.
    """
    numeric = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
                        ("scale", StandardScaler())])
    parts: list[tuple[str, Any, list[str]]] = [("num", numeric, list(features.numeric))]
    if features.categorical:
        categorical = Pipeline([("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                                ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5,
                                                         sparse_output=False))])
        parts.append(("cat", categorical, list(features.categorical)))
    return ColumnTransformer(parts, remainder="drop", verbose_feature_names_out=False)


def check_training_data(frame: pd.DataFrame, labels: pd.Series, features: FeatureSet) -> None:
    """Clear errors for data that cannot train: missing columns, non-binary or one-class labels."""
    missing = [c for c in features.columns if c not in frame.columns]
    if missing:
        raise TrainingDataError(f"the feature frame lacks the columns {missing}")
    if len(frame) != len(labels):
        raise TrainingDataError(f"{len(frame)} feature rows but {len(labels)} labels")
    if labels.isna().any():
        raise TrainingDataError(f"{int(labels.isna().sum())} labels are missing: drop unlabelled rows before training")
    values = set(pd.unique(labels.astype(int)))
    if not values <= {0, 1}:
        raise TrainingDataError(f"labels must be 0/1 (or booleans), got {sorted(values)}")
    counts = labels.astype(int).value_counts()
    fewest = int(counts.min()) if len(counts) == 2 else 0
    if fewest < 2 * MIN_PER_CLASS:
        raise TrainingDataError(
            f"{len(labels)} labelled rows with {int(counts.get(1, 0))} positives and {int(counts.get(0, 0))} negatives: "
            f"each class needs at least {2 * MIN_PER_CLASS} rows to cross-validate and hold some out (a larger city)")


def _metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    return {"roc_auc": float(roc_auc_score(y, proba)), "average_precision": float(average_precision_score(y, proba)),
            "brier": float(brier_score_loss(y, proba)), "positive_rate": float(np.mean(y))}


def _at_threshold(y: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, float]:
    tagged = proba >= threshold
    tp = float(np.sum(tagged & (y == 1)))
    precision = tp / float(tagged.sum()) if tagged.sum() else 0.0
    recall = tp / float((y == 1).sum()) if (y == 1).sum() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tagged_rate": float(tagged.mean())}


def best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The score cut with the best F1 on (out-of-fold) predictions; ties go to the higher cut."""
    precision, recall, thresholds = precision_recall_curve(y, proba)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)[:-1]
    best = np.flatnonzero(f1 == f1.max())[-1]
    return float(thresholds[best])


def train(frame: pd.DataFrame, labels: pd.Series, features: FeatureSet, seed: int, folds: int = 5,
          holdout: float = 0.25, candidates: Sequence[Candidate] = CANDIDATES) -> TrainingResult:
    """Pick the best candidate by stratified CV on a training split; evaluate it and a
    base-rate baseline on the held-out split.

    Native thread pools (OpenMP of the boosted trees, BLAS) are held to one thread: the
    fits are small, and on a shared machine extra threads spin instead of working (twelve
    times the CPU time was seen here).
    """
    check_training_data(frame, labels, features)
    with threadpool_limits(1):
        return _train(frame, labels, features, seed, folds, holdout, candidates)


def _train(frame: pd.DataFrame, labels: pd.Series, features: FeatureSet, seed: int, folds: int,
           holdout: float, candidates: Sequence[Candidate]) -> TrainingResult:
    t0 = time.perf_counter()
    X = frame[features.columns].reset_index(drop=True)
    y = labels.astype(int).to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=holdout, stratify=y, random_state=seed)
    fewest = int(min(np.bincount(y_train, minlength=2)))
    if fewest < MIN_PER_CLASS or min(np.bincount(y_test, minlength=2)) < 1:
        raise TrainingDataError(f"the training split holds {fewest} rows of its rarest class: more labelled rows needed")
    n_splits = max(2, min(folds, fewest))
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)

    rows: list[dict[str, Any]] = []
    best: tuple[float, Candidate, dict[str, Any]] | None = None
    for candidate in candidates:
        pipe = Pipeline([("prep", preprocessor(features)), ("model", candidate.make(seed))])
        grid = {f"model__{k}": v for k, v in candidate.grid.items()}
        search = GridSearchCV(pipe, grid, scoring=["roc_auc", "average_precision"], refit=False, cv=cv, n_jobs=1,
                              error_score="raise")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            search.fit(X_train, y_train)
        res = search.cv_results_
        for i, params in enumerate(res["params"]):
            plain = {k.removeprefix("model__"): v for k, v in params.items()}
            row = {"estimator": candidate.name, "params": plain,
                   "roc_auc_mean": float(res["mean_test_roc_auc"][i]), "roc_auc_std": float(res["std_test_roc_auc"][i]),
                   "average_precision_mean": float(res["mean_test_average_precision"][i]),
                   "fit_s": float(res["mean_fit_time"][i])}
            rows.append(row)
            score = row[f"{SELECTION_METRIC}_mean"]
            if best is None or score > best[0]:  # strictly better: ties keep the earlier, simpler one
                best = (score, candidate, plain)
    assert best is not None
    _, winner, params = best
    model = clone(winner.make(seed)).set_params(**params)
    pipeline = Pipeline([("prep", preprocessor(features)), ("model", model)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        oof = cross_val_predict(pipeline, X_train, y_train, cv=cv, method="predict_proba")[:, 1]
        pipeline.fit(X_train, y_train)
    threshold = best_f1_threshold(y_train, oof)

    proba = pipeline.predict_proba(X_test)[:, 1]
    dummy = DummyClassifier(strategy="prior").fit(X_train, y_train)
    base = dummy.predict_proba(X_test)[:, 1]
    holdout_metrics = {**_metrics(y_test, proba), **_at_threshold(y_test, proba, threshold)}
    # the baseline's F1 is that of tagging everyone (any cut at or under the base rate)
    baseline_metrics = {**_metrics(y_test, base), **_at_threshold(y_test, base, float(base.min()))}
    return TrainingResult(
        pipeline=pipeline, chosen=winner.name, chosen_params=params, threshold=threshold, cv=rows,
        holdout=holdout_metrics, baseline=baseline_metrics,
        sizes={"rows": len(X), "train": len(X_train), "holdout": len(X_test), "positives": int(y.sum()),
               "train_positives": int(y_train.sum()), "holdout_positives": int(y_test.sum())},
        folds=n_splits, seconds=time.perf_counter() - t0,
        extra={"test_index": X_test.index.to_numpy(), "test_proba": proba, "test_labels": y_test})
