"""City codes ("one person, one code", 一人一码): a stable code per golden person.

A code is issued once per person key and never changes: it is what a citizen shows and
what other systems store, so it must survive re-runs, new deliveries and rotation of
anything else. It is the HMAC-SM3 of the person key under a managed token key
(``token:city_code`` in the key ring): nobody without that key can compute the code of a
person, and the code cannot be reversed to the person key, let alone to a citizen ID (the
person key itself is a hash of a token). Twenty hex digits (80 bits: a collision among
ten million people is about one in ten billion) and an ISO 7064 MOD 37-36 check
character (python-stdnum), so a mistyped code is caught at the counter.

The registry ``silver.person_city_code`` is insert-only (a MERGE that inserts unseen
keys), so re-running issues nothing. Status and validity (active, cancelled at death,
retired when resolution merged the person into another key) are the dbt model
``city_code``'s business: they follow the golden record, the code does not.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

from citylake.security.crypto import Tokenizer
from citylake.security.keys import DataKeyRef, keyring
from citylake.settings import Settings

REGISTRY = "silver.person_city_code"
SCOPE = "token:city_code"
PREFIX = "CL"
DIGITS = 20


def code_of(person_key: str, tokenize: Tokenizer) -> str:
    """The city code of one person key: prefix, 20 hex digits and the check character."""
    from stdnum.iso7064 import mod_37_36

    body = PREFIX + tokenize(person_key)[:DIGITS].upper()
    return body + mod_37_36.calc_check_digit(body)


def is_valid_code(code: str) -> bool:
    """Whether a code has the shape and check character of a city code (not whether it was issued)."""
    from stdnum.iso7064 import mod_37_36

    text = code.strip().upper()
    return len(text) == len(PREFIX) + DIGITS + 1 and text.startswith(PREFIX) and mod_37_36.is_valid(text)


def _codes(ref: DataKeyRef):  # type: ignore[no-untyped-def]
    @pandas_udf("string")  # type: ignore[call-overload]
    def city_code(keys: pd.Series) -> pd.Series:
        tokenize = Tokenizer(ref.key())
        return pd.Series([code_of(k, tokenize) for k in keys], index=keys.index, dtype=object)

    return city_code


def issue_city_codes(spark: SparkSession, settings: Settings, xref: str = "silver.person_xref") -> int:
    """Give every person key of ``xref`` without a code its code; returns how many were issued."""
    ref = keyring(settings).current(SCOPE, "token")
    keys = spark.table(xref).where("person_key IS NOT NULL").select("person_key").distinct()
    if spark.catalog.tableExists(REGISTRY):
        keys = keys.join(spark.table(REGISTRY).select("person_key"), "person_key", "left_anti")
    new = keys.select("person_key", _codes(ref)(F.col("person_key")).alias("city_code"),
                      F.lit(ref.key_id).alias("key_id"), F.current_timestamp().alias("issued_at")).cache()
    count = new.count()
    if not spark.catalog.tableExists(REGISTRY):
        new.limit(0).write.format("delta").saveAsTable(REGISTRY)
    if count:
        new.createOrReplaceTempView("_new_city_codes")
        spark.sql(f"""MERGE INTO {REGISTRY} t USING _new_city_codes s ON t.person_key = s.person_key
                      WHEN NOT MATCHED THEN INSERT *""")
    new.unpersist()
    return count
