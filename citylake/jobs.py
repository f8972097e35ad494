"""The pipeline's stages as spark-submit jobs (``spark_jobs/*.py`` call ``main``).

On a cluster a stage runs as its own Spark application: the session is in-process
(``spark.remote = ""``) and takes master, memory and jars from spark-submit's command
line; the catalog is the shared Hive metastore of the settings. The same stage
functions as Airflow's tasks and the CLI run, so a job differs in where it runs only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys

from citylake.errors import CitylakeError
from citylake.settings import Settings


def _in_process_settings() -> Settings:
    settings = Settings()
    return settings.model_copy(update={"spark": settings.spark.model_copy(update={"remote": ""})})


def main(argv: list[str] | None = None) -> int:
    from citylake import pipeline

    parser = argparse.ArgumentParser(prog="citylake-job", description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["bronze", "silver", "stream", "day"])
    parser.add_argument("--source", help="source id (all sources for `day`)", action="append")
    parser.add_argument("--entity", help="entity of the source (bronze, silver, stream)")
    parser.add_argument("--day", help="delivery day YYYY-MM-DD (bronze, silver, day)")
    parser.add_argument("--continuous", action="store_true", help="stream: keep running (every minute)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = _in_process_settings()
    try:
        day = dt.date.fromisoformat(args.day) if args.day else None
        if args.stage in ("bronze", "silver", "stream") and (not args.source or not args.entity):
            parser.error(f"{args.stage} needs --source and --entity")
        if args.stage == "bronze":
            out = pipeline.bronze(args.source[0], args.entity, _need(day), settings)
        elif args.stage == "silver":
            out = pipeline.silver(args.source[0], args.entity, _need(day), settings)
        elif args.stage == "stream":
            out = pipeline.stream(args.source[0], args.entity, settings, continuous=args.continuous)
        else:
            results = pipeline.run_day(_need(day), args.source, settings, workers=1)
            out = {f"{s.source}.{s.entity}.{s.stage}": (str(o) if isinstance(o, Exception) else o) for s, o in results}
    except CitylakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False, default=str))
    return 0


def _need(day: dt.date | None) -> dt.date:
    if day is None:
        raise CitylakeError("this stage needs --day YYYY-MM-DD")
    return day
