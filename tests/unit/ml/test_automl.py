"""The small AutoML on synthetic data (no Spark): the CV picks among every candidate, the
chosen model beats the base-rate baseline on held-out rows, the same seed gives the same
model, and data that cannot train gives one clear error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from citylake.ml.automl import CANDIDATES, FeatureSet, TrainingDataError, TrainingResult, best_f1_threshold, train

FEATURES = FeatureSet(numeric=("x0", "x1", "x2", "x3", "x4"), categorical=("kind",))


def _data(n: int = 240, seed: int = 5) -> tuple[pd.DataFrame, pd.Series]:
    X, y = make_classification(n_samples=n, n_features=5, n_informative=3, n_redundant=0, weights=[0.8],
                               class_sep=1.2, random_state=seed)
    frame = pd.DataFrame(X, columns=list(FEATURES.numeric))
    frame["kind"] = np.where(frame["x0"] > 0, "a", "b")
    frame.loc[::9, "x1"] = np.nan          # missing values are imputed, not a crash
    frame.loc[::11, "kind"] = None
    return frame, pd.Series(y.astype(bool))


@pytest.fixture(scope="module")
def trained() -> TrainingResult:
    frame, labels = _data()
    return train(frame, labels, FEATURES, seed=11)


def test_every_candidate_is_cross_validated(trained: TrainingResult) -> None:
    expected = sum(int(np.prod([len(v) for v in c.grid.values()])) for c in CANDIDATES)
    assert len(trained.cv) == expected
    assert {row["estimator"] for row in trained.cv} == {c.name for c in CANDIDATES}
    best = max(trained.cv, key=lambda r: r["roc_auc_mean"])
    assert (trained.chosen, trained.chosen_params) == (best["estimator"], best["params"])
    assert trained.folds == 5


def test_chosen_model_beats_the_baseline_on_held_out_rows(trained: TrainingResult) -> None:
    assert trained.baseline["roc_auc"] == 0.5
    assert trained.baseline["average_precision"] == pytest.approx(trained.sizes["holdout_positives"] / trained.sizes["holdout"])
    assert trained.holdout["roc_auc"] > 0.8
    assert trained.holdout["average_precision"] > 2 * trained.baseline["average_precision"]
    assert trained.holdout["brier"] < trained.baseline["brier"]
    assert trained.holdout["f1"] > trained.baseline["f1"]
    assert trained.sizes["train"] + trained.sizes["holdout"] == trained.sizes["rows"] == 240
    assert 0 < trained.threshold < 1


def test_same_seed_same_model() -> None:
    frame, labels = _data(120)
    forest = [c for c in CANDIDATES if c.name == "random_forest"]  # the randomised candidate
    a = train(frame, labels, FEATURES, seed=3, folds=2, candidates=forest)
    b = train(frame, labels, FEATURES, seed=3, folds=2, candidates=forest)
    scores = [{k: v for k, v in row.items() if k != "fit_s"} for row in a.cv]
    assert scores == [{k: v for k, v in row.items() if k != "fit_s"} for row in b.cv]
    assert np.array_equal(a.pipeline.predict_proba(frame[FEATURES.columns]), b.pipeline.predict_proba(frame[FEATURES.columns]))
    assert a.threshold == b.threshold and a.holdout == b.holdout


@pytest.mark.parametrize("labels, message", [
    (pd.Series([False] * 40), "positives"),
    (pd.Series([True] * 3 + [False] * 37), "at least"),
    (pd.Series([0, 2] * 20), "0/1"),
    (pd.Series([True, None] * 20), "missing"),
])
def test_untrainable_labels_give_a_clear_error(labels: pd.Series, message: str) -> None:
    frame, _ = _data(40)
    with pytest.raises(TrainingDataError, match=message):
        train(frame, labels, FEATURES, seed=1)


def test_missing_feature_column_is_named() -> None:
    frame, labels = _data(60)
    with pytest.raises(TrainingDataError, match="x4"):
        train(frame.drop(columns=["x4"]), labels, FEATURES, seed=1)


def test_threshold_is_the_best_f1_cut() -> None:
    y = np.array([0, 0, 0, 1, 1, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.6, 0.65, 0.8, 0.9])
    # cut 0.35 tags 5 with 4 positives: F1 8/9, the best
    assert best_f1_threshold(y, p) == 0.35
