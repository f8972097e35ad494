"""Electronic licences: certificates of people and licences of organisations (JSON lines)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate import codes
from citylake.generate.context import Context
from citylake.generate.entities import LICENCES
from citylake.generate.schema import Batch
from citylake.generate.sources import iso, record_ids
from citylake.generate.world import Chunk


def _batch(ctx: Context, day: int, ltype: list[str], person: list[int], ent: list[int], holder_cid: list,
           holder_code: list, holder_name: list[str], issue: np.ndarray, expiry: list, status: list[str],
           person_ids: list[int], ent_ids: list[int]) -> Batch:
    table = codes.table("licence_type")
    issuer = {t: (table.row(t) or {}).get("issuer", "") for t in set(ltype)}
    cols = {
        "licence_no": record_ids(ctx, "ZZ", len(ltype)),
        "licence_type": ltype,
        "holder_type": ["person" if c else "organisation" for c in holder_cid],
        "holder_citizen_id": holder_cid,
        "holder_credit_code": holder_code,
        "holder_name": holder_name,
        "issuer": [issuer[t] for t in ltype],
        "issue_date": iso(issue),
        "expiry_date": expiry,
        "status": status,
    }
    return Batch(LICENCES, day, cols, [("holder", "person", person_ids, "holder_citizen_id"),
                                       ("holder", "enterprise", ent_ids, "holder_credit_code")])


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    p, n, ent = chunk.people, chunk.n_residents, chunk.ent
    rng = ctx.rng("licences", chunk.index)
    base = np.datetime64(ctx.iso(0))
    age = (base - p.birth[:n]).astype(np.int64) / 365.25
    drivers = np.flatnonzero((age >= 18) & (rng.random(n) < ctx.config.overlap.driving_licence))
    disabled = np.flatnonzero(p.disabled[:n])
    people = np.r_[drivers, disabled]
    ptype = [codes.DRIVING_LICENCE] * len(drivers) + [codes.DISABILITY_CERTIFICATE] * len(disabled)
    p_age = age[people]
    # a driving licence is renewed every six years (ten after the first): the one on file is current
    issue = base - (rng.uniform(0.02, 1, len(people)) * np.clip(p_age - 18, 0.2, 6) * 365.25).astype("timedelta64[D]")
    expiry = iso(issue + np.where(p_age - 18 > 6, 3652, 2191).astype("timedelta64[D]"))
    expiry = [e if t == codes.DRIVING_LICENCE else None for e, t in zip(expiry, ptype)]
    firms = np.flatnonzero(ent["new_day"] < 0)
    permit = firms[rng.random(len(firms)) < 0.12]
    orgs = np.r_[firms, permit]
    otype = [codes.BUSINESS_LICENCE] * len(firms) + [str(x) for x in rng.choice(codes.ENTERPRISE_PERMITS, len(permit))]
    o_issue = np.maximum(ent["established"][orgs], base - np.timedelta64(3650, "D"))
    gone = ~np.isin(ent["status"][orgs], ("10", "20", "30"))
    k, m = len(people), len(orgs)
    yield _batch(
        ctx, 0, ptype + otype, [], [],
        [p.cid[i] for i in people.tolist()] + [None] * m,
        [None] * k + [ent["credit_code"][i] for i in orgs.tolist()],
        [p.name[i] for i in people.tolist()] + [ent["name"][i] for i in orgs.tolist()],
        np.r_[issue, o_issue], expiry + [None] * m,
        ["有效"] * k + ["注销" if g else "有效" for g in gone.tolist()],
        p.person_id[people].tolist() + [-1] * m, [-1] * k + ent["number"][orgs].tolist(),
    )
    men, women, wed = chunk.events["marriages"]
    for d in range(1, ctx.config.days + 1):
        couple = np.r_[men[wed == d], women[wed == d]]
        new = np.flatnonzero(ent["new_day"] == d)
        k, m = len(couple), len(new)
        day = np.datetime64(ctx.iso(d))
        yield _batch(
            ctx, d, [codes.MARRIAGE_CERTIFICATE] * k + [codes.BUSINESS_LICENCE] * m, [], [],
            [p.cid[i] for i in couple.tolist()] + [None] * m,
            [None] * k + [ent["credit_code"][i] for i in new.tolist()],
            [p.name[i] for i in couple.tolist()] + [ent["name"][i] for i in new.tolist()],
            np.full(k + m, day), [None] * (k + m), ["有效"] * (k + m),
            p.person_id[couple].tolist() + [-1] * m, [-1] * k + ent["number"][new].tolist(),
        )
