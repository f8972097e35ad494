"""Change days: what happens to a chunk's people and enterprises after day 0.

Each event gets a day 1..D drawn from a daily rate (births, deaths, moves, marriages,
phone changes, new and deregistered enterprises). The sources turn these into their
change batches; the ground truth and the statistics read them too, so both agree on
the state of the city at the end of every day.
"""

from __future__ import annotations

import numpy as np

from citylake.generate import enterprises
from citylake.generate.addresses import MOVE_ADDRESS_BASE
from citylake.generate.context import Context
from citylake.generate.people import CHILD, SPOUSE, assign_ids, draw_names, mobiles
from citylake.generate.world import Chunk


def _when(rng: np.random.Generator, prob: np.ndarray, days: int) -> np.ndarray:
    """Day of a first event at a daily probability (-1: not within the run)."""
    u = rng.random(len(prob))
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(prob > 0, np.floor(u / np.maximum(prob, 1e-300)) + 1, np.inf)
    return np.where(d <= days, d, -1).astype(np.int64)


def apply_changes(ctx: Context, chunk: Chunk) -> None:
    """Draw the chunk's events and add newborns and new enterprises to it."""
    cfg, geo, D = ctx.config, ctx.geo, ctx.config.days
    cr = cfg.changes
    empty = np.zeros(0, np.int64)
    chunk.events = {"moves": (empty, empty, empty, empty), "marriages": (empty, empty, empty),
                    "births": (empty, empty, empty, empty), "phones": (empty, empty, [])}
    if D == 0:
        return
    rng = ctx.rng("changes", chunk.index)
    p, n = chunk.people, chunk.n_residents
    base = np.datetime64(cfg.base_date.isoformat())
    age = ((base - p.birth[:n]).astype(np.int64) / 365.25)

    death_day = _when(rng, np.where(age >= 60, cr.death * (1 + (age - 60) / 6), 0.0), D)
    p.death_day[:n] = death_day
    p.death[:n] = np.where(death_day > 0, base + death_day.astype("timedelta64[D]"), p.death[:n])
    alive_end = death_day < 0

    h = chunk.households
    move_day = _when(rng, np.full(len(h), cr.move), D)
    movers = np.flatnonzero(move_day > 0)
    same = rng.random(len(movers)) < 0.6
    district = geo.street_district[h.street[movers]]
    new_street = np.array([rng.choice(geo.streets_of(int(d))) if s else rng.integers(0, len(geo.street_codes))
                           for d, s in zip(district, same)], dtype=np.int64)
    new_address = MOVE_ADDRESS_BASE + ctx.take("move", len(movers)) + np.arange(len(movers))
    chunk.events["moves"] = (movers, move_day[movers], new_street, new_address)

    single = np.array([m == "10" for m in p.marital[:n]]) & (age >= 22) & (age < 40) & alive_end
    wed_day = _when(rng, np.where(single, cr.marriage, 0.0), D)
    men = np.flatnonzero((wed_day > 0) & p.male[:n])
    women = rng.permutation(np.flatnonzero((wed_day > 0) & ~p.male[:n]))
    k = min(len(men), len(women))
    men, women = men[:k], women[:k]
    apart = chunk.hh_of[men] != chunk.hh_of[women]  # nobody marries within their own household
    men, women = men[apart], women[apart]
    chunk.events["marriages"] = (men, women, wed_day[men])

    wives = np.flatnonzero((p.role[:n] == SPOUSE) & ~p.male[:n] & (age >= 20) & (age < 42))
    heads = h.head[chunk.hh_of[wives]]
    birth_day = _when(rng, np.full(len(wives), cr.birth), D)
    mothers, fathers, bdays = wives[birth_day > 0], heads[birth_day > 0], birth_day[birth_day > 0]
    _add_newborns(ctx, chunk, rng, mothers, fathers, bdays)

    adults = np.flatnonzero((age >= 18) & alive_end & np.array([x is not None for x in p.phone[:n]]))
    phone_day = _when(rng, np.full(len(adults), cr.phone_change), D)
    changed = adults[phone_day > 0]
    chunk.events["phones"] = (changed, phone_day[phone_day > 0], mobiles(rng, len(changed)))

    ent = chunk.ent
    in_business = np.isin(ent["status"], enterprises.IN_BUSINESS)
    ent["dereg_day"] = np.where(in_business, _when(rng, np.full(len(in_business), cr.deregistration), D), -1)
    new_count = int(rng.binomial(D * max(len(in_business), 1), cr.new_enterprise))
    if new_count:
        numbers = ctx.n_enterprises + ctx.take("new_enterprise", new_count) + np.arange(new_count)
        new = enterprises.attributes(ctx, numbers)
        days = rng.integers(1, D + 1, new_count)
        new["established"] = base + days.astype("timedelta64[D]")
        new["status"] = np.full(new_count, "10")
        new["abnormal"] = np.zeros(new_count, bool)
        grown = np.flatnonzero((age >= 22) & (age < 60) & alive_end)
        new["legal_rep"] = rng.choice(grown, new_count) if len(grown) else np.zeros(new_count, np.int64)
        new["new_day"] = days
        new["dereg_day"] = np.full(new_count, -1)
        for key, value in new.items():
            old = ent[key]
            ent[key] = np.concatenate([np.asarray(old), np.asarray(value)]) if not isinstance(old, list) else old + list(value)


def _add_newborns(ctx: Context, chunk: Chunk, rng: np.random.Generator, mothers: np.ndarray,
                  fathers: np.ndarray, days: np.ndarray) -> None:
    k = len(mothers)
    chunk.events["births"] = (len(chunk.people) + np.arange(k), mothers, fathers, days)
    if not k:
        return
    p, geo = chunk.people, ctx.geo
    base = np.datetime64(ctx.config.base_date.isoformat())
    male = rng.random(k) < 0.51
    birth = base + days.astype("timedelta64[D]")
    father_surname = np.array([p.name[f][0] for f in fathers])
    name, _ = draw_names(rng, male)
    name = [s + g[1:] for s, g in zip(father_surname, name)]
    hh = chunk.hh_of[mothers]
    home = geo.street_district[chunk.households.street[hh]]
    cid, bp = assign_ids(ctx.alloc, geo, rng, birth, male, home, 1.0, 1.0)
    p.extend({
        "person_id": ctx.take("person", k) + np.arange(k), "household": p.household[mothers], "role": np.full(k, CHILD),
        "relationship": ["20" if m else "30" for m in male], "male": male, "birth": birth,
        "ethnicity": [p.ethnicity[f] for f in fathers], "marital": ["10"] * k, "name": name, "cid": cid, "birthplace": bp,
        "phone": [None] * k, "resident": np.ones(k, bool), "kind": ["newborn"] * k, "linked": mothers,
        "death": np.full(k, np.datetime64("NaT", "D")), "disabled": np.zeros(k, bool), "born_day": days,
        "death_day": np.full(k, -1),
    })
    chunk.hh_of = np.r_[chunk.hh_of, hh]
    chunk.care_score = np.r_[chunk.care_score, np.full(k, np.nan)]
