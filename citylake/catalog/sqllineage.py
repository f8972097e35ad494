"""Column lineage of a SQL query (a dbt model's compiled SQL, a view's text) with sqlglot.

sqlglot resolves each output column through CTEs, joins and expressions down to the
columns of the tables it reads; that is all column lineage needs, and it is the same
parser dbt's own tooling and Splink already bring into the environment.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage

log = logging.getLogger(__name__)

Schema = dict[str, dict[str, dict[str, str]]]  # db → table → column → type


def read_tables(sql: str, dialect: str = "spark") -> list[str]:
    """``db.table`` of every table the query reads (CTE names excluded)."""
    try:
        tree = sqlglot.parse_one(sql, dialect=dialect)
    except sqlglot.errors.ParseError:
        return []
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    out = []
    for t in tree.find_all(exp.Table):
        if t.name in ctes and not t.db:
            continue
        name = f"{t.db}.{t.name}" if t.db else t.name
        if name not in out:
            out.append(name)
    return out


def column_sources(sql: str, columns: list[str], schema: Schema, dialect: str = "spark") -> dict[str, list[tuple[str, str]]]:
    """For each output column, the (``db.table``, column) pairs it is computed from.
    Columns sqlglot cannot trace are left out rather than guessed."""
    try:
        tree = sqlglot.parse_one(sql, dialect=dialect)
    except sqlglot.errors.ParseError as exc:
        log.debug("cannot parse SQL for lineage: %s", exc)
        return {}
    out: dict[str, list[tuple[str, str]]] = {}
    for column in columns:
        try:
            node = lineage(column, tree, schema=schema or None, dialect=dialect)
        except Exception as exc:  # noqa: BLE001 - sqlglot raises several kinds; one column's failure is not fatal
            log.debug("no lineage for %s: %s", column, exc)
            continue
        found: list[tuple[str, str]] = []
        for leaf in node.walk():
            if leaf.downstream or not isinstance(leaf.source, exp.Table):
                continue
            table = leaf.source
            # sqlglot names a leaf as SQL, quoted where its dialect would quote it ("meter_id")
            pair = (f"{table.db}.{table.name}" if table.db else table.name, leaf.name.split(".")[-1].strip('"`'))
            if pair[1] != "*" and pair not in found:  # a star sqlglot could not expand names no column
                found.append(pair)
        if found:
            out[column] = found
    return out
