"""``citylake published``: the manifest of published tables; ``publish`` and ``check``.

``citylake published`` reads the manifest from the lake's files (no Spark) and prints it:
``--format json`` is the array of the manifest's entries, for scripts.
"""

from __future__ import annotations

import typer

from citylake.console import OutputFormat, console, err_console, print_rows, user_errors

published_app = typer.Typer(help="Published tables: versioned Delta tables for readers outside the lake.",
                            invoke_without_command=True)

_COLUMNS = ["name", "version", "contract_version", "rows", "published_at", "path"]


@published_app.callback()
@user_errors
def show(ctx: typer.Context,
         fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json (the manifest's entries) or csv.")) -> None:
    """The manifest: every published table with its path, Delta version and schema."""
    if ctx.invoked_subcommand is not None:
        return
    from citylake.published.manifest import manifest_entries, manifest_location
    from citylake.settings import get_settings

    settings = get_settings()
    entries = manifest_entries(settings)
    if fmt is OutputFormat.json:
        print_rows(list(entries[0]) if entries else [], [list(e.values()) for e in entries], fmt)
        return
    if fmt is OutputFormat.csv:
        print_rows(_COLUMNS, [[e.get(c) for c in _COLUMNS] for e in entries], fmt)
        return
    if not entries:
        err_console.print(f"nothing published yet (no manifest at {manifest_location(settings).uri}): "
                          "run `citylake published publish` after `citylake gold build`", highlight=False, soft_wrap=True)
        return
    print_rows(_COLUMNS, [[e.get(c) for c in _COLUMNS] for e in entries], fmt,
               title=f"Published tables ({manifest_location(settings).uri})")


@published_app.command("publish")
@user_errors
def publish_command(
    name: list[str] = typer.Option(None, "--name", help="Only these contracts (repeatable); default: all."),
) -> None:
    """Write the published tables from gold (only what changed), then the manifest."""
    from citylake.published.writer import publish_all

    with console.status("publishing…"):
        report = publish_all(names=name or None)
    for result in report.results:
        console.print(result.line(), highlight=False)
    console.print(f"manifest: {report.manifest}", highlight=False, soft_wrap=True)


@published_app.command("check")
@user_errors
def check_command(manifest: bool = typer.Option(True, "--manifest/--no-manifest",
                                                help="Also compare with the manifest's schemas.")) -> None:
    """Validate every contract of metadata/published; none may change its columns under a published version (no Spark)."""
    from citylake.published.contracts import check_against_manifest, contracts_dir, load_published_contracts
    from citylake.published.manifest import manifest_entries
    from citylake.settings import get_settings

    settings = get_settings()
    contracts = load_published_contracts(contracts_dir(settings.metadata_dir))
    if manifest:
        check_against_manifest(contracts, manifest_entries(settings))
    print_rows(["table", "model", "role", "keys", "columns"],
               [(c.table, c.model, c.role, ", ".join(c.keys), len(c.columns)) for c in contracts.values()],
               OutputFormat.table, title=f"{len(contracts)} published-table contracts: all valid")
