"""``citylake sql-endpoint start|stop|status``: the HiveServer2 door of the lake (citylake.sql_endpoint)."""

from __future__ import annotations

import typer

from citylake.console import OutputFormat, console, print_rows, user_errors

sql_endpoint_app = typer.Typer(
    help="The SQL endpoint for analysts and BI tools (Spark Thrift Server, HiveServer2 protocol).",
    no_args_is_help=True,
)


@sql_endpoint_app.command("start")
@user_errors
def start(
    foreground: bool = typer.Option(
        False, help="Run a Thrift Server of its own in this process, logging to stdout (containers; needs a shared metastore)."),
) -> None:
    """Start the home's Spark server with the endpoint (no-op when it answers already)."""
    from citylake.settings import get_settings
    from citylake.sql_endpoint import SqlEndpoint

    endpoint = SqlEndpoint(get_settings())
    if foreground:
        endpoint.run_foreground()
    with console.status("starting the SQL endpoint…"):
        took = endpoint.start()
    note = f"started in {took:.1f} s" if took else "already running"
    console.print(f"SQL endpoint at {endpoint.jdbc_url} (Superset: {endpoint.sqlalchemy_uri}): {note} "
                  f"(log: {endpoint.server().log_file})", soft_wrap=True, highlight=False)


@sql_endpoint_app.command("stop")
@user_errors
def stop() -> None:
    """Stop the home's Spark server that serves the endpoint (its Spark Connect clients end too)."""
    from citylake.settings import get_settings
    from citylake.sql_endpoint import SqlEndpoint

    stopped = SqlEndpoint(get_settings()).stop()
    console.print("stopped" if stopped else "no server of this home was running")


@sql_endpoint_app.command("status")
@user_errors
def status(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Whether the endpoint answers; its JDBC and SQLAlchemy URLs, the server's pid and log."""
    from citylake.settings import get_settings
    from citylake.sql_endpoint import SqlEndpoint

    info = SqlEndpoint(get_settings()).status()
    print_rows(list(info), [list(info.values())], fmt)
    if not info["up"]:
        raise typer.Exit(1)
