"""``citylake catalog …``: the asset directory and lineage in the terminal.

Commands are thin: they call the catalog package and print. ``search``, ``show`` and
``lineage`` read the embedded catalog only (no Spark, no server), so they answer in well
under a second; ``sync`` reads the lake, ``validate`` and ``push`` cross to the
OpenMetadata environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from citylake.console import OutputFormat, console, err_console, print_rows, user_errors
from citylake.errors import CitylakeError

catalog_app = typer.Typer(help="The asset catalog (数据资产目录) and lineage: embedded, pushed to OpenMetadata when "
                               "configured.", no_args_is_help=True)
_LAYER_STYLE = {"landing": "grey50", "bronze": "dark_orange3", "silver": "grey70", "quarantine": "red",
                "gold": "gold3", "published": "green", "ops": "steel_blue", "standards": "medium_purple"}


def _settings():  # type: ignore[no-untyped-def]
    from citylake.settings import get_settings

    return get_settings()


def _store():  # type: ignore[no-untyped-def]
    from citylake.catalog.config import catalog_db
    from citylake.catalog.store import Store

    path = catalog_db(_settings())
    if not path.exists():
        raise CitylakeError("the catalog is empty: run `citylake catalog sync` first.")
    return Store(path)


@catalog_app.command("sync")
@user_errors
def sync_command(
    lake: bool = typer.Option(True, "--lake/--no-lake", help="Describe the live lake's tables (starts Spark if needed)."),
    dbt_manifest: Optional[Path] = typer.Option(None, help="dbt's manifest.json (default: dbt_project/target/)."),
    dbt_catalog: Optional[Path] = typer.Option(None, help="dbt's catalog.json, for the built columns and types."),
    events: Optional[Path] = typer.Option(None, help="OpenLineage events file (default: <home>/openlineage/events.jsonl)."),
    push: Optional[bool] = typer.Option(None, "--push/--no-push", help="Push to OpenMetadata afterwards "
                                        "(default: when openmetadata.enabled)."),
) -> None:
    """Rebuild the catalog from contracts, standards, the lake, dbt and OpenLineage events."""
    from citylake.catalog.config import openmetadata_settings
    from citylake.catalog.sync import sync

    settings = _settings()
    with console.status("building the catalog…"):
        report = sync(settings, lake=lake, dbt_manifest=dbt_manifest, dbt_catalog=dbt_catalog, events=events)
    print_rows(["kind", "count"], sorted(report.counts.items()), OutputFormat.table,
               title=f"Catalog ({report.changed} changed; from {', '.join(report.sources)})")
    if push if push is not None else openmetadata_settings(settings).enabled:
        _push(settings)


@catalog_app.command("search")
@user_errors
def search_command(
    text: str = typer.Argument(..., help="Words of a name, title or description, e.g. 身份证 or citizen_id."),
    limit: int = typer.Option(50, help="At most this many results."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv."),
) -> None:
    """Find tables, landing files, columns, glossary terms and owners by name or description."""
    with _store() as store:
        found = store.search(text, limit)
    if not found and fmt is OutputFormat.table:
        console.print(f"nothing in the catalog matches {text!r}")
        return
    print_rows(["kind", "asset", "column", "description"],
               [(f["kind"], f["asset"], f["column"], (f["text"] or "").splitlines()[0][:100]) for f in found], fmt,
               title=f"Catalog search: {text}")


def _tag_names(tags: list[str], prefix: str) -> str:
    return ", ".join(t.split(".", 1)[1] for t in tags if t.startswith(prefix + "."))


@catalog_app.command("show")
@user_errors
def show_command(
    name: str = typer.Argument(..., help="A table (silver.public_security__persons) or landing container (landing.tax.filings)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json (the OpenMetadata payload)."),
) -> None:
    """One asset: description, owner, domain, tier, grade, columns with their standards, neighbours."""
    from citylake.catalog.naming import GLOSSARY, split

    with _store() as store:
        kind, fqn = store.resolve(name)
        payload = store.entity(kind, fqn)
        assert payload is not None
        if fmt is not OutputFormat.table:
            console.print_json(json.dumps({"fqn": fqn, "kind": kind, "request": payload.request, "meta": payload.meta},
                                          ensure_ascii=False, default=str))
            return
        req, meta = payload.request, payload.meta
        owner = (req.get("owners") or [{}])[0].get("fullyQualifiedName")
        team = store.entity("team", owner) if owner else None
        tags = [t["tagFQN"] for t in req.get("tags") or []]
        facts = [("name", store.short(kind, fqn)), ("FQN", fqn), ("kind", kind), ("title", req.get("displayName")),
                 ("owner", f"{team.request.get('displayName')} ({owner})" if team else owner),
                 ("domain", ", ".join(req.get("domains") or []) or None), ("tier", _tag_names(tags, "Tier") or None),
                 ("grade", _tag_names(tags, "DataGrade") or None),
                 ("classification", _tag_names(tags, "DataClassification") or None),
                 ("source", f"{meta['source']}.{meta['entity']}" if meta.get("source") else None),
                 ("from", payload.origin), ("description", req.get("description"))]
        print_rows(["", ""], [(k, v) for k, v in facts if v], OutputFormat.table)
        rows = []
        for col in store.columns(fqn):
            col_tags = json.loads(col["tags"])
            terms = [t for t in col_tags if t.startswith(GLOSSARY + ".")]
            term = store.entity("glossaryTerm", terms[0]) if terms else None
            standard = f"{term.request.get('displayName')} ({split(terms[0])[-1]})" if term else None
            marks = [_tag_names(col_tags, "DataGrade"), _tag_names(col_tags, "PII")]
            rows.append((col["name"], col["type"], standard, " ".join(m for m in marks if m) or None,
                         (col["description"] or "").split(". ")[0][:90]))
        print_rows(["column", "type", "data standard", "grade / PII", "description"], rows, OutputFormat.table,
                   title=f"Columns ({len(rows)})")
        up = [store.short(r["kind"], r["fqn"]) for r in store.neighbours(fqn, upstream=True)]
        down = [store.short(r["kind"], r["fqn"]) for r in store.neighbours(fqn, upstream=False)]
        console.print(f"upstream: {', '.join(sorted(set(up))) or '—'}\ndownstream: {', '.join(sorted(set(down))) or '—'}",
                      highlight=False)


def _tree(graph: Any, key: Any, upstream: bool, branch: Any, path: set[Any]) -> None:
    from citylake.catalog.graph import label

    for other in (graph.parents(key) if upstream else graph.children(key)):
        node = graph.nodes[other]
        style = _LAYER_STYLE.get(node.layer, "white")
        sub = branch.add(f"[{style}]{label(node)}[/]" + ("  (cycle)" if other in path else ""))
        if other not in path:
            _tree(graph, other, upstream, sub, path | {other})


@catalog_app.command("lineage")
@user_errors
def lineage_command(
    name: str = typer.Argument(..., help="A table or landing container."),
    column: Optional[str] = typer.Option(None, "--column", "-c", help="Trace this column instead of the whole table."),
    upstream: bool = typer.Option(False, "--upstream", help="Only where it comes from."),
    downstream: bool = typer.Option(False, "--downstream", help="Only what is made from it."),
    depth: int = typer.Option(20, help="Steps to follow each way."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also draw the graph to a .svg or .html file."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table (a tree) or json (the edges)."),
) -> None:
    """Where a table or column comes from and what is made from it, down to the landing file."""
    from rich.tree import Tree

    from citylake.catalog.graph import label, walk
    from citylake.catalog.render import write

    both = not upstream and not downstream
    with _store() as store:
        kind, fqn = store.resolve(name)
        graph = walk(store, fqn, column, upstream=upstream or both, downstream=downstream or both, depth=depth)
        info = {}
        for key in graph.nodes:
            entity = store.entity(store.kind_of(key[0]) or "table", key[0])
            if entity is not None:
                info[key[0]] = f"{store.short(entity.kind, key[0])}\n{entity.request.get('description') or ''}"
    if fmt is not OutputFormat.table:
        print_rows(["from", "to"], [(label(graph.nodes[a]), label(graph.nodes[b])) for a, b in sorted(graph.edges)], fmt)
    else:
        root = graph.nodes[graph.root]
        tree = Tree(f"[bold]{label(root)}[/]")
        if upstream or both:
            _tree(graph, graph.root, True, tree.add("[bold]⬆ upstream[/] (comes from)"), {graph.root})
        if downstream or both:
            _tree(graph, graph.root, False, tree.add("[bold]⬇ downstream[/] (feeds)"), {graph.root})
        console.print(tree)
    if output is not None:
        written = write(graph, output, info)
        console.print(f"lineage drawn to {written}", highlight=False)


def _push(settings: Any) -> None:
    from citylake.catalog.config import openmetadata_settings
    from citylake.catalog.sync import push

    with console.status(f"pushing to {openmetadata_settings(settings).host_port}…"):
        result = push(settings)
    print_rows(["kind", "pushed"], sorted(result["by_kind"].items()), OutputFormat.table,
               title=f"Pushed {result['pushed']} to OpenMetadata")
    for error in result["errors"][:20]:
        err_console.print(f"[red]{error['kind']} {error['fqn']}:[/] {error['error']}", highlight=False, soft_wrap=True)
    if result["errors"]:
        raise CitylakeError(f"{len(result['errors'])} payload(s) were refused by the server (above).")


@catalog_app.command("push")
@user_errors
def push_command() -> None:
    """Create or update everything in the catalog on the OpenMetadata server (PUT: repeatable)."""
    _push(_settings())


@catalog_app.command("validate")
@user_errors
def validate_command() -> None:
    """Check every payload of the catalog against OpenMetadata's own models."""
    from citylake.catalog.sync import validate

    with console.status("validating against OpenMetadata's models…"):
        result = validate(_settings())
    print_rows(["kind", "valid"], sorted(result["by_kind"].items()), OutputFormat.table,
               title=f"{result['checked'] - len(result['errors'])} of {result['checked']} payloads valid")
    for error in result["errors"][:20]:
        err_console.print(f"[red]{error['kind']} {error['fqn']}:[/] {error['error']}", highlight=False, soft_wrap=True)
    if result["errors"]:
        raise typer.Exit(1)
