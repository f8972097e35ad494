"""Source builders: each turns the true city into one department's clean rows.

A builder yields ``Batch`` objects (one entity, one delivery day); defects and
variations are injected afterwards, in one place, for all of them. Chunk builders take
a ``Chunk`` (people-scaled data); static builders take only the context.
"""

from __future__ import annotations

import numpy as np

from citylake.generate import codes
from citylake.generate.context import Context


def iso(dates: np.ndarray) -> list[str]:
    """datetime64[D] values as YYYY-MM-DD text (None for NaT)."""
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D").tolist()
    return [None if t == "NaT" else t for t in text]


def record_ids(ctx: Context, prefix: str, n: int) -> list[str]:
    """Record numbers of a source system: prefix and a 10-digit counter (never starting with 9)."""
    first = ctx.take("record:" + prefix, n)
    return [f"{prefix}{first + i + 1:010d}" for i in range(n)]


def gender_codes(male: np.ndarray) -> list[str]:
    return ["1" if m else "2" for m in male.tolist()]


def gender_names(male: np.ndarray) -> list[str]:
    return ["男" if m else "女" for m in male.tolist()]


def names_of(table: str, values: list[str]) -> list[str]:
    t = codes.table(table)
    lookup = {v: t.name_of(v) for v in set(values)}
    return [lookup[v] for v in values]  # type: ignore[misc]


def landlines(rng: np.random.Generator, area: str, n: int) -> list[str]:
    return [f"{area}-{v:08d}" for v in rng.integers(50_000_000, 89_999_999, n).tolist()]


AREA_CODE = "027"
