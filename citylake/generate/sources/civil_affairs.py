"""Civil affairs: marriage registrations, deaths, subsistence allowance, elderly care (a database)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from citylake.generate.addresses import format_addresses
from citylake.generate.context import Context
from citylake.generate.entities import DEATHS, ELDERLY_CARE, MARRIAGES, SUBSISTENCE
from citylake.generate.people import PARENT, SPOUSE, household_no
from citylake.generate.schema import Batch
from citylake.generate.sources import gender_codes, iso, record_ids
from citylake.generate.world import Chunk

CARE_LEVELS = ("能力完好", "轻度失能", "中度失能", "重度失能")
SERVICES = ("居家养老", "社区养老", "机构养老")


def _district(ctx: Context, chunk: Chunk, idx: np.ndarray) -> list[str]:
    hh = chunk.hh_of[idx]
    return [ctx.geo.district_codes[d] for d in ctx.geo.street_district[chunk.households.street[hh]].tolist()]


def _marriages(ctx: Context, chunk: Chunk, a: np.ndarray, b: np.ndarray, dates: list[str], kind: list[str],
               office: list[str], day: int) -> Batch:
    p = chunk.people
    husband = np.where(p.male[a], a, b)
    wife = np.where(p.male[a], b, a)
    cols = {
        "registration_no": record_ids(ctx, "HY", len(a)),
        "registration_type": kind,
        "husband_citizen_id": [p.cid[i] for i in husband.tolist()],
        "husband_name": [p.name[i] for i in husband.tolist()],
        "wife_citizen_id": [p.cid[i] for i in wife.tolist()],
        "wife_name": [p.name[i] for i in wife.tolist()],
        "registration_date": dates,
        "office_division": office,
    }
    return Batch(MARRIAGES, day, cols, [("husband", "person", p.person_id[husband].tolist(), "husband_citizen_id"),
                                        ("wife", "person", p.person_id[wife].tolist(), "wife_citizen_id")])


def batches(ctx: Context, chunk: Chunk) -> Iterator[Batch]:
    p, n, h = chunk.people, chunk.n_residents, chunk.households
    rng = ctx.rng("civil_affairs", chunk.index)
    base = np.datetime64(ctx.iso(0))
    # Marriages of couples living together (head and spouse; the head's parents), divorces from former spouses.
    spouses = np.flatnonzero(p.role[:n] == SPOUSE)
    heads = h.head[chunk.hh_of[spouses]]
    parents = np.flatnonzero(p.role[:n] == PARENT)
    hh_p = chunk.hh_of[parents]
    first_parent = np.r_[True, hh_p[1:] != hh_p[:-1]] if len(parents) else np.zeros(0, bool)
    pair_a = parents[:-1][(~first_parent[1:]) & (hh_p[1:] == hh_p[:-1])] if len(parents) > 1 else np.zeros(0, np.int64)
    pair_b = pair_a + 1
    former = np.flatnonzero(np.array(p.kind) == "former_spouse")
    a = np.r_[heads, pair_a, p.linked[former]].astype(np.int64)
    b = np.r_[spouses, pair_b, former].astype(np.int64)
    younger = np.maximum(p.birth[a], p.birth[b])
    span = ((base - younger).astype(np.int64) / 365.25 - 21).clip(0.1, None)
    dates = base - (rng.uniform(0.05, 1, len(a)) * span * 365.25).astype("timedelta64[D]")
    kind = ["marriage"] * (len(heads) + len(pair_a)) + ["divorce"] * len(former)
    office = _district(ctx, chunk, a)
    yield _marriages(ctx, chunk, a, b, iso(dates), kind, office, 0)

    # Deaths: late spouses who died in the last three years (day 0); residents who die on a change day.
    late = np.flatnonzero((np.array(p.kind) == "deceased_spouse") & (p.death >= base - np.timedelta64(3 * 365, "D")))
    yield _deaths(ctx, chunk, late, p.linked[late], 0, rng)

    # Subsistence allowance: the head applies for the household.
    poor = np.flatnonzero(chunk.low_income)
    applicants = h.head[poor]
    size = h.size[poor]
    start = base - rng.integers(30, 3650, len(poor)).astype("timedelta64[D]")
    start = np.maximum(start, p.birth[applicants] + np.timedelta64(18 * 365, "D"))
    cols = {
        "case_no": record_ids(ctx, "DB", len(poor)),
        "citizen_id": [p.cid[i] for i in applicants.tolist()],
        "name": [p.name[i] for i in applicants.tolist()],
        "household_no": [household_no(x) for x in h.number[poor].tolist()],
        "household_size": size.tolist(),
        "monthly_amount": np.round(850 * size * rng.uniform(0.3, 1.0, len(poor)), 2).tolist(),
        "start_date": iso(start),
        "status": ["在保" if u < 0.93 else "停保" for u in rng.random(len(poor)).tolist()],
        "division": _district(ctx, chunk, applicants),
    }
    yield Batch(SUBSISTENCE, 0, cols, [("applicant", "person", p.person_id[applicants].tolist(), "citizen_id")])

    # Elderly care: more likely the higher the (hidden) care score.
    score = chunk.care_score[:n]
    elderly = np.flatnonzero(~np.isnan(score))
    s = score[elderly]
    enrol_p = ctx.config.overlap.elderly_care * np.clip(0.4 + 0.35 * s, 0.1, 3)
    enrolled = elderly[rng.random(len(elderly)) < enrol_p]
    yield _care(ctx, chunk, enrolled, 0, rng)

    men, women, wed = chunk.events["marriages"]
    for d in range(1, ctx.config.days + 1):
        today = wed == d
        yield _marriages(ctx, chunk, men[today], women[today], [ctx.iso(d)] * int(today.sum()),
                         ["marriage"] * int(today.sum()), _district(ctx, chunk, men[today]), d)
        died = np.flatnonzero(p.death_day[:n] == d)
        yield _deaths(ctx, chunk, died, died, d, rng)
        remaining = np.setdiff1d(elderly[s > 2.0], enrolled)
        new = remaining[rng.random(len(remaining)) < 0.01]
        yield _care(ctx, chunk, new, d, rng)


def _deaths(ctx: Context, chunk: Chunk, who: np.ndarray, home: np.ndarray, day: int, rng: np.random.Generator) -> Batch:
    p = chunk.people
    cols = {
        "record_no": record_ids(ctx, "SW", len(who)),
        "citizen_id": [p.cid[i] for i in who.tolist()],
        "name": [p.name[i] for i in who.tolist()],
        "gender": gender_codes(p.male[who]),
        "birth_date": iso(p.birth[who]),
        "death_date": iso(p.death[who]),
        "death_place": [("医院", "家中", "其他")[min(2, int(u * 2.2))] for u in rng.random(len(who)).tolist()],
        "division": _district(ctx, chunk, home),
    }
    return Batch(DEATHS, day, cols, [("deceased", "person", p.person_id[who].tolist(), "citizen_id")])


def _care(ctx: Context, chunk: Chunk, who: np.ndarray, day: int, rng: np.random.Generator) -> Batch:
    p, h = chunk.people, chunk.households
    s = chunk.care_score[who]
    level = np.clip(np.floor((s + rng.normal(0, 0.5, len(who))) / 1.0), 0, 3).astype(int)
    hh = chunk.hh_of[who]
    base = np.datetime64(ctx.iso(day))
    cols = {
        "record_no": record_ids(ctx, "YL", len(who)),
        "citizen_id": [p.cid[i] for i in who.tolist()],
        "name": [p.name[i] for i in who.tolist()],
        "gender": gender_codes(p.male[who]),
        "birth_date": iso(p.birth[who]),
        "care_level": [CARE_LEVELS[x] for x in level.tolist()],
        "service_type": [SERVICES[min(2, x // 2 + (1 if u < 0.2 else 0))] for x, u in zip(level.tolist(), rng.random(len(who)).tolist())],
        "monthly_subsidy": (level * 300.0 + np.where(level > 0, 100.0, 0.0)).tolist(),
        "assessed_date": iso(base - rng.integers(0, 700, len(who)).astype("timedelta64[D]") if day == 0 else np.full(len(who), base)),
        "phone": [p.phone[i] for i in who.tolist()],
        "address": format_addresses(ctx.geo, h.address[hh], h.street[hh]),
    }
    return Batch(ELDERLY_CARE, day, cols, [("subject", "person", p.person_id[who].tolist(), "citizen_id")])

