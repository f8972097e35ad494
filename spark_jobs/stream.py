"""spark-submit entry point: the stream stage (arguments: see `python spark_jobs/stream.py --help`)."""

import sys

from citylake.jobs import main

if __name__ == "__main__":
    sys.exit(main(["stream", *sys.argv[1:]]))
