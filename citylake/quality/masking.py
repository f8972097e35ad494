"""Masked samples: what of a failing value a steward may see in results, logs and pages.

Great Expectations hands back the failing values themselves (citizen IDs, phones,
names, as delivered). Nothing of that is stored: every value is masked here first, with
the same shapes as the security layer's view masks (``citylake.security.masking``, SQL
for Spark views) — ``110101********1234``, ``138****5678``, ``张*`` — so a steward sees
the same mask on the quality page as in a masked view. Security's masks are SQL, so
this module carries their Python twin (held to the same answers by a Spark test), and
uses a Python function of security's instead once it has one (``mask_value``).

Which mask a value gets follows its column (the contract's data element and
sensitivity); a value of any other column still has ID- and phone-shaped runs masked,
because a free-text field can carry them too.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from citylake.contracts import ColumnContract

ENCRYPTED_MARK = "<encrypted>"
#: Kinds whose values identify a person or an organisation: always masked.
MASKED_KINDS = ("citizen_id", "phone", "person_name", "bank_card", "email", "address", "credit_code",
                "licence_number")
_ENVELOPE = re.compile(r"^sm4gcm:")
_EMBEDDED = re.compile(r"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx]|[0-9]{15}|1[3-9][0-9]{9})(?![0-9A-Za-z])")
_KIND_OF_VALIDATOR = {"citizen_id": "citizen_id", "mobile_phone": "phone", "phone": "phone",
                      "person_name": "person_name", "bank_card": "bank_card", "email": "email",
                      "credit_code": "credit_code"}
_KIND_OF_ELEMENT = {"DE.address": "address", "DE.licence_number": "licence_number"}


def _keep_ends(head: int, tail: int, minimum: int) -> Callable[[str], str]:
    def mask(v: str) -> str:
        if len(v) < minimum:
            return "*" * len(v)
        return v[:head] + "*" * (len(v) - head - tail) + (v[-tail:] if tail else "")
    return mask


def _person_name(v: str) -> str:
    return v[:1] + "*" * max(len(v) - 1, 1)


def _email(v: str) -> str:
    return re.sub(r"^(.)[^@]*(@.*)$", r"\1***\2", v)


def _address(v: str) -> str:
    match = re.match(r"^(.{0,20}?[区县旗])", v)
    return (match.group(1) if match else v[:6]) + "****"


#: The same shapes as ``citylake.security.masking.MASKS`` (SQL there, Python here).
_MASKS: dict[str, Callable[[str], str]] = {
    "citizen_id": _keep_ends(6, 4, 15), "phone": _keep_ends(3, 4, 8), "person_name": _person_name,
    "bank_card": _keep_ends(6, 4, 12), "email": _email, "address": _address,
    "licence_number": _keep_ends(2, 2, 8), "credit_code": _keep_ends(2, 2, 8),
}


def _security_mask() -> Callable[[str, str], str] | None:
    try:
        module = importlib.import_module("citylake.security.masking")
    except ImportError:
        return None
    found = getattr(module, "mask_value", None)
    return found if callable(found) else None


def column_kind(col: ColumnContract | None) -> str:
    """What a column holds, for masking: from its data element (as security tags it)."""
    if col is None or not col.element:
        return "other"
    if col.element in _KIND_OF_ELEMENT:
        return _KIND_OF_ELEMENT[col.element]
    from citylake.standards.data_elements import load_data_elements

    element = load_data_elements().get(col.element)
    return _KIND_OF_VALIDATOR.get(element.validator or "", "other") if element else "other"


def mask_embedded(text: str) -> str:
    """Mask ID-shaped (15 or 18 characters) and mobile-shaped (11 digits) runs inside any text."""

    def one(match: re.Match[str]) -> str:
        run = match.group(1)
        return _MASKS["phone" if len(run) == 11 else "citizen_id"](run)

    return _EMBEDDED.sub(one, text)


def mask_value(kind: str, value: Any, personal: bool = False) -> str | None:
    """A value as a steward may see it. ``kind`` is the column's kind (``column_kind``);
    ``personal`` marks a column the contract calls personal whatever its kind."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if _ENVELOPE.match(text):
        return ENCRYPTED_MARK
    if kind in MASKED_KINDS:
        security = _security_mask()
        return security(kind, text) if security else _MASKS[kind](text)
    if personal:
        return "****"
    return mask_embedded(text)


def column_masker(col: ColumnContract | None) -> Callable[[Any], str | None]:
    """``mask_value`` bound to one column."""
    kind = column_kind(col)
    personal = col is not None and col.sensitivity.personal != "none"
    return lambda value: mask_value(kind, value, personal)
