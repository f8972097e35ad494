"""The ``citylake`` command.

Commands stay thin: they parse options, call one function of the package, and print.
A ``CitylakeError`` becomes one line on stderr and exit code 2, never a stack trace.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Any

import typer

from citylake.console import OutputFormat, console, print_rows, user_errors
from citylake.errors import CitylakeError

app = typer.Typer(help="citylake: a city's public-data lakehouse.", no_args_is_help=True, pretty_exceptions_enable=False)
server_app = typer.Typer(help="The local Spark Connect server that owns the lake's catalog.", no_args_is_help=True)
app.add_typer(server_app, name="server")
contracts_app = typer.Typer(help="Source contracts (metadata/contracts).", no_args_is_help=True)
app.add_typer(contracts_app, name="contracts")


def _register_subcommands() -> None:
    from citylake.catalog.commands import catalog_app
    from citylake.generate.command import generate
    from citylake.quality.commands import quality_app

    app.command("generate")(user_errors(generate))
    app.add_typer(catalog_app, name="catalog")
    app.add_typer(quality_app, name="quality")
    from citylake.security.commands import keys_app, security_app

    app.add_typer(security_app, name="security")
    app.add_typer(keys_app, name="keys")
    from citylake.gold_commands import gold_app

    for command in gold_app.registered_commands:
        command.callback = user_errors(command.callback)
    app.add_typer(gold_app, name="gold")
    from citylake.ml.commands import ml_app

    for command in ml_app.registered_commands:
        command.callback = user_errors(command.callback)
    app.add_typer(ml_app, name="ml")
    from citylake.published.commands import published_app

    app.add_typer(published_app, name="published")
    from citylake.sql_endpoint_commands import sql_endpoint_app

    app.add_typer(sql_endpoint_app, name="sql-endpoint")
    from citylake.superset.commands import charts_app, superset_app

    for sub in (superset_app, charts_app):
        for command in sub.registered_commands:
            command.callback = user_errors(command.callback)
    app.add_typer(superset_app, name="superset")
    app.add_typer(charts_app, name="charts")


_register_subcommands()

VERSIONED = ("citylake", "pyspark", "delta-spark", "apache-sedona", "apache-airflow", "dbt-core", "dbt-spark",
             "great-expectations", "astronomer-cosmos", "splink", "python-stdnum", "cpca")


@app.command()
@user_errors
def info(
    tables: bool = typer.Option(True, help="List the lake's tables (starts the Spark server if needed)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv."),
) -> None:
    """Versions, settings, where the lake is, and which tables exist."""
    from citylake.lake import list_tables
    from citylake.settings import get_settings

    settings = get_settings()
    versions = {"python": platform.python_version()}
    for dist in VERSIONED:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    found = list_tables(settings) if tables else []
    if fmt is not OutputFormat.table:
        print_rows(["schema", "table", "format"], [(t.schema, t.name, t.format) for t in found], fmt)
        return
    print_rows(["package", "version"], versions.items(), fmt, title="Versions")
    flat = _flatten(settings.public_dict())
    print_rows(["setting", "value"], flat.items(), fmt, title="Settings")
    console.print(f"lake: [bold]{settings.lake}[/]   home: {settings.home}")
    if tables:
        print_rows(["schema", "table", "format"], [(t.schema, t.name, t.format) for t in found], fmt,
                   title=f"Tables ({len(found)})")


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in d.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


@app.command()
@user_errors
def sql(
    query: str = typer.Argument(..., help='A Spark SQL statement, e.g. "SELECT * FROM gold.dim_person".'),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json (array of objects) or csv."),
    limit: int = typer.Option(1000, help="At most this many rows are printed (0: all)."),
) -> None:
    """Run a query on the lake and print the result."""
    from citylake.lake import run_query

    columns, rows = run_query(query, limit=limit or None)
    print_rows(columns, rows, fmt)


@app.command()
@user_errors
def check() -> None:
    """Prove the lakehouse works here: Delta write, MERGE, time travel, catalog, Sedona join."""
    from citylake.selfcheck import run_selfcheck
    from citylake.spark import get_spark

    with console.status("checking the lakehouse…"):
        results = run_selfcheck(get_spark())
    print_rows(["check", "ok", "seconds", "observed"],
               [(r.name, "yes" if r.ok else "NO", f"{r.seconds:.1f}", r.error or r.observed) for r in results],
               OutputFormat.table, title="citylake check")
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def _parse_days(days: str, available: list[Any]) -> list[Any]:
    import datetime as dt

    if days == "all":
        return available
    try:
        return [dt.date.fromisoformat(d.strip()) for d in days.split(",")]
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD[,YYYY-MM-DD…] or all") from None


def _run_days(day_list: list[Any], sources: list[str] | None) -> list[str]:
    """Run the days with a progress bar; returns the failures, one line each."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from citylake.contracts import load_contracts
    from citylake.pipeline import run_day, steps
    from citylake.settings import get_settings

    settings = get_settings()
    per_day = len(steps(load_contracts(settings.contracts_dir), sources, settings))
    failures: list[str] = []
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console) as bar:
        task = bar.add_task("pipeline", total=per_day * len(day_list))
        for day in day_list:
            bar.update(task, description=f"pipeline {day}")

            def on_step(step: Any, outcome: Any, day: Any = day) -> None:
                bar.advance(task)
                if isinstance(outcome, Exception):
                    failures.append(f"{day} {step.source}.{step.entity} {step.stage}: {outcome}")
                    bar.console.print(f"[yellow]{failures[-1]}[/]", soft_wrap=True)

            run_day(day, sources, settings, on_step=on_step)
    return failures


@app.command()
@user_errors
def run(
    days: str = typer.Option("all", help="Delivery days: YYYY-MM-DD[,…] or all (every day in the landing zone)."),
    source: list[str] = typer.Option(None, "--source", help="Only these sources (repeatable)."),
) -> None:
    """Run landing → bronze → silver for delivery days (what the source DAGs do, without Airflow)."""
    from citylake.pipeline import delivery_days

    day_list = _parse_days(days, delivery_days())
    if not day_list:
        raise CitylakeError("the landing zone has no day=YYYY-MM-DD folders: generate a city or point CITYLAKE_LANDING_ROOT at one")
    failures = _run_days(day_list, source or None)
    console.print(f"{len(day_list)} day(s) done, {len(failures)} step(s) failed")
    if failures:
        raise typer.Exit(1)


@app.command()
@user_errors
def demo(
    people: int = typer.Option(10_000, help="Registered residents of the generated city."),
    days: int = typer.Option(2, help="Change days after the initial extract."),
    seed: int = typer.Option(42, help="Seed of the generated city."),
) -> None:
    """Generate a city, run every delivery day through the pipeline, and show what was built."""
    import time

    from rich.progress import Progress

    from citylake.connect_server import ConnectServer
    from citylake.demo import (
        ensure_city, gold_layer, published_summary, quality_lines, reconciliation_summary, table_counts,
    )
    from citylake.security.demo import demo_views
    from citylake.pipeline import delivery_days
    from citylake.settings import get_settings
    from citylake.spark import get_spark

    settings = get_settings()
    started = time.monotonic()
    if settings.spark.remote_is_local:
        with console.status("starting the Spark Connect server…"):
            ConnectServer(settings).start()
    with Progress(console=console) as bar:
        task = bar.add_task(f"generating a city of {people:,} people", total=people)
        made = ensure_city(settings, people, days, seed, progress=lambda done, total: bar.update(task, completed=done, total=total))
        bar.update(task, completed=people)
    if not made:
        console.print(f"the city of {people:,} people (seed {seed}) is already in {settings.landing}")
    failures = _run_days(delivery_days(settings), None)
    failures += gold_layer(settings)
    spark = get_spark(settings)
    counts = table_counts(spark)
    print_rows(["table", "rows"], counts, OutputFormat.table, title="What the demo built")
    recon = reconciliation_summary(spark)
    console.print("reconciliation (ops.batch_reconciliation): " + ", ".join(f"{k}: {v}" for k, v in sorted(recon.items())))
    published_line = published_summary(settings)
    secure_lines = demo_views(spark, settings)
    console.print(quality_lines(settings), soft_wrap=True, highlight=False)
    console.print(f"done in {time.monotonic() - started:.0f} s; {len(failures)} step(s) reported a problem (above).")
    console.print("Where to look:\n"
                  f"  tables     .venv/bin/citylake sql \"SELECT * FROM ops.batch_reconciliation\"\n"
                  f"  quarantine .venv/bin/citylake sql \"SELECT _reasons, _source_file, _line FROM quarantine.public_security__persons\"\n"
                  f"  gold       .venv/bin/citylake sql \"SELECT * FROM gold.population_stats LIMIT 20\"; "
                  f"Splink charts in {settings.home / 'reports' / 'resolution'}\n"
                  f"{published_line}\n"
                  f"  Airflow    make airflow   (DAGs citylake_source__*, citylake_gold; UI on http://localhost:{settings.airflow.port})\n"
                  f"  dashboards make superset  (Superset on the lake, dashboards of dashboards/; files: .venv/bin/citylake charts render --out charts)\n"
                  f"  catalog    .venv/bin/citylake catalog sync && .venv/bin/citylake catalog lineage silver.public_security__persons -o lineage.html\n"
                  f"  lake       {settings.lake}\n" + secure_lines, soft_wrap=True, highlight=False)
    if recon.get("unbalanced"):
        raise CitylakeError(f"{recon['unbalanced']} batch(es) do not reconcile: see ops.batch_reconciliation")


@contracts_app.command("check")
@user_errors
def contracts_check() -> None:
    """Load every contract and check it against the data standards."""
    from citylake.contracts import clear_cache, load_contracts
    from citylake.settings import get_settings

    clear_cache()
    contracts = load_contracts(get_settings().contracts_dir)
    rows = [(c.source, e.name, e.format, e.history, len(e.columns), ", ".join(e.keys))
            for c in contracts.values() for e in c.entities]
    print_rows(["source", "entity", "format", "history", "columns", "keys"], rows, OutputFormat.table,
               title=f"{len(contracts)} contracts, {len(rows)} entities: all valid")


@contracts_app.command("schema")
def contracts_schema() -> None:
    """Print the JSON Schema of a contract file (for editors)."""
    from citylake.contracts import json_schema

    sys.stdout.write(json_schema())


@server_app.command("start")
@user_errors
def server_start(
    foreground: bool = typer.Option(False, help="Run in this process, logging to stdout (containers, supervisors)."),
) -> None:
    """Start the server (no-op when one answers already)."""
    from citylake.connect_server import ConnectServer
    from citylake.settings import get_settings

    server = ConnectServer(get_settings())
    if foreground:
        server.run_foreground()
    with console.status("starting the Spark Connect server…"):
        took = server.start()
    note = f"started in {took:.1f} s" if took else "already running"
    console.print(f"Spark Connect server at {server.settings.spark.remote}: {note} (log: {server.log_file})", soft_wrap=True)


@server_app.command("stop")
@user_errors
def server_stop() -> None:
    """Stop the server this home started."""
    from citylake.connect_server import ConnectServer
    from citylake.settings import get_settings

    stopped = ConnectServer(get_settings()).stop()
    console.print("stopped" if stopped else "no server of this home was running")


@server_app.command("status")
@user_errors
def server_status(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Whether the server answers, and its pid, master and log."""
    from citylake.connect_server import ConnectServer
    from citylake.settings import get_settings

    status = ConnectServer(get_settings()).status()
    print_rows(list(status), [list(status.values())], fmt)
    if not status["up"]:
        raise typer.Exit(1)


@app.command()
@user_errors
def airflow() -> None:
    """Start Airflow standalone with citylake's DAGs and plugins; prints the URL and login."""
    import os
    import shutil

    from citylake.airflow_home import admin_password, airflow_env
    from citylake.settings import get_settings

    settings = get_settings()
    env = dict(os.environ, **airflow_env(settings))
    bin_dir = os.path.dirname(sys.executable)  # standalone starts `airflow` subprocesses by name
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    password = admin_password(settings)
    console.print(f"Airflow UI: [bold]http://localhost:{settings.airflow.port}[/]  login: "
                  f"[bold]{settings.airflow.admin_user}[/] / [bold]{password}[/]  (Ctrl-C stops it)", soft_wrap=True)
    exe = shutil.which("airflow", path=bin_dir) or "airflow"
    os.execvpe(exe, [exe, "standalone"], env)


def main() -> None:  # pragma: no cover - console entry for python -m
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
