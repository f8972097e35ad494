"""Masks as Spark SQL expressions: what a role sees of a column above its clear grade.

Masks are SQL so that a view applies them inside the engine, to whatever reads the view
(Spark SQL, the Thrift server, Superset), with no Python UDF and no plaintext leaving
Spark. The shapes follow common practice for Chinese public data (GB/T 37964 去标识化
guidance): keep what is needed to recognise a record, hide what identifies a person.

=============  =======================  ===========================================
kind           example                  shown
=============  =======================  ===========================================
citizen_id     110101199003071234       110101********1234 (birthplace + last 4)
phone          13812345678              138****5678
person_name    张三 / 欧阳娜娜           张* / 欧***
bank_card      6222021234567890123      622202*********0123
email          zhang.san@example.cn     z***@example.cn
address        湖北省武汉市江岸区…        湖北省武汉市江岸区**** (down to the district)
licence etc.   ZZ00001234               ZZ******34
=============  =======================  ===========================================

A value that is ciphertext (``sm4gcm:…``) cannot be masked without decrypting it, and a
view never decrypts: it shows ``<encrypted>``. Non-text columns above the grade are NULL.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from citylake.security.crypto import PREFIX

ENCRYPTED_MARK = "<encrypted>"
_TEXT_TYPES = ("string",)


def _citizen_id(v: str) -> str:
    return (f"CASE WHEN length({v}) >= 15 THEN concat(substring({v}, 1, 6), repeat('*', length({v}) - 10), "
            f"substring({v}, -4)) ELSE repeat('*', length({v})) END")


def _phone(v: str) -> str:
    return (f"CASE WHEN length({v}) >= 8 THEN concat(substring({v}, 1, 3), repeat('*', length({v}) - 7), "
            f"substring({v}, -4)) ELSE repeat('*', length({v})) END")


def _person_name(v: str) -> str:
    return f"concat(substring({v}, 1, 1), repeat('*', greatest(length({v}) - 1, 1)))"


def _bank_card(v: str) -> str:
    return (f"CASE WHEN length({v}) >= 12 THEN concat(substring({v}, 1, 6), repeat('*', length({v}) - 10), "
            f"substring({v}, -4)) ELSE repeat('*', length({v})) END")


def _email(v: str) -> str:
    return f"regexp_replace({v}, '^(.)[^@]*(@.*)$', '$1***$2')"


def _address(v: str) -> str:
    return f"concat(coalesce(nullif(regexp_extract({v}, '^(.{{0,20}}?[区县旗])', 1), ''), substring({v}, 1, 6)), '****')"


def _identifier(v: str) -> str:
    return (f"CASE WHEN length({v}) >= 8 THEN concat(substring({v}, 1, 2), repeat('*', length({v}) - 4), "
            f"substring({v}, -2)) ELSE repeat('*', length({v})) END")


def _opaque(v: str) -> str:
    return "'****'"


MASKS: dict[str, Callable[[str], str]] = {
    "citizen_id": _citizen_id, "phone": _phone, "person_name": _person_name, "bank_card": _bank_card,
    "email": _email, "address": _address, "licence_number": _identifier, "credit_code": _identifier,
}


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def mask_sql(kind: str, column: str, data_type: str = "string") -> str:
    """The SQL expression of a masked column (without its alias)."""
    if data_type.lower() not in _TEXT_TYPES:
        return f"CAST(NULL AS {data_type.upper()})"
    v = quote(column)
    body = MASKS.get(kind, _opaque)(v)
    return f"CASE WHEN {v} IS NULL THEN NULL WHEN startswith({v}, '{PREFIX}') THEN '{ENCRYPTED_MARK}' ELSE {body} END"


# --- the same masks in Python, for values outside Spark ------------------------------------
# Quality samples, log lines and pages mask failing values before they are kept
# (citylake.quality.masking calls ``mask_value``). One set of shapes for both: an
# integration test runs every kind through ``mask_sql`` and ``mask_value`` and wants the
# same answers.

def _keep_ends(head: int, tail: int, minimum: int) -> Callable[[str], str]:
    def mask(v: str) -> str:
        if len(v) < minimum:
            return "*" * len(v)
        return v[:head] + "*" * (len(v) - head - tail) + v[-tail:]

    return mask


def _py_address(v: str) -> str:
    found = re.match(r"^(.{0,20}?[区县旗])", v)
    return (found.group(1) if found else v[:6]) + "****"


PY_MASKS: dict[str, Callable[[str], str]] = {
    "citizen_id": _keep_ends(6, 4, 15), "phone": _keep_ends(3, 4, 8),
    "person_name": lambda v: v[:1] + "*" * max(len(v) - 1, 1), "bank_card": _keep_ends(6, 4, 12),
    "email": lambda v: re.sub(r"^(.)[^@]*(@.*)$", r"\1***\2", v), "address": _py_address,
    "licence_number": _keep_ends(2, 2, 8), "credit_code": _keep_ends(2, 2, 8),
}


def mask_value(kind: str, value: object) -> str | None:
    """A value as a view above its clear grade shows it (``mask_sql``'s twin)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if text.startswith(PREFIX):
        return ENCRYPTED_MARK
    return PY_MASKS.get(kind, lambda _: "****")(text)
