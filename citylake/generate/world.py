"""One chunk of the true city: households, residents, external people, jobs, enterprises.

Everything a source needs to write its rows for these people is here, so each chunk is
generated once and then handed to every source builder; nothing about a chunk is kept
after it is written except counters and statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from citylake.generate import codes, enterprises
from citylake.generate.context import Context
from citylake.generate.people import (
    CHILD, COLLECTIVE, SINGLE, SINGLE_PARENT, Households, People, assign_ids, draw_names, family_surnames,
    households, marital_status, members, mobiles, relationship_codes,
)

NAT = np.datetime64("NaT", "D")


@dataclass
class Chunk:
    index: int
    people: People
    households: Households
    n_residents: int
    ordinal_start: int
    hh_of: np.ndarray                      # local household of each resident (-1: external)
    job_person: np.ndarray                 # employment: person index, employer number, start, wage
    job_employer: np.ndarray
    job_start: np.ndarray
    job_wage: np.ndarray
    ent: dict                              # enterprises whose legal representative lives here
    low_income: np.ndarray                 # households on subsistence allowance
    care_score: np.ndarray                 # per person (NaN below 65)
    events: dict = field(default_factory=dict)


def _ethnicity(ctx: Context, rng: np.random.Generator, hh: np.ndarray, n_hh: int) -> list[str]:
    keys = list(codes.ETHNICITY_WEIGHTS)
    p = np.array(list(codes.ETHNICITY_WEIGHTS.values()))
    p = p / p.sum()
    household = rng.choice(len(keys), n_hh, p=p)
    own = rng.choice(len(keys), len(hh), p=p)
    pick = np.where(rng.random(len(hh)) < 0.95, household[hh], own)
    return [keys[i] for i in pick.tolist()]


def build_chunk(ctx: Context, index: int, residents_before: int) -> Chunk:
    cfg, geo = ctx.config, ctx.geo
    base = np.datetime64(cfg.base_date.isoformat())
    rng = ctx.rng("chunk", index)
    h, parts = households(rng, cfg.households_per_chunk, ctx.counters.get("household", 0),
                          cfg.people - residents_before, geo, cfg.base_date)
    ctx.take("household", len(h))
    m = members(rng, h, parts, cfg.base_date, ctx.counters.get("person", 0))
    n = len(m["role"])
    ctx.take("person", n)
    hh, role, male, age = m["hh"], m["role"], m["male"], m["age"]
    only_child = (role == CHILD) & (parts["children"][hh] == 1)
    marital = marital_status(rng, role, age, h.type[hh], parts["parents"][hh])
    surname = family_surnames(rng, hh, role, male, h.head)
    name, _ = draw_names(rng, male, surname)
    home = geo.street_district[h.street[hh]]
    cid, bp = assign_ids(ctx.alloc, geo, rng, m["birth"], male, home, 0.75, 0.85)
    phone = mobiles(rng, n)
    phone_or_none: list[str | None] = [p if (a >= 16 and u < 0.92) else None for p, a, u in zip(phone, age.tolist(), rng.random(n).tolist())]
    disabled = rng.random(n) < np.select([age < 60, age < 80], [0.015, 0.06], 0.18)
    people = People(
        person_id=m["person_id"], household=h.number[hh], role=role, relationship=relationship_codes(role, male, only_child),
        male=male, birth=m["birth"], ethnicity=_ethnicity(ctx, rng, hh, len(h)), marital=[str(x) for x in marital.tolist()],
        name=name, cid=cid, birthplace=bp, phone=phone_or_none, resident=np.ones(n, bool), kind=["resident"] * n,
        linked=np.full(n, -1), death=np.full(n, NAT), disabled=disabled, born_day=np.full(n, -1), death_day=np.full(n, -1),
    )
    hh_of = hh.copy()

    # Jobs of residents aged 18-59.
    working_age = (age >= 18) & (age < 60)
    employed = working_age & (rng.random(n) < cfg.overlap.employed)
    job_person = np.flatnonzero(employed)

    ext_kind = _add_external_people(ctx, rng, people, age, male, marital, home, len(job_person))
    hh_of = np.r_[hh_of, np.full(len(ext_kind), -1)]
    k = len(ext_kind)
    migrants = n + np.flatnonzero(np.array(ext_kind) == "migrant_worker") if k else np.zeros(0, np.int64)
    job_person = np.r_[job_person, migrants]
    e_count = ctx.n_enterprises
    job_employer = np.minimum((ctx.uniform(people.person_id[job_person], "employer") * e_count).astype(np.int64), e_count - 1)
    p_age = ((base - people.birth[job_person]).astype(np.int64) / 365.25)
    years = rng.uniform(0.1, np.maximum(0.2, np.minimum(p_age - 18, 15)))
    job_start = base - (years * 365.25).astype("timedelta64[D]")
    job_wage = np.round(np.exp(rng.normal(np.log(7500), 0.45, len(job_person))), -1)

    ent = _enterprises_led_here(ctx, residents_before, n, age)

    # Subsistence allowance, mostly to single, single-parent and elderly households.
    boost = np.where(np.isin(h.type, (SINGLE, SINGLE_PARENT)), 2.5, np.where(h.type == COLLECTIVE, 0.0, 0.6))
    low_income = rng.random(len(h)) < cfg.overlap.subsistence * boost
    # Care need of people aged 65+: age, living alone, disability, low income; a hidden score.
    alone = (h.size[hh] == 1)
    score = (age - 65) / 10 + 1.0 * alone + 1.2 * disabled + 0.6 * low_income[hh] + rng.normal(0, 0.7, n)
    care = np.full(len(people), np.nan)
    care[:n] = np.where(age >= 65, score, np.nan)
    return Chunk(index, people, h, n, residents_before, hh_of, job_person, job_employer, job_start, job_wage,
                 ent, low_income, care)


def _add_external_people(ctx: Context, rng: np.random.Generator, people: People, age: np.ndarray, male: np.ndarray,
                         marital: np.ndarray, home: np.ndarray, n_jobs: int) -> list[str]:
    """Append the people departments know who are not in the register; returns their kinds.

    Late spouses (for death records), former spouses (for divorce records) and migrant
    workers (employment records of people registered elsewhere).
    """
    base = np.datetime64(ctx.config.base_date.isoformat())
    widowed = np.flatnonzero(marital == 30)
    divorced = np.flatnonzero(marital == 40)
    share = ctx.config.overlap.migrant_workers
    n_migrants = int(round(n_jobs * share / (1 - share))) if share < 1 else 0
    linked = np.r_[widowed, divorced, np.full(n_migrants, -1)].astype(np.int64)
    ext_kind = ["deceased_spouse"] * len(widowed) + ["former_spouse"] * len(divorced) + ["migrant_worker"] * n_migrants
    k = len(linked)
    if not k:
        return ext_kind
    partner = np.maximum(linked, 0)
    partner_age = np.where(linked >= 0, age[partner] + rng.normal(1, 3, k), rng.uniform(20, 55, k))
    ext_male = np.where(linked >= 0, ~male[partner], rng.random(k) < 0.6)
    partner_age = np.where(partner_age < 20, rng.uniform(20, 24, k), partner_age)
    ext_birth = base - (partner_age * 365.25).astype("timedelta64[D]") - 1
    kinds = np.array(ext_kind)
    # late spouses were often born in the city, former spouses less so, migrant workers never
    local = np.select([kinds == "deceased_spouse", kinds == "former_spouse"], [0.5, 0.2], 0.0)
    in_city = np.select([kinds == "deceased_spouse", kinds == "former_spouse"], [0.7, 0.4], 0.0)
    ext_cid, ext_bp = assign_ids(ctx.alloc, ctx.geo, rng, ext_birth, ext_male, np.where(linked >= 0, home[partner], 0),
                                 local, in_city)
    ext_name, _ = draw_names(rng, ext_male)
    died = np.where(kinds == "deceased_spouse", base - (rng.uniform(1, 15 * 365, k)).astype("timedelta64[D]"), NAT)
    first = ctx.take("person", k)
    ext_phone = mobiles(rng, k)
    people.extend({
        "person_id": first + np.arange(k), "household": np.full(k, -1), "role": np.full(k, -1),
        "relationship": [""] * k, "male": ext_male, "birth": ext_birth, "ethnicity": ["01"] * k,
        "marital": ["40" if x == "former_spouse" else "20" if x == "deceased_spouse" else "10" for x in ext_kind],
        "name": ext_name, "cid": ext_cid, "birthplace": ext_bp,
        "phone": [p if x != "deceased_spouse" else None for p, x in zip(ext_phone, ext_kind)],
        "resident": np.zeros(k, bool), "kind": ext_kind, "linked": linked, "death": died,
        "disabled": np.zeros(k, bool), "born_day": np.full(k, -1), "death_day": np.full(k, -1),
    })
    return ext_kind


def _enterprises_led_here(ctx: Context, residents_before: int, n: int, age: np.ndarray) -> dict:
    """The enterprises whose legal representative is one of this chunk's adults.

    Enterprise e's representative is the adult at or after resident ordinal e·N/E, so each
    enterprise is generated exactly once, in the chunk of its representative.
    """
    a, b = residents_before, residents_before + n
    E, N = ctx.n_enterprises, ctx.config.people
    numbers = np.arange((a * E + N - 1) // N, (b * E + N - 1) // N)
    ent = enterprises.attributes(ctx, numbers)
    adults = np.flatnonzero((age >= 22) & (age < 75))
    pos = np.searchsorted(adults, numbers * N // E - a)
    ent["legal_rep"] = adults[pos % len(adults)] if len(adults) else np.zeros(len(numbers), np.int64)
    ent["new_day"] = np.full(len(numbers), -1)
    ent["dereg_day"] = np.full(len(numbers), -1)
    return ent
