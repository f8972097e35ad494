"""Generate one synthetic city: static registers first, then people chunk by chunk.

Memory stays flat as the city grows: a chunk of households is generated, handed to
every source builder, written, counted, and dropped. Only fixed-size state survives a
chunk (ID counters, record counters, statistics arrays).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from citylake.generate.config import CityConfig
from citylake.generate.context import Context
from citylake.generate.days import apply_changes
from citylake.generate.ground_truth import GroundTruth
from citylake.generate.landing import Landing
from citylake.generate.sources import (
    civil_affairs, emergency, health, hr_social_security, iot, licences, market_supervision, natural_resources,
    public_security, tax,
)
from citylake.generate.world import build_chunk
from citylake.generate.writers import remove_tree_files

CHUNK_SOURCES = (public_security, civil_affairs, health, hr_social_security, market_supervision, tax,
                 natural_resources, licences)


@dataclass(frozen=True)
class Summary:
    people: int
    enterprises: int
    rows: int
    seconds: float
    out: Path


Progress = Callable[[int, int], None]  # (residents done, residents total)


def generate_city(config: CityConfig, out: Path, progress: Progress | None = None) -> Summary:
    """Write the landing zone and ground truth of one city under ``out``."""
    started = time.perf_counter()
    out = Path(out)
    remove_tree_files(out)
    ctx = Context.create(config)
    truth = GroundTruth(out, ctx)
    landing = Landing(ctx, truth)
    for batch in natural_resources.static_batches(ctx):
        landing.emit(batch, "static")
    for batch in health.static_batches(ctx):
        landing.emit(batch, "static")
    for batch in emergency.static_batches(ctx):
        landing.emit(batch, "static")
    for batch in emergency.daily_batches(ctx):
        landing.emit(batch, "daily")
    for batch in iot.daily_batches(ctx):
        landing.emit(batch, "iot")
    done, index = 0, 0
    while done < config.people:
        chunk = build_chunk(ctx, index, done)
        apply_changes(ctx, chunk)
        for source in CHUNK_SOURCES:
            for batch in source.batches(ctx, chunk):
                landing.emit(batch, index)
        truth.add_chunk(chunk)
        done += chunk.n_residents
        index += 1
        if progress:
            progress(done, config.people)
    landing.close()
    truth.close()
    enterprises = ctx.n_enterprises + ctx.counters.get("new_enterprise", 0)
    return Summary(done, enterprises, landing.rows, time.perf_counter() - started, out)
