"""What a value is: detectors of citizens' identifiers, for discovery and for the leak scan.

Two questions, two kinds of detector:

* *Is this whole value an X?* (``detect_value``) — discovery classifies a column by the
  share of its sampled values that are citizen IDs, mobile phones, credit codes, bank
  cards, e-mails, names or addresses. The identity numbers are checked by the data
  standards' own validators (``citylake.standards.validators``: GB 11643 check digit,
  GB 32100 check character, Luhn), so discovery and silver agree on what an ID is.
* *Does this text contain an X?* (``find_embedded``) — the leak scan looks inside free
  text (a log line, a quarantined raw record, a JSON blob) for identifiers written in the
  clear. It is deliberately wider than the validators: a citizen ID with a wrong check
  digit is still a citizen's number in the clear, so the shape and a real birth date are
  enough; bank cards need the Luhn digit, or every long number would be one.

Ciphertext envelopes and tokens are recognized as what they are, so a protected column
is reported as protected, not as unknown text.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from citylake.security.crypto import PREFIX
from citylake.settings import get_settings
from citylake.standards.validators import (
    check_bank_card,
    check_citizen_id,
    check_credit_code,
    check_email,
    check_mobile_phone,
    luhn_ok,
)

ENCRYPTED, TOKEN = "encrypted", "token"
_TOKEN = re.compile(r"^[0-9a-f]{64}$")
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_ETHNIC_NAME = re.compile(rf"^[{_CJK}]{{1,10}}[·•][{_CJK}]{{1,10}}$")
_ADDRESS_MARKS = re.compile(r"省|市|区|县|旗|镇|乡|街道|大道|路|街|巷|胡同|弄|号|村|组|栋|幢|单元|室|小区|社区")
_ADDRESS_NUMBER = re.compile(r"[0-9０-９一二三四五六七八九十百]+(号|栋|幢|单元|室|楼|组)")
_MOSTLY_CJK = re.compile(rf"^[{_CJK}0-9０-９A-Za-z()（）\-#·\s]+$")

# Embedded identifiers: boundaries exclude letters and digits so that base64, hex tokens,
# batch ids and millisecond timestamps do not produce matches, and exclude the two sides of
# a decimal point: the 16 fraction digits of a float in a chart or dbt's timings pass Luhn
# one time in ten.
_START = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_END = r"(?![0-9A-Za-z])(?!\.[0-9])"
_EMB_CITIZEN_ID = re.compile(
    _START + r"([1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx])" + _END)
_EMB_MOBILE = re.compile(_START + r"(?:\+?86[- ]?)?(1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4})" + _END)
_EMB_CARD = re.compile(_START + r"((?:[0-9]{4}[ -]?){3}[0-9]{4,7})" + _END)
#: The kinds the leak scan looks for (DESIGN.md: no plaintext citizen ID, phone or bank card).
LEAK_KINDS = ("citizen_id", "phone", "bank_card")


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-character, compound) surnames from metadata/security/surnames.txt."""
    path = get_settings().metadata_dir / "security" / "surnames.txt"
    words = [w for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#") for w in line.split()]
    return frozenset(w for w in words if len(w) == 1), frozenset(w for w in words if len(w) == 2)


def is_person_name(value: str) -> bool:
    """A Chinese personal name: a known surname and one or two given characters (a compound
    surname and one or two), or an ethnic name joined by a middle dot."""
    text = value.strip()
    if _ETHNIC_NAME.match(text):
        return True
    if not 2 <= len(text) <= 4 or not re.fullmatch(rf"[{_CJK}]+", text):
        return False
    single, compound = surnames()
    if text[:2] in compound and len(text) >= 3:
        return True
    return text[0] in single and len(text) <= 3


def is_address(value: str) -> bool:
    """A Chinese postal address: mostly CJK text with at least two place marks (省 市 区 路 号
    …) and a numbered part (12号, 3栋, 501室)."""
    text = value.strip()
    if not 6 <= len(text) <= 120 or not _MOSTLY_CJK.match(text):
        return False
    return len(_ADDRESS_MARKS.findall(text)) >= 2 and bool(_ADDRESS_NUMBER.search(text))


def _citizen_id_shape(value: str) -> bool:
    return len(value) == 18 and bool(_EMB_CITIZEN_ID.fullmatch(value))


def detect_value(value: object) -> str | None:
    """The kind of a whole value, or None. Order matters: an 18-digit citizen ID can pass
    Luhn by chance, and a credit code can be all digits."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.startswith(PREFIX):
        return ENCRYPTED
    if _TOKEN.match(text):
        return TOKEN
    if check_citizen_id(text).ok:
        return "citizen_id"
    if check_credit_code(text).ok:
        return "credit_code"
    if check_mobile_phone(text).ok:
        return "phone"
    card = check_bank_card(text)
    if card.ok and len(card.value) >= 16 and not _citizen_id_shape(card.value):
        return "bank_card"
    if "@" in text and check_email(text).ok:
        return "email"
    if is_person_name(text):
        return "person_name"
    if is_address(text):
        return "address"
    return None


def _plausible_birth(cid: str) -> bool:
    try:
        born = dt.date(int(cid[6:10]), int(cid[10:12]), int(cid[12:14]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= born <= dt.date.today()


def _power_of_two(digits: str) -> bool:
    """Byte sizes and metric buckets in engine logs (17179869184 = 16 GiB) look like mobile
    numbers of the 17x segments; no phone number is a power of two."""
    value = int(re.sub(r"[^0-9]", "", digits))
    return value & (value - 1) == 0


def find_embedded(text: str) -> dict[str, int]:
    """How many citizen IDs, mobile phones and bank cards a text holds in the clear."""
    found: dict[str, int] = {}
    if not text:
        return found
    ids = [m for m in _EMB_CITIZEN_ID.findall(text) if _plausible_birth(m)]
    if ids:
        found["citizen_id"] = len(ids)
    phones = [m for m in _EMB_MOBILE.findall(text) if not _power_of_two(m)]
    if phones:
        found["phone"] = len(phones)
    cards = 0
    for match in _EMB_CARD.findall(text):
        digits = re.sub(r"[ -]", "", match)
        if 16 <= len(digits) <= 19 and luhn_ok(digits) and not _citizen_id_shape(digits) \
                and not check_credit_code(digits).ok:  # an all-digit credit code can pass Luhn too
            cards += 1
    if cards:
        found["bank_card"] = cards
    return found
