"""Market supervision: the register of market entities (UTF-8 CSV)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate.addresses import format_addresses
from citylake.generate.context import Context
from citylake.generate.entities import ENTERPRISES
from citylake.generate.schema import Batch
from citylake.generate.sources import iso
from citylake.generate.world import Chunk


def rows(ctx: Context, chunk: Chunk, idx: np.ndarray, day: int, change: str, status: np.ndarray | None = None) -> Batch:
    ent, p, geo = chunk.ent, chunk.people, ctx.geo
    rep = ent["legal_rep"][idx]
    cols = {
        "credit_code": [ent["credit_code"][i] for i in idx.tolist()],
        "name": [ent["name"][i] for i in idx.tolist()],
        "enterprise_type": [str(x) for x in ent["type"][idx].tolist()],
        "industry_code": [str(x) for x in ent["industry"][idx].tolist()],
        "legal_rep_citizen_id": [p.cid[i] for i in rep.tolist()],
        "legal_rep_name": [p.name[i] for i in rep.tolist()],
        "registered_capital": ent["capital"][idx].tolist(),
        "establishment_date": iso(ent["established"][idx]),
        "address": format_addresses(geo, ent["address"][idx], ent["street"][idx]),
        "division": [geo.district_codes[d] for d in ent["district"][idx].tolist()],
        "status": [str(x) for x in (ent["status"][idx] if status is None else status).tolist()],
        "phone": [ent["phone"][i] for i in idx.tolist()],
        "change_type": [change] * len(idx),
        "change_date": [ctx.iso(day)] * len(idx),
    }
    return Batch(ENTERPRISES, day, cols, [("subject", "enterprise", ent["number"][idx].tolist(), "credit_code"),
                                          ("legal_representative", "person", p.person_id[rep].tolist(), "legal_rep_citizen_id")])


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    ent = chunk.ent
    yield rows(ctx, chunk, np.flatnonzero(ent["new_day"] < 0), 0, "initial")
    for d in range(1, ctx.config.days + 1):
        new = np.flatnonzero(ent["new_day"] == d)
        gone = np.flatnonzero(ent["dereg_day"] == d)
        yield rows(ctx, chunk, new, d, "established")
        yield rows(ctx, chunk, gone, d, "deregistered", np.full(len(gone), "60"))
