"""``citylake superset …`` and ``citylake charts …``: Superset on the lake, and its charts as files."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from citylake.console import OutputFormat, console, err_console, print_rows

superset_app = typer.Typer(help="A local Superset on the lake, with the dashboards of dashboards/.", no_args_is_help=True)
charts_app = typer.Typer(help="The dashboards' charts rendered to PNG and HTML, without Superset.", no_args_is_help=True)


def _server():  # type: ignore[no-untyped-def]
    from citylake.settings import get_settings
    from citylake.superset.server import SupersetServer

    return SupersetServer(get_settings())


def _refresh_lake(server) -> None:  # type: ignore[no-untyped-def]
    views = server.refresh_lake()
    if views is None:
        return
    err_console.print(f"DuckDB views over the lake: {len(views.views)} in {views.path}", highlight=False, soft_wrap=True)
    if views.missing:
        err_console.print(f"[yellow]not in the lake yet (their charts stay empty):[/] {', '.join(views.missing)}; "
                          "run the pipeline (`citylake demo`) first", highlight=False, soft_wrap=True)


@superset_app.command("start")
def start_command() -> None:
    """Set up and start Superset, import the dashboards; prints the URL and login."""
    server = _server()
    _refresh_lake(server)
    with console.status("starting Superset (the first start sets up its metadata database: minutes)…"):
        took = server.start()
    with console.status("importing the dashboards…"):
        dashboards = server.import_dashboards()
    note = f"started in {took:.0f} s" if took else "already running"
    console.print(f"Dashboards on {server.lake_uri()}:", soft_wrap=True)
    for d in dashboards:
        console.print(f"  {d.title} ({d.charts} charts): {d.url}", soft_wrap=True, highlight=False)
    console.print(f"Superset: [bold]http://localhost:{server.port}[/]  login: [bold]{server.settings.superset.admin_user}"
                  f"[/] / [bold]{server.admin_password()}[/]  ({note}; `citylake superset stop` stops it; log: "
                  f"{server.log_file})", soft_wrap=True)


@superset_app.command("prepare")
def prepare_command() -> None:
    """Migrate the empty metadata database every home copies (`make setup` runs it: minutes, once)."""
    console.print(f"Superset metadata template: {_server().metadata_template()}", soft_wrap=True)


@superset_app.command("import")
def import_command() -> None:
    """Re-import the dashboards into the running Superset (overwrites them by uuid)."""
    server = _server()
    _refresh_lake(server)
    for d in server.import_dashboards():
        console.print(f"  {d.title} ({d.charts} charts): {d.url}", soft_wrap=True, highlight=False)


@superset_app.command("stop")
def stop_command() -> None:
    """Stop the Superset this home started."""
    console.print("stopped" if _server().stop() else "no Superset of this home was running")


@superset_app.command("status")
def status_command(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format")) -> None:
    """Whether Superset answers, its pid, lake connection and log."""
    status = _server().status()
    print_rows(list(status), [list(status.values())], fmt)
    if not status["up"]:
        raise typer.Exit(1)


@charts_app.command("render")
def render_command(
    out: Path = typer.Option(..., "--out", help="Folder for the PNG (one per chart) and HTML (one per dashboard) files."),
    dashboard: Optional[list[str]] = typer.Option(None, "--dashboard", help="Only this dashboard (slug or file name; repeatable)."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Draw the dashboards' charts from the lake, as Superset would, into PNG and HTML files."""
    server = _server()
    _refresh_lake(server)
    with console.status("rendering the charts…"):
        records = server.render_charts(out, dashboard)
    if dashboard and not records:
        from citylake.errors import CitylakeError

        raise CitylakeError(f"no dashboard named {', '.join(dashboard)} in dashboards/")
    print_rows(["dashboard", "chart", "rows", "png", "html"],
               [(r["dashboard"], r["chart"], r["rows"], r["png"], r["html"]) for r in records], fmt)
