"""Gold in the catalog from dbt's artifacts: ``manifest.json`` (models, sources, their
descriptions and dependencies, compiled SQL) and ``catalog.json`` (the columns and types
of what was built).

Any dbt project works: a model becomes a table in its schema, a source is matched to
the lake table it names (``silver.public_security__persons``), and lineage runs from
each model's parents to it — column by column where sqlglot can trace the compiled SQL.
A column's ``meta.element`` names its data element (the glossary term); a model's
``meta.owner`` and ``meta.domain`` its team and domain, when the catalog knows them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from citylake.catalog import governance as g
from citylake.catalog import naming as n
from citylake.catalog.datatypes import om_column
from citylake.catalog.lineage import edge
from citylake.catalog.payload import Payload, label, ref
from citylake.catalog.sqllineage import column_sources
from citylake.errors import CitylakeError

MODEL_TYPES = ("model", "seed", "snapshot")


def _load(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CitylakeError(f"cannot read dbt artifact {path}: {exc.strerror}; run `dbt parse` or `dbt docs generate`.") from None
    except ValueError:
        raise CitylakeError(f"{path} is not JSON: give dbt's target/manifest.json or catalog.json.") from None


def _relation(node: dict[str, Any]) -> tuple[str, str]:
    """(schema, table) a node or source is built as or reads."""
    return node["schema"], node.get("alias") or node.get("identifier") or node["name"]


def _columns(node: dict[str, Any], built: dict[str, Any] | None) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, type, manifest column) in the order the built relation has them."""
    documented = {k.lower(): v for k, v in (node.get("columns") or {}).items()}
    if built:
        cols = sorted(built["columns"].values(), key=lambda c: c.get("index", 0))
        return [(c["name"], c.get("type") or "string", documented.get(c["name"].lower(), {})) for c in cols]
    return [(c.get("name", k), c.get("data_type") or "string", c) for k, c in (node.get("columns") or {}).items()]


def _column_tags(meta: dict[str, Any]) -> list[dict[str, Any]]:
    element = meta.get("element")
    if not element:
        return []
    from citylake.standards.data_elements import load_data_elements

    found = load_data_elements().get(element)
    if found is None:
        return []
    tags = [g.term_label(element)]
    if found.sensitivity in g.PII:
        tags.append(label(g.PII[found.sensitivity]))
    return tags


def read_dbt(manifest_path: Path, catalog_path: Path | None = None, teams: set[str] | None = None,
             domains: set[str] | None = None, known_columns: dict[str, list[str]] | None = None,
             known_tables: dict[str, list[dict[str, Any]]] | None = None) -> list[Payload]:
    """Tables (origin ``dbt``) and lineage of every model; ``known_columns`` (``schema.table`` →
    columns) helps trace SQL that reads lake tables dbt's catalog does not list, and
    ``known_tables`` (``schema.table`` → the lake's catalog columns) gives the columns of a
    model that neither its YAML nor dbt's catalog lists: a table without columns would lose
    every column edge into and out of it."""
    manifest = _load(manifest_path)
    built = _load(catalog_path) if catalog_path else {}
    built_nodes = {**built.get("nodes", {}), **built.get("sources", {})}
    nodes = {k: v for k, v in manifest.get("nodes", {}).items() if v.get("resource_type") in MODEL_TYPES}
    sources = manifest.get("sources", {})
    relations = {uid: _relation(node) for uid, node in {**nodes, **sources}.items()}

    schema_map: dict[str, dict[str, dict[str, str]]] = {}
    known_columns = {**{q: [c["name"] for c in cols] for q, cols in (known_tables or {}).items()}, **(known_columns or {})}
    for qualified, cols in known_columns.items():
        db, table = qualified.split(".", 1)
        schema_map.setdefault(db, {})[table] = {c: "string" for c in cols}
    for uid, node in {**sources, **nodes}.items():
        db, table = relations[uid]
        cols = _columns(node, built_nodes.get(uid))
        if cols:
            schema_map.setdefault(db, {})[table] = {name: typ for name, typ, _ in cols}

    out: list[Payload] = []
    for uid, node in nodes.items():
        schema, table = relations[uid]
        meta = {**(node.get("config") or {}).get("meta", {}), **(node.get("meta") or {})}
        columns = [om_column(name, typ, doc.get("description") or None, _column_tags(doc.get("meta") or {}))
                   for name, typ, doc in _columns(node, built_nodes.get(uid))] \
            or [dict(c) for c in (known_tables or {}).get(f"{schema}.{table}", [])]
        owner = meta.get("owner") if meta.get("owner") in (teams or set()) else n.PLATFORM_TEAM
        request: dict[str, Any] = {
            "name": table, "databaseSchema": n.schema_fqn(schema), "columns": columns,
            "description": node.get("description") or f"dbt {node['resource_type']} `{node['name']}`.",
            "tableType": "View" if (node.get("config") or {}).get("materialized") == "view" else "Regular",
            "owners": [ref("team", owner)], "tags": [g.tier_label(g.LAYER_TIER.get(schema, 1))]}
        if meta.get("domain") in (domains or set()):
            request["domains"] = [meta["domain"]]
        code = node.get("compiled_code") or node.get("compiled_sql")
        if code:
            request["schemaDefinition"] = code
        fqn = n.table_fqn(schema, table)
        out.append(Payload("table", fqn, request, "dbt", meta={
            "short": f"{schema}.{table}", "layer": schema, "owner": owner, "domain": meta.get("domain"),
            "dbt": node["unique_id"] if "unique_id" in node else uid}))
        out += _lineage(uid, node, fqn, [c["name"] for c in columns], relations, schema_map, code)
    return out


def _lineage(uid: str, node: dict[str, Any], fqn: str, columns: list[str], relations: dict[str, tuple[str, str]],
             schema_map: dict[str, dict[str, dict[str, str]]], code: str | None) -> list[Payload]:
    parents = [p for p in (node.get("depends_on") or {}).get("nodes", []) if p in relations]
    traced = column_sources(code, columns, schema_map) if code else {}
    out = []
    for parent in parents:
        db, table = relations[parent]
        qualified = f"{db}.{table}"
        pairs: dict[str, list[str]] = {}
        for column, found in traced.items():
            froms = [c for t, c in found if t == qualified or t == table]
            if froms:
                pairs[column] = froms
        if not traced and len(parents) == 1:  # no SQL to read: columns of the same name
            parent_cols = set(schema_map.get(db, {}).get(table, {}))
            pairs = {c: [c] for c in columns if c in parent_cols}
        out.append(edge("table", n.table_fqn(db, table), "table", fqn, [(f, t) for t, f in pairs.items()],
                        source="DbtLineage", origin="dbt", sql=code,
                        description=f"dbt {node.get('resource_type', 'model')} `{node.get('name')}`."))
    return out
