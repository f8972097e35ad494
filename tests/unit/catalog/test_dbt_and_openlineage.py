"""Gold lineage from any dbt manifest, and lineage from OpenLineage run events."""

from __future__ import annotations

import json
from pathlib import Path

from citylake.catalog import naming as n
from citylake.catalog.config import catalog_db
from citylake.catalog.dbt import read_dbt
from citylake.catalog.graph import label, walk
from citylake.catalog.openlineage import read_events, task_datasets
from citylake.catalog.store import Store
from citylake.contracts import load_contracts
from citylake.settings import Settings


def test_dbt_models_become_gold_tables_with_column_lineage(fixtures: Path) -> None:
    payloads = read_dbt(fixtures / "dbt" / "manifest.json", fixtures / "dbt" / "catalog.json",
                        teams={"public-security-household"}, domains={"population"},
                        known_columns={"silver.public_security__persons": ["citizen_id", "name", "gender", "birth_date",
                                                                           "is_current"]})
    tables = {p.fqn: p for p in payloads if p.kind == "table"}
    dim = tables[n.table_fqn("gold", "dim_person")]
    assert [c["name"] for c in dim.request["columns"]] == ["person_citizen_id", "person_name", "age"]
    assert dim.request["columns"][2]["dataType"] == "BIGINT"
    assert tables[n.table_fqn("gold", "stg_public_security__persons")].request["tableType"] == "View"
    edges = {(p.meta["from"][1], p.meta["to"][1]): p for p in payloads if p.kind == "lineage"}
    mart = edges[(n.table_fqn("gold", "stg_public_security__persons"), dim.fqn)]
    pairs = {to: froms for froms, to in mart.meta["columns"]}
    assert pairs == {"person_citizen_id": ["citizen_id"], "person_name": ["person_name"], "age": ["birth_date"]}
    staging = edges[(n.table_fqn("silver", "public_security__persons"), n.table_fqn("gold", "stg_public_security__persons"))]
    assert ["name"] in [f for f, t in staging.meta["columns"] if t == "person_name"]
    assert staging.request["edge"]["lineageDetails"]["source"] == "DbtLineage"
    without_schema = read_dbt(fixtures / "dbt" / "manifest.json")  # a star it cannot expand names no column
    assert all("*" not in f for p in without_schema if p.kind == "lineage" for f, _ in p.meta["columns"])


def test_column_lineage_traces_a_mart_column_back_to_the_landing_file(synced: Settings) -> None:
    with Store(catalog_db(synced)) as store:
        kind, fqn = store.resolve("gold.dim_person")
        graph = walk(store, fqn, "person_citizen_id", downstream=False)
        path = {label(graph.nodes[a]): label(graph.nodes[b]) for a, b in graph.edges}
    assert path["landing.public_security.persons.公民身份号码"] == "bronze.public_security__persons.citizen_id"
    assert path["bronze.public_security__persons.citizen_id"] == "silver.public_security__persons.citizen_id"
    assert path["silver.public_security__persons.citizen_id"] == "gold.stg_public_security__persons.citizen_id"
    assert path["gold.stg_public_security__persons.citizen_id"] == "gold.dim_person.person_citizen_id"


def test_openlineage_events_become_edges(fixtures: Path) -> None:
    edges = {(p.meta["from"][1], p.meta["to"][1]): p for p in read_events(fixtures / "openlineage_events.jsonl")}
    landing = (n.container_fqn("public_security", "persons"), n.table_fqn("bronze", "public_security__persons"))
    assert set(edges) == {landing, (landing[1], n.table_fqn("silver", "public_security__persons"))}
    assert sorted(edges[landing].meta["columns"]) == [[["公民身份号码"], "citizen_id"], [["姓名"], "name"]]
    assert edges[landing].meta["pipeline"] == n.pipeline_fqn("citylake_source__public_security")
    assert edges[landing].request["edge"]["lineageDetails"]["source"] == "OpenLineage"


def test_task_datasets_round_trip_through_an_event_file(tmp_path: Path, catalog_settings: Settings) -> None:
    """What the DAGs declare as inlets/outlets comes back as the contract's column lineage."""
    from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
    from openlineage.client.serde import Serde
    from openlineage.client.uuid import generate_new_uuid

    contract = load_contracts(catalog_settings.contracts_dir)["public_security"]
    entity = contract.entity("persons")
    lines = []
    for stage in ("bronze", "silver"):
        inputs, outputs = task_datasets(contract, entity, stage)
        event = RunEvent(eventType=RunState.COMPLETE, eventTime="2026-01-01T00:00:00Z", run=Run(runId=str(generate_new_uuid())),
                         job=Job(namespace="citylake", name=f"citylake_source__public_security.persons.{stage}"),
                         producer="citylake-test", inputs=inputs, outputs=outputs)
        lines.append(Serde.to_json(event))
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edges = {(p.meta["from"][1], p.meta["to"][1]): p for p in read_events(path)}
    bronze = edges[(n.container_fqn("public_security", "persons"), n.table_fqn("bronze", "public_security__persons"))]
    assert [["公民身份号码"], "citizen_id"] in bronze.meta["columns"]
    quarantine = edges[(n.table_fqn("bronze", "public_security__persons"),
                        n.table_fqn("quarantine", "public_security__persons"))]
    assert [["citizen_id"], "citizen_id"] in quarantine.meta["columns"]
    assert json.loads(lines[0])["outputs"][0]["facets"]["columnLineage"]["fields"]["citizen_id"]
