"""spark-submit entry point: the day stage (arguments: see `python spark_jobs/day.py --help`)."""

import sys

from citylake.jobs import main

if __name__ == "__main__":
    sys.exit(main(["day", *sys.argv[1:]]))
