"""Benchmark: the scores of citylake.ml on a generated city, against a trivial baseline.

For each size: a generated city (initial extract) through bronze, silver, entity
resolution and ``dbt build``; then each model of ``citylake.ml.models`` is trained
(cross-validated choice among the candidates) and judged on its held-out split beside
a ``DummyClassifier`` that predicts the base rate, both measured in the same run. Prints,
per model, the held-out ROC AUC, average precision, Brier score and F1 of the model and of
the baseline, and the model's figures as ratios of the baseline's; then scores gold twice
and checks the second run writes nothing (same Delta version of the score table).

Prints the figures and writes benchmarks/results/models-<people>.json.
Usage: .venv/bin/python benchmarks/bench_models.py --people 10000 [--people 50000]
       [--scratch DIR] (default benchmarks/scratch; each size in a home of its own with its
       own Spark server, removed afterwards unless --keep)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from harness import HERE, run_child, save

DAY0 = dt.date(2026, 1, 1)
#: Sources gold does not read (the IoT stream). All the others run: with only the departments
#: the features read, Splink's EM on the organisations underflowed (m probability < 1e-300).
NOT_GOLD_INPUTS = {"iot"}



def _delta_version(spark, table: str) -> int:  # type: ignore[no-untyped-def]
    return int(spark.sql(f"DESCRIBE HISTORY {table}").agg({"version": "max"}).first()[0])


def run_size(people: int, seed: int) -> dict:
    from citylake.connect_server import ConnectServer
    from citylake.contracts import load_contracts
    from citylake.generate.city import generate_city
    from citylake.generate.config import load_config
    from citylake.gold import build
    from citylake.pipeline import _session, run_day
    from citylake.resolution.job import run_resolution
    from citylake.settings import reload_settings

    settings = reload_settings()
    out = Path(settings.landing).parent
    figures: dict = {"people": people, "seed": seed, "ml_seed": settings.ml.seed}
    t = time.monotonic()
    generate_city(load_config(None, people=people, seed=seed, days=1, db_url=None), out)
    figures["generate_s"] = round(time.monotonic() - t, 1)
    ConnectServer(settings).start()
    spark = _session(settings)
    t = time.monotonic()
    sources = [s for s in load_contracts(settings.contracts_dir) if s not in NOT_GOLD_INPUTS]
    failed = [(str(s), str(o)) for s, o in run_day(DAY0, sources=sources, settings=settings) if isinstance(o, Exception)]
    figures["silver_s"] = round(time.monotonic() - t, 1)
    figures["silver_failures"] = failed
    t = time.monotonic()
    run_resolution(settings)
    figures["resolution_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    build(settings)
    figures["dbt_build_s"] = round(time.monotonic() - t, 1)
    figures.update(model_figures(spark, settings))
    return figures


def model_figures(spark, settings) -> dict:  # type: ignore[no-untyped-def]
    """Train each model (or find its version), then score twice: the figures of the models."""
    from citylake.ml.jobs import score_models
    from citylake.ml.models import MODELS
    from citylake.ml.scoring import scores_table
    from citylake.ml.training import train_model

    figures: dict = {}
    models = {}
    for spec in MODELS.values():
        t = time.monotonic()
        outcome = train_model(spark, settings, spec)
        card = outcome.model.card
        models[spec.name] = {
            "version": outcome.model.version, "train_s": round(time.monotonic() - t, 1),
            "chosen": card["chosen"], "data": card["data"], "threshold": round(card["threshold"], 4),
            "holdout": {k: round(v, 4) for k, v in card["holdout"].items()},
            "baseline": {k: round(v, 4) for k, v in card["baseline"].items()},
            "ratios": card["ratios"], "subgroup": card["subgroup"],
            "cv": [{"estimator": r["estimator"], "params": r["params"], "roc_auc": round(r["roc_auc_mean"], 4),
                    "average_precision": round(r["average_precision_mean"], 4)} for r in card["cv"]["candidates"]],
        }
    figures["models"] = models

    t = time.monotonic()
    first = score_models(settings)
    figures["score_s"] = round(time.monotonic() - t, 1)
    versions = {spec.entity: _delta_version(spark, scores_table(settings, spec.entity)) for spec in MODELS.values()}
    t = time.monotonic()
    second = score_models(settings)
    figures["rescore_s"] = round(time.monotonic() - t, 1)
    after = {spec.entity: _delta_version(spark, scores_table(settings, spec.entity)) for spec in MODELS.values()}
    figures["scored"] = {r.model: {"rows": r.rows, "tagged": r.tagged} for r in first}
    figures["rescore_idempotent"] = versions == after and not any(r.written for r in second)
    return figures


def child(args: argparse.Namespace) -> None:
    print(json.dumps(run_size(args.people[0], args.seed), ensure_ascii=False))


def report(figures: dict) -> None:
    print(f"\n== {figures['people']:,} people: silver {figures['silver_s']} s, resolution {figures['resolution_s']} s, "
          f"dbt {figures['dbt_build_s']} s")
    for name, m in figures["models"].items():
        h, b, r, d = m["holdout"], m["baseline"], m["ratios"], m["data"]
        print(f"-- {name} {m['version']}: {m['chosen']['estimator']} {m['chosen']['params']}; "
              f"{d['labelled_rows']} labelled ({d['positives']} positive), held out {d['holdout_rows']} "
              f"({d['holdout_positives']} positive); trained in {m['train_s']} s")
        print(f"   {'metric':<20}{'model':>9}{'baseline':>10}{'ratio':>9}")
        print(f"   {'ROC AUC':<20}{h['roc_auc']:>9.3f}{b['roc_auc']:>10.3f}{r['roc_auc']:>9.2f}")
        print(f"   {'average precision':<20}{h['average_precision']:>9.3f}{b['average_precision']:>10.3f}"
              f"{r['average_precision']:>9.2f}")
        print(f"   {'Brier (lower)':<20}{h['brier']:>9.3f}{b['brier']:>10.3f}{r['brier_improvement']:>9.2f}")
        print(f"   {'F1 at threshold':<20}{h['f1']:>9.3f}{b['f1']:>10.3f}{r['f1']:>9.2f}")
        if m.get("subgroup"):
            s = m["subgroup"]
            auc = "n/a" if s["roc_auc"] is None else f"{s['roc_auc']:.3f}"
            print(f"   held-out {s['name']}: {s['rows']} rows ({s['positives']} positive), ROC AUC {auc}")
        print("   CV: " + "; ".join(f"{c['estimator']} {c['params']} {c['roc_auc']:.3f}" for c in m["cv"]))
    print(f"-- scoring {figures['score_s']} s, re-scoring {figures['rescore_s']} s, "
          f"idempotent: {figures['rescore_idempotent']}; {figures['scored']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, action="append", help="sizes (repeatable); default 10000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scratch", type=Path, default=HERE / "scratch", help="folder of the benchmark homes")
    parser.add_argument("--keep", action="store_true", help="keep the scratch home")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.people = args.people or [10_000]
    if args.child:
        child(args)
        return
    for people in args.people:
        figures = run_child(__file__, args.scratch / f"models-{people}", ["--people", str(people), "--seed", str(args.seed)],
                            {"CITYLAKE_SPARK__DRIVER_MEMORY": "3g", "CITYLAKE_SPARK__SHUFFLE_PARTITIONS": "4",
                             "CITYLAKE_QUALITY__IN_SOURCE_DAGS": "false"}, keep=args.keep)
        report(figures)
        save(f"models-{people}", figures)


if __name__ == "__main__":
    main()
