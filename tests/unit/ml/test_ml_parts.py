"""Pure parts of citylake.ml on tiny frames: filing features, person features, score rows
and their comparison, the model store's versions and atomic saves, the model card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from citylake.ml import store
from citylake.ml.card import ratios, render_markdown
from citylake.ml.enterprise_features import filing_features
from citylake.ml.person_features import finish_person_features
from citylake.ml.scoring import _same
from citylake.settings import Settings


def test_filing_features_of_a_declining_late_filer() -> None:
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    filings = pd.DataFrame({
        "credit_code": ["A"] * 12 + ["B"] * 4,
        "period": months + months[:4],
        "revenue": [1000.0 * 0.8 ** i for i in range(12)] + [0.0, 0.0, 500.0, 0.0],
        # A files on the 5th of the month after; B on the 20th (late)
        "filing_date": [f"2025-{m + 1:02d}-05" if m < 12 else "2026-01-05" for m in range(1, 13)]
                       + [f"2025-{m + 1:02d}-20" for m in range(1, 5)],
    })
    enterprises = pd.DataFrame({"credit_code": ["A", "B", "C"], "age_years": [5.0, 10.0, 0.5]})
    got = filing_features(filings, enterprises).set_index("credit_code")
    assert got.loc["A", "filed_share"] == 1.0 and got.loc["A", "late_share"] == 0.0
    assert got.loc["A", "revenue_trend"] < -0.1          # falling revenue
    assert got.loc["A", "months_since_last_filing"] == 0
    assert got.loc["B", "filed_share"] == pytest.approx(4 / 12)
    assert got.loc["B", "zero_share"] == 0.75 and got.loc["B", "late_share"] == 1.0
    assert got.loc["B", "months_since_last_filing"] == 8
    assert np.isnan(got.loc["B", "revenue_last_vs_first"])  # fewer than six filings
    # C: half a year old, no filing at all
    assert got.loc["C", "months_expected"] == 6 and got.loc["C", "filed_share"] == 0.0
    assert got.loc["C", "months_since_last_filing"] == 12


def test_person_features_typed_and_sorted() -> None:
    raw = pd.DataFrame({
        "person_key": ["b", "a"], "citizen_id_token": ["t2", "t1"], "age": [80, 66], "gender": ["1", None],
        "marital_status": ["30", None], "source_tables": [3, 1], "household_size": [None, 2],
        "spouses": [0, 1], "children": [None, 2], "has_disability_certificate": [True, False],
        "household_allowance": [False, None], "insurance_records": [None, 1], "has_care_assessment": [True, False],
        "care_level": [2, None], "care_subsidy": [700.0, None],
    })
    got = finish_person_features(raw)
    assert list(got["person_key"]) == ["a", "b"]
    b = got.set_index("person_key").loc["b"]
    assert b["lives_alone"] == 1.0 and b["household_size"] == 1.0   # in no registered household: alone
    assert b["is_male"] == 1.0 and b["children"] == 0.0 and b["care_level"] == 2.0
    a = got.set_index("person_key").loc["a"]
    assert np.isnan(a["is_male"]) and a["lives_alone"] == 0.0 and a["marital_status"] is None
    assert "citizen_id_token" not in got.columns   # the token is for the label join only


def _scores(scores: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"k": ["x", "y"], "model": "m", "model_version": "v1", "score": scores,
                         "tagged": [s >= 0.5 for s in scores], "threshold": 0.5})


def test_same_scores_are_recognised_in_any_row_order() -> None:
    new = _scores([0.25, 0.75])
    assert _same(new.iloc[::-1], new, "k")
    assert not _same(_scores([0.25, 0.750001]), new, "k")
    assert not _same(new.iloc[:1], new, "k")
    assert not _same(new.assign(model_version="v2"), new, "k")


def test_store_versions_are_atomic_and_current(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert store.current(settings, "m") is None
    with pytest.raises(store.ModelMissing, match="citylake ml train"):
        store.require_current(settings, "m")
    v = store.content_version([b"rows", b"conf"])
    assert v == store.content_version([b"rows", b"conf"]) != store.content_version([b"rowsconf"])
    saved = store.save(settings, "m", v, {"a": 1}, {"name": "m", "version": v}, "# card\n")
    assert store.current(settings, "m") == saved and saved.load() == {"a": 1}
    assert (saved.path / store.CARD_MD).read_text() == "# card\n"
    assert store.versions(settings, "m") == [v]          # no temporary folder left behind
    mtime = (saved.path / store.MODEL_FILE).stat().st_mtime_ns
    store.save(settings, "m", v, {"a": 2}, {"name": "m", "version": v}, "# other\n")
    assert (saved.path / store.MODEL_FILE).stat().st_mtime_ns == mtime   # a version is never rewritten


def test_card_reports_metrics_against_the_baseline() -> None:
    holdout = {"roc_auc": 0.9, "average_precision": 0.6, "brier": 0.08, "f1": 0.6, "precision": 0.5, "recall": 0.75}
    baseline = {"roc_auc": 0.5, "average_precision": 0.2, "brier": 0.16, "f1": 1 / 3}
    r = ratios(holdout, baseline)
    assert r == {"roc_auc": 1.8, "average_precision": 3.0, "brier_improvement": 2.0, "f1": 1.8}
    card = {"name": "m", "version": "v", "purpose": "Why.", "entity": "person", "population": "everyone",
            "threshold": 0.4, "label_source": "truth", "seed": 1, "trained_at": "today",
            "data": {"labelled_rows": 10, "population_rows": 12, "positives": 3, "unmatched_truth": 0,
                     "train_rows": 7, "holdout_rows": 3, "holdout_positives": 1},
            "cv": {"folds": 2, "selection_metric": "roc_auc",
                   "candidates": [{"estimator": "e", "params": {}, "roc_auc_mean": 0.8, "roc_auc_std": 0.1,
                                   "average_precision_mean": 0.5}]},
            "chosen": {"estimator": "e", "params": {}}, "libraries": {"scikit-learn": "1"},
            "holdout": holdout, "baseline": baseline, "ratios": r, "subgroup": None,
            "features": {"numeric": ["a"], "categorical": [], "tables": ["t"]}, "leakage_notes": ["none"]}
    md = render_markdown(card)
    assert "| ROC AUC | 0.900 | 0.500 | 1.800 |" in md and "- none" in md
