"""Lineage from the contracts and the Spark stages: landing file → bronze → silver and
quarantine, table to table and column to column.

A contract says which delivered field becomes which column (``source_name``), so the
column lineage of bronze, silver and quarantine needs no SQL parsing: silver.citizen_id
comes from bronze.citizen_id, which comes from the delivered file's 公民身份号码. The
stages add what only the written table knows (columns added by schema evolution) when
they register the table they wrote (``register``).
"""

from __future__ import annotations

from typing import Any, Iterable

from citylake.catalog import governance as g
from citylake.catalog import naming as n
from citylake.catalog.datatypes import om_column
from citylake.catalog.payload import Payload, ref
from citylake.catalog.tables import LiveColumn, column_tags, expected_columns
from citylake.contracts import EntityContract, SourceContract, table_name

Pairs = list[tuple[list[str], str]]
_FORMATS = {"csv": ["csv"], "jsonl": ["json"], "stream": ["json"], "parquet": ["parquet"], "jdbc": []}
_CARRIED = ("_batch_id", "_source_file", "_line", "_day", "_ingested_at")


def dag_id(source: str) -> str:
    """The Airflow DAG of a department (as citylake.orchestration names it)."""
    return f"citylake_source__{source}"


def edge(from_kind: str, from_fqn: str, to_kind: str, to_fqn: str, pairs: Pairs, *, source: str, origin: str,
         pipeline: str | None = None, description: str | None = None, sql: str | None = None) -> Payload:
    """An AddLineageRequest (the edge and its column lineage) as a payload."""
    details: dict[str, Any] = {"source": source}
    if pairs:
        details["columnsLineage"] = [{"fromColumns": [n.column_fqn(from_fqn, c) for c in froms],
                                      "toColumn": n.column_fqn(to_fqn, to)} for froms, to in pairs]
    if pipeline:
        details["pipeline"] = ref("pipeline", pipeline)
    if description:
        details["description"] = description
    if sql:
        details["sqlQuery"] = sql
    request = {"edge": {"fromEntity": ref(from_kind, from_fqn), "toEntity": ref(to_kind, to_fqn),
                        "lineageDetails": details}}
    return Payload("lineage", f"{from_fqn}->{to_fqn}", request, origin, meta={
        "from": [from_kind, from_fqn], "to": [to_kind, to_fqn], "columns": [[list(f), t] for f, t in pairs],
        "source": source, "pipeline": pipeline})


# --- landing containers and pipelines -----------------------------------------------------

def landing_columns(entity: EntityContract) -> list[dict[str, Any]]:
    """The delivered fields, by the names the department uses: text, but for Parquet."""
    typed = entity.format == "parquet"
    return [om_column(c.delivered_as, c.type if typed else "string", c.description or c.name, column_tags(c))
            for c in entity.columns]


def landing_containers(contract: SourceContract) -> list[Payload]:
    """The department's folder in the landing zone, and one container per entity with the
    delivered fields as its data model."""
    owners, domains = [ref("team", contract.owner)], [contract.domain]
    parent = n.container_fqn(contract.source)
    out = [Payload("container", parent, {
        "name": contract.source, "service": n.LANDING_SERVICE, "displayName": contract.department,
        "description": f"What {contract.department} delivers. {contract.description}".strip(),
        "prefix": f"/{contract.source}/", "owners": owners, "domains": domains}, "contracts",
        meta={"short": n.short_name("container", parent)})]
    for entity in contract.entities:
        fqn = n.container_fqn(contract.source, entity.name)
        where = (f"read over SQL from table `{entity.jdbc.table}` of the department's database, one day at a time"
                 if entity.jdbc else f"files under `{entity.path or contract.source + '/' + entity.name}/day=YYYY-MM-DD/`")
        request: dict[str, Any] = {
            "name": entity.name, "service": n.LANDING_SERVICE, "parent": ref("container", parent),
            "displayName": entity.title, "owners": owners, "domains": domains,
            "description": f"{entity.title}: {entity.format} ({entity.encoding}), {where}. {entity.description}".strip(),
            "prefix": f"/{entity.path or contract.source + '/' + entity.name}/",
            "dataModel": {"isPartitioned": True, "columns": landing_columns(entity)},
            "tags": [g.grade_label(max(c.sensitivity.grade for c in entity.columns))]}
        if _FORMATS[entity.format]:
            request["fileFormats"] = _FORMATS[entity.format]
        out.append(Payload("container", fqn, request, "contracts", meta={
            "short": n.short_name("container", fqn), "source": contract.source, "entity": entity.name,
            "title": entity.title, "owner": contract.owner, "domain": contract.domain, "layer": n.LANDING}))
    return out


def pipeline(contract: SourceContract) -> Payload:
    """The department's DAG: per entity, freshness → bronze → silver (citylake.orchestration)."""
    tasks = []
    for entity in contract.entities:
        steps = [f"{entity.name}.freshness", f"{entity.name}.bronze", f"{entity.name}.silver"]
        for step, after in zip(steps, [*steps[1:], None]):
            task: dict[str, Any] = {"name": step, "displayName": f"{entity.title} {step.split('.')[1]}"}
            if after:
                task["downstreamTasks"] = [after]
            tasks.append(task)
    fqn = n.pipeline_fqn(dag_id(contract.source))
    return Payload("pipeline", fqn, {
        "name": dag_id(contract.source), "service": n.PIPELINE_SERVICE, "displayName": contract.department,
        "description": f"{contract.department}: landing → bronze → silver ({contract.schedule}).",
        "tasks": tasks, "scheduleInterval": contract.schedule, "owners": [ref("team", contract.owner)],
        "domains": [contract.domain]}, "contracts", meta={"short": dag_id(contract.source)})


# --- column pairs of each stage ------------------------------------------------------------

def bronze_pairs(entity: EntityContract) -> Pairs:
    return [([c.delivered_as], c.name) for c in entity.columns]


def silver_pairs(entity: EntityContract, columns: Iterable[str]) -> Pairs:
    have = set(columns)
    names = [c.name for c in entity.columns]
    pairs: Pairs = [([c], c) for c in names if c in have]
    pairs += [([c[:-6]], c) for c in have if c.endswith("_token") and c[:-6] in names]
    pairs += [([c], c) for c in _CARRIED if c in have]
    if "_row_hash" in have:
        pairs.append((names, "_row_hash"))
    if "valid_from" in have:
        pairs.append((["_day"], "valid_from"))
    return pairs


def quarantine_pairs(entity: EntityContract, columns: Iterable[str]) -> Pairs:
    have = set(columns)
    names = [c.name for c in entity.columns]
    pairs: Pairs = [([c], c) for c in [*names, "_rescued", "_corrupt", "_corrupt_reason", *_CARRIED] if c in have]
    if "_reasons" in have:
        pairs.append((names, "_reasons"))
    return pairs


def stage_edges(stage: str, contract: SourceContract, entity: EntityContract, *, origin: str, source: str,
                columns: dict[str, list[LiveColumn]] | None = None) -> list[Payload]:
    """The edges a stage makes: bronze (landing → bronze) or silver (bronze → silver and
    quarantine). ``columns`` are the live columns of the written tables by layer."""
    table = table_name(contract.source, entity.name)
    bronze = n.table_fqn("bronze", table)
    flow = n.pipeline_fqn(dag_id(contract.source))

    def cols(layer: str) -> list[str]:
        live = (columns or {}).get(layer)
        return [c.name for c in (live if live is not None else expected_columns(layer, entity))]

    if stage == "bronze":
        return [edge("container", n.container_fqn(contract.source, entity.name), "table", bronze, bronze_pairs(entity),
                     source=source, origin=origin, pipeline=flow,
                     description=f"Bronze ingests each delivered {entity.format} file as delivered.")]
    out = [edge("table", bronze, "table", n.table_fqn("silver", table), silver_pairs(entity, cols("silver")),
                source=source, origin=origin, pipeline=flow,
                description="Silver standardizes, validates, deduplicates and merges the new bronze batches."),
           edge("table", bronze, "table", n.table_fqn("quarantine", table), quarantine_pairs(entity, cols("quarantine")),
                source=source, origin=origin, pipeline=flow,
                description="Rows failing a critical rule go to quarantine as delivered, with their reasons.")]
    coded = [c.name for c in entity.columns if c.code_table or _element_table(c.element)]
    if coded:
        lookup = n.table_fqn("standards", "code_lookup")
        out.append(edge("table", lookup, "table", n.table_fqn("silver", table), [(["code"], c) for c in coded],
                        source=source, origin=origin, pipeline=flow,
                        description="Silver maps delivered values to standard codes with a join on the lookup."))
    return out


def _element_table(element: str | None) -> str | None:
    if not element:
        return None
    from citylake.standards.data_elements import load_data_elements

    found = load_data_elements().get(element)
    return found.code_table if found else None


def contract_lineage(contracts: Iterable[SourceContract]) -> list[Payload]:
    """Landing containers, DAGs and the lineage every contract declares."""
    out: list[Payload] = []
    for contract in contracts:
        out += landing_containers(contract)
        out.append(pipeline(contract))
        for entity in contract.entities:
            for stage in ("bronze", "silver"):
                out += stage_edges(stage, contract, entity, origin="contracts", source="PipelineLineage")
    return out


def resolution_lineage(contracts: Iterable[SourceContract]) -> list[Payload]:
    """Entity resolution's edges, from the same specs the job reads: every silver table that
    names a person or an organisation → its cross-reference (the golden key comes from the
    naming columns), and the person cross-reference → the city-code registry."""
    from citylake.resolution.city_codes import REGISTRY
    from citylake.resolution.mentions import org_specs, person_specs

    by_source = {c.source: c for c in contracts}
    out: list[Payload] = []
    for specs, xref, key in ((person_specs(by_source), "person_xref", "person_key"),
                             (org_specs(by_source), "org_xref", "org_key")):
        naming: dict[str, list[str]] = {}
        for spec in specs:
            cols = naming.setdefault(spec.table, [])
            cols += [c for c in spec.columns.values() if c and c not in cols]
        for table, cols in sorted(naming.items()):
            out.append(edge("table", n.table_fqn("silver", table), "table", n.table_fqn("silver", xref), [(cols, key)],
                            source="SparkLineage", origin="resolution",
                            description="Entity resolution (Splink) links the records naming one entity to its golden key."))
    schema, name = REGISTRY.split(".")
    out.append(edge("table", n.table_fqn("silver", "person_xref"), "table", n.table_fqn(schema, name),
                    [(["person_key"], "person_key"), (["person_key"], "city_code")], source="SparkLineage",
                    origin="resolution", description="A city code is the keyed HMAC-SM3 of the golden person key."))
    return out


def prune(payloads: list[Payload]) -> list[Payload]:
    """Drop edges whose ends are not in the set, and column pairs naming columns that the
    ends do not have: the server refuses both."""
    columns: dict[str, set[str]] = {}
    for p in payloads:
        if p.kind == "table":
            columns[p.fqn] = {c["name"] for c in p.request["columns"]}
        elif p.kind == "container":
            columns[p.fqn] = {c["name"] for c in (p.request.get("dataModel") or {}).get("columns", [])}
    out = []
    for p in payloads:
        if p.kind != "lineage":
            out.append(p)
            continue
        (_, src), (_, dst) = p.meta["from"], p.meta["to"]
        if src not in columns or dst not in columns:
            continue
        kept = [(f, t) for f, t in p.meta["columns"] if t in columns[dst] and all(c in columns[src] for c in f)]
        if len(kept) != len(p.meta["columns"]):
            p = edge(p.meta["from"][0], src, p.meta["to"][0], dst, kept, source=p.meta["source"], origin=p.origin,
                     pipeline=p.meta.get("pipeline"),
                     description=p.request["edge"]["lineageDetails"].get("description"),
                     sql=p.request["edge"]["lineageDetails"].get("sqlQuery"))
        out.append(p)
    return out
