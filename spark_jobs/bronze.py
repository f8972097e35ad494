"""spark-submit entry point: the bronze stage (arguments: see `python spark_jobs/bronze.py --help`)."""

import sys

from citylake.jobs import main

if __name__ == "__main__":
    sys.exit(main(["bronze", *sys.argv[1:]]))
