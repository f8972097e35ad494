"""Citizen IDs (GB 11643) and unified social credit codes (GB 32100).

Check characters come from python-stdnum, as the silver layer checks them. Uniqueness is
by construction, not by lookup: the 3-digit order code of a citizen ID is a counter per
(birthplace, birth date, sex) cell (``IdAllocator``), and the organisation code inside a
credit code is a bijection of the enterprise number. Order codes from 981 up and
organisation codes from 90000000 up are never given to anyone in the city: orphan
references and duplicate registrations draw from them, so they can never collide with a
real record.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from stdnum.cn import ric, uscc

from citylake.errors import CitylakeError

EPOCH = dt.date(1900, 1, 1)
MAX_ORDER = 980          # order codes 001-980 for real people, 981-999 for nobody
FAKE_ORDER_START = 981
ORG_SPACE = 90_000_000   # organisation-code bodies below this belong to real enterprises
_ORG_MULT = 48_271       # coprime with ORG_SPACE: enterprise number → scattered body
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_FULLWIDTH = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "".join(chr(0xFF10 + i) for i in range(10)) + "".join(chr(0xFF21 + i) for i in range(26)))


def citizen_id(body17: str) -> str:
    """The full 18-character ID for a 17-digit body."""
    return body17 + ric.calc_check_digit(body17 + "0")  # stdnum expects a placeholder check character


def id_body(birthplace: str, birth: dt.date, order: int) -> str:
    return f"{birthplace}{birth:%Y%m%d}{order:03d}"


def wrong_check(value: str, alphabet: str, pick: int) -> str:
    """The same number with a different (wrong) last character."""
    last = value[-1]
    others = [c for c in alphabet if c != last]
    return value[:-1] + others[pick % len(others)]


def fullwidth(value: str) -> str:
    return value.translate(_FULLWIDTH)


class IdAllocator:
    """Order codes per (birthplace, birth date, sex) cell: every citizen ID is unique.

    Memory is fixed by the number of birthplaces and days, not by the number of people.
    """

    def __init__(self, n_birthplaces: int, last_day: dt.date) -> None:
        self.n_days = (last_day - EPOCH).days + 1
        self.used = np.zeros((n_birthplaces, self.n_days, 2), dtype=np.uint16)

    def allocate(self, birthplace: np.ndarray, birth_day: np.ndarray, male: np.ndarray) -> np.ndarray:
        """Order codes (odd for men, even for women) for people in generation order."""
        sex = (~male).astype(np.int64)
        cell = (birthplace.astype(np.int64) * self.n_days + birth_day) * 2 + sex
        order = np.argsort(cell, kind="stable")
        sorted_cell = cell[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_cell)) + 1]
        run = np.arange(len(cell)) - np.repeat(starts, np.diff(np.r_[starts, len(cell)]))
        flat = self.used.reshape(-1)
        rank = np.empty(len(cell), dtype=np.int64)
        rank[order] = flat[sorted_cell].astype(np.int64) + run
        np.add.at(flat, sorted_cell[starts], np.diff(np.r_[starts, len(cell)]).astype(np.uint16))
        codes = np.where(male, 2 * rank + 1, 2 * rank + 2)
        if len(codes) and codes.max() > MAX_ORDER:
            raise CitylakeError("too many people share one birthplace and birth date; lower --people or widen the birthplace list.")
        return codes


def org_body(enterprise: np.ndarray) -> list[str]:
    """8-digit organisation-code bodies, distinct for distinct enterprise numbers."""
    scattered = (enterprise.astype(np.int64) * _ORG_MULT + 10_000_019) % ORG_SPACE
    return [f"{v:08d}" for v in scattered]


def org_check(body8: str) -> str:
    """GB 11714 check character of an organisation code."""
    total = sum(int(c) * w for c, w in zip(body8, _ORG_WEIGHTS))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def credit_code(kind: str, district: str, body8: str) -> str:
    """A valid 18-character code: registration authority 9 (market supervision), entity kind, district, organisation code."""
    stem = f"9{kind}{district}{body8}{org_check(body8)}"
    return stem + uscc.calc_check_digit(stem + "0")


def fake_credit_code(district: str, pick: int) -> str:
    """A valid credit code of no enterprise in the city."""
    body = f"{ORG_SPACE + pick % (100_000_000 - ORG_SPACE):08d}"
    return credit_code("1", district, body)
