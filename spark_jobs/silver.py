"""spark-submit entry point: the silver stage (arguments: see `python spark_jobs/silver.py --help`)."""

import sys

from citylake.jobs import main

if __name__ == "__main__":
    sys.exit(main(["silver", *sys.argv[1:]]))
