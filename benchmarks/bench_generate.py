"""Benchmark of the synthetic city: rows per second and peak memory as the city grows.

    .venv/bin/python benchmarks/bench_generate.py --people 100000 1000000

Each size runs in its own process so its peak memory (max RSS) is its own. Targets: 1M
people in under 5 minutes, peak memory under 1.5 GiB and flat between the sizes.
Figures go to benchmarks/results/generate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "generate.json"
TARGET_SECONDS_1M = 300
TARGET_PEAK_MIB = 1536

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from citylake.generate.city import generate_city
from citylake.generate.config import CityConfig
people, days, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
summary = generate_city(CityConfig(people=people, days=days, seed=1), out)
size = sum(p.stat().st_size for p in (out / "landing").rglob("*") if p.is_file())
truth = sum(p.stat().st_size for p in (out / "ground_truth").rglob("*") if p.is_file())
print(json.dumps({"people": summary.people, "enterprises": summary.enterprises, "rows": summary.rows,
                  "seconds": round(summary.seconds, 2), "landing_mib": round(size / 2**20, 1),
                  "ground_truth_mib": round(truth / 2**20, 1),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def run(people: int, days: int, scratch: Path) -> dict:
    out = scratch / f"city-{people}"
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(people), str(days), str(out)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"generation of {people} people failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["rows_per_second"] = round(result["rows"] / result["seconds"])
    result["people_per_second"] = round(result["people"] / result["seconds"])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--scratch", type=Path, default=None, help="Where to write the cities (default: a temporary folder).")
    parser.add_argument("--no-save", action="store_true", help="Print only; do not write benchmarks/results/generate.json.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.scratch) as tmp:
        runs = []
        for n in args.people:
            r = run(n, args.days, Path(tmp))
            runs.append(r)
            print(f"{r['people']:>10,} people  {r['rows']:>11,} rows  {r['seconds']:>7.1f} s  "
                  f"{r['rows_per_second']:>9,} rows/s  peak {r['peak_rss_mib']:>7.1f} MiB  "
                  f"landing {r['landing_mib']:.0f} MiB", flush=True)
    peaks = [r["peak_rss_mib"] for r in runs]
    summary = {
        "benchmark": "citylake generate", "days": args.days, "runs": runs,
        "peak_growth_ratio": round(max(peaks) / min(peaks), 2),
        "targets": {"seconds_at_1m_people": TARGET_SECONDS_1M, "peak_rss_mib": TARGET_PEAK_MIB},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.system()},
    }
    at_1m = [r for r in runs if r["people"] == 1_000_000]
    if at_1m:
        summary["meets_targets"] = at_1m[0]["seconds"] < TARGET_SECONDS_1M and max(peaks) < TARGET_PEAK_MIB
    print(f"peak memory grows {summary['peak_growth_ratio']}x from {runs[0]['people']:,} to {runs[-1]['people']:,} people")
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
