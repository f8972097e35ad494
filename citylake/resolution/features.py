"""Comparable forms of values for linkage, computed where the plaintext already is.

Names are SM4-encrypted in silver. Linking needs *some* form of them, so the job turns
each envelope into (a) its pinyin without tones (``黄伟`` → ``huang wei``: homophones a
clerk typed from pinyin compare equal, and Jaro-Winkler has Latin letters to work on) and
(b) an HMAC-SM3 token of the exact characters, under a key of its own. Both are made
inside one Spark pandas UDF from the envelope, so the plaintext name exists only in a
Python worker's memory for the length of a batch: it is never returned to the driver,
never written, never logged.

Organisation names are not sensitive; their normal form (no city prefix, no legal-form
suffix, no bracketed notes) is computed in plain Python and Spark SQL alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd
from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf
from text_unidecode import unidecode

from citylake.security.crypto import Tokenizer, decrypt_series, is_missing
from citylake.security.keys import DataKeyRef

#: Scope of the key that tokenizes exact names for linkage (never a join key outside it).
NAME_TOKEN_SCOPE = "token:resolution.person_name"

NAME_FEATURES_TYPE = "pinyin string, token string"


def pinyin(name: str) -> str:
    """Toneless pinyin, syllables separated by one space, lower case."""
    text = unicodedata.normalize("NFKC", name).strip()
    return " ".join(unidecode(text).lower().split())


def name_features_col(envelope: Column, encrypt_refs: Iterable[DataKeyRef], token_ref: DataKeyRef) -> Column:
    """``struct(pinyin, token)`` of encrypted names (NULL stays NULL)."""
    by_id = {r.key_id: r for r in encrypt_refs if r.purpose == "encrypt"}

    @pandas_udf(NAME_FEATURES_TYPE)  # type: ignore[call-overload]
    def name_features(values: pd.Series) -> pd.DataFrame:
        plain = decrypt_series(values, lambda key_id: by_id[key_id].key())
        tokenize = Tokenizer(token_ref.key())
        out = pd.DataFrame({
            "pinyin": [None if is_missing(v) else pinyin(v) for v in plain],
            "token": [None if is_missing(v) else tokenize(unicodedata.normalize("NFKC", v).strip()) for v in plain],
        })
        del plain
        return out

    return name_features(envelope)


# --- organisation names -------------------------------------------------------------------

#: Legal-form suffixes, longest first, that registers write in full or abbreviate.
ORG_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "分公司", "公司", "合伙企业",
                "个人独资企业", "工作室", "经营部", "门市部", "商行", "店")
_BRACKETS = r"[（(][^）)]*[）)]"


def org_name_core(name: str | None, city_names: Iterable[str] = ()) -> str | None:
    """The distinctive part of an organisation name: NFKC, no bracketed notes, no leading
    city name (with or without 市), no legal-form suffix."""
    if name is None:
        return None
    text = re.sub(_BRACKETS, "", unicodedata.normalize("NFKC", name)).replace(" ", "")
    for city in sorted(city_names, key=len, reverse=True):
        short = city.removesuffix("市")
        for prefix in (city, short):
            if prefix and text.startswith(prefix) and len(text) > len(prefix) + 1:
                text = text[len(prefix):]
                break
        else:
            continue
        break
    for suffix in ORG_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text or None


def org_name_core_col(name: Column, city_names: Iterable[str]) -> Column:
    """``org_name_core`` as a Spark expression (no Python worker)."""
    text = F.regexp_replace(F.regexp_replace(name, _BRACKETS, ""), " ", "")
    cities = sorted({p for c in city_names for p in (c, c.removesuffix("市")) if p}, key=len, reverse=True)
    if cities:
        text = F.regexp_replace(text, "^(" + "|".join(map(re.escape, cities)) + ")(?=..)", "")
    suffixes = "|".join(map(re.escape, ORG_SUFFIXES))
    text = F.regexp_replace(text, f"(?<=..)({suffixes})$", "")
    return F.nullif(text, F.lit(""))


def city_names() -> list[str]:
    """Names of prefecture-level cities (GB/T 2260), the prefixes registers add or drop."""
    from citylake.standards.code_tables import load_code_table

    rows = load_code_table("admin_division").rows
    return sorted({r["name"] for r in rows if r["level"] == "city" and r["name"].endswith("市") and len(r["name"]) >= 3})
