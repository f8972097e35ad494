"""``citylake quality …``: run the checks, print the scorecard.

``run`` validates entities (bronze delivery, delivery figures, silver gate) for a day
through the Spark server; ``report`` reads the recorded results straight from the lake's
files (no Spark), so it answers at once; ``table`` runs the hand-written suites of any
table (gold). A failed gate is one line per table and exit code 1, like a failed task.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

import typer

from citylake.console import OutputFormat, console, err_console, print_rows, user_errors
from citylake.errors import CitylakeError

quality_app = typer.Typer(help="Data quality (数据质量): checks from the contracts, gates, scorecards.",
                          no_args_is_help=True)


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD") from None


@quality_app.command("run")
@user_errors
def run_command(
    day: str = typer.Option(..., "--day", help="Delivery day to check (YYYY-MM-DD)."),
    source: list[str] = typer.Option(None, "--source", help="Only these sources (repeatable); default: all."),
    entity: Optional[str] = typer.Option(None, "--entity", help="Only this entity of the source."),
    scope: str = typer.Option("table", help="table: the whole silver table; day: only the rows the day wrote."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv."),
) -> None:
    """Check entities for a day: bronze delivery, delivery figures and the silver gate."""
    from citylake.contracts import load_contracts
    from citylake.quality.gate import QualityGateError
    from citylake.quality.stage import run_quality, session
    from citylake.settings import get_settings

    when = _day(day)
    if scope not in ("table", "day"):
        raise typer.BadParameter("scope is table or day")
    settings = get_settings()
    contracts = load_contracts(settings.contracts_dir)
    wanted = source or sorted(contracts)
    unknown = sorted(set(wanted) - set(contracts))
    if unknown:
        raise CitylakeError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(contracts))}")
    spark = session(settings)
    rows, gate_failures = [], []
    for name in wanted:
        for ent in contracts[name].entities:
            if entity and ent.name != entity:
                continue
            try:
                report = run_quality(spark, settings, contracts[name], ent, when, scope=scope)  # type: ignore[arg-type]
                status = "passed"
            except QualityGateError as exc:
                gate_failures.append(str(exc))
                report, status = {"table": exc.table, "rules": None, "failed": None, "scores": {}}, "GATE FAILED"
            rows.append((report["table"], status, report.get("rules"), report.get("failed"),
                         ", ".join(f"{k} {v}" for k, v in (report.get("scores") or {}).items())))
    if entity and not rows:
        raise CitylakeError(f"no entity {entity!r} in {', '.join(wanted)}")
    print_rows(["table", "gate", "rules", "failed", "scores"], rows, fmt, title=f"Quality of {when}")
    for line in gate_failures:
        err_console.print(f"[bold red]{line}[/]", highlight=False, soft_wrap=True)
    if gate_failures:
        raise typer.Exit(1)


@quality_app.command("report")
@user_errors
def report_command(
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json (the whole report) or csv."),
) -> None:
    """The latest scorecard: per table, department and dimension (质检分析报告)."""
    from citylake.quality.report_app import report_json
    from citylake.quality.report_data import LakeFiles, scores
    from citylake.quality.scores import scorecard
    from citylake.settings import get_settings

    settings = get_settings()
    if fmt is OutputFormat.json:
        typer.echo(report_json(settings))
        return
    card = scorecard(scores(LakeFiles(settings)))
    if not card["tables"]:
        raise CitylakeError("no quality results yet: run `citylake quality run --day YYYY-MM-DD` (or the source DAGs) first")
    dims = list(card["dimensions"])
    rows = [(t["table_name"], t.get("department") or "", str(t.get("day") or ""), t.get("score"), t.get("failed"),
             t.get("failed_critical"), *[t["dimensions"].get(d, "") for d in dims]) for t in card["tables"]]
    print_rows(["table", "department", "day", "score", "failed", "critical", *dims], rows, fmt, title="Tables")
    if fmt is OutputFormat.table:
        print_rows(["department", "score"], card["departments"].items(), fmt, title="Departments")
        print_rows(["dimension", "score"], card["dimensions"].items(), fmt, title="Dimensions")
        console.print(f"city overall: [bold]{card['overall']}[/]")


@quality_app.command("table")
@user_errors
def table_command(
    table: str = typer.Argument(..., help="A lake table with a hand-written suite, e.g. gold.dim_person."),
    day: Optional[str] = typer.Option(None, "--day", help="The day the run stands for (YYYY-MM-DD)."),
) -> None:
    """Run the hand-written suites of any table (expectations/suites/)."""
    from citylake.quality.stage import run_table, session
    from citylake.settings import get_settings

    settings = get_settings()
    report = run_table(session(settings), settings, table, _day(day) if day else None)
    console.print(f"{table}: {report['message']}", highlight=False, soft_wrap=True)


@quality_app.command("docs")
@user_errors
def docs_command() -> None:
    """Render the Data Docs of the runs recorded since the last build; prints the index."""
    from citylake.quality.context import build_pending_docs
    from citylake.settings import get_settings

    console.print(build_pending_docs(get_settings()), highlight=False, soft_wrap=True)
