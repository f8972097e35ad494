"""Silver of a generated city: sensitive columns are ciphertext and tokens, decrypt to what was
delivered, and tokens join departments without plaintext."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from citylake.security.column_protection import decrypt_col
from citylake.security.keys import keyring

pytestmark = pytest.mark.spark

PROTECTED = {
    "silver.public_security__persons": ["citizen_id", "name", "phone"],
    "silver.public_security__households": ["head_citizen_id", "head_name"],
    "silver.hr_social_security__insurance": ["citizen_id", "name", "phone"],
}


def test_protected_columns_hold_only_envelopes_and_tokens(spark, secured_silver):
    for table, columns in PROTECTED.items():
        df = spark.table(table)
        assert df.count() > 0, table
        for col in columns:
            bad = df.where(F.col(col).isNotNull() & ~F.col(col).startswith("sm4gcm:v1:")).count()
            assert bad == 0, f"{table}.{col} holds values that are not ciphertext"
        for token in [c for c in df.columns if c.endswith("_token")]:
            assert df.where(F.col(token).isNotNull() & ~F.col(token).rlike("^[0-9a-f]{64}$")).count() == 0


def test_quarantine_holds_the_delivered_text_encrypted(spark, settings, secured_silver, delivered):
    q = spark.table("quarantine.public_security__persons")
    assert q.count() > 0, "the generated city delivers rows that fail a rule"
    for col in ("citizen_id", "name", "phone", "_corrupt", "_rescued"):
        assert q.where(F.col(col).isNotNull() & ~F.col(col).startswith("sm4gcm:v1:")).count() == 0, col
    assert not [c for c in q.columns if c.endswith("_token")]
    refs = keyring(settings).refs()
    ids = [r[0] for r in q.select(decrypt_col(F.col("citizen_id"), refs)).collect() if r[0] is not None]
    assert ids and not [i for i in ids if i.startswith("sm4gcm")], "encrypted once, not twice"
    assert set(ids) <= delivered["citizen_id"]


def test_silver_decrypts_to_what_the_department_delivered(spark, settings, secured_silver, delivered):
    refs = keyring(settings).refs()
    plain = spark.table("silver.public_security__persons").where("is_current").select(
        *[decrypt_col(F.col(c), refs).alias(c) for c in ("citizen_id", "name", "phone")]).collect()
    assert plain
    assert {r["citizen_id"] for r in plain} <= delivered["citizen_id"]
    assert {r["name"] for r in plain} <= delivered["name"]
    assert {r["phone"] for r in plain if r["phone"]} <= delivered["phone"]
    assert len({r["citizen_id"] for r in plain}) == len(plain)  # one current version per person


def test_tokens_join_departments_as_the_plaintext_would(spark, settings, secured_silver):
    refs = keyring(settings).refs()
    persons = spark.table("silver.public_security__persons")
    insured = spark.table("silver.hr_social_security__insurance")
    by_token = persons.join(insured, "citizen_id_token").select("citizen_id_token").distinct().count()
    by_plain = (persons.select(decrypt_col(F.col("citizen_id"), refs).alias("cid"))
                .join(insured.select(decrypt_col(F.col("citizen_id"), refs).alias("cid")), "cid")
                .select("cid").distinct().count())
    assert by_token == by_plain > 0
