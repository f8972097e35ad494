"""Benchmark: entity resolution — precision, recall, F1 and time, DuckDB vs Spark backend.

For each size: a generated city (initial extract) through bronze and silver of the
departments that name people and enterprises, then ``citylake.resolution`` on the same
silver twice — Splink on DuckDB (the default) and on Spark (the Connect server) — each
scored against the generator's ground truth (pairwise precision / recall / F1 for people
and for enterprises), and the two backends' clusters compared with each other.

Prints the figures and writes benchmarks/results/resolution-<people>.json.
Usage: .venv/bin/python benchmarks/bench_resolution.py --people 100000 [--people 1000000]
       [--backends duckdb,spark]
Each size runs in a home of its own under benchmarks/scratch/ with its own Spark server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from math import comb
from pathlib import Path

from harness import HERE, run_child, save

DAY0 = dt.date(2026, 1, 1)
#: Departments whose records name people or enterprises (the rest does not feed resolution).
SOURCES = ("public_security", "civil_affairs", "health", "hr_social_security", "market_supervision", "tax",
           "licences", "emergency")



def _agreement(a, b, key: str) -> float:  # type: ignore[no-untyped-def]
    """Pairwise F1 of one backend's clusters against the other's (1.0: identical)."""
    m = a.merge(b, on=["source_table", "role", "record_key"], suffixes=("_a", "_b"))
    both = sum(comb(int(n), 2) for n in m.groupby([f"{key}_a", f"{key}_b"]).size())
    pa = sum(comb(int(n), 2) for n in m.groupby(f"{key}_a").size())
    pb = sum(comb(int(n), 2) for n in m.groupby(f"{key}_b").size())
    return round(2 * both / (pa + pb), 6) if pa + pb else 1.0


def run_size(people: int, seed: int, backends: list[str]) -> dict:
    from citylake.connect_server import ConnectServer
    from citylake.generate.city import generate_city
    from citylake.generate.config import load_config
    from citylake.pipeline import _session, run_day
    from citylake.resolution.job import KEY_COLUMNS, resolve_kind
    from citylake.resolution.scoring import score, truth
    from citylake.settings import reload_settings

    settings = reload_settings()
    out = Path(settings.landing).parent
    figures: dict = {"people": people, "seed": seed}
    t = time.monotonic()
    generate_city(load_config(None, people=people, seed=seed, days=1, db_url=None), out)
    figures["generate_s"] = round(time.monotonic() - t, 1)
    ConnectServer(settings).start()
    spark = _session(settings)
    t = time.monotonic()
    run_day(DAY0, sources=SOURCES, settings=settings)
    figures["silver_s"] = round(time.monotonic() - t, 1)

    xrefs: dict = {}
    for kind in ("person", "org"):
        truth_df = truth(spark, settings, out / "ground_truth", kind)
        for backend in backends:
            t = time.monotonic()
            report, xref = resolve_kind(spark, settings, kind, backend=backend, write=(backend == backends[0]),
                                        charts=(backend == backends[0]))
            frame = xref.toPandas()
            seconds = time.monotonic() - t
            s = score(frame, truth_df, kind)
            xrefs[(kind, backend)] = frame
            figures[f"{kind}_{backend}"] = {
                "seconds": round(seconds, 1), "mentions": report.mentions, "profiles": report.profiles,
                "clusters": report.clusters, "scored_pairs": report.pairs,
                "timings": {k: round(v, 1) for k, v in report.timings.items()}, **s.as_dict()}
        if len(backends) == 2:
            figures[f"{kind}_backend_agreement"] = _agreement(xrefs[(kind, backends[0])], xrefs[(kind, backends[1])],
                                                              KEY_COLUMNS[kind])
    return figures


def child(args: argparse.Namespace) -> None:
    print(json.dumps(run_size(args.people[0], args.seed, args.backends.split(",")), ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, action="append", help="sizes (repeatable); default 100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="duckdb,spark", help="comma-separated, first one writes the xref")
    parser.add_argument("--keep", action="store_true", help="keep the scratch home")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.people = args.people or [100_000]
    if args.child:
        child(args)
        return
    for people in args.people:
        figures = run_child(__file__, HERE / "scratch" / f"resolution-{people}",
                            ["--people", str(people), "--seed", str(args.seed), "--backends", args.backends],
                            {"CITYLAKE_SPARK__DRIVER_MEMORY": "8g"}, keep=args.keep)
        _print(figures, args.backends.split(","))
        save(f"resolution-{people}", figures)


def _print(f: dict, backends: list[str]) -> None:
    print(f"\n== {f['people']:,} people (silver of the initial extract: {f['silver_s']} s) ==")
    print(f"{'kind':7} {'backend':8} {'mentions':>9} {'profiles':>9} {'clusters':>9} {'precision':>9} {'recall':>7} "
          f"{'F1':>7} {'seconds':>8}")
    for kind in ("person", "org"):
        for backend in backends:
            r = f[f"{kind}_{backend}"]
            print(f"{kind:7} {backend:8} {r['mentions']:9,} {r['profiles']:9,} {r['clusters']:9,} {r['precision']:9.4f} "
                  f"{r['recall']:7.4f} {r['f1']:7.4f} {r['seconds']:8.1f}")
        if f.get(f"{kind}_backend_agreement") is not None:
            print(f"{kind}: clusters of the two backends agree at pairwise F1 {f[f'{kind}_backend_agreement']}")
    print("goal: F1 >= 0.98 for each; at 1M people under 3 minutes")


if __name__ == "__main__":
    main()
