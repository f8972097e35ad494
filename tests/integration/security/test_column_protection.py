"""The protection hook over Spark Connect, on tiny frames: envelopes, tokens, raw quarantine rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import functions as F

from citylake.contracts import load_contracts
from citylake.security.column_protection import decrypt_col, protect
from citylake.security.keys import keyring

pytestmark = pytest.mark.spark

CID, PHONE = "420102199003071232", "13812345678"


@pytest.fixture(scope="module")
def contracts(settings):  # type: ignore[no-untyped-def]
    return load_contracts(settings.contracts_dir)


def test_encrypt_tokenize_and_missing_values(spark, settings, contracts):
    persons = contracts["public_security"].entity("persons")
    # pandas 3: a missing string arrives as NaN, None or pd.NA; Arrow turns all into NULL
    pdf = pd.DataFrame({"citizen_id": [CID, np.nan, None], "name": ["张三", "李四", pd.NA],
                        "phone": [PHONE, None, "15900001111"]}, dtype=object)
    df = spark.createDataFrame(pdf)
    out = protect(df, contracts["public_security"], persons,
                  {"citizen_id": "encrypt_and_tokenize", "name": "encrypt", "phone": "encrypt_and_tokenize"},
                  settings=settings)
    assert out.columns == ["citizen_id", "name", "phone", "citizen_id_token", "phone_token"]
    rows = out.collect()
    assert rows[0]["citizen_id"].startswith("sm4gcm:v1:public_security__persons.")
    assert [r["citizen_id"] is None for r in rows] == [False, True, True]
    assert [r["citizen_id_token"] is None for r in rows] == [False, True, True]
    assert rows[2]["name"] is None and rows[1]["phone"] is None and rows[1]["phone_token"] is None
    back = out.select(*[decrypt_col(F.col(c), keyring(settings).refs()).alias(c) for c in ("citizen_id", "name", "phone")])
    assert [tuple(r) for r in back.collect()] == [(CID, "张三", PHONE), (None, "李四", None), (None, None, "15900001111")]


def test_the_same_id_gives_the_same_token_in_every_department(spark, settings, contracts):
    persons = (contracts["public_security"], contracts["public_security"].entity("persons"), "citizen_id")
    legal_reps = (contracts["market_supervision"], contracts["market_supervision"].entity("enterprises"),
                  "legal_rep_citizen_id")
    tokens = []
    for contract, entity, column in (persons, legal_reps):
        df = spark.createDataFrame([(CID,)], f"{column} string")
        out = protect(df, contract, entity, {column: "encrypt_and_tokenize"}, settings=settings)
        tokens.append(out.collect()[0][f"{column}_token"])
    assert tokens[0] == tokens[1] and len(tokens[0]) == 64


def test_tokenize_only_empties_the_plaintext(spark, settings, contracts):
    contract = contracts["public_security"]
    entity = contract.entity("persons")
    out = protect(spark.createDataFrame([(PHONE,)], "phone string"), contract, entity, {"phone": "tokenize"},
                  settings=settings).collect()[0]
    assert out["phone"] is None and len(out["phone_token"]) == 64


def test_quarantine_rows_are_encrypted_whole_and_get_no_tokens(spark, settings, contracts):
    contract = contracts["public_security"]
    entity = contract.entity("persons")
    raw = spark.createDataFrame(
        [(CID.lower(), PHONE, f'"{CID}","张三",,"{PHONE}"', '{"手机": "15900001111"}', "bad line")],
        "citizen_id string, phone string, _corrupt string, _rescued string, _corrupt_reason string")
    out = protect(raw, contract, entity, {"citizen_id": "encrypt_and_tokenize", "phone": "tokenize"}, raw=True,
                  settings=settings)
    assert out.columns == raw.columns, "no token columns in quarantine"
    row = out.collect()[0]
    for col in ("citizen_id", "phone", "_corrupt", "_rescued"):
        assert row[col].startswith("sm4gcm:v1:"), col
    assert row["_corrupt_reason"] == "bad line"
    refs = keyring(settings).refs()
    back = out.select(decrypt_col(F.col("_corrupt"), refs), decrypt_col(F.col("citizen_id"), refs)).collect()[0]
    assert tuple(back) == (f'"{CID}","张三",,"{PHONE}"', CID.lower())


def test_silver_plan_copies_are_encrypted_once(spark, settings, contracts):
    """Silver's plan carries the delivered text (_raw_<name>, _corrupt) to quarantine: it is
    encrypted when the plan is made, and quarantine does not encrypt it a second time."""
    contract = contracts["public_security"]
    entity = contract.entity("persons")
    plan = spark.createDataFrame([(CID, CID.lower(), "张三", " 张三 ", f"{CID},张三", None)],
                                 "citizen_id string, _raw_citizen_id string, name string, _raw_name string, "
                                 "_corrupt string, _rescued string")
    wanted = {"citizen_id": "encrypt_and_tokenize", "name": "encrypt"}
    planned = protect(plan, contract, entity, wanted, settings=settings)
    row = planned.collect()[0]
    for col in ("_raw_citizen_id", "_raw_name", "_corrupt"):
        assert row[col].startswith("sm4gcm:v1:public_security__persons."), col
    assert row["_rescued"] is None
    quarantined = protect(planned.select(F.col("_raw_citizen_id").alias("citizen_id"), F.col("_raw_name").alias("name"),
                                         "_corrupt", "_rescued"), contract, entity, wanted, raw=True, settings=settings)
    refs = keyring(settings).refs()
    back = quarantined.select(*[decrypt_col(F.col(c), refs).alias(c) for c in ("citizen_id", "name", "_corrupt")])
    assert tuple(back.collect()[0]) == (CID.lower(), " 张三 ", f"{CID},张三")
