"""Freshness (及时性): has a source delivered recently enough?

A day without a delivery is normal for reference data and change feeds; a source that
has been silent for longer than its contract's ``freshness_hours`` is not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from citylake.pipeline import contract_entity
from citylake.settings import Settings, get_settings
from citylake.storage import landing


@dataclass(frozen=True)
class Freshness:
    status: Literal["delivered", "no_delivery", "stale"]
    last_delivery: dt.date | None
    message: str


def freshness(source: str, entity: str, day: dt.date, freshness_hours: int, settings: Settings | None = None) -> Freshness:
    settings = settings or get_settings()
    contract, ent = contract_entity(source, entity, settings)
    if ent.format == "jdbc":  # a database is always there; its day filter decides
        return Freshness("delivered", day, f"{source}.{entity} is read from its database")
    base = landing(settings).child(ent.path or f"{source}/{entity}")
    days = []
    for folder in base.list_dirs():
        name = folder.path.rsplit("/", 1)[-1]
        if name.startswith("day="):
            try:
                delivered = dt.date.fromisoformat(name[4:])
            except ValueError:
                continue
            if delivered <= day and folder.list_files(recursive=True):
                days.append(delivered)
    last = max(days) if days else None
    if last == day:
        return Freshness("delivered", last, f"delivered for {day}")
    age_hours = (day - last).days * 24 if last else None
    if last is not None and age_hours is not None and age_hours <= freshness_hours:
        return Freshness("no_delivery", last, f"nothing new for {day}; last delivery {last} is within {freshness_hours} h")
    since = f"since {last}" if last else "ever"
    return Freshness("stale", last, f"{source}.{entity}: no delivery {since} (freshness limit {freshness_hours} h): "
                     f"ask {contract.department} for the extract")
