"""Benchmark: bronze and silver at scale, against their baselines, and the defect score.

Prints and writes to benchmarks/results/silver-<people>.json:
- the silver stage's time for the full load (day 0, every entity) as a ratio against a
  plain Delta copy of the same bronze tables, measured in the same run (goal: < 3x);
- an incremental day's time (bronze + silver of day 1) as a ratio of the full load's
  (goal: < 10%);
- for every defect type in the generator's manifest: how many were corrected,
  quarantined with the right reason, dropped as duplicates, rejected with their file,
  and how many slipped into silver (goal: none; >= 99% handled overall).

Usage: .venv/bin/python benchmarks/bench_silver.py --people 100000 [--people 1000000]
Each size runs in a home of its own under benchmarks/scratch/ with its own Spark server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from harness import HERE, run_child, save

DAY0, DAY1 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)



def run_size(people: int, seed: int, workers: int) -> dict:
    from citylake.connect_server import ConnectServer
    from citylake.contracts import load_contracts
    from citylake.generate.city import generate_city
    from citylake.generate.config import load_config
    from citylake.generate.evaluate import score_defects, summary
    from citylake.pipeline import _session, bronze, silver, steps
    from citylake.settings import reload_settings

    settings = reload_settings()
    out = Path(settings.landing).parent
    figures: dict = {"people": people, "seed": seed, "workers": workers}
    t = time.monotonic()
    generate_city(load_config(None, people=people, seed=seed, days=2, db_url=None), out)
    figures["generate_s"] = round(time.monotonic() - t, 1)

    t = time.monotonic()
    ConnectServer(settings).start()
    spark = _session(settings)
    figures["server_start_s"] = round(time.monotonic() - t, 1)
    contracts = load_contracts(settings.contracts_dir)
    entities = sorted({(s.source, s.entity) for s in steps(contracts)})

    def each(stage, day):  # type: ignore[no-untyped-def]
        from concurrent.futures import ThreadPoolExecutor

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda e: stage(e[0], e[1], day, settings) if stage is silver
                          else _bronze_lenient(bronze, e, day, settings), entities))
        return round(time.monotonic() - started, 1)

    figures["bronze_full_s"] = each(bronze, DAY0)
    rows = {f"{s}__{e}": spark.table(f"bronze.{s}__{e}").count() for s, e in entities
            if spark.catalog.tableExists(f"bronze.{s}__{e}")}
    figures["bronze_rows"] = sum(rows.values())

    spark.sql("CREATE DATABASE IF NOT EXISTS bench_copy")
    t = time.monotonic()
    for table in rows:
        spark.sql(f"CREATE OR REPLACE TABLE bench_copy.{table} USING delta AS SELECT * FROM bronze.{table}")
    figures["delta_copy_s"] = round(time.monotonic() - t, 1)

    figures["silver_full_s"] = each(silver, DAY0)
    figures["silver_vs_delta_copy"] = round(figures["silver_full_s"] / figures["delta_copy_s"], 2)
    full = figures["bronze_full_s"] + figures["silver_full_s"]

    t = time.monotonic()
    each(bronze, DAY1)
    each(silver, DAY1)
    figures["incremental_day_s"] = round(time.monotonic() - t, 1)
    figures["incremental_vs_full"] = round(figures["incremental_day_s"] / full, 3)

    each(bronze, DAY0 + dt.timedelta(days=2))
    each(silver, DAY0 + dt.timedelta(days=2))
    scores = score_defects(spark, out)
    figures["defects"] = summary(scores)
    figures["defect_types"] = {
        k: {"expected": s.expected, "total": s.total, "handled": s.handled, "corrected": s.corrected,
            "quarantined_right_reason": s.quarantined_right, "quarantined_other_reason": s.quarantined_other,
            "quarantined_with_its_row": s.quarantined_with_row,
            "deduplicated": s.deduplicated, "rejected": s.rejected, "slipped": s.slipped,
            "deferred_to_entity_resolution": s.deferred}
        for k, s in sorted(scores.items())
    }
    return figures


def _bronze_lenient(bronze, entity, day, settings):  # type: ignore[no-untyped-def]
    try:
        return bronze(entity[0], entity[1], day, settings)
    except Exception as exc:  # a rejected file fails its task; the benchmark goes on like Airflow
        return {"error": str(exc)}


def child(args: argparse.Namespace) -> None:
    figures = run_size(args.people[0], args.seed, args.workers)
    print(json.dumps(figures, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, action="append", help="sizes (repeatable); default 100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.people = args.people or [100_000]
    if args.child:
        child(args)
        return
    results = []
    for people in args.people:
        figures = run_child(__file__, HERE / "scratch" / f"silver-{people}",
                            ["--people", str(people), "--seed", str(args.seed), "--workers", str(args.workers)],
                            {"CITYLAKE_SPARK__DRIVER_MEMORY": "8g"}, keep=True)  # the home is the next run's input
        results.append(figures)
        _print(figures)
        save(f"silver-{people}", figures)


def _print(f: dict) -> None:
    print(f"\n== {f['people']:,} people: {f['bronze_rows']:,} bronze rows ==")
    print(f"bronze (full load)      {f['bronze_full_s']:8.1f} s")
    print(f"plain Delta copy        {f['delta_copy_s']:8.1f} s")
    print(f"silver (full load)      {f['silver_full_s']:8.1f} s   = {f['silver_vs_delta_copy']:.2f}x the Delta copy (goal < 3x)")
    print(f"incremental day         {f['incremental_day_s']:8.1f} s   = {100 * f['incremental_vs_full']:.1f}% of the full load (goal < 10%)")
    d = f["defects"]
    print(f"defects: {d['handled']:,} of {d['defects']:,} handled ({100 * d['share_handled']:.2f}%, goal >= 99%), "
          f"{d['slipped']} slipped into silver (goal 0), {d['deferred_to_entity_resolution']} left to entity resolution")
    print(f"{'defect type':24} {'expected':13} {'total':>6} {'handled':>8} {'corrected':>9} {'quar.ok':>8} {'quar.other':>10} {'dedup':>6} {'rejected':>8} {'slipped':>7}")
    for kind, s in f["defect_types"].items():
        print(f"{kind:24} {s['expected']:13} {s['total']:6} {s['handled']:8} {s['corrected']:9} {s['quarantined_right_reason']:8} "
              f"{s['quarantined_other_reason']:10} {s['deduplicated']:6} {s['rejected']:8} {s['slipped']:7}")


if __name__ == "__main__":
    main()
