"""The proof: after the city ran through silver, views were made, data was decrypted, the lake
scanned and the catalog synced, an independent search finds no citizen ID, phone or bank card in
the clear where none may be — ops tables (audit log, scan results, quality results when quality
ran in the same lake), gold and published, the secure views, protected silver and quarantine
columns, server and task logs, the catalog — and no key material anywhere but the key store."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from functools import reduce
from pathlib import Path
from typing import Iterator

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from citylake.catalog.config import catalog_db
from citylake.security.discovery import LATEST_VIEW, SCAN_TABLE
from citylake.security.keys import keyring, keystore_dir
from citylake.security.leaks import file_roots, scan_files, scan_lake, scan_table
from citylake.settings import SOURCE_ROOT
from secured_city import ENTITY_TABLES

pytestmark = pytest.mark.spark

_DIGIT_RUNS = re.compile(rb"[0-9Xx]{11,}")


def test_discovery_tags_every_column_and_finds_no_leak(spark, exercised):
    findings = exercised
    by_column = {(f["schema_name"], f["table_name"], f["column_name"]): f for f in findings}
    assert by_column[("bronze", "public_security__persons", "citizen_id")]["detected"] == "citizen_id"
    assert by_column[("bronze", "public_security__persons", "name")]["detected"] == "person_name"
    persons = {c: by_column[("silver", "public_security__persons", c)] for c in ("citizen_id", "phone", "name")}
    assert {f["status"] for f in persons.values()} == {"protected"}
    assert persons["citizen_id"]["tag_grade"] == 4 and persons["citizen_id"]["tag_classification"] == "important"
    assert [f for f in findings if f["status"] == "plaintext_leak"] == []
    latest = spark.table(LATEST_VIEW).where(F.col("table_name") == "public_security__persons")
    assert {r["schema_name"] for r in latest.select("schema_name").distinct().collect()} == \
        {"bronze", "silver", "quarantine"}
    assert latest.select("scan_id").distinct().count() == 1 and "_rank" not in latest.columns
    assert spark.table(SCAN_TABLE).count() >= len(findings)


def test_the_leak_scan_is_not_blind(spark):
    """The same scanner finds the plaintext where it is by design: bronze, the raw zone."""
    found = {(x.where, x.kind) for x in scan_table(spark, "bronze.public_security__persons")}
    assert ("citizen_id", "citizen_id") in found and ("phone", "phone") in found


def _searched_files(settings) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    """Every file the file scan covers: the home minus the raw zones, the key store and the
    generator's ground truth (the tests' answers)."""
    roots, skip = file_roots(settings)
    skipped = {p.resolve() for p in [*skip, Path(settings.landing).parent / "ground_truth"]}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath).resolve()
            dirnames[:] = [d for d in dirnames if (here / d).resolve() not in skipped]
            yield from (here / f for f in filenames if (here / f).is_file())


def test_no_plaintext_in_ops_views_protected_columns_logs_or_catalog(spark, settings, exercised):
    assert spark.catalog.tableExists("ops.audit_log") and spark.catalog.tableExists("secure_analyst.silver__public_security__persons")
    assert catalog_db(settings).is_file(), "the catalog was synced"
    assert [str(x) for x in scan_lake(spark, settings, protected_tables=ENTITY_TABLES)] == []
    roots, skip = file_roots(settings)
    truth = Path(settings.landing).parent / "ground_truth"  # the generator's answers, for tests' eyes only
    airflow = [Path(os.environ["AIRFLOW_HOME"])] if os.environ.get("AIRFLOW_HOME") else []  # the tests' Airflow logs
    assert [str(x) for x in scan_files([*roots, *airflow], [*skip, truth])] == []


def _holds(data: bytes, needles: set[bytes]) -> int:
    """How many needles (IDs, phones: runs of 11+ digits) occur in ``data``: every window of
    a needle's length in every digit run, looked up in a set — linear in the data."""
    lengths = {len(n) for n in needles}
    hits = 0
    for run in _DIGIT_RUNS.findall(data):
        for size in lengths:
            hits += sum(run[i:i + size] in needles for i in range(len(run) - size + 1))
    return hits


def test_no_delivered_value_appears_verbatim_outside_the_raw_zones(spark, settings, exercised, delivered):
    """Independent of the detectors: the very IDs and phones delivered, searched as strings in
    every ops table, every secure view and every file the file scan covers."""
    needles = {v.encode() for v in delivered["citizen_id"] | delivered["phone"] if len(v) >= 11}
    assert len(needles) > 100
    schemas = ["ops", *sorted(d.name for d in spark.catalog.listDatabases() if d.name.startswith("secure_"))]
    branches = []
    for schema in schemas:
        for table in spark.catalog.listTables(dbName=schema):
            if table.isTemporary:  # a session's own views, not the lake's
                continue
            df = spark.table(f"{schema}.{table.name}")  # every column, whatever its type, as text
            text = F.concat_ws("\u0001", *[F.coalesce(F.col(f"`{c}`").cast("string"), F.lit("")) for c in df.columns])
            branches.append(df.select(F.lit(f"{schema}.{table.name}").alias("t"), text.alias("v")))
    assert len(branches) > 5
    by_table: dict[str, list[str]] = {}
    for row in reduce(DataFrame.unionAll, branches).collect():  # one job for every table
        by_table.setdefault(row["t"], []).append(row["v"])
    for table, values in by_table.items():
        found = _holds("\u0002".join(values).encode(), needles)
        assert not found, f"{table} holds {found} delivered value(s)"
    for path in _searched_files(settings):
        found = _holds(path.read_bytes(), needles)
        assert not found, f"{path} holds {found} delivered value(s)"


def _key_material(settings) -> re.Pattern[bytes]:  # type: ignore[no-untyped-def]
    """Every secret of the key store, in every encoding it could be written in, as one pattern."""
    secrets = [base64.b64decode(p.read_text().strip()) for p in (keystore_dir(settings) / "master").glob("v*.key")]
    secrets += [r.key() for r in keyring(settings).refs()]
    forms = []
    for s in secrets:
        forms += [s, s.hex().encode(), s.hex().upper().encode(), base64.b64encode(s), base64.urlsafe_b64encode(s).rstrip(b"=")]
    assert len(secrets) >= 4
    return re.compile(b"|".join(re.escape(f) for f in forms))


def test_no_key_material_in_the_repository_or_any_log(settings, exercised):
    pattern = _key_material(settings)
    listed = subprocess.run(["git", "-C", str(SOURCE_ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        path = SOURCE_ROOT / rel
        if path.is_file():
            assert not pattern.search(path.read_bytes()), f"key material in the repository: {rel}"
    store = keystore_dir(settings).resolve()
    for dirpath, dirnames, filenames in os.walk(settings.home):
        here = Path(dirpath).resolve()
        dirnames[:] = [d for d in dirnames if (here / d).resolve() != store]
        for name in filenames:  # Spark's copies of the project's jars (hundreds of MB of Maven's bytes) aside
            if (here / name).is_file() and not name.endswith((".jar", ".so")):
                assert not pattern.search((here / name).read_bytes()), f"key material outside the key store: {here / name}"
