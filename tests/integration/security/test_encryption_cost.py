"""What SM4 encryption and SM3 tokens cost in silver: 1M values through the pandas UDFs.

    .venv/bin/python -m pytest tests/integration/security/test_encryption_cost.py -m benchmark -s

Not part of `make test` (marker ``benchmark``). Prints seconds per million values for a
built-in baseline (sha2), SM4-GCM encryption, HMAC-SM3 tokens, both, silver's hook on a
million citizen IDs (encrypt and tokenize, plus the plan's copy of the delivered text), and
decryption, each over the same million IDs in a Delta table.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from pyspark.sql import functions as F

from citylake.contracts import load_contracts
from citylake.security.column_protection import decrypt_col, encrypt_col, protect, token_col
from citylake.security.keys import keyring

pytestmark = [
    pytest.mark.spark,
    pytest.mark.benchmark,
    # minutes of work: only when benchmarks are selected (-m benchmark), before any fixture starts Spark
    pytest.mark.skipif("'benchmark' not in config.getoption('markexpr') or 'not benchmark' in config.getoption('markexpr')",
                       reason="a benchmark: run it with -m benchmark"),
]

#: Values per measurement; CITYLAKE_BENCH_VALUES makes a quicker run.
N = int(os.environ.get("CITYLAKE_BENCH_VALUES", "1000000"))


def _seconds(df) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    df.write.format("noop").mode("overwrite").save()
    return round(time.perf_counter() - started, 2)


def test_encryption_cost_per_million_values(spark, settings, scratch_schema):
    ring = keyring(settings)
    enc, tok = ring.current("table:benchmark__ids", "encrypt"), ring.current("token:citizen_id", "token")
    ids = spark.range(N).select(F.format_string("420102%012d", F.col("id")).alias("v"))
    ids.write.format("delta").saveAsTable(f"{scratch_schema}.ids")
    base = spark.table(f"{scratch_schema}.ids")
    figures = {"values": N, "read_only_s": _seconds(base.select(F.length("v")))}
    figures["sha2_builtin_s"] = _seconds(base.select(F.sha2("v", 256)))
    figures["sm4_encrypt_s"] = _seconds(base.select(encrypt_col(F.col("v"), enc)))
    figures["sm3_token_s"] = _seconds(base.select(token_col(F.col("v"), tok)))
    figures["encrypt_and_tokenize_s"] = _seconds(base.select(encrypt_col(F.col("v"), enc), token_col(F.col("v"), tok)))
    # silver's hook on a row of the register: the ID encrypted and tokenized, and the plan's
    # copy of the delivered text (_raw_citizen_id) encrypted too
    contract = load_contracts(settings.contracts_dir)["public_security"]
    rows = base.select(F.col("v").alias("citizen_id"), F.col("v").alias("_raw_citizen_id"))
    figures["silver_protect_id_s"] = _seconds(protect(rows, contract, contract.entity("persons"),
                                                      {"citizen_id": "encrypt_and_tokenize"}, settings=settings))
    base.select(encrypt_col(F.col("v"), enc).alias("c")).write.format("delta").saveAsTable(f"{scratch_schema}.ct")
    figures["sm4_decrypt_s"] = _seconds(spark.table(f"{scratch_schema}.ct").select(decrypt_col(F.col("c"), ring.refs())))
    print("\nencryption cost:", json.dumps(figures))
    assert figures["sm4_encrypt_s"] > 0
