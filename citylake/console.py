"""Printing for the CLI: one rich console, and rows in the three formats users ask for.

``table`` is for people; ``json`` (an array of objects, one per row) and ``csv`` are for
scripts, so they go to stdout bare, with nothing else mixed in.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import sys
from enum import Enum
import functools
from typing import Any, Callable, Iterable, Sequence, TypeVar

from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _plain(value: Any) -> Any:
    """A JSON-friendly value: dates as ISO text, decimals as text (no float rounding)."""
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def print_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], fmt: OutputFormat, title: str | None = None) -> None:
    if fmt is OutputFormat.json:
        data = [dict(zip(columns, (_plain(v) for v in row))) for row in rows]
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _plain(v) for v in row])
    else:
        table = Table(title=title, show_lines=False)
        for col in columns:
            table.add_column(col)
        for row in rows:
            table.add_row(*("∅" if v is None else str(_plain(v)) for v in row))
        console.print(table)


F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn the errors a user can fix (``CitylakeError``) into one line on stderr and exit
    code 2; anything else is a bug and keeps its traceback. Every command uses it."""
    import typer

    from citylake.errors import CitylakeError

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CitylakeError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
