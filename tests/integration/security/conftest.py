"""A small generated city through bronze and silver, and what its departments delivered.

Three entities are enough to show every protection: the household register (citizen ID
as the SCD2 key, names, phones; households with their street code for tenants) and
social insurance (the same people's IDs in another department). Only the first delivery
day runs: the protections are the same on every day.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from citylake.security.policy import Policy
from citylake.standards.identifiers import normalize_citizen_id
from citylake.standards.validators import normalize_phone
from secured_city import DAY, ENTITIES, ENTITY_TABLES, PUBLISHED, PUBLISHED_NAMES, PUBLISHED_POLICY, lake_specs_of_entities, person_in_silver

#: Roles over silver: gold does not exist yet, and views are generated from tags alike.
TEST_POLICY = Policy.model_validate({"roles": {
    "analyst": {"kind": "analyst", "description": "analysts", "layers": ["silver"], "clear_max_grade": 1},
    "steward": {"kind": "steward", "description": "stewards", "layers": ["silver"], "clear_max_grade": 2,
                "decrypt": {"purposes": ["quality_review"], "max_grade": 4}},
    "jiangan": {"kind": "tenant", "description": "Jiang'an register office", "layers": ["silver"],
                "clear_max_grade": 2, "tenant": {"sources": ["public_security"], "divisions": ["420102"]},
                "decrypt": {"purposes": ["service_delivery"], "max_grade": 3}},
    "auditor": {"kind": "auditor", "description": "auditors", "layers": ["ops"]},
}})


@pytest.fixture(scope="session")
def secured_silver(spark, settings, city: Path) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Bronze then silver of the three entities for the first day, side by side (as their Airflow
    tasks run), after the lake is set up once (schemas, code tables, ops tables). In a full test
    run the pipeline tests have loaded the day already, with the same key store: then there is
    nothing to do (a re-run would change no table, and costs minutes of a 2-core machine)."""
    from citylake import pipeline
    from citylake.ops import ensure_ops
    from citylake.spark import ensure_schemas
    from citylake.standards.publish import publish_standards

    ensure_schemas(spark, settings)
    publish_standards(spark)
    ensure_ops(spark)
    done = {(r["source"], r["entity"]) for r in spark.sql(
        f"SELECT DISTINCT source, entity FROM ops.batch_reconciliation "
        f"WHERE day = DATE'{DAY.isoformat()}' AND status = 'reconciled'").collect()}

    def run(source: str, entity: str) -> None:
        pipeline.bronze(source, entity, DAY, settings, strict=False)
        pipeline.silver(source, entity, DAY, settings)

    with ThreadPoolExecutor(max_workers=len(ENTITIES)) as pool:
        for future in [pool.submit(run, s, e) for s, e in ENTITIES if (s, e) not in done]:
            future.result()
    return ENTITIES


@pytest.fixture(scope="session")
def delivered(spark, secured_silver) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    """The plaintext the departments delivered (bronze), standardized as silver stores it."""
    ids: set[str] = set()
    phones: set[str] = set()
    names: set[str] = set()
    for table, id_col, name_col, phone_col in (
        ("bronze.public_security__persons", "citizen_id", "name", "phone"),
        ("bronze.public_security__households", "head_citizen_id", "head_name", None),
        ("bronze.hr_social_security__insurance", "citizen_id", "name", "phone"),
    ):
        cols = [c for c in (id_col, name_col, phone_col) if c]
        for row in spark.table(table).select(*cols).collect():
            if row[id_col]:
                ids.add(normalize_citizen_id(row[id_col]) or "")
                ids.add(row[id_col])
            if row[name_col]:
                names.add(row[name_col].strip())
            if phone_col and row[phone_col]:
                checked = normalize_phone(row[phone_col])
                phones.add(checked.value if checked.ok else row[phone_col])
    ids.discard("")
    return {"citizen_id": ids, "phone": phones, "name": names}


@pytest.fixture(scope="session")
def test_policy() -> Policy:
    return TEST_POLICY


@pytest.fixture(scope="session")
def published_views(spark, settings):  # type: ignore[no-untyped-def]
    """A published-like table with no contract (gold and published are dbt's): twelve service
    records with a token, a name (which the views must mask), an address, the department that
    serves the person and the district; scanned, then given its views. Dropped at the end."""
    from citylake.security.views import refresh_views

    rows = [(f"{i:064x}", name, f"湖北省武汉市江岸区解放大道{i + 1}号", "civil_affairs" if i % 2 else "health",
             "420102" if i % 3 else "420103", "低保" if i % 2 else "医保") for i, name in enumerate(PUBLISHED_NAMES)]
    spark.sql("CREATE DATABASE IF NOT EXISTS published")
    spark.createDataFrame(rows, "person_token string, holder_name string, address string, source string, "
                                "district_code string, service string") \
        .write.format("delta").mode("overwrite").saveAsTable(PUBLISHED)
    plans = {p.view: p for p in refresh_views(spark, settings, PUBLISHED_POLICY, scan_first=("published",))}
    yield plans
    for view in plans:
        spark.sql(f"DROP VIEW IF EXISTS {view}")
    spark.sql(f"DROP TABLE IF EXISTS {PUBLISHED}")


@pytest.fixture(scope="session")
def silver_views(spark, settings, secured_silver, test_policy):  # type: ignore[no-untyped-def]
    """TEST_POLICY's views of the three entities' silver tables (and the auditor's of ops), by view name."""
    from citylake.security.views import sync_views

    return {p.view: p for p in sync_views(spark, settings, test_policy, lake_specs_of_entities(spark, settings))}


@pytest.fixture(scope="session")
def exercised(spark, settings, silver_views, published_views, test_policy, delivered):  # type: ignore[no-untyped-def]
    """Everything that could leak has happened: role views made, a decryption granted (through
    the command a steward types) and one refused, a discovery scan printed and recorded, and the
    catalog synced with the scan's tags. Returns the scan's findings."""
    import json

    import typer
    from typer.testing import CliRunner

    from citylake.catalog.sync import sync
    from citylake.security.access import AccessDenied, DecryptRequest, decrypt
    from citylake.security.commands import keys_app, security_app
    cli = typer.Typer()
    cli.add_typer(security_app, name="security")
    cli.add_typer(keys_app, name="keys")
    cid = person_in_silver(spark, settings)[0]
    granted = CliRunner().invoke(cli, ["security", "decrypt", "--role", "steward", "--purpose", "quality_review",
                                       "--table", "silver.public_security__persons", "--column", "citizen_id",
                                       "--column", "phone", "--match", f"citizen_id={cid}", "--format", "json"])
    assert granted.exit_code == 0 and cid in granted.output, granted.output
    with pytest.raises(AccessDenied):
        decrypt(spark, settings, DecryptRequest("analyst", "quality_review", "silver.public_security__persons",
                                                ["phone"]), test_policy)
    tables = [f"{layer}.{t}" for layer in ("bronze", "silver", "quarantine") for t in ENTITY_TABLES]
    scanned = CliRunner().invoke(cli, ["security", "scan", "--format", "json", *[a for t in tables for a in ("--table", t)]])
    assert scanned.exit_code == 0, scanned.output
    sync(settings)
    return json.loads(scanned.output)
