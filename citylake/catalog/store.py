"""The embedded catalog: the payloads in one SQLite file under ``<home>/catalog``.

The same JSON that would be sent to OpenMetadata, plus an index of columns and of
column-level lineage edges so that search and lineage walks are plain SQL. Stages write
here concurrently (threads and processes), so every write is one short transaction
and SQLite runs in WAL mode with a busy timeout. A payload whose digest did not change
is not rewritten, which keeps ``register_table`` cheap when called on every run.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from citylake.catalog.naming import short_name
from citylake.catalog.payload import Payload
from citylake.errors import CitylakeError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, fqn TEXT NOT NULL, id TEXT NOT NULL, short TEXT NOT NULL, name TEXT, display TEXT,
    description TEXT, origin TEXT NOT NULL, rank INTEGER NOT NULL, request TEXT NOT NULL, meta TEXT NOT NULL,
    digest TEXT NOT NULL, pushed_digest TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (kind, fqn));
CREATE TABLE IF NOT EXISTS columns (
    entity_fqn TEXT NOT NULL, kind TEXT NOT NULL, position INTEGER NOT NULL, name TEXT NOT NULL, type TEXT,
    description TEXT, tags TEXT NOT NULL, PRIMARY KEY (entity_fqn, name));
CREATE TABLE IF NOT EXISTS lineage (
    from_fqn TEXT NOT NULL, to_fqn TEXT NOT NULL, origin TEXT NOT NULL, from_kind TEXT NOT NULL,
    to_kind TEXT NOT NULL, source TEXT, request TEXT NOT NULL, meta TEXT NOT NULL, digest TEXT NOT NULL,
    pushed_digest TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (from_fqn, to_fqn, origin));
CREATE TABLE IF NOT EXISTS column_lineage (
    from_fqn TEXT NOT NULL, from_column TEXT NOT NULL, to_fqn TEXT NOT NULL, to_column TEXT NOT NULL,
    origin TEXT NOT NULL, PRIMARY KEY (from_fqn, from_column, to_fqn, to_column, origin));
CREATE INDEX IF NOT EXISTS entities_short ON entities (short);
CREATE INDEX IF NOT EXISTS column_lineage_to ON column_lineage (to_fqn, to_column);
"""

#: Which origin's details win when several describe the same edge (observed over declared).
PRECEDENCE = ("openlineage", "stage", "dbt", "lake", "contracts")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """A connection to the catalog file; use as a context manager."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=60000")
        self.db.executescript(_SCHEMA)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    # --- writing ---------------------------------------------------------------------------

    def upsert(self, payloads: Iterable[Payload]) -> int:
        """Write the payloads whose digest changed; returns how many."""
        changed = 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for p in payloads:
                changed += self._write_edge(p) if p.kind == "lineage" else self._write_entity(p)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return changed

    def replace(self, payloads: list[Payload], origins: Iterable[str]) -> int:
        """Make the catalog's payloads of ``origins`` exactly ``payloads`` (a rebuild)."""
        origins = list(origins)
        marks = ",".join("?" * len(origins))
        keep = {(p.kind, p.fqn) for p in payloads if p.kind != "lineage"}
        keep_edges = {(p.meta["from"][1], p.meta["to"][1], p.origin) for p in payloads if p.kind == "lineage"}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for row in self.db.execute(f"SELECT kind, fqn FROM entities WHERE origin IN ({marks})", origins).fetchall():
                if (row["kind"], row["fqn"]) not in keep:
                    self.db.execute("DELETE FROM entities WHERE kind = ? AND fqn = ?", (row["kind"], row["fqn"]))
                    self.db.execute("DELETE FROM columns WHERE entity_fqn = ?", (row["fqn"],))
            for row in self.db.execute(f"SELECT from_fqn, to_fqn, origin FROM lineage WHERE origin IN ({marks})",
                                       origins).fetchall():
                if tuple(row) not in keep_edges:
                    for table in ("lineage", "column_lineage"):
                        self.db.execute(f"DELETE FROM {table} WHERE from_fqn = ? AND to_fqn = ? AND origin = ?", tuple(row))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.upsert(payloads)

    def _write_entity(self, p: Payload) -> int:
        row = self.db.execute("SELECT digest FROM entities WHERE kind = ? AND fqn = ?", (p.kind, p.fqn)).fetchone()
        if row and row["digest"] == p.digest:
            return 0
        req = p.request
        self.db.execute(
            "INSERT OR REPLACE INTO entities (kind, fqn, id, short, name, display, description, origin, rank, request, "
            "meta, digest, pushed_digest, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,"
            "(SELECT pushed_digest FROM entities WHERE kind = ? AND fqn = ?),?)",
            (p.kind, p.fqn, p.id, p.meta.get("short") or short_name(p.kind, p.fqn), req.get("name"),
             req.get("displayName"), req.get("description"), p.origin, p.rank, json.dumps(req, ensure_ascii=False),
             json.dumps(p.meta, ensure_ascii=False, default=str), p.digest, p.kind, p.fqn, _now()))
        columns = req.get("columns") or (req.get("dataModel") or {}).get("columns") or []
        self.db.execute("DELETE FROM columns WHERE entity_fqn = ?", (p.fqn,))
        self.db.executemany(
            "INSERT OR REPLACE INTO columns VALUES (?,?,?,?,?,?,?)",
            [(p.fqn, p.kind, i, c["name"], c.get("dataTypeDisplay") or c.get("dataType"), c.get("description"),
              json.dumps([t["tagFQN"] for t in c.get("tags") or []], ensure_ascii=False)) for i, c in enumerate(columns)])
        return 1

    def _write_edge(self, p: Payload) -> int:
        (from_kind, from_fqn), (to_kind, to_fqn) = p.meta["from"], p.meta["to"]
        row = self.db.execute("SELECT digest FROM lineage WHERE from_fqn = ? AND to_fqn = ? AND origin = ?",
                              (from_fqn, to_fqn, p.origin)).fetchone()
        if row and row["digest"] == p.digest:
            return 0
        self.db.execute(
            "INSERT OR REPLACE INTO lineage VALUES (?,?,?,?,?,?,?,?,?,"
            "(SELECT pushed_digest FROM lineage WHERE from_fqn = ? AND to_fqn = ? AND origin = ?),?)",
            (from_fqn, to_fqn, p.origin, from_kind, to_kind, p.meta.get("source"),
             json.dumps(p.request, ensure_ascii=False), json.dumps(p.meta, ensure_ascii=False, default=str), p.digest,
             from_fqn, to_fqn, p.origin, _now()))
        self.db.execute("DELETE FROM column_lineage WHERE from_fqn = ? AND to_fqn = ? AND origin = ?",
                        (from_fqn, to_fqn, p.origin))
        self.db.executemany("INSERT OR IGNORE INTO column_lineage VALUES (?,?,?,?,?)",
                            [(from_fqn, f, to_fqn, to, p.origin) for froms, to in p.meta["columns"] for f in froms])
        return 1

    def mark_pushed(self) -> None:
        self.db.execute("UPDATE entities SET pushed_digest = digest")
        self.db.execute("UPDATE lineage SET pushed_digest = digest")

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> dict[str, int]:
        rows = self.db.execute("SELECT kind, count(*) AS n FROM entities GROUP BY kind").fetchall()
        out = {r["kind"]: r["n"] for r in rows}
        out["lineage"] = self.db.execute("SELECT count(DISTINCT from_fqn || '>' || to_fqn) FROM lineage").fetchone()[0]
        return out

    def entities(self, kinds: Iterable[str] | None = None) -> Iterator[Payload]:
        query, args = "SELECT * FROM entities", []
        if kinds is not None:
            kinds = list(kinds)
            query += f" WHERE kind IN ({','.join('?' * len(kinds))})"
            args = kinds
        for row in self.db.execute(query, args).fetchall():
            yield Payload(row["kind"], row["fqn"], json.loads(row["request"]), row["origin"], row["rank"],
                          json.loads(row["meta"]))

    def edges(self) -> list[Payload]:
        """Each edge once, its details merged across origins: the union of column pairs,
        the description and source of the most direct observation."""
        from citylake.catalog.lineage import edge

        grouped: dict[tuple[str, str], list[sqlite3.Row]] = {}
        for row in self.db.execute("SELECT * FROM lineage").fetchall():
            grouped.setdefault((row["from_fqn"], row["to_fqn"]), []).append(row)
        out = []
        for rows in grouped.values():
            rows.sort(key=lambda r: PRECEDENCE.index(r["origin"]) if r["origin"] in PRECEDENCE else len(PRECEDENCE))
            best = json.loads(rows[0]["meta"])
            details = json.loads(rows[0]["request"])["edge"]["lineageDetails"]
            pairs: dict[str, list[str]] = {}
            for r in rows:
                for froms, to in json.loads(r["meta"])["columns"]:
                    pairs.setdefault(to, [])
                    pairs[to] += [f for f in froms if f not in pairs[to]]
            pipeline = next((json.loads(r["meta"]).get("pipeline") for r in rows if json.loads(r["meta"]).get("pipeline")), None)
            out.append(edge(best["from"][0], best["from"][1], best["to"][0], best["to"][1],
                            [(f, t) for t, f in pairs.items()], source=best["source"], origin=rows[0]["origin"],
                            pipeline=pipeline, description=details.get("description"), sql=details.get("sqlQuery")))
        return out

    def entity(self, kind: str, fqn: str) -> Payload | None:
        row = self.db.execute("SELECT * FROM entities WHERE kind = ? AND fqn = ?", (kind, fqn)).fetchone()
        if row is None:
            return None
        return Payload(row["kind"], row["fqn"], json.loads(row["request"]), row["origin"], row["rank"],
                       json.loads(row["meta"]))

    def resolve(self, name: str) -> tuple[str, str]:
        """(kind, fqn) of a table or container by FQN, short name (``silver.x``) or table name."""
        if self.db.execute("SELECT count(*) FROM entities").fetchone()[0] == 0:
            raise CitylakeError("the catalog is empty: run `citylake catalog sync` first.")
        for query in ("SELECT kind, fqn FROM entities WHERE fqn = ? AND kind IN ('table','container','pipeline')",
                      "SELECT kind, fqn FROM entities WHERE short = ? AND kind IN ('table','container','pipeline')",
                      "SELECT kind, fqn FROM entities WHERE name = ? AND kind IN ('table','container')"):
            rows = self.db.execute(query, (name,)).fetchall()
            if len(rows) == 1:
                return rows[0]["kind"], rows[0]["fqn"]
            if len(rows) > 1:
                options = ", ".join(sorted(self._short(r["kind"], r["fqn"]) for r in rows))
                raise CitylakeError(f"{name!r} names several assets ({options}): give the schema, e.g. silver.{name}.")
        raise CitylakeError(f"no table or landing container {name!r} in the catalog: try `citylake catalog search {name}`.")

    def _short(self, kind: str, fqn: str) -> str:
        row = self.db.execute("SELECT short FROM entities WHERE kind = ? AND fqn = ?", (kind, fqn)).fetchone()
        return row["short"] if row else fqn

    def short(self, kind: str, fqn: str) -> str:
        return self._short(kind, fqn)

    def columns(self, fqn: str) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM columns WHERE entity_fqn = ? ORDER BY position", (fqn,)).fetchall()

    def search(self, text: str, limit: int = 50) -> list[dict[str, Any]]:
        """Assets and columns whose name, display name, description or tags hold ``text``."""
        like = f"%{text}%"
        found: list[dict[str, Any]] = []
        for row in self.db.execute(
                "SELECT kind, fqn, short, display, description FROM entities WHERE kind NOT IN ('lineage') AND "
                "(name LIKE ? OR display LIKE ? OR description LIKE ? OR short LIKE ?) ORDER BY kind, short LIMIT ?",
                (like, like, like, like, limit)).fetchall():
            found.append({"kind": row["kind"], "asset": row["short"], "column": None,
                          "text": row["display"] or row["description"] or ""})
        for row in self.db.execute(
                "SELECT c.entity_fqn, c.kind, c.name, c.description, c.tags, e.short FROM columns c JOIN entities e "
                "ON e.fqn = c.entity_fqn AND e.kind = c.kind WHERE c.name LIKE ? OR c.description LIKE ? OR c.tags LIKE ? "
                "ORDER BY e.short, c.position LIMIT ?", (like, like, like, limit)).fetchall():
            found.append({"kind": "column", "asset": row["short"], "column": row["name"], "text": row["description"] or ""})
        return found[:limit]

    def neighbours(self, fqn: str, upstream: bool) -> list[sqlite3.Row]:
        if upstream:
            return self.db.execute("SELECT DISTINCT from_fqn AS fqn, from_kind AS kind, source FROM lineage "
                                   "WHERE to_fqn = ?", (fqn,)).fetchall()
        return self.db.execute("SELECT DISTINCT to_fqn AS fqn, to_kind AS kind, source FROM lineage WHERE from_fqn = ?",
                               (fqn,)).fetchall()

    def column_neighbours(self, fqn: str, column: str, upstream: bool) -> list[sqlite3.Row]:
        if upstream:
            return self.db.execute("SELECT DISTINCT from_fqn AS fqn, from_column AS col FROM column_lineage "
                                   "WHERE to_fqn = ? AND to_column = ?", (fqn, column)).fetchall()
        return self.db.execute("SELECT DISTINCT to_fqn AS fqn, to_column AS col FROM column_lineage "
                               "WHERE from_fqn = ? AND from_column = ?", (fqn, column)).fetchall()

    def kind_of(self, fqn: str) -> str | None:
        row = self.db.execute("SELECT kind FROM entities WHERE fqn = ? AND kind IN ('table','container','pipeline')",
                              (fqn,)).fetchone()
        return row["kind"] if row else None
