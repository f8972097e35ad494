"""OpenLineage: what the Airflow DAGs report they read and wrote, into the catalog.

The Airflow OpenLineage provider writes one run event per task start and end to a file
(file transport; ``openlineage_env`` gives the Airflow environment that does it). Each
task declares its datasets (``task_datasets``: landing container → bronze → silver and
quarantine, with a column-lineage facet), so an event carries the same column lineage
the contracts describe, now as an observation of a run with its job.
``read_events`` turns a COMPLETE event's inputs and outputs into lineage edges.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from citylake.catalog import naming as n
from citylake.catalog.lineage import bronze_pairs, dag_id, edge, quarantine_pairs, silver_pairs
from citylake.catalog.payload import Payload
from citylake.contracts import EntityContract, SourceContract, table_name
from citylake.settings import Settings

NAMESPACE = "citylake"
_TABLE = re.compile(r"^(?:spark_catalog\.)?(bronze|silver|quarantine|gold|published|ops|standards)\.([A-Za-z0-9_]+)$")
_LANDING = re.compile(r"^landing[./]([A-Za-z0-9_]+)[./]([A-Za-z0-9_]+)$")


def openlineage_env(settings: Settings) -> dict[str, str]:
    """Airflow configuration that makes the OpenLineage provider append its events to
    ``<home>/openlineage/events.jsonl``, where ``citylake catalog sync`` reads them."""
    from citylake.catalog.config import events_file

    path = events_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW__OPENLINEAGE__NAMESPACE": NAMESPACE,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps({"type": "file", "log_file_path": str(path), "append": True}),
        "AIRFLOW__OPENLINEAGE__DISABLE_SOURCE_CODE": "true",
    }


def dataset_name(kind: str, fqn: str) -> str:
    """The OpenLineage dataset name of a catalog entity: ``silver.x`` or ``landing.src.entity``."""
    return n.short_name(kind, fqn)


def entity_of(name: str) -> tuple[str, str] | None:
    """(kind, FQN) of an OpenLineage dataset name, or None for datasets outside the lake."""
    if m := _TABLE.match(name):
        return "table", n.table_fqn(m.group(1), m.group(2))
    if m := _LANDING.match(name):
        return "container", n.container_fqn(m.group(1), m.group(2))
    return None


def task_datasets(contract: SourceContract, entity: EntityContract, stage: str) -> tuple[list[Any], list[Any]]:
    """(inlets, outlets) of a source DAG's ``bronze`` or ``silver`` task as OpenLineage
    datasets, the outputs with a column-lineage facet, for Airflow's ``inlets=``/``outlets=``."""
    from openlineage.client.event_v2 import Dataset
    from openlineage.client.facet_v2 import column_lineage_dataset as cl

    table = table_name(contract.source, entity.name)

    def facet(source: str, pairs: list[tuple[list[str], str]]) -> dict[str, Any]:
        fields = {to: cl.Fields(inputFields=[cl.InputField(namespace=NAMESPACE, name=source, field=f) for f in froms],
                                transformationDescription="", transformationType="")
                  for froms, to in pairs}
        return {"columnLineage": cl.ColumnLineageDatasetFacet(fields=fields)}

    bronze = f"bronze.{table}"
    if stage == "bronze":
        landing = f"landing.{contract.source}.{entity.name}"
        return ([Dataset(namespace=NAMESPACE, name=landing)],
                [Dataset(namespace=NAMESPACE, name=bronze, facets=facet(landing, bronze_pairs(entity)))])
    from citylake.catalog.tables import expected_columns

    silver_cols = [c.name for c in expected_columns("silver", entity)]
    quarantine_cols = [c.name for c in expected_columns("quarantine", entity)]
    return ([Dataset(namespace=NAMESPACE, name=bronze)],
            [Dataset(namespace=NAMESPACE, name=f"silver.{table}", facets=facet(bronze, silver_pairs(entity, silver_cols))),
             Dataset(namespace=NAMESPACE, name=f"quarantine.{table}",
                     facets=facet(bronze, quarantine_pairs(entity, quarantine_cols)))])


def _events(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line.startswith("{"):
                try:
                    yield json.loads(line)
                except ValueError:
                    continue


def read_events(path: Path) -> list[Payload]:
    """Lineage edges (origin ``openlineage``) from the COMPLETE events of a file; an edge
    seen in many runs is one edge with the union of its column pairs."""
    if not path.is_file():
        return []
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for event in _events(path):
        if event.get("eventType") != "COMPLETE":
            continue
        job = (event.get("job") or {}).get("name", "")
        dag = job.split(".", 1)[0]
        pipeline = n.pipeline_fqn(dag) if dag.startswith(dag_id("")) else None
        inputs = [(d, entity_of(d.get("name", ""))) for d in event.get("inputs") or []]
        for output in event.get("outputs") or []:
            target = entity_of(output.get("name", ""))
            if target is None:
                continue
            fields = ((output.get("facets") or {}).get("columnLineage") or {}).get("fields") or {}
            for dataset, source in inputs:
                if source is None:
                    continue
                key = (source[1], target[1])
                entry = found.setdefault(key, {"from": source, "to": target, "pairs": {}, "pipeline": pipeline})
                for column, spec in fields.items():
                    froms = [f["field"] for f in spec.get("inputFields", []) if f.get("name") == dataset.get("name")]
                    if froms:
                        have = entry["pairs"].setdefault(column, [])
                        have += [f for f in froms if f not in have]
    return [edge(e["from"][0], e["from"][1], e["to"][0], e["to"][1], [(f, t) for t, f in e["pairs"].items()],
                 source="OpenLineage", origin="openlineage", pipeline=e["pipeline"],
                 description="Reported by an Airflow run (OpenLineage).") for e in found.values()]
