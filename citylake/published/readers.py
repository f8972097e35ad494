"""Reading a published table without Spark: ``deltalake`` (delta-rs) or DuckDB.

Give either function an entry of the manifest (``citylake published --format json``, or
``<lake>/published/_manifest.json`` itself): it opens the entry's ``path`` at the entry's
``version`` — the state the manifest describes, even if a later publish moved the table on
— and returns a ``pyarrow.Table``. Nothing here needs citylake's settings or Spark, so a
downstream system can copy it::

    import json
    from citylake.published.readers import read_with_deltalake, read_with_duckdb

    entries = json.load(open("/…/lake/published/_manifest.json"))["tables"]
    stats = next(e for e in entries if e["name"] == "published.population_stats_v1")
    read_with_deltalake(stats).to_pandas()
    read_with_duckdb(stats)

DuckDB reads Delta through its ``delta`` extension. DuckDB's own extension download is
not reachable everywhere, so the extension comes from PyPI, in the ``duckdb-ext-delta``
wheel (its version matches DuckDB's: 1.4.4), which ships the binary as package data,
``duckdb_ext/extensions/v<duckdb>/<platform>/delta.duckdb_extension``;
``duckdb_connection`` loads it from there and switches DuckDB's auto-install off. An
``s3://`` path needs credentials: ``storage_options`` for ``deltalake`` (as
``citylake.quality.report_data.LakeFiles.storage_options`` builds them), a DuckDB
``CREATE SECRET`` on the connection you pass.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Union

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

Entry = Union[Mapping[str, Any], str]
_aliases = itertools.count()


def _path_and_version(entry: Entry) -> tuple[str, int | None]:
    if isinstance(entry, str):
        return entry, None
    version = entry.get("version")
    return str(entry["path"]), (int(version) if version is not None else None)


def read_with_deltalake(entry: Entry, storage_options: dict[str, str] | None = None) -> pa.Table:
    """The table at the entry's version (a bare path: its latest version), with delta-rs."""
    from deltalake import DeltaTable

    path, version = _path_and_version(entry)
    return DeltaTable(path, version=version, storage_options=storage_options).to_pyarrow_table()


@lru_cache(maxsize=1)
def delta_extension_path() -> Path:
    """The ``delta`` extension binary of the installed ``duckdb-ext-delta`` wheel that
    matches the installed DuckDB."""
    from importlib import metadata

    import duckdb

    try:
        files = metadata.files("duckdb-ext-delta") or []
    except metadata.PackageNotFoundError:
        raise RuntimeError("DuckDB's delta extension is not installed: pip install duckdb-ext-delta=="
                           f"{duckdb.__version__}.*") from None
    found = [f for f in files if f.name == "delta.duckdb_extension"]
    wanted = [f for f in found if f"v{duckdb.__version__}" in f.parts]
    if not wanted:
        have = sorted({p for f in found for p in f.parts if p.startswith("v")})
        raise RuntimeError(f"duckdb-ext-delta holds the extension for DuckDB {', '.join(have) or 'none'}, "
                           f"not {duckdb.__version__}: install the duckdb-ext-delta that matches DuckDB")
    return Path(str(wanted[0].locate())).resolve()


def duckdb_connection(database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the ``delta`` extension loaded from the wheel (no download)."""
    import duckdb

    con = duckdb.connect(database, config={"autoinstall_known_extensions": False,
                                           "autoload_known_extensions": False})
    con.execute(f"LOAD '{str(delta_extension_path()).replace(chr(39), chr(39) * 2)}'")
    return con


def read_with_duckdb(entry: Entry, connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """The table at the entry's version (a bare path: ``delta_scan``, its latest version),
    with DuckDB's delta extension."""
    path, version = _path_and_version(entry)
    con = connection or duckdb_connection()
    quoted = path.replace("'", "''")
    try:
        if version is None:
            return con.execute("SELECT * FROM delta_scan(?)", [path]).fetch_arrow_table()
        alias = f"published_{next(_aliases)}"
        con.execute(f"ATTACH '{quoted}' AS {alias} (TYPE delta, VERSION {int(version)})")
        try:
            return con.execute(f"SELECT * FROM {alias}").fetch_arrow_table()
        finally:
            con.execute(f"DETACH {alias}")
    finally:
        if connection is None:
            con.close()
