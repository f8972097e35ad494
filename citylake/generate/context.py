"""State shared by one generation run: config, geography, random streams and counters.

Random streams are derived from the seed and a name (``rng("people", 3)``), never from
a shared sequence, so adding a source or reordering work does not change another
source's bytes. Counters (person ids, record numbers) advance in generation order,
which is fixed.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np

from citylake.generate.addresses import Geography, load_geography
from citylake.generate.config import CityConfig
from citylake.generate.identifiers import IdAllocator

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: a fast, well-spread hash of uint64 values."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@dataclass
class Context:
    config: CityConfig
    geo: Geography
    alloc: IdAllocator
    n_enterprises: int
    counters: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(cls, config: CityConfig) -> Context:
        geo = load_geography(config.city)
        last = config.day_date(config.days) + dt.timedelta(days=1)
        return cls(config, geo, IdAllocator(len(geo.birthplaces), last),
                   max(1, round(config.people * config.overlap.enterprises_per_person)))

    def rng(self, *parts: object) -> np.random.Generator:
        words = [self.config.seed] + [zlib.crc32(str(p).encode()) for p in parts]
        return np.random.default_rng(np.random.SeedSequence(words))

    def take(self, name: str, n: int) -> int:
        """Reserve ``n`` consecutive numbers of counter ``name``; returns the first."""
        first = self.counters.get(name, 0)
        self.counters[name] = first + n
        return first

    def uniform(self, ids: np.ndarray, salt: str) -> np.ndarray:
        """A uniform [0, 1) value per id that depends on seed, salt and id only (random access)."""
        key = np.uint64((self.config.seed * 0x100000001B3 + zlib.crc32(salt.encode())) % (1 << 64))
        with np.errstate(over="ignore"):
            h = _mix(ids.astype(np.uint64) * _GOLDEN + key)
        return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)

    def day(self, d: int) -> dt.date:
        return self.config.day_date(d)

    def iso(self, d: int) -> str:
        return self.config.day_date(d).isoformat()
