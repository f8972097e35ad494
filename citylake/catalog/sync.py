"""Rebuilding, validating and pushing the catalog: what ``citylake catalog sync``,
``validate`` and ``push`` do.

``sync`` rebuilds the embedded catalog from the contracts, the standards, the live lake
(every table, by DESCRIBE), dbt's artifacts and the OpenLineage events file; ``push``
sends everything the embedded catalog holds to an OpenMetadata server with
OpenMetadata's own client, in the OpenMetadata environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citylake.catalog import lineage
from citylake.catalog.bridge import run_om
from citylake.catalog.build import build_catalog, default_dbt_artifacts, view_edges
from citylake.catalog.config import catalog_db, events_file, openmetadata_settings
from citylake.catalog.payload import Payload, dedupe
from citylake.catalog.store import Store
from citylake.contracts import load_contracts
from citylake.errors import CitylakeError
from citylake.settings import Settings


@dataclass
class SyncReport:
    counts: dict[str, int] = field(default_factory=dict)
    changed: int = 0
    sources: list[str] = field(default_factory=list)


def collect(settings: Settings, lake: bool = True, dbt_manifest: Path | None = None, dbt_catalog: Path | None = None,
            events: Path | None = None, spark: Any = None) -> tuple[list[Payload], list[str]]:
    """Every payload the catalog's sources give, and the origins they cover."""
    from citylake.catalog.dbt import read_dbt
    from citylake.catalog.openlineage import read_events

    contracts = load_contracts(settings.contracts_dir)
    origins = ["standards", "contracts"]
    live = None
    if lake:
        from citylake.catalog.live import scan
        from citylake.gold import staging_schema
        from citylake.spark import SCHEMAS, get_spark

        spark = spark or get_spark(settings)
        live = scan(spark, [*SCHEMAS, staging_schema(settings)])  # staging views carry column lineage into gold
        origins.append("lake")
    base = build_catalog(contracts, live)
    extra: list[Payload] = view_edges(live or [])
    if dbt_manifest is None and dbt_catalog is None:
        from citylake.gold import manifest_path, target_dir

        dbt_manifest, dbt_catalog = default_dbt_artifacts([target_dir(settings), manifest_path(settings).parent])
    if dbt_manifest is not None:
        known = {p.meta.get("short", ""): p.request["columns"] for p in base if p.kind == "table"}
        teams = {p.fqn for p in base if p.kind == "team"}
        domains = {p.fqn for p in base if p.kind == "domain"}
        extra += read_dbt(dbt_manifest, dbt_catalog, teams, domains, known_tables=known)
        origins.append("dbt")
    events = events or events_file(settings)
    if events.is_file():
        extra += read_events(events)
        origins.append("openlineage")
    payloads = lineage.prune(dedupe(base + extra))
    if lake:  # grades and classifications the sensitive-data scan found (gold, published, ops have no contract)
        from citylake.security.catalog_tags import apply_scan_tags, scanned_levels

        apply_scan_tags(payloads, scanned_levels(spark))
    return payloads, origins


def sync(settings: Settings, **kwargs: Any) -> SyncReport:
    payloads, origins = collect(settings, **kwargs)
    with Store(catalog_db(settings)) as store:
        changed = store.replace(payloads, origins)
        return SyncReport(store.count(), changed, origins)


def stored_payloads(settings: Settings) -> list[Payload]:
    """What the embedded catalog holds, each edge once, ready to validate or push."""
    with Store(catalog_db(settings)) as store:
        entities = list(store.entities())
        if not entities:
            raise CitylakeError("the catalog is empty: run `citylake catalog sync` first.")
        return lineage.prune(dedupe(entities + store.edges()))


def validate(settings: Settings) -> dict[str, Any]:
    """Every stored payload checked against OpenMetadata's models (in its environment)."""
    return run_om(settings, "om_validate", stored_payloads(settings))


def push(settings: Settings) -> dict[str, Any]:
    """Create or update everything on the configured OpenMetadata server."""
    om = openmetadata_settings(settings)
    if not om.jwt_token.get_secret_value():
        raise CitylakeError("no OpenMetadata token: set CITYLAKE_OPENMETADATA__JWT_TOKEN (a bot's JWT) and "
                            "CITYLAKE_OPENMETADATA__HOST_PORT (e.g. http://localhost:8585/api).")
    env = {"CITYLAKE_OM_HOST_PORT": om.host_port, "CITYLAKE_OM_JWT_TOKEN": om.jwt_token.get_secret_value(),
           "CITYLAKE_OM_VERIFY_SSL": "true" if om.verify_ssl else "false"}
    result = run_om(settings, "om_push", stored_payloads(settings), env=env)
    if result.get("fatal"):
        raise CitylakeError(f"push to {om.host_port} failed: {result['fatal']}")
    if not result.get("errors"):
        with Store(catalog_db(settings)) as store:
            store.mark_pushed()
    return result
