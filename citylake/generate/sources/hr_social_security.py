"""Human resources and social security: insurance and employment records (UTF-8 CSV)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate import codes, enterprises
from citylake.generate.context import Context
from citylake.generate.entities import EMPLOYMENT, INSURANCE
from citylake.generate.schema import Batch
from citylake.generate.sources import iso, record_ids
from citylake.generate.world import Chunk


def _employer_lookup(ctx: Context, numbers: np.ndarray) -> dict[int, tuple[str, str]]:
    unique = np.unique(numbers)
    attrs = enterprises.attributes(ctx, unique)
    return {int(e): (c, nm) for e, c, nm in zip(unique.tolist(), attrs["credit_code"], attrs["name"])}


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    p, n = chunk.people, chunk.n_residents
    rng = ctx.rng("hr", chunk.index)
    base = np.datetime64(ctx.iso(0))
    employers = _employer_lookup(ctx, chunk.job_employer)
    jobs = chunk.job_person
    job_ids = record_ids(ctx, "JY", len(jobs))
    yield _employment(ctx, chunk, jobs, chunk.job_employer, chunk.job_start, [None] * len(jobs), chunk.job_wage,
                      job_ids, employers, 0)

    # Insurance: employees in the employee schemes, other adults in the resident medical scheme.
    age = (base - p.birth).astype(np.int64) / 365.25
    emp_rows = np.repeat(jobs, len(codes.INSURANCE_EMPLOYEE))
    emp_types = np.tile(np.array(codes.INSURANCE_EMPLOYEE), len(jobs))
    emp_employer = np.repeat(chunk.job_employer, len(codes.INSURANCE_EMPLOYEE))
    emp_start = np.repeat(chunk.job_start, len(codes.INSURANCE_EMPLOYEE))
    emp_base = np.repeat(np.clip(chunk.job_wage, 4000, 36000), len(codes.INSURANCE_EMPLOYEE))
    is_job = np.zeros(len(p), bool)
    is_job[jobs] = True
    residents = np.flatnonzero(~is_job[:n] & (rng.random(n) < ctx.config.overlap.residents_insured))
    res_start = np.maximum(p.birth[residents], base - np.timedelta64(15 * 365, "D")) + rng.integers(0, 300, len(residents)).astype("timedelta64[D]")
    res_start = np.minimum(res_start, base - np.timedelta64(1, "D"))
    who = np.r_[emp_rows, residents]
    types = np.r_[emp_types, np.full(len(residents), codes.INSURANCE_RESIDENT[0])]
    employer = np.r_[emp_employer, np.full(len(residents), -1)]
    start = np.r_[emp_start, res_start]
    contribution = np.r_[emp_base, np.full(len(residents), np.nan)]
    del age
    yield _insurance(ctx, chunk, who, types, employer, start, contribution, [p.phone[i] for i in who.tolist()], employers, 0)

    phone_who, phone_day, phone_new = chunk.events["phones"]
    job_of = {int(x): k for k, x in enumerate(jobs.tolist())}
    quit_day = np.where(rng.random(len(jobs)) < 0.001 * ctx.config.days, rng.integers(1, max(ctx.config.days, 1) + 1, len(jobs)), -1)
    for d in range(1, ctx.config.days + 1):
        # Phone changes: the person's insurance rows are re-delivered with the new phone.
        today = np.flatnonzero(phone_day == d)
        rows = [(k, int(phone_who[k])) for k in today.tolist() if int(phone_who[k]) in job_of]
        sel = np.array([job_of[i] for _, i in rows], dtype=np.int64)
        new_phone = [phone_new[k] for k, _ in rows]
        r_who = np.repeat(jobs[sel], len(codes.INSURANCE_EMPLOYEE))
        yield _insurance(ctx, chunk, r_who, np.tile(np.array(codes.INSURANCE_EMPLOYEE), len(sel)),
                         np.repeat(chunk.job_employer[sel], len(codes.INSURANCE_EMPLOYEE)),
                         np.repeat(chunk.job_start[sel], len(codes.INSURANCE_EMPLOYEE)),
                         np.repeat(np.clip(chunk.job_wage[sel], 4000, 36000), len(codes.INSURANCE_EMPLOYEE)),
                         [x for x in new_phone for _ in codes.INSURANCE_EMPLOYEE], employers, d)
        # Job changes: the old job ends (re-delivered with end_date), a new one starts.
        q = np.flatnonzero(quit_day == d)
        new_employer = np.minimum((rng.random(len(q)) * ctx.n_enterprises).astype(np.int64), ctx.n_enterprises - 1)
        employers.update(_employer_lookup(ctx, new_employer))
        day = np.full(len(q), np.datetime64(ctx.iso(d)))
        yield _employment(ctx, chunk, np.r_[jobs[q], jobs[q]], np.r_[chunk.job_employer[q], new_employer],
                          np.r_[chunk.job_start[q], day], [ctx.iso(d)] * len(q) + [None] * len(q),
                          np.r_[chunk.job_wage[q], np.round(chunk.job_wage[q] * rng.uniform(0.9, 1.3, len(q)), -1)],
                          [job_ids[k] for k in q.tolist()] + record_ids(ctx, "JY", len(q)), employers, d)


def _employment(ctx: Context, chunk: Chunk, who: np.ndarray, employer: np.ndarray, start: np.ndarray,
                end: list, wage: np.ndarray, ids: list[str], employers: dict, day: int) -> Batch:
    p = chunk.people
    cols = {
        "employment_id": ids,
        "citizen_id": [p.cid[i] for i in who.tolist()],
        "name": [p.name[i] for i in who.tolist()],
        "employer_credit_code": [employers[e][0] for e in employer.tolist()],
        "employer_name": [employers[e][1] for e in employer.tolist()],
        "start_date": iso(start),
        "end_date": end,
        "monthly_wage": np.asarray(wage, dtype=float).tolist(),
        "phone": [p.phone[i] for i in who.tolist()],
    }
    return Batch(EMPLOYMENT, day, cols, [("employee", "person", p.person_id[who].tolist(), "citizen_id"),
                                         ("employer", "enterprise", employer.tolist(), "employer_credit_code")])


def _insurance(ctx: Context, chunk: Chunk, who: np.ndarray, types: np.ndarray, employer: np.ndarray, start: np.ndarray,
               contribution: np.ndarray, phone: list, employers: dict, day: int) -> Batch:
    p = chunk.people
    cols = {
        "citizen_id": [p.cid[i] for i in who.tolist()],
        "name": [p.name[i] for i in who.tolist()],
        "insurance_type": [str(t) for t in types.tolist()],
        "status": ["参保缴费"] * len(who),
        "start_date": iso(start),
        "employer_credit_code": [employers[e][0] if e >= 0 else None for e in employer.tolist()],
        "contribution_base": [None if np.isnan(c) else float(c) for c in np.asarray(contribution, dtype=float).tolist()],
        "phone": phone,
    }
    return Batch(INSURANCE, day, cols, [("insured", "person", p.person_id[who].tolist(), "citizen_id"),
                                        ("employer", "enterprise", employer.tolist(), "employer_credit_code")])
