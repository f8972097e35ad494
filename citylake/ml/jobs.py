"""The scoring step of the gold layer, and the entry points of ``citylake ml``.

After ``dbt build``: train a model that has no version yet (when labels are at hand),
score every trained model, and rebuild the tag marts when a score changed, so
``gold.person_tags`` / ``gold.enterprise_tags`` (and ``enterprise_profile``, which lists
an enterprise's tags) carry the model tags. Unchanged gold and models write nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from citylake.ml import store
from citylake.ml.labels import ground_truth_dir
from citylake.ml.models import ModelSpec, selected
from citylake.ml.scoring import ScoreReport, ensure_score_tables, score_model
from citylake.ml.training import TrainOutcome, train_model
from citylake.settings import Settings, get_settings

log = logging.getLogger(__name__)

#: The dbt models that read the score tables (and the one that lists enterprise tags).
TAG_MODELS = "person_tags enterprise_tags enterprise_profile"

Progress = Callable[[str], None]


def _session(settings: Settings) -> Any:
    from citylake.spark import ensure_schemas, get_spark

    spark = get_spark(settings)
    ensure_schemas(spark, settings)
    return spark


def train_models(settings: Settings | None = None, names: list[str] | None = None,
                 progress: Progress | None = None) -> list[TrainOutcome]:
    settings = settings or get_settings()
    spark = _session(settings)
    out = []
    for spec in selected(names):
        if progress:
            progress(f"training {spec.name}")
        out.append(train_model(spark, settings, spec))
    return out


def score_models(settings: Settings | None = None, names: list[str] | None = None,
                 progress: Progress | None = None) -> list[ScoreReport]:
    settings = settings or get_settings()
    spark = _session(settings)
    ensure_score_tables(spark, settings)
    out = []
    for spec in selected(names):
        if progress:
            progress(f"scoring {spec.name}")
        out.append(score_model(spark, settings, spec))
    return out


def _trainable(settings: Settings, spec: ModelSpec) -> bool:
    return store.current(settings, spec.name) is None and ground_truth_dir(settings).is_dir()


def score_and_tag(settings: Settings | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """The gold layer's step after dbt build: train what is missing (if labels exist), score,
    and rebuild the tag marts when scores changed. A model neither trained nor trainable is
    reported as skipped; the tag marts then hold the rule tags only."""
    from citylake.gold import run_dbt

    settings = settings or get_settings()
    spark = _session(settings)
    ensure_score_tables(spark, settings)
    report: dict[str, Any] = {"trained": [], "scored": [], "skipped": [], "tags_rebuilt": False}
    for spec in selected(None):
        trainable = _trainable(settings, spec)
        if store.current(settings, spec.name) is None and not trainable:
            report["skipped"].append(f"{spec.name}: no model and no labels at {ground_truth_dir(settings)}")
            continue
        if progress:
            progress(f"reading the features of {spec.name} from gold")
        loaded = spec.load(spark, settings)  # once for training and scoring
        if trainable:
            if progress:
                progress(f"training {spec.name} (first version)")
            report["trained"].append(train_model(spark, settings, spec, loaded).summary())
        if progress:
            progress(f"scoring {spec.name}")
        report["scored"].append(score_model(spark, settings, spec, loaded[0]).summary())
    if any(s["written"] for s in report["scored"]):
        if progress:
            progress("rebuilding the tag marts with the model tags")
        run_dbt(["build", "--select", TAG_MODELS], settings)
        report["tags_rebuilt"] = True
    return report
