"""The leak scan: an independent search for citizen IDs, phones and bank cards in the clear.

Discovery samples; this reads *everything* it is pointed at, because one leaked row is a
leak. It does not trust the protection code or the tags: it looks at the bytes.

* Tables: every text, whole-number and nested column (as JSON) of every row. Spark does
  the search with regular expressions (``rlike``), in one job over the union of all the
  tables, so only candidate values come back to this process, where
  ``detectors.find_embedded`` confirms them (a real birth date in an
  ID, the Luhn digit of a card). In silver only the protected columns are searched: the
  others are plaintext by the contract's decision (a shelter's public phone), which
  discovery, not this scan, questions.
* Files: every file under the citylake home except the raw zones (landing, the lake
  itself, which the table scan covers, the metastore, the key store and temp): server and
  Airflow task logs, the embedded catalog (an SQLite file, searched as bytes), quality
  results, OpenLineage events, whatever appears there later.

A finding names the place (table and column, or file and line number) and a count, never
the value.
"""

from __future__ import annotations

import os
from functools import reduce
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from citylake.contracts import load_contracts, table_name
from citylake.security.column_protection import RAW_TEXT_COLUMNS
from citylake.security.detectors import find_embedded
from citylake.security.discovery import NO_PLAINTEXT_SCHEMAS, scannable_columns, lake_tables, secure_schemas
from citylake.security.keys import keystore_dir
from citylake.settings import Settings

#: Java regular expressions for candidates; Python confirms them.
CANDIDATE = (r"(?<![0-9A-Za-z])([1-9][0-9]{5}(18|19|20)[0-9]{9}[0-9Xx])(?![0-9A-Za-z])"
             r"|(?<![0-9A-Za-z])(\+?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}(?![0-9A-Za-z])"
             r"|(?<![0-9A-Za-z])([0-9]{4}[ -]?){3}[0-9]{4,7}(?![0-9A-Za-z])")
MAX_CANDIDATES = 5000
MAX_FILE_BYTES = 512 * 2**20


@dataclass(frozen=True)
class Leak:
    place: str   # schema.table or a file path
    where: str   # column, or "line N"
    kind: str
    count: int

    def __str__(self) -> str:
        return f"{self.place} {self.where}: {self.count} {self.kind}"


def protected_columns(settings: Settings) -> dict[str, list[str]]:
    """silver and quarantine table → the columns protection must have turned into ciphertext,
    tokens or NULL (and so must hold no plaintext)."""
    out: dict[str, list[str]] = {}
    for contract in load_contracts(settings.contracts_dir).values():
        for entity in contract.entities:
            cols = [c.name for c in entity.columns if c.sensitivity.protection != "none"]
            if cols:
                name = table_name(contract.source, entity.name)
                out[f"silver.{name}"] = cols
                out[f"quarantine.{name}"] = cols + list(RAW_TEXT_COLUMNS)
    return out


def scan_table(spark: SparkSession, qualified: str, only: Iterable[str] | None = None) -> list[Leak]:
    """Every row of the table's columns (or of ``only``), searched for identifiers in the clear."""
    return scan_tables(spark, [(qualified, only)])


def _cells(spark: SparkSession, qualified: str, only: Iterable[str] | None) -> DataFrame | None:
    """(table, column, value as text) of every cell of the columns worth searching."""
    df = spark.table(qualified)
    wanted = None if only is None else set(only)
    cols = [(name, expr) for name, _, expr in scannable_columns(df) if wanted is None or name in wanted]
    if not cols:
        return None
    cells = F.explode(F.array(*[F.struct(F.lit(name).alias("c"), expr.alias("v")) for name, expr in cols]))
    return df.select(F.lit(qualified).alias("t"), cells.alias("cell")).select("t", "cell.c", "cell.v")


def scan_tables(spark: SparkSession, targets: Iterable[tuple[str, Iterable[str] | None]]) -> list[Leak]:
    """Every cell of the tables (each with its columns, or None for all), searched in ONE Spark
    job over the union of the tables: a lake's fixed cost per job, not per table. Spark
    returns only the candidate cells (``rlike``); Python confirms them."""
    branches = [b for b in (_cells(spark, q, only) for q, only in targets) if b is not None]
    if not branches:
        return []
    union = reduce(DataFrame.unionAll, branches)
    rows = union.where(F.col("v").rlike(CANDIDATE)).limit(MAX_CANDIDATES).collect()
    counts: dict[tuple[str, str, str], int] = {}
    for row in rows:
        for kind, n in find_embedded(row["v"] or "").items():
            counts[(row["t"], row["c"], kind)] = counts.get((row["t"], row["c"], kind), 0) + n
    return [Leak(t, c, kind, n) for (t, c, kind), n in sorted(counts.items())]


def scan_lake(spark: SparkSession, settings: Settings, schemas: Iterable[str] | None = None,
              protected_tables: Iterable[str] | None = None) -> list[Leak]:
    """Gold, published, ops and every secure_* view in full; the protected columns of silver
    and quarantine (or of the ``protected_tables`` among them, ``source__entity``)."""
    if schemas is None:
        schemas = [*NO_PLAINTEXT_SCHEMAS, *secure_schemas(spark), "silver", "quarantine"]
    protected = protected_columns(settings)
    wanted = None if protected_tables is None else set(protected_tables)
    targets: list[tuple[str, Iterable[str] | None]] = []
    for schema, table in lake_tables(spark, schemas):
        qualified = f"{schema}.{table}"
        if schema in ("silver", "quarantine"):
            if qualified in protected and (wanted is None or table in wanted):
                targets.append((qualified, protected[qualified]))
        else:
            targets.append((qualified, None))
    return scan_tables(spark, targets)


def file_roots(settings: Settings) -> tuple[list[Path], list[Path]]:
    """(roots to search, folders to skip): the home, minus the raw zones and the key store."""
    home = settings.home
    skip = [Path(settings.landing), Path(settings.lake), settings.metastore_dir, keystore_dir(settings),
            home / "tmp", settings.run_dir]
    return [home], [p for p in skip if "://" not in str(p)]


def _is_text(path: Path) -> bool:
    with path.open("rb") as fh:
        return b"\0" not in fh.read(8192)


def scan_files(roots: Iterable[Path], skip: Iterable[Path] = ()) -> list[Leak]:
    """Every file under the roots: text line by line, binary files (an SQLite catalog, a
    pickled result) by chunks, since their strings are stored as plain UTF-8 inside."""
    skipped = [p.resolve() for p in skip]
    leaks = []
    for root in roots:
        if not root.exists():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath).resolve()
            dirnames[:] = [d for d in dirnames if (here / d).resolve() not in skipped]
            for filename in filenames:
                path = here / filename
                try:
                    if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                        continue
                    leaks += _scan_text(path) if _is_text(path) else _scan_binary(path)
                except OSError:
                    continue
    return leaks


def _scan_text(path: Path) -> list[Leak]:
    found = []
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            for kind, n in find_embedded(line).items():
                found.append(Leak(str(path), f"line {number}", kind, n))
    return found


def _scan_binary(path: Path, chunk: int = 1 << 20, overlap: int = 64) -> list[Leak]:
    counts: dict[str, int] = {}
    with path.open("rb") as fh:
        tail = b""
        while block := fh.read(chunk):
            data = tail + block
            for kind, n in find_embedded(data.decode("utf-8", errors="replace")).items():
                counts[kind] = counts.get(kind, 0) + n
            tail = data[-overlap:]  # a value cut by the chunk border is found (maybe twice: it is a count)
    return [Leak(str(path), "binary", kind, n) for kind, n in sorted(counts.items())]


def scan_everything(spark: SparkSession, settings: Settings) -> list[Leak]:
    roots, skip = file_roots(settings)
    return scan_lake(spark, settings) + scan_files(roots, skip)
