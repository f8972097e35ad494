"""The civil-affairs database: the one department read over SQL/JDBC.

One table per entity, append-only: every delivery inserts rows with its ``day`` and an
``updated_at``; a later correction is a new row with the same business key, never an
update in place, so ``WHERE day = ...`` (or ``updated_at > watermark``) returns exactly
one day's delivery. SQLite by default; any SQLAlchemy URL (PostgreSQL) works the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from citylake.errors import CitylakeError
from citylake.generate.defects import Prepared
from citylake.generate.schema import Entity
from citylake.generate.writers import Segment

_SQL = {"string": sa.Text, "int64": sa.BigInteger, "float64": sa.Float}
SQLITE_FILE = "landing/civil_affairs/civil_affairs.sqlite"


def _fast_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """A file written once by one process needs no fsync per transaction."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


class Database:
    def __init__(self, url: str, root: Path, entities: list[Entity]) -> None:
        self.external = bool(url)
        if not url:
            path = root / SQLITE_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            url = f"sqlite:///{path.as_posix()}"
        try:
            self.engine = sa.create_engine(url)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _fast_sqlite)
            self.meta = sa.MetaData()
            self.tables = {e.name: self._table(e) for e in entities}
            self.meta.drop_all(self.engine)
            self.meta.create_all(self.engine)
        except Exception as exc:  # sqlalchemy raises many kinds; the user needs one sentence
            raise CitylakeError(f"cannot prepare the civil-affairs database at {sa.engine.make_url(url).render_as_string(hide_password=True)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
        self.next_id = {e.name: 1 for e in entities}
        self.label = f"db:{self.engine.url.render_as_string(hide_password=True)}" if self.external else SQLITE_FILE

    def _table(self, e: Entity) -> sa.Table:
        cols = [sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False)]
        cols += [sa.Column(c.name, _SQL[c.dtype]) for c in e.columns]
        cols += [sa.Column("day", sa.Date, nullable=False, index=True), sa.Column("updated_at", sa.DateTime, nullable=False)]
        return sa.Table(e.name, self.meta, *cols)

    def write(self, batch: Prepared, day: dt.date) -> list[Segment]:
        e = batch.entity
        n = len(batch)
        if n == 0:
            return []
        first = self.next_id[e.name]
        names = [c.name for c in e.columns]
        base = dt.datetime.combine(day, dt.time(8, 0))
        values = [batch.columns[c] for c in names]
        rows = []
        for i in range(n):
            row = {c: values[k][i] for k, c in enumerate(names)}
            row["id"] = first + i
            row["day"] = day
            row["updated_at"] = base + dt.timedelta(seconds=(first + i) % 36000)
            rows.append(row)
        with self.engine.begin() as conn:
            conn.execute(self.tables[e.name].insert(), rows)
        self.next_id[e.name] = first + n
        return [Segment(0, n, self.label, first, None)]

    def close(self) -> None:
        self.engine.dispose()
