"""Registering a table in the embedded catalog when a stage writes it (数据资产注册).

``register_table`` is what bronze and silver call after a write: the table with its
columns as written, its department (owning team), domain, tier, grade and classification,
the glossary term of each column, and the lineage edge into it, column by column. It costs
one DESCRIBE and a few SQLite reads; the same schema registered again writes nothing, so
calling it on every run is fine. Pushing to an OpenMetadata server is left to
``citylake catalog push`` (a separate environment, seconds to start).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import TYPE_CHECKING

from citylake.catalog import governance as g
from citylake.catalog import naming as n
from citylake.catalog.config import catalog_db
from citylake.catalog.lineage import landing_containers, pipeline, stage_edges
from citylake.catalog.live import describe
from citylake.catalog.payload import Payload
from citylake.catalog.store import Store
from citylake.catalog.tables import contract_table, platform_table
from citylake.contracts import EntityContract, SourceContract
from citylake.settings import Settings, get_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)
_lock = threading.Lock()
_registered: dict[tuple[str, str], str] = {}  # (catalog file, table) → digest of what was registered


def _governance(contract: SourceContract | None) -> list[Payload]:
    contracts = [contract] if contract else []
    team = [p for p in g.teams(contracts) if contract is None or p.fqn in (contract.owner, n.PLATFORM_TEAM)]
    return [*g.services(), *g.layers(), *team, *g.domains(contracts), *g.classifications(), *g.glossaries()]


def table_payloads(live, contract: SourceContract | None, entity: EntityContract | None,  # type: ignore[no-untyped-def]
                   stage: str) -> list[Payload]:
    """The payloads that describe a written table and the edge that made it."""
    payloads = _governance(contract)
    if contract is None or entity is None or live.schema not in ("bronze", "silver", "quarantine"):
        return [*payloads, platform_table(live, origin="stage")]
    payloads.append(contract_table(live.schema, contract, entity, live, origin="stage"))
    target = n.table_fqn(live.schema, live.name)
    if live.schema == "bronze":
        payloads += [p for p in landing_containers(contract) if p.meta.get("entity") in (None, entity.name)]
        payloads.append(pipeline(contract))
    edges = stage_edges("bronze" if live.schema == "bronze" else "silver", contract, entity, origin="stage",
                        source="SparkLineage", columns={live.schema: live.columns})
    for edge in edges:
        if edge.meta["to"][1] == target:
            edge.meta["stage"] = stage
            payloads.append(edge)
    return payloads


def register_table(spark: SparkSession, table_name: str, contract: SourceContract | None,
                   entity: EntityContract | None, stage: str, settings: Settings | None = None) -> bool:
    """Put ``table_name`` (``silver.public_security__persons``), just written by ``stage``,
    in the embedded catalog; True if anything changed. Never raises for a catalog problem:
    a stage's data matters more than its entry, which the next sync rebuilds."""
    settings = settings or get_settings()
    try:
        live = describe(spark, table_name)
        if live is None:
            return False
        digest = hashlib.sha256(repr((live.columns, live.partitions, stage)).encode()).hexdigest()
        key = (str(catalog_db(settings)), table_name)
        if _registered.get(key) == digest:
            return False
        payloads = table_payloads(live, contract, entity, stage)
        with _lock, Store(catalog_db(settings)) as store:
            changed = store.upsert(payloads)
        _registered[key] = digest
        return changed > 0
    except Exception:  # noqa: BLE001 - see docstring
        log.warning("could not register %s in the catalog; `citylake catalog sync` will", table_name, exc_info=True)
        return False
