"""IDs and credit codes are valid for python-stdnum and unique; the spare ones belong to nobody."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from stdnum.cn import ric, uscc

from citylake.generate import identifiers
from citylake.generate.defects import fake_citizen_id
from citylake.standards.code_tables import load_code_table


def test_every_true_citizen_id_is_valid_and_unique(city: Path) -> None:
    people = pq.read_table(city / "ground_truth" / "people.parquet").to_pydict()
    ids = people["citizen_id"]
    assert len(ids) == len(set(ids))
    assert all(ric.is_valid(i) for i in ids)
    divisions = load_code_table("admin_division")
    history = load_code_table("admin_division_history")
    assert all(divisions.contains(i[:6]) or history.contains(i[:6]) for i in ids)
    for cid, birth, gender in zip(ids, people["birth_date"], people["gender"]):
        assert birth == f"{cid[6:10]}-{cid[10:12]}-{cid[12:14]}"
        assert (int(cid[16]) % 2 == 1) == (gender == "1")
        assert int(cid[14:17]) <= identifiers.MAX_ORDER


def test_every_credit_code_is_valid_and_unique(city: Path) -> None:
    codes = pq.read_table(city / "ground_truth" / "enterprises.parquet").column("credit_code").to_pylist()
    assert len(codes) == len(set(codes)) > 100
    assert all(uscc.is_valid(c) for c in codes)
    assert all(identifiers.org_check(c[8:16]) == c[16] for c in codes)


def test_spare_ids_are_valid_but_never_given() -> None:
    real = identifiers.citizen_id(identifiers.id_body("420102", dt.date(1990, 5, 1), 17))
    fake = fake_citizen_id(real, 3)
    assert ric.is_valid(fake) and fake != real and int(fake[14:17]) > identifiers.MAX_ORDER
    assert int(fake[16]) % 2 == int(real[16]) % 2
    code = identifiers.fake_credit_code("420102", 12)
    assert uscc.is_valid(code) and int(code[8:16]) >= identifiers.ORG_SPACE


def test_allocator_gives_distinct_order_codes_across_calls() -> None:
    alloc = identifiers.IdAllocator(2, dt.date(2026, 1, 10))
    day = np.array([100] * 6)
    first = alloc.allocate(np.zeros(6, np.int64), day, np.array([True, True, False, True, False, False]))
    second = alloc.allocate(np.zeros(3, np.int64), day[:3], np.array([True, False, True]))
    male = [c for c in list(first[[0, 1, 3]]) + [second[0], second[2]]]
    female = [c for c in list(first[[2, 4, 5]]) + [second[1]]]
    assert len(set(male)) == 5 and all(c % 2 == 1 for c in male)
    assert len(set(female)) == 4 and all(c % 2 == 0 for c in female)


def test_no_birth_date_is_crowded(city: Path) -> None:
    """A clipped age would pile people on one date and exhaust its 3-digit order codes at scale."""
    from collections import Counter

    births = pq.read_table(city / "ground_truth" / "people.parquet", columns=["birth_date"]).column(0).to_pylist()
    assert Counter(births).most_common(1)[0][1] <= 8
