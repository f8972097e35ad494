"""Run one model on one backend: train, predict, cluster, choose each cluster's key.

Input is *profiles*, not mentions: mentions with identical linkage features (a person's
three insurance rows, an employer named on a thousand of them) are one profile, linked
once. That keeps blocks small where one identifier repeats, so the cost grows with the
number of distinct profiles, far below quadratic in mentions.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from splink import Linker
from splink.internals.exceptions import EMTrainingException

from citylake.resolution.models import Model

log = logging.getLogger(__name__)

#: Splink prints a line per step at INFO; the job's own log says what matters.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass
class LinkResult:
    """Clusters of profiles: ``profile_id, cluster_key, match_probability, cluster_profiles``."""

    kind: str
    clusters: pd.DataFrame
    charts: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pairs: int = 0


def _register(api: Any, profiles: Any, name: str) -> Any:
    return api.register(profiles, table_name=name)


def link(model: Model, profiles: Any, api: Any, threshold: float, em_sample: float, u_max_pairs: float,
         seed: int, charts_dir: Path | None = None) -> LinkResult:
    """Link ``profiles`` (pandas or Spark DataFrame with ``unique_id``, ``n_mentions`` and the
    model's columns) and cluster them at ``threshold``."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    linker = Linker(_register(api, profiles, f"{model.kind}_profiles"), model.settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(list(model.deterministic), recall=model.recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_max_pairs, seed=seed)
    for rule in model.em_rules:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, record_sample_proportion=em_sample)
        except EMTrainingException as exc:  # a small or partial lake: the other pass still trains
            log.warning("%s model: EM pass skipped (%s)", model.kind, str(exc).split(".")[0])
    timings["train_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    edges = predictions.as_pandas_dataframe()[["unique_id_l", "unique_id_r", "match_probability"]]
    members = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    timings["predict_cluster_s"] = time.perf_counter() - t0

    result = LinkResult(model.kind, _cluster_keys(members, edges, profiles_frame(profiles), model.anchor),
                        timings=timings, pairs=len(edges))
    if charts_dir is not None:
        result.charts = save_charts(linker, predictions, charts_dir, model.kind)
    return result


def profiles_frame(profiles: Any) -> pd.DataFrame:
    if isinstance(profiles, pd.DataFrame):
        return profiles
    return profiles.toPandas()


def _cluster_keys(members: pd.DataFrame, edges: pd.DataFrame, profiles: pd.DataFrame, anchor: str) -> pd.DataFrame:
    """Each profile's cluster key and its best link.

    The key is the cluster's most-mentioned ``anchor`` identifier (a person's real citizen
    ID token outnumbers a duplicate registration's; an enterprise's real credit code
    outnumbers a fake one), ties to the smallest; a cluster without one takes its smallest
    profile id. So the key does not depend on Splink's cluster numbering and stays put
    when a record joins or leaves."""
    df = members.merge(profiles[["unique_id", anchor, "n_mentions"]], on="unique_id", how="left")
    votes = (df.dropna(subset=[anchor]).groupby(["cluster_id", anchor], as_index=False)["n_mentions"].sum()
             .sort_values(["cluster_id", "n_mentions", anchor], ascending=[True, False, True])
             .drop_duplicates("cluster_id"))
    fallback = df.groupby("cluster_id", as_index=False)["unique_id"].min().rename(columns={"unique_id": "_min_id"})
    keys = fallback.merge(votes[["cluster_id", anchor]], on="cluster_id", how="left")
    keys["cluster_key"] = keys[anchor].where(keys[anchor].notna(), keys["_min_id"])
    sizes = df.groupby("cluster_id").size().rename("cluster_profiles").reset_index()
    stacked = pd.concat([edges.rename(columns={"unique_id_l": "unique_id"})[["unique_id", "match_probability"]],
                         edges.rename(columns={"unique_id_r": "unique_id"})[["unique_id", "match_probability"]]])
    best = stacked.groupby("unique_id", as_index=False)["match_probability"].max()
    out = (df[["unique_id", "cluster_id"]].merge(keys[["cluster_id", "cluster_key"]], on="cluster_id")
           .merge(sizes, on="cluster_id").merge(best, on="unique_id", how="left"))
    out["match_probability"] = out["match_probability"].round(6)
    return out.rename(columns={"unique_id": "profile_id"}).drop(columns="cluster_id")


def save_charts(linker: Linker, predictions: Any, folder: Path, kind: str) -> list[Path]:
    """Splink's match-weights chart and a waterfall of sample links, as self-contained HTML
    (no CDN: a steward's browser inside the city network has no internet). The waterfall
    is drawn with ``remove_sensitive_data``: weights only, no record values."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    weights = folder / f"{kind}_match_weights.html"
    weights.write_text(linker.visualisations.match_weights_chart().to_html(inline=True), encoding="utf-8")
    out.append(weights)
    records = predictions.as_record_list(limit=20)
    if records:
        waterfall = folder / f"{kind}_waterfall.html"
        chart = linker.visualisations.waterfall_chart(records, filter_nulls=True, remove_sensitive_data=True)
        waterfall.write_text(chart.to_html(inline=True), encoding="utf-8")
        out.append(waterfall)
    return out
