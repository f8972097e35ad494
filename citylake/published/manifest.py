"""The manifest of published tables: the downstream contract, in one JSON file.

``<lake>/published/_manifest.json``, beside the tables it lists (on a local disk or in the
bucket of an ``s3a://`` lake), so that whoever can read the tables can find them::

    {"manifest_version": 1, "generated_at": "…Z", "tables": [
      {"name": "published.population_stats_v1", "contract": "population_stats", "contract_version": 1,
       "path": "file:///…/lake/published/population_stats_v1", "format": "delta", "version": 3,
       "change_data_feed": true, "source": "gold.population_stats", "role": "analyst",
       "description": "…", "grain": "…", "keys": […], "owner": {…},
       "schema": [{"name": "as_of_date", "type": "date", "description": "…", "masked": false}, …],
       "rows": 1234, "published_at": "…Z"}, …]}

``path`` is an absolute URI that ``deltalake`` and DuckDB open as it is (``file:///`` or
``s3://``); ``version`` is the table's Delta version the entry describes (readers pin it);
``published_at`` is that version's commit time. It lists the tables of the current
contracts; a table whose publishing failed keeps its previous entry, as the table kept its
rows. It is rewritten only when an entry changed, so re-publishing unchanged gold leaves
it byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Iterable

from citylake.published.contracts import SCHEMA, PublishedContract
from citylake.settings import Settings
from citylake.storage import Location, location

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from citylake.published.writer import PublishResult

MANIFEST_FILE = "_manifest.json"
MANIFEST_VERSION = 1


def manifest_location(settings: Settings) -> Location:
    return location(settings, f"{settings.lake.rstrip('/')}/{SCHEMA}/{MANIFEST_FILE}")


def reader_uri(spark_location: str) -> str:
    """A table's location as Spark reports it, as a URI ``deltalake`` and DuckDB open:
    ``file:/x`` → ``file:///x``, a bare path → ``file:///…``, ``s3a://`` → ``s3://``."""
    loc = spark_location
    if loc.startswith("s3a://"):
        return "s3://" + loc[len("s3a://"):]
    if loc.startswith("file:"):
        loc = loc[len("file:"):]
        loc = "/" + loc.lstrip("/")
        return "file://" + loc
    if loc.startswith("/"):
        return "file://" + loc
    return loc


def read_manifest(settings: Settings) -> dict[str, Any] | None:
    """The manifest, or None if nothing was published yet."""
    loc = manifest_location(settings)
    if not loc.exists():
        return None
    with loc.open() as fh:
        return json.loads(fh.read().decode("utf-8"))


def manifest_entries(settings: Settings) -> list[dict[str, Any]]:
    """The manifest's tables (empty if nothing was published yet)."""
    found = read_manifest(settings)
    return list(found.get("tables", [])) if found else []


def table_entry(spark: SparkSession, contract: PublishedContract, source: str, masked: Iterable[str]) -> dict[str, Any]:
    """The manifest entry of a published table, from the table itself."""
    from citylake.published.writer import CDF, published_at

    detail = spark.sql(f"DESCRIBE DETAIL {contract.table}").first()
    props = dict(detail["properties"] or {})
    version, when = published_at(spark, contract.table)
    hidden = set(masked)
    return {
        "name": contract.table,
        "contract": contract.name,
        "contract_version": contract.version,
        "path": reader_uri(detail["location"]),
        "format": "delta",
        "version": version,
        "change_data_feed": props.get(CDF) == "true",
        "source": source,
        "role": contract.role,
        "description": contract.description,
        "grain": contract.grain,
        "keys": list(contract.keys),
        "owner": contract.owner.model_dump(exclude_none=True),
        "schema": [{"name": c.name, "type": c.type, "description": c.description, "masked": c.name in hidden}
                   for c in contract.columns],
        "rows": spark.table(contract.table).count(),
        "published_at": when,
    }


def write_manifest(spark: SparkSession, settings: Settings, contracts: dict[str, PublishedContract],
                   results: Iterable[PublishResult]) -> tuple[str, list[dict[str, Any]]]:
    """Rewrite the manifest: fresh entries for the tables just published, the previous entry
    for the others (a failed or skipped contract); written only if an entry changed.
    Returns (the manifest's URI, its entries)."""
    done = {r.contract.name: r for r in results}
    previous = {e["name"]: e for e in manifest_entries(settings)}
    entries = []
    for name in sorted(contracts):
        contract = contracts[name]
        if name in done:
            entries.append(table_entry(spark, contract, done[name].source, done[name].masked))
        elif contract.table in previous:
            entries.append(previous[contract.table])
    loc = manifest_location(settings)
    before = read_manifest(settings)
    if before is None or before.get("tables") != entries or before.get("manifest_version") != MANIFEST_VERSION:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        _write_atomically(loc, json.dumps({"manifest_version": MANIFEST_VERSION, "generated_at": now, "tables": entries},
                                          ensure_ascii=False, indent=2) + "\n")
    return reader_uri(loc.uri), entries


def _write_atomically(loc: Location, text: str) -> None:
    """Readers see the old manifest or the new one: a temporary file, then a rename (a
    single PUT on S3, which is atomic by itself)."""
    parent = loc.path.rsplit("/", 1)[0]
    loc.fs.create_dir(parent, recursive=True)
    if "://" in loc.uri and not loc.uri.startswith("file://"):
        with loc.fs.open_output_stream(loc.path) as out:
            out.write(text.encode("utf-8"))
        return
    tmp = f"{loc.path}.tmp"
    with loc.fs.open_output_stream(tmp) as out:
        out.write(text.encode("utf-8"))
    loc.fs.move(tmp, loc.path)
