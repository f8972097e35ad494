"""``citylake gold …``: entity resolution and the dbt gold layer from the command line."""

from __future__ import annotations

import json
from typing import Optional

import typer

from citylake.console import console

gold_app = typer.Typer(help="The gold layer: entity resolution (Splink) and the dbt project.", no_args_is_help=True)


@gold_app.command("resolve")
def resolve_command(backend: Optional[str] = typer.Option(None, help="duckdb or spark; default: the settings'.")) -> None:
    """Link people and organisations across silver into silver.person_xref / org_xref."""
    from citylake.resolution.job import run_resolution

    console.print_json(json.dumps(run_resolution(backend=backend), default=str))


@gold_app.command("build")
def build_command(select: Optional[str] = typer.Option(None, help="dbt node selection."),
                  full_refresh: bool = typer.Option(False, help="Rebuild incremental models from scratch.")) -> None:
    """dbt build (seeds, models, tests) on the lake's Spark Connect server."""
    from citylake.gold import build

    console.print_json(json.dumps(build(select=select, full_refresh=full_refresh)))


@gold_app.command("parse")
def parse_command() -> None:
    """dbt parse: writes the manifest the gold DAG is rendered from."""
    from citylake.gold import parse

    console.print(str(parse()))


@gold_app.command("run")
def run_command() -> None:
    """Resolution, dbt build, then the published tables: the whole gold layer (as the gold DAG)."""
    from citylake.gold import build
    from citylake.published.writer import publish_all
    from citylake.resolution.job import run_resolution

    out = {"resolution": run_resolution(), "dbt": build()}
    out["published"] = publish_all().summary()
    console.print_json(json.dumps(out, default=str))
