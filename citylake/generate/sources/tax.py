"""Tax: monthly value-added tax filings of the last twelve periods (Parquet).

Revenue follows a trend set by the enterprise's hidden distress, and distressed
enterprises skip filings and declare zero: the signal the abnormal-enterprise label
is learnable from. Filings for the last period are filed in the first half of the
month after, so change days deliver the filings filed on that day.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate.context import Context
from citylake.generate.entities import FILINGS
from citylake.generate.enterprises import IN_BUSINESS
from citylake.generate.schema import Batch
from citylake.generate.sources import iso, record_ids
from citylake.generate.world import Chunk

PERIODS = 12


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    ent = chunk.ent
    rng = ctx.rng("tax", chunk.index)
    base = np.datetime64(ctx.iso(0))
    first_month = base.astype("datetime64[M]") - PERIODS
    active = np.flatnonzero(np.isin(ent["status"], IN_BUSINESS) & (ent["new_day"] < 0))
    k = len(active)
    distress = ent["distress"][active]
    level = np.exp(rng.normal(np.log(80_000), 1.2, k)) * (1 + np.log1p(ent["capital"][active]) / 5)
    trend = 0.01 - 0.035 * np.clip(distress, -1, 3)
    t = np.arange(PERIODS)
    revenue = level[:, None] * (1 + trend[:, None]) ** t[None, :] * rng.lognormal(0, 0.15, (k, PERIODS))
    skip_p = np.clip(0.02 + 0.12 * np.clip(distress, 0, None), 0, 0.6)
    filed = rng.random((k, PERIODS)) >= skip_p[:, None]
    zero = rng.random((k, PERIODS)) < np.clip(0.03 + 0.15 * np.clip(distress, 0, None), 0, 0.7)[:, None]
    revenue = np.where(zero, 0.0, np.round(revenue, 2))
    month = first_month + t
    established = ent["established"][active].astype("datetime64[M]")
    filed &= month[None, :] >= established[:, None]
    late = rng.random((k, PERIODS)) < np.clip(0.05 + 0.2 * np.clip(distress, 0, None), 0, 0.8)[:, None]
    offset = np.where(late, rng.integers(15, 40, (k, PERIODS)), rng.integers(0, 15, (k, PERIODS)))
    filing_date = (month + 1).astype("datetime64[D]")[None, :] + offset.astype("timedelta64[D]")
    day_of = (filing_date - base).astype(np.int64)  # <= 0: in the day-0 extract
    for d in range(0, ctx.config.days + 1):
        sel = filed & ((day_of <= 0) if d == 0 else (day_of == d))
        r, c = np.nonzero(sel)
        e = active[r]
        cols = {
            "filing_id": record_ids(ctx, "SB", len(r)),
            "credit_code": [ent["credit_code"][i] for i in e.tolist()],
            "taxpayer_name": [ent["name"][i] for i in e.tolist()],
            "tax_type": ["增值税"] * len(r),
            "period": [str(x) for x in np.datetime_as_string(month[c], unit="M").tolist()],
            "revenue": revenue[r, c].tolist(),
            "tax_amount": np.round(revenue[r, c] * 0.03, 2).tolist(),
            "filing_date": iso(filing_date[r, c]),
        }
        yield Batch(FILINGS, d, cols, [("taxpayer", "enterprise", ent["number"][e].tolist(), "credit_code")])
