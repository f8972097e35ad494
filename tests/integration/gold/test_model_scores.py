"""Scores on the test city's gold: both models trained by the small AutoML on the
generator's labels, each beating the base-rate baseline on held-out rows, a model card
beside each model, model tags in gold.person_tags / enterprise_tags with their version,
and a re-run (training and scoring) that writes nothing.

One train + score for the module (``scored``), after the session's ``dbt build``; the
city is small (1000 people: a few hundred elderly, some 80 enterprises, a handful of them
turning abnormal), so the margins asserted here are the ones that size supports; the
benchmark (benchmarks/bench_models.py) prints the figures on a larger city.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.analytics]


def _delta_version(spark, table: str) -> int:  # type: ignore[no-untyped-def]
    return int(spark.sql(f"DESCRIBE HISTORY {table}").agg({"version": "max"}).first()[0])


@pytest.fixture(scope="module")
def scored(dbt_build: dict[str, Any], spark, settings, ground_truth: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The gold layer's scoring step once: train (first version), score, rebuild the tag marts.
    Before it, the tag marts were built with no score table at all."""
    from citylake.ml.jobs import score_and_tag

    schema = settings.gold.dbt_schema
    before = {t: spark.sql(f"SELECT count(*) AS n, count(model_version) AS versioned FROM {schema}.{t}").first().asDict()
              for t in ("person_tags", "enterprise_tags")}
    report = score_and_tag(settings)  # its time is the setup time --durations prints
    return {"report": report, "tags_before": before}


def _card(settings, name: str):  # type: ignore[no-untyped-def]
    from citylake.ml.store import require_current

    return require_current(settings, name)


def test_tag_marts_build_before_any_score(scored: dict[str, Any]) -> None:
    before = scored["tags_before"]
    assert before["person_tags"]["n"] > 0                 # the rule tags
    assert before["person_tags"]["versioned"] == 0 and before["enterprise_tags"]["versioned"] == 0


def test_both_models_trained_with_a_card(scored: dict[str, Any], settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.ml.automl import CANDIDATES
    from citylake.ml.models import MODELS
    from citylake.ml.store import CARD_MD, MODEL_FILE

    report = scored["report"]
    assert {t["model"] for t in report["trained"]} == set(MODELS) and not report["skipped"]
    for name in MODELS:
        stored = _card(settings, name)
        assert (stored.path / MODEL_FILE).is_file() and stored.path.parent.name == name
        card = stored.card
        assert card["version"] == stored.version
        assert card["chosen"]["estimator"] in {c.name for c in CANDIDATES}
        assert {r["estimator"] for r in card["cv"]["candidates"]} == {c.name for c in CANDIDATES}
        assert card["data"]["train_rows"] + card["data"]["holdout_rows"] == card["data"]["labelled_rows"]
        assert card["data"]["labelled_rows"] >= 0.9 * card["data"]["population_rows"]  # the label join places most
        assert card["baseline"]["roc_auc"] == 0.5
        md = (stored.path / CARD_MD).read_text(encoding="utf-8")
        assert f"| ROC AUC | {card['holdout']['roc_auc']:.3f} | 0.500 |" in md
        assert "citizen_id" not in json.dumps(card["features"])    # identifiers are no features


def test_models_beat_the_baseline_on_held_out_rows(scored: dict[str, Any], settings) -> None:  # type: ignore[no-untyped-def]
    care = _card(settings, "elderly_care_need").card
    assert care["data"]["holdout_positives"] >= 5, care["data"]
    assert care["holdout"]["roc_auc"] >= 0.75, care["holdout"]
    assert care["holdout"]["average_precision"] >= 1.5 * care["baseline"]["average_precision"]
    assert care["holdout"]["brier"] < care["baseline"]["brier"]
    # a few abnormal enterprises in a city of 1000: held-out AUC is coarse, CV over the training split less so
    risk = _card(settings, "abnormal_operation_risk").card
    chosen = max(risk["cv"]["candidates"], key=lambda r: r["roc_auc_mean"])
    assert chosen["roc_auc_mean"] >= 0.7, risk["cv"]
    assert risk["holdout"]["roc_auc"] > risk["baseline"]["roc_auc"], risk["holdout"]


def test_model_tags_carry_the_model_version(scored: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.ml.models import MODELS
    from citylake.ml.scoring import scores_table

    schema = settings.gold.dbt_schema
    assert scored["report"]["tags_rebuilt"]
    for name, spec in MODELS.items():
        version = _card(settings, name).version
        tags = spark.table(f"{schema}.{spec.entity}_tags")
        model_tags = tags.where(f"tag_code = '{name}'").toPandas()
        scores = spark.table(scores_table(settings, spec.entity)).where(f"model = '{name}'").toPandas()
        assert len(scores) and scores[spec.key].is_unique and set(scores["model_version"]) == {version}
        assert set(model_tags[spec.key]) == set(scores.loc[scores["tagged"], spec.key])
        assert set(model_tags["model_version"]) <= {version}
        assert tags.where(f"tag_code <> '{name}' AND model_version IS NOT NULL").count() == 0  # rule tags: null
    assert spark.table(f"{schema}.person_tags").where("tag_code = 'elderly_care_need'").count() > 0


def test_training_and_scoring_again_write_nothing(scored: dict[str, Any], spark, settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.ml.models import MODELS
    from citylake.ml.scoring import score_model, scores_table
    from citylake.ml.training import train_model

    tables = {scores_table(settings, s.entity) for s in MODELS.values()}
    versions = {t: _delta_version(spark, t) for t in tables}
    rows = {t: spark.table(t).orderBy("model", spark.table(t).columns[0]).toPandas() for t in tables}
    for name, spec in MODELS.items():
        current = _card(settings, name).version
        loaded = spec.load(spark, settings)
        again = train_model(spark, settings, spec, loaded)
        assert (again.model.version, again.trained) == (current, False)
        assert not score_model(spark, settings, spec, loaded[0]).written
    assert {t: _delta_version(spark, t) for t in tables} == versions
    for t in tables:
        assert spark.table(t).orderBy("model", spark.table(t).columns[0]).toPandas().equals(rows[t])
