"""The whole catalog as payloads: governance, contracts, the live lake, dbt, OpenLineage.

Pure assembly: every source of facts is read by its own module; here they are merged
(a live table wins over the contract's expectation of it, contract facts describe it)
and pruned so that every edge joins entities and columns the set holds.
"""

from __future__ import annotations

import logging

from pathlib import Path
from typing import Iterable

from citylake.catalog import governance, lineage, tables
from citylake.catalog.payload import Payload, dedupe
from citylake.catalog.tables import LiveTable
from citylake.contracts import SourceContract, table_name

CONTRACT_LAYERS = ("bronze", "silver", "quarantine")

log = logging.getLogger(__name__)


def contract_index(contracts: Iterable[SourceContract]) -> dict[str, tuple[SourceContract, object]]:
    """``<layer>.<source>__<entity>`` → (contract, entity) for every contract table."""
    out = {}
    for contract in contracts:
        for entity in contract.entities:
            for layer in CONTRACT_LAYERS:
                out[f"{layer}.{table_name(contract.source, entity.name)}"] = (contract, entity)
    return out


def lake_tables(contracts: Iterable[SourceContract], live: Iterable[LiveTable], origin: str = "lake") -> list[Payload]:
    """Payloads of the tables the lake holds, described by their contract where one exists."""
    index = contract_index(contracts)
    out = []
    for table in live:
        found = index.get(table.qualified)
        if found:
            contract, entity = found
            out.append(tables.contract_table(table.schema, contract, entity, table, origin))  # type: ignore[arg-type]
        else:
            out.append(tables.platform_table(table, origin))
    return out


def build_catalog(contracts: dict[str, SourceContract], live: list[LiveTable] | None = None,
                  extra: Iterable[Payload] = ()) -> list[Payload]:
    """Every payload: governance and expected tables from the contracts, the live lake's
    tables over them, and any extra payloads (dbt, OpenLineage) last."""
    cs = list(contracts.values())
    payloads = governance.governance(cs)
    for contract in cs:
        for entity in contract.entities:
            payloads += [tables.contract_table(layer, contract, entity) for layer in CONTRACT_LAYERS]
    payloads += lineage.contract_lineage(cs)
    payloads += lineage.resolution_lineage(cs)
    if live is not None:
        payloads += lake_tables(cs, live)
    payloads += list(extra)
    return lineage.prune(dedupe(payloads))


def default_dbt_artifacts(targets: Iterable[Path]) -> tuple[Path | None, Path | None]:
    """dbt's manifest.json and catalog.json from the first of ``targets`` holding a manifest.

    The caller lists the home's build target first: only a build's manifest has the
    compiled SQL that column lineage is read from (the project's own target holds the
    parsed manifest the gold DAG renders from, with dependencies but no SQL)."""
    for target in targets:
        manifest, catalog = target / "manifest.json", target / "catalog.json"
        if manifest.is_file():
            return manifest, catalog if catalog.is_file() else None
    return None, None


def view_edges(live: list[LiveTable]) -> list[Payload]:
    """Lineage of the lake's views from their SQL text (e.g. ops.batch_reconciliation)."""
    from citylake.catalog import naming as n
    from citylake.catalog.sqllineage import column_sources, read_tables

    schema: dict[str, dict[str, dict[str, str]]] = {}
    for t in live:
        schema.setdefault(t.schema, {})[t.name] = {c.name: c.type for c in t.columns}
    out = []
    for view in (t for t in live if t.kind == "view" and t.view_text):
        traced = column_sources(view.view_text, [c.name for c in view.columns], schema)
        for source in read_tables(view.view_text):
            if "." not in source:
                continue
            db, table = source.split(".", 1)
            pairs = [([c for t, c in found if t == source], col) for col, found in traced.items()]
            try:
                out.append(lineage.edge("table", n.table_fqn(db, table), "table", n.table_fqn(view.schema, view.name),
                                        [(f, t) for f, t in pairs if f], source="ViewLineage", origin="lake",
                                        sql=view.view_text, description="A view over it."))
            except ValueError as exc:  # a name the catalog cannot hold: the view keeps its table-level place
                log.warning("no lineage edge %s → %s.%s: %s", source, view.schema, view.name, exc)
    return out
