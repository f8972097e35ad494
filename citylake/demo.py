"""``make demo``: a generated city through every stage that exists, then what was built.

The demo is the whole product on the embedded defaults: it generates a city into the
landing zone (once per seed and size), runs each delivery day through the pipeline,
and reports tables with row counts, reconciliation, the quality score, and where to look next.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Callable

from citylake.settings import Settings


@dataclass
class DemoReport:
    people: int
    days: list[dt.date]
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    tables: list[tuple[str, int]] = field(default_factory=list)
    reconciliation: dict[str, int] = field(default_factory=dict)


def ensure_city(settings: Settings, people: int, days: int, seed: int,
                progress: Callable[[int, int], None] | None = None) -> bool:
    """Generate the city into the landing zone unless the same one is there; True if generated."""
    from pathlib import Path

    from citylake.generate.city import generate_city
    from citylake.generate.config import load_config

    if not settings.lake_is_local:
        raise NotImplementedError("the demo generates its city on local disk")
    out = Path(settings.landing).parent
    marker = out / ".citylake-demo-city.json"
    wanted = {"people": people, "days": days, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()) == wanted and Path(settings.landing).is_dir():
        return False
    cfg = load_config(None, people=people, seed=seed, days=days, db_url=None)
    generate_city(cfg, out, progress=progress)
    marker.write_text(json.dumps(wanted))
    return True


def table_counts(spark: Any, schemas: tuple[str, ...] = ("bronze", "silver", "quarantine", "gold", "ops", "standards")) -> list[tuple[str, int]]:
    from citylake.lake import list_tables

    counts = []
    for info in list_tables():
        if info.schema in schemas and info.format != "view":
            counts.append((info.qualified, spark.table(info.qualified).count()))
    return counts


def reconciliation_summary(spark: Any) -> dict[str, int]:
    rows = spark.sql(
        """SELECT status, balanced, count(*) AS n FROM ops.batch_reconciliation GROUP BY status, balanced"""
    ).collect()
    out: dict[str, int] = {}
    for r in rows:
        key = r["status"] if r["status"] != "reconciled" else ("balanced" if r["balanced"] else "unbalanced")
        out[key] = out.get(key, 0) + r["n"]
    return out


def quality_lines(settings: Settings) -> str:
    """The city's quality score and where the stewards' report is, for the demo's summary."""
    from citylake.quality.report_data import LakeFiles, scores
    from citylake.quality.scores import scorecard

    card = scorecard(scores(LakeFiles(settings)))
    failing = [t["table_name"] for t in card["tables"] if t.get("failed_critical")]
    score = f"{card['overall']:.2f}" if card["overall"] is not None else "no results"
    return (f"data quality: city score {score} over {len(card['tables'])} tables"
            + (f"; critical failures (not published): {', '.join(failing)}" if failing else "; no critical failure")
            + f"\n  report     .venv/bin/citylake quality report   (Airflow: Browse → Data quality, "
            f"http://localhost:{settings.airflow.port}/plugin/data-quality)")


def gold_layer(settings: Settings) -> list[str]:
    """Entity resolution, then ``dbt build``: the gold libraries on what silver holds.
    Returns the problems, one line each (the demo goes on to show what was built)."""
    from citylake.console import console
    from citylake.errors import CitylakeError
    from citylake.gold import build
    from citylake.resolution.job import run_resolution

    problems = []
    try:
        with console.status("gold: linking people and enterprises across departments (Splink)…"):
            run_resolution(settings)
        with console.status("gold: dbt build (population, legal-person, spatial and emergency libraries)…"):
            result = build(settings)  # raises, naming the failed nodes, if a model or test fails
        console.print(f"gold: dbt build of {result['nodes']} nodes in {result['elapsed_s']} s: {result['statuses']}")
    except CitylakeError as exc:
        problems.append(f"gold: {exc}")
        return problems
    problems += scores_layer(settings)
    problems += published_layer(settings)
    return problems


def scores_layer(settings: Settings) -> list[str]:
    """The models of citylake.ml on the new gold (trained on the city's labels the first
    time), their tags in gold.person_tags / enterprise_tags; returns the problems."""
    from citylake.console import console
    from citylake.errors import CitylakeError
    from citylake.ml.jobs import score_and_tag

    try:
        with console.status("scores: training and scoring the elderly-care and abnormal-operation models…") as status:
            report = score_and_tag(settings, progress=lambda step: status.update(f"scores: {step}…"))
    except CitylakeError as exc:
        return [f"scores: {exc}"]
    for model in report["trained"]:
        console.print(f"scores: trained {model['model']} {model['version']} ({model['estimator']}): held-out ROC AUC "
                      f"{model['holdout_roc_auc']:.3f} vs baseline {model['baseline_roc_auc']:.3f}; card in {model['path']}",
                      highlight=False, soft_wrap=True)
    for scored in report["scored"]:
        console.print(f"scores: {scored['model']} {scored['version']}: {scored['tagged']} of {scored['rows']} tagged "
                      f"in {scored['table']}", highlight=False)
    return [f"scores: {line}" for line in report["skipped"]]


def published_layer(settings: Settings) -> list[str]:
    """The published tables from the new gold (only what changed) and the manifest; returns
    the problems, one line per table that could not be written."""
    from citylake.console import console
    from citylake.errors import CitylakeError
    from citylake.published.writer import publish_all

    try:
        with console.status("published: writing the published tables (metadata/published) from gold…"):
            report = publish_all(settings, raise_errors=False)
    except CitylakeError as exc:
        return [f"published: {exc}"]
    changed = [r for r in report.results if r.changed]
    console.print(f"published: {len(report.results)} table(s), {len(changed)} changed; manifest {report.manifest}",
                  highlight=False, soft_wrap=True)
    return [f"published: {e}" for e in report.errors]


def published_summary(settings: Settings) -> str:
    """The published tables with their versions (from the manifest), printed; returns the
    demo's "where to look" line for them."""
    from citylake.console import OutputFormat, print_rows
    from citylake.published.manifest import manifest_entries, manifest_location

    entries = manifest_entries(settings)
    if entries:
        print_rows(["published table", "Delta version", "contract version", "rows", "published at"],
                   [(e["name"], e["version"], e["contract_version"], e["rows"], e["published_at"]) for e in entries],
                   OutputFormat.table, title="Published tables (Delta, change data feed; readable without Spark)")
    return (f"  published  .venv/bin/citylake published --format json   (manifest {manifest_location(settings).uri}; "
            "read with deltalake or DuckDB: citylake.published.readers, README \"Published tables\")")
