"""Identity numbers: citizen ID (GB 11643), credit code (GB 32100), bank card (ISO/IEC 7812).

Each has a normalizer (what sources get wrong in typing: spaces, full-width digits,
lower-case letters) and a check that names the rule a value fails. Check digits come
from python-stdnum, the ecosystem's implementation, not from code of our own.
"""

from __future__ import annotations

import datetime as dt
import re

from stdnum.cn import ric, uscc

from citylake.standards.checked import Checked, date_or_none, fail
from citylake.standards.code_tables import load_code_table
from citylake.standards.text import to_halfwidth

# --- citizen identity number (GB 11643-1999) ---------------------------------------

_CITIZEN_ID = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def normalize_citizen_id(value: object) -> str | None:
    """Strip spaces, full-width digits → ASCII, lower-case x → X (GB 11643-1999 uses X
    for the check value 10). Returns None for empty input; the shape is not checked."""
    if value is None:
        return None
    return to_halfwidth(str(value)).replace(" ", "").upper() or None


def is_birthplace_code(code: str) -> bool:
    """A GB/T 2260 code an ID may carry: current, retired or newer than the current
    table, because an ID keeps the code of the birthplace as it was at registration."""
    return load_code_table("admin_division").contains(code) or load_code_table(
        "admin_division_history"
    ).contains(code)



def id_birth_date(value: object) -> dt.date | None:
    """The birth date in digits 7-14 of an 18-character ID, or None if it is no date."""
    cid = normalize_citizen_id(value)
    if cid is None or not _CITIZEN_ID.match(cid):
        return None
    return date_or_none(int(cid[6:10]), int(cid[10:12]), int(cid[12:14]))


def id_gender(value: object) -> str | None:
    """GB/T 2261.1 sex code from the 17th digit (odd: "1" male, even: "2" female)."""
    cid = normalize_citizen_id(value)
    if cid is None or not _CITIZEN_ID.match(cid):
        return None
    return "1" if int(cid[16]) % 2 else "2"


def check_citizen_id(value: object, today: dt.date | None = None) -> Checked:
    """Check an 18-character citizen identity number (GB 11643-1999).

    Rules, in order: ``format`` (17 digits then a digit or X), ``birthplace`` (digits
    1-6 in GB/T 2260, current or historical), ``birth_date`` (a real date from 1900 to
    today), ``check_digit`` (ISO 7064 MOD 11-2 via ``stdnum.cn.ric.calc_check_digit``).
    ``stdnum.cn.ric.is_valid`` is not used: it raises KeyError for birthplace codes
    missing from its own table. 15-digit first-generation numbers fail ``format``.
    """
    cid = normalize_citizen_id(value)
    if cid is None:
        return fail("missing")
    if not _CITIZEN_ID.match(cid):
        return fail("format")
    if not is_birthplace_code(cid[:6]):
        return fail("birthplace")
    born = id_birth_date(cid)
    if born is None or not EARLIEST_BIRTH <= born <= (today or dt.date.today()):
        return fail("birth_date")
    if ric.calc_check_digit(cid) != cid[17]:
        return fail("check_digit")
    return Checked(cid)


# --- unified social credit code (GB 32100-2015) ------------------------------------

#: GB 32100 character set: digits and capitals without I, O, Z, S, V.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE = re.compile(rf"^[{CREDIT_ALPHABET}]{{2}}[0-9]{{6}}[{CREDIT_ALPHABET}]{{10}}$")


def normalize_credit_code(value: object) -> str | None:
    """Strip spaces and dashes, full-width → ASCII, upper-case."""
    if value is None:
        return None
    text = to_halfwidth(str(value)).replace(" ", "").replace("-", "")
    return text.upper() or None


def check_credit_code(value: object) -> Checked:
    """Check a unified social credit code (GB 32100-2015).

    ``format``: 18 characters of the GB 32100 alphabet, digits 3-8 a region code.
    Unlike ``stdnum.cn.uscc.validate`` the registering-authority and entity-type
    characters may be letters (Y 其他, N 农业, A ...), which real codes use.
    ``check_digit``: the MOD 31 check character (``stdnum.cn.uscc.calc_check_digit``).
    """
    code = normalize_credit_code(value)
    if code is None:
        return fail("missing")
    if not _CREDIT_CODE.match(code):
        return fail("format")
    if uscc.calc_check_digit(code[:17]) != code[17]:
        return fail("check_digit")
    return Checked(code)



# --- bank card (ISO/IEC 7812) ---------------------------------------------------------

_BANK_CARD = re.compile(r"^[0-9]{12,19}$")


def luhn_ok(digits: str) -> bool:
    """The Luhn (ISO/IEC 7812-1 mod 10) check over a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def normalize_bank_card(value: object) -> str | None:
    """Strip spaces and dashes, full-width digits → ASCII; the shape is not checked."""
    if value is None:
        return None
    return to_halfwidth(str(value)).replace(" ", "").replace("-", "") or None


def check_bank_card(value: object) -> Checked:
    """A bank card number (ISO/IEC 7812): 12-19 digits (UnionPay cards 16-19) and the
    Luhn check digit. Some old domestic cards predate Luhn: treat ``check_digit`` as a
    warning for card sources known to hold them."""
    card = normalize_bank_card(value)
    if card is None:
        return fail("missing")
    if not _BANK_CARD.match(card):
        return fail("format")
    if not luhn_ok(card):
        return fail("check_digit")
    return Checked(card)


