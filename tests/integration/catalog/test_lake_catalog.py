"""The catalog of a real lake: tables registered by the stages that wrote them, a full
sync from the live lake, every payload valid, and column lineage down to the landing file."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from citylake.catalog import naming as n
from citylake.catalog.config import catalog_db
from citylake.catalog.graph import label, walk
from citylake.catalog.register import register_table
from citylake.catalog.store import Store
from citylake.catalog.sync import stored_payloads, sync, validate
from citylake.settings import Settings

pytestmark = pytest.mark.spark
DAY = dt.date(2026, 1, 1)
SOURCE = "public_security"


@pytest.fixture(scope="module")
def lake(spark, settings: Settings, request: pytest.FixtureRequest) -> Settings:  # type: ignore[no-untyped-def]
    """Day 0 of the household register through bronze and silver, on a small generated city
    (the session's shared city when the test suite has one)."""
    from citylake import pipeline

    landing = Path(settings.landing)
    if not (landing / SOURCE).is_dir():
        try:
            request.getfixturevalue("city")
        except pytest.FixtureLookupError:
            from citylake.generate.city import generate_city
            from citylake.generate.config import load_config

            generate_city(load_config(None, people=300, seed=7, days=0), landing.parent)
    pipeline.bronze(SOURCE, "persons", DAY, settings, strict=False)
    pipeline.silver(SOURCE, "persons", DAY, settings)
    return settings


def test_a_stage_registers_what_it_wrote_cheaply_and_once(spark, lake: Settings) -> None:  # type: ignore[no-untyped-def]
    from citylake.contracts import load_contracts

    contract = load_contracts(lake.contracts_dir)[SOURCE]
    entity = contract.entity("persons")
    layers = (("bronze", "bronze"), ("silver", "silver"), ("quarantine", "silver"))
    with Store(catalog_db(lake)) as store:  # the stages that created the tables registered them
        for layer, _ in layers:
            assert store.entity("table", n.table_fqn(layer, f"{SOURCE}__persons")) is not None, layer
    started = time.monotonic()
    for layer, stage in layers:  # once: registering again changes nothing, and costs little
        assert not register_table(spark, f"{layer}.{SOURCE}__persons", contract, entity, stage, lake)
    assert time.monotonic() - started < 6
    with Store(catalog_db(lake)) as store:
        silver = store.entity("table", n.table_fqn("silver", f"{SOURCE}__persons"))
        assert silver is not None and silver.origin == "stage"
        assert silver.request["owners"][0]["fullyQualifiedName"] == contract.owner
        assert {"Tier.Tier2", "DataGrade.Grade4"} <= {t["tagFQN"] for t in silver.request["tags"]}
        sources = {r["source"] for r in store.neighbours(silver.fqn, upstream=True)}
        assert "SparkLineage" in sources


def test_sync_catalogs_every_table_of_the_lake(spark, lake: Settings) -> None:  # type: ignore[no-untyped-def]
    report = sync(lake, lake=True, events=lake.home / "no-events.jsonl")
    assert "lake" in report.sources
    live = {f"{r['namespace']}.{r['tableName']}" for schema in ("bronze", "silver", "quarantine", "ops", "standards")
            for r in spark.sql(f"SHOW TABLES IN {schema}").collect() if not r["isTemporary"]}
    assert {f"silver.{SOURCE}__persons", "ops.batch_log", "ops.batch_reconciliation", "standards.code_lookup"} <= live
    with Store(catalog_db(lake)) as store:
        for qualified in live:
            kind, fqn = store.resolve(qualified)
            table = store.entity(kind, fqn)
            assert table is not None and table.meta.get("live"), qualified
            columns = store.columns(fqn)
            described = [c["name"] for c in columns if c["description"]]
            assert [c["name"] for c in columns] == [c.name for c in spark.table(qualified).schema.fields]
            if qualified.startswith(("bronze.", "silver.", "quarantine.", "ops.")):
                assert len(described) == len(columns), f"{qualified}: undescribed columns"


def test_every_payload_of_the_live_catalog_validates(lake: Settings) -> None:
    result = validate(lake)
    assert result["errors"] == []
    assert result["checked"] == len(stored_payloads(lake))


def test_column_lineage_from_silver_back_to_the_landing_file(lake: Settings) -> None:
    with Store(catalog_db(lake)) as store:
        kind, fqn = store.resolve(f"silver.{SOURCE}__persons")
        graph = walk(store, fqn, "citizen_id", downstream=False)
        edges = {(label(graph.nodes[a]), label(graph.nodes[b])) for a, b in graph.edges}
        assert (f"landing.{SOURCE}.persons.公民身份号码", f"bronze.{SOURCE}__persons.citizen_id") in edges
        assert (f"bronze.{SOURCE}__persons.citizen_id", f"silver.{SOURCE}__persons.citizen_id") in edges
        kind, fqn = store.resolve("ops.batch_reconciliation")
        graph = walk(store, fqn, "balanced", downstream=False)
        assert ("ops.batch_log.rows_read", "ops.batch_reconciliation.balanced") in {
            (label(graph.nodes[a]), label(graph.nodes[b])) for a, b in graph.edges}
