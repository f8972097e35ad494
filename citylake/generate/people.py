"""Households and the people in them: the true population, one chunk of households at a time.

A chunk is generated with numpy from its own random stream, so memory depends on the
chunk size only. People come in households (single, couple, couple with children, three
generations, single parent, collective) so that ages, sexes, marital status and the
relationship to the head agree with each other. People outside the register that the
departments still know about (late spouses, former spouses, migrant workers) are
generated beside them as "external" people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from citylake.generate import codes, names
from citylake.generate.addresses import Geography, birth_year_ok
from citylake.generate.identifiers import IdAllocator, citizen_id, id_body

HEAD, SPOUSE, CHILD, PARENT, OTHER = range(5)
SINGLE, COUPLE, FAMILY, THREE_GEN, SINGLE_PARENT, COLLECTIVE = range(6)
HOUSEHOLD_P = np.array([0.18, 0.20, 0.40, 0.12, 0.06, 0.04])
_MOBILE_PREFIX = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 158, 159, 166,
                           176, 177, 180, 181, 182, 185, 186, 187, 188, 189, 191, 199])
DATE0 = np.datetime64("1900-01-01", "D")


@dataclass
class People:
    """Arrays of one chunk's people (residents first, then external people)."""

    person_id: np.ndarray
    household: np.ndarray       # global household number, -1 for external people
    role: np.ndarray
    relationship: list[str]     # GB/T 4761 code ("" for external people)
    male: np.ndarray
    birth: np.ndarray           # datetime64[D]
    ethnicity: list[str]        # GB/T 3304 code
    marital: list[str]          # GB/T 2261.2 code
    name: list[str]
    cid: list[str]              # citizen ID
    birthplace: np.ndarray
    phone: list[str | None]
    resident: np.ndarray        # in the city's household register
    kind: list[str]             # resident, deceased_spouse, former_spouse, migrant_worker, newborn
    linked: np.ndarray          # for external people: the resident index they relate to (-1: none)
    death: np.ndarray           # datetime64[D], NaT if alive at the end
    disabled: np.ndarray
    born_day: np.ndarray        # change day of birth (-1: born before day 0)
    death_day: np.ndarray       # change day of death (-1: none within the run)

    def __len__(self) -> int:
        return len(self.person_id)

    def extend(self, more: dict) -> None:
        """Append people given as field → values (arrays or lists of equal length)."""
        for k, v in more.items():
            old = getattr(self, k)
            setattr(self, k, np.concatenate([old, np.asarray(v, dtype=old.dtype)]) if isinstance(old, np.ndarray) else old + list(v))


@dataclass
class Households:
    number: np.ndarray          # global household number
    type: np.ndarray
    head: np.ndarray            # index of the head in People
    size: np.ndarray
    street: np.ndarray
    address: np.ndarray         # address number
    founded: np.ndarray         # datetime64[D]

    def __len__(self) -> int:
        return len(self.number)


def household_no(number: int) -> str:
    """The 9-digit 户号 of a household number."""
    return f"{100_000_001 + number:09d}"


def mobiles(rng: np.random.Generator, n: int) -> list[str]:
    prefix = _MOBILE_PREFIX[rng.integers(0, len(_MOBILE_PREFIX), n)]
    rest = rng.integers(0, 100_000_000, n)
    return [f"{p}{r:08d}" for p, r in zip(prefix.tolist(), rest.tolist())]


def _ages(rng: np.random.Generator, htype: np.ndarray) -> np.ndarray:
    lo = np.array([20, 22, 26, 30, 25, 25])[htype]
    hi = np.array([88, 90, 60, 56, 55, 50])[htype]
    return rng.uniform(lo, hi)


def households(rng: np.random.Generator, n_households: int, first_number: int, people_left: int,
               geo: Geography, base: dt.date) -> tuple[Households, dict[str, np.ndarray]]:
    """Household structure and member slots; the last household is cut to hit ``people_left`` exactly."""
    htype = rng.choice(6, n_households, p=HOUSEHOLD_P)
    spouse = np.isin(htype, (COUPLE, FAMILY, THREE_GEN)).astype(np.int64)
    children = np.where(htype == FAMILY, rng.choice([1, 2, 3], n_households, p=[0.55, 0.35, 0.10]), 0)
    children = np.where(np.isin(htype, (THREE_GEN, SINGLE_PARENT)), rng.choice([1, 2], n_households, p=[0.6, 0.4]), children)
    parents = np.where(htype == THREE_GEN, rng.choice([1, 2], n_households, p=[0.4, 0.6]), 0)
    others = np.where(htype == COLLECTIVE, rng.integers(2, 8, n_households), 0)
    size = 1 + spouse + children + parents + others
    total = np.cumsum(size)
    if total[-1] > people_left:
        keep = int(np.searchsorted(total, people_left)) + 1
        htype, spouse, children, parents, others, size = (a[:keep] for a in (htype, spouse, children, parents, others, size))
        size[-1] -= int(size.sum() - people_left)
        # a cut household loses members from the end: others, then parents, then children, then the spouse
        over = 1 + spouse[-1] + children[-1] + parents[-1] + others[-1] - size[-1]
        for arr in (others, parents, children, spouse):
            cut = min(int(arr[-1]), int(over))
            arr[-1] -= cut
            over -= cut
    n = len(size)
    district = rng.choice(len(geo.district_codes), n, p=geo.district_weight)
    street = np.array([rng.choice(geo.streets_of(int(d))) for d in district]) if n else np.zeros(0, dtype=np.int64)
    head_age = _ages(rng, htype)
    founded = np.datetime64(base.isoformat()) - (rng.uniform(0.2, 0.9, n) * np.minimum(head_age - 17, 40) * 365.25).astype("timedelta64[D]")
    h = Households(number=first_number + np.arange(n), type=htype, head=np.zeros(n, dtype=np.int64), size=size,
                   street=street, address=first_number + np.arange(n), founded=founded)
    return h, {"spouse": spouse, "children": children, "parents": parents, "others": others, "head_age": head_age}


def members(rng: np.random.Generator, h: Households, parts: dict[str, np.ndarray], base: dt.date,
            first_person: int) -> dict[str, np.ndarray]:
    """Role, sex and age of every member, in household order."""
    n = int(h.size.sum())
    hh = np.repeat(np.arange(len(h)), h.size)
    starts = np.r_[0, np.cumsum(h.size)[:-1]]
    slot = np.arange(n) - starts[hh]
    h.head = starts
    child_start = 1 + parts["spouse"][hh]
    parent_start = child_start + parts["children"][hh]
    other_start = parent_start + parts["parents"][hh]
    role = np.select([slot == 0, slot < child_start, slot < parent_start, slot < other_start], [HEAD, SPOUSE, CHILD, PARENT], OTHER)
    htype = h.type[hh]
    head_male_p = np.array([0.5, 0.75, 0.75, 0.75, 0.3, 0.6])[htype]
    head_male = rng.random(len(h)) < head_male_p[starts]
    male = np.select(
        [role == HEAD, role == SPOUSE, role == PARENT],
        [head_male[hh], ~head_male[hh], (slot - parent_start) == 0],
        rng.random(n) < 0.51,
    )
    lone_parent = (role == PARENT) & (parts["parents"][hh] == 1)
    male = np.where(lone_parent, rng.random(n) < 0.35, male)
    head_age = parts["head_age"][hh]
    spouse_age = head_age + rng.normal(-1.5, 3, n)
    parent_age = head_age + rng.uniform(22, 34, n)
    age = np.select(
        [role == HEAD, role == SPOUSE, role == CHILD, role == PARENT],
        # out-of-range ages are redrawn, not clipped: a clip piles people on one birth date
        [head_age, np.where(spouse_age < 20, rng.uniform(20, 24, n), spouse_age), head_age - rng.uniform(20, 38, n),
         np.where(parent_age > 99, rng.uniform(85, 99, n), parent_age)],
        rng.uniform(18, 40, n),
    )
    age = np.where(age < 0, rng.uniform(0, 3, n), age)
    birth = np.datetime64(base.isoformat()) - (age * 365.25).astype("timedelta64[D]") - 1
    return {"hh": hh, "slot": slot, "role": role, "male": male, "birth": birth, "age": age,
            "person_id": first_person + np.arange(n)}


def relationship_codes(role: np.ndarray, male: np.ndarray, only_child: np.ndarray) -> list[str]:
    rel = codes.table("family_relationship")
    out = []
    for r, m, single in zip(role.tolist(), male.tolist(), only_child.tolist()):
        if r == HEAD:
            c = "02"
        elif r == SPOUSE:
            c = "11" if m else "12"
        elif r == CHILD:
            c = ("21" if m else "31") if single else ("20" if m else "30")
        elif r == PARENT:
            c = "51" if m else "52"
        else:
            c = "99"
        out.append(c)
    assert all(rel.contains(c) for c in set(out))
    return out


def marital_status(rng: np.random.Generator, role: np.ndarray, age: np.ndarray, htype: np.ndarray,
                   n_parents: np.ndarray) -> np.ndarray:
    """10 未婚, 20 已婚, 30 丧偶, 40 离婚 by role and age; a lone parent of the head is widowed."""
    n = len(role)
    u = rng.random(n)
    single_head = np.select([age < 30, age < 60], [np.where(u < 0.9, 10, 40), np.where(u < 0.45, 10, np.where(u < 0.85, 40, 30))],
                            np.where(u < 0.1, 10, np.where(u < 0.3, 40, 30)))
    lone_parent_head = np.where(u < 0.6, 40, 30)
    child = np.where((age >= 25) & (u < 0.5), 20, 10)
    status = np.select(
        [(role == HEAD) & (htype == SINGLE), (role == HEAD) & (htype == SINGLE_PARENT), (role == HEAD) & (htype == COLLECTIVE),
         role == HEAD, role == SPOUSE, role == CHILD, role == PARENT],
        [single_head, lone_parent_head, np.where(age < 28, 10, 20), 20, 20, child, np.where(n_parents == 2, 20, 30)],
        np.where(age < 28, 10, np.where(u < 0.5, 20, 10)),
    )
    return np.where(age < 20, 10, status)


def assign_ids(alloc: IdAllocator, geo: Geography, rng: np.random.Generator, birth: np.ndarray, male: np.ndarray,
               home_district: np.ndarray, local_share: float | np.ndarray, city_share: float | np.ndarray) -> tuple[list[str], np.ndarray]:
    """Citizen IDs: born in the home district (``local_share``), elsewhere in the city (up to
    ``city_share``) or in a county outside it."""
    n = len(birth)
    n_districts = len(geo.district_codes)
    u = rng.random(n)
    elsewhere = rng.integers(n_districts, len(geo.birthplaces), n)
    other_district = rng.integers(0, n_districts, n)
    bp = np.where(u < local_share, home_district, np.where(u < city_share, other_district, elsewhere))
    bp = birth_year_ok(geo, bp, birth, rng)
    day = (birth - DATE0).astype(np.int64)
    order = alloc.allocate(bp, day, male)
    dates = birth.astype(dt.date)
    ids = [citizen_id(id_body(geo.birthplaces[b], d, o)) for b, d, o in zip(bp.tolist(), dates, order.tolist())]
    return ids, bp


def draw_names(rng: np.random.Generator, male: np.ndarray, surname: np.ndarray | None = None) -> tuple[list[str], np.ndarray]:
    """Names; ``surname`` indexes into names.SURNAMES where the family decides it."""
    n = len(male)
    if surname is None:
        surname = rng.choice(len(names.SURNAMES), n, p=names.SURNAME_P)
    given = names.draw_given(rng, male)
    return [names.SURNAMES[s] + g for s, g in zip(surname.tolist(), given)], surname


def family_surnames(rng: np.random.Generator, hh: np.ndarray, role: np.ndarray, male: np.ndarray,
                    heads: np.ndarray) -> np.ndarray:
    """Children take the father's surname (the head's, or the spouse's when the head is the mother)."""
    n = len(hh)
    own = rng.choice(len(names.SURNAMES), n, p=names.SURNAME_P)
    head_s = own[heads][hh]
    spouse_idx = np.where(role == SPOUSE)[0]
    spouse_s = head_s.copy()
    spouse_of = np.full(len(heads), -1)
    spouse_of[hh[spouse_idx]] = spouse_idx
    has_spouse = spouse_of[hh] >= 0
    father_s = np.where(male[heads][hh] | ~has_spouse, head_s, own[np.where(has_spouse, spouse_of[hh], 0)])
    spouse_s = np.where(role == CHILD, father_s, own)
    parent_s = np.where((role == PARENT) & male, head_s, own)  # the head's father shares the surname
    return np.select([role == HEAD, role == CHILD, role == PARENT], [head_s, spouse_s, parent_s], own)
