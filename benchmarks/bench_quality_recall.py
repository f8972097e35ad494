"""Benchmark: does some expectation catch every defect the generator injects?

Prints, per defect type of the synthetic city's manifest (ground_truth/defects.parquet),
how many injected defects a failing expectation pointed at (recall), which rules did,
and the seconds quality took per entity and day. A row defect counts as caught when a
failed rule of its table lists its delivered file and line among its failing rows
(``ops.quality_results.failed_rows``); a rejected file when its entity's
``delivery.files_accepted`` failed that day. The IoT stream has no line numbers: a defect
there counts when a failed rule lists a failing row of its micro-batch file.

Usage:
  .venv/bin/python benchmarks/bench_quality_recall.py [--people 1000] [--seed 20261126]
      generates a city in a home of its own under benchmarks/scratch/, runs every day
      through bronze → silver → quality → publish with its own Spark server, then scores;
  .venv/bin/python benchmarks/bench_quality_recall.py --home DIR
      scores a home where the pipeline already ran (CITYLAKE_* of that home set), running
      quality for every entity and day first unless --no-run.
Writes benchmarks/results/quality-recall-<people>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from harness import HERE, free_port



def _row_file_and_line(m: dict[str, Any], entity: Any) -> tuple[str, int | None]:
    """Where bronze keeps a manifest row: the delivered file (relative to landing) and line
    (the row index for Parquet and SQL sources), as citylake.generate.evaluate finds it."""
    if entity.format == "jdbc":
        return f"{m['source']}/{entity.jdbc.table}?{entity.jdbc.day_column}={m['day']}", m["row_index"]
    line = m["line"] if m["line"] is not None else m["row_index"]
    return m["file"].removeprefix("landing/"), line


def caught_defects(spark: Any, manifest: list[dict[str, Any]], contracts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per defect type: total, caught, and the rules that caught them."""
    failing: dict[tuple[str, int | None], set[str]] = defaultdict(set)   # (file, line) -> rules
    by_file: dict[str, set[str]] = defaultdict(set)                     # file name -> rules (stream)
    for r in spark.sql("""SELECT table_name, rule, f.source_file, f.line FROM ops.quality_results
                          LATERAL VIEW explode(failed_rows) AS f WHERE NOT success""").collect():
        if r["source_file"]:
            failing[(r["source_file"], r["line"])].add(f"{r['table_name']}:{r['rule']}")
            by_file[r["source_file"].rsplit("/", 1)[-1]].add(f"{r['table_name']}:{r['rule']}")
    rejected_days: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in spark.sql("""SELECT table_name, day, rule FROM ops.quality_results
                          WHERE NOT success AND rule = 'delivery.files_accepted'""").collect():
        rejected_days[(r["table_name"], str(r["day"]))].add(f"{r['table_name']}:{r['rule']}")
    out: dict[str, dict[str, Any]] = {}
    for m in manifest:
        score = out.setdefault(m["defect_type"], {"expected": m["expected_outcome"], "total": 0, "caught": 0,
                                                  "rules": defaultdict(int), "missed": []})
        score["total"] += 1
        entity = contracts[m["source"]].entity(m["entity"])
        if m["expected_outcome"] == "file_rejected":
            rules = rejected_days.get((f"bronze.{m['source']}__{m['entity']}", m["day"]), set())
        elif entity.format == "stream":
            rules = by_file.get(m["file"].rsplit("/", 1)[-1], set())
        else:
            rules = failing.get(_row_file_and_line(m, entity), set())
        if rules:
            score["caught"] += 1
            for rule in rules:
                score["rules"][rule.split(":", 1)[1]] += 1
        elif len(score["missed"]) < 3:
            score["missed"].append(f"{m['file']}:{m['line'] or m['row_index']} {m['column'] or ''}")
    return out


def run_quality_everywhere(settings: Any, days: list[dt.date]) -> list[float]:
    """Quality for every entity and day (bronze and silver must have run): its seconds."""
    from citylake import pipeline
    from citylake.contracts import load_contracts
    from citylake.errors import CitylakeError

    seconds = []
    for day in days:
        for name, contract in sorted(load_contracts(settings.contracts_dir).items()):
            for entity in contract.entities:
                t = time.monotonic()
                try:
                    pipeline.quality(name, entity.name, day, settings)
                except CitylakeError as exc:
                    print(f"  {day} {name}.{entity.name}: {exc}", file=sys.stderr)
                seconds.append(time.monotonic() - t)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--home", type=Path, help="score this home (pipeline already run) instead of a new city")
    parser.add_argument("--no-run", action="store_true", help="with --home: score the recorded results only")
    args = parser.parse_args()
    figures: dict[str, Any] = {"people": args.people, "seed": args.seed}
    if args.home is None:
        home = HERE / "scratch" / f"quality-{args.people}"
        os.environ.update(CITYLAKE_HOME=str(home), CITYLAKE_LANDING_ROOT=str(home / "city" / "landing"),
                          CITYLAKE_SPARK__REMOTE=f"sc://127.0.0.1:{free_port()}")
    from citylake.connect_server import ConnectServer
    from citylake.contracts import load_contracts
    from citylake.pipeline import _session, delivery_days, run_day
    from citylake.settings import reload_settings

    settings = reload_settings()
    city = Path(settings.landing).parent
    server = None
    if args.home is None:
        from citylake.generate.city import generate_city
        from citylake.generate.config import load_config

        generate_city(load_config(None, people=args.people, seed=args.seed, days=2, db_url=None), city)
        server = ConnectServer(settings)
        server.start()
    spark = _session(settings)
    days = delivery_days(settings)
    t = time.monotonic()
    if args.home is None:
        for day in days:
            run_day(day, None, settings)
    elif not args.no_run:
        per_entity = run_quality_everywhere(settings, days)
        figures["quality_s_per_entity_day"] = {"median": round(statistics.median(per_entity), 1),
                                               "max": round(max(per_entity), 1), "runs": len(per_entity)}
    figures["pipeline_s"] = round(time.monotonic() - t, 1)
    metrics = spark.sql("SELECT seconds FROM ops.run_metrics WHERE stage = 'quality' AND status = 'success'").collect()
    if metrics and "quality_s_per_entity_day" not in figures:
        values = [r["seconds"] for r in metrics]
        figures["quality_s_per_entity_day"] = {"median": round(statistics.median(values), 1),
                                               "max": round(max(values), 1), "runs": len(values)}
    import pyarrow.parquet as pq

    manifest = pq.read_table(city / "ground_truth" / "defects.parquet").to_pylist()
    scores = caught_defects(spark, manifest, load_contracts(settings.contracts_dir))
    print(f"{'defect type':24} {'expected':14} {'caught':>7} {'total':>6} {'recall':>7}  rules")
    for kind, s in sorted(scores.items()):
        recall = s["caught"] / s["total"]
        rules = ", ".join(f"{r} ({n})" for r, n in sorted(s["rules"].items(), key=lambda kv: -kv[1])[:3])
        print(f"{kind:24} {s['expected']:14} {s['caught']:7} {s['total']:6} {recall:7.1%}  {rules}")
        for missed in s["missed"]:
            print(f"{'':24} missed: {missed}")
    total = sum(s["total"] for s in scores.values())
    caught = sum(s["caught"] for s in scores.values())
    figures["recall_overall"] = round(caught / total, 4) if total else None
    figures["types_caught"] = sum(1 for s in scores.values() if s["caught"]) 
    figures["types"] = len(scores)
    figures["by_type"] = {k: {"total": s["total"], "caught": s["caught"], "recall": round(s["caught"] / s["total"], 4),
                              "rules": dict(s["rules"])} for k, s in scores.items()}
    print(f"overall recall {figures['recall_overall']:.1%}; {figures['types_caught']} of {figures['types']} defect "
          f"types caught; quality per entity and day: {figures.get('quality_s_per_entity_day')}")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"quality-recall-{args.people}.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    if server is not None:
        server.stop()


if __name__ == "__main__":
    main()
