"""Protection of sensitive columns on their way into silver and quarantine (the contract's hook).

``protect`` implements ``citylake.layers.protection.protect``'s interface: per column the
contract says ``encrypt`` (the value becomes its SM4-GCM envelope), ``tokenize`` (a
``<name>_token`` column is added, an HMAC-SM3 token, and the plaintext column is emptied)
or ``encrypt_and_tokenize`` (both). Quarantine rows (``raw=True``, the delivered text) are
encrypted and get no tokens; their ``_corrupt`` and ``_rescued`` texts are encrypted too
when the entity protects anything, because an unparseable line or a renamed column
carries the same citizen IDs and phones in the clear.

Silver's plan (written to the lake between its steps) carries the delivered text of each
column (``_raw_<name>``) for quarantine; those copies of protected columns, and
``_corrupt`` / ``_rescued``, are encrypted when the plan is made, so no plaintext of a
protected column is ever at rest outside bronze. Quarantine then encrypts only what is
not yet an envelope of the table's key (``encrypt_series_once``).

Spark has no SM4, so every cipher call is a vectorized pandas UDF (Arrow batches of
10 000 values by default); all protections of a row set are one projection, so Spark
evaluates them in one pass through one Python worker.

How a UDF gets its key — decided for *loading in the worker*, not a closure of key bytes:

* The UDF's closure holds a ``DataKeyRef``: the key id, the data key *wrapped* under the
  master key, and the provider's secret-free spec (for the local provider, the key-store
  path). The worker unwraps it on first use and caches the plaintext key in that Python
  worker's memory (workers are reused, so it is one unwrap per worker, not per batch).
* A closure over the plaintext key would put the key into the pickled plan that travels
  client → Connect server → executors. That path is loopback on one machine, but on a
  cluster it crosses the network (Spark RPC is unencrypted unless configured), the plan
  may be kept by the server or written to event logs and dumps, and anyone able to read
  a plan would hold the key. A wrapped key in a plan is worthless without the master.
* The price: the worker must reach the master — the key-store folder on one machine, the
  KMS from each executor on a cluster (executors authenticate to the KMS themselves).
  The client that plans the job never needs a plaintext data key at all, except at the
  moment it makes a new one (``KeyRing``), which it wraps and forgets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

from citylake.contracts import EntityContract, SourceContract, table_name
from citylake.errors import CitylakeError
from citylake.layers.protection import ENCRYPTED, TOKENIZED, token_column
from citylake.security.crypto import CiphertextError, decrypt_series, encrypt_series, encrypt_series_once, token_series
from citylake.security.keys import DataKeyRef, KeyRing, KeyStoreError, keyring
from citylake.security.tags import token_domain
from citylake.settings import Settings, get_settings

#: Free-text columns of quarantine that hold whole delivered records or fields.
RAW_TEXT_COLUMNS = ("_corrupt", "_rescued")
#: Silver's copies of the delivered text of each column, kept in its plan for quarantine.
RAW_PREFIX = "_raw_"


def table_scope(contract: SourceContract, entity: EntityContract) -> str:
    """The scope of a table's data key: one per entity, shared by silver and quarantine."""
    return f"table:{table_name(contract.source, entity.name)}"


def encrypt_col(col: Column, ref: DataKeyRef, once: bool = False) -> Column:
    """SM4-GCM envelopes of a string column under one data key (NULL stays NULL). Marked
    non-deterministic (a random IV per value) so that the optimizer never duplicates it:
    two evaluations for one row would give two different ciphertexts. ``once`` keeps
    values that already are envelopes of this key."""
    encrypt = encrypt_series_once if once else encrypt_series

    @pandas_udf("string")  # type: ignore[call-overload]
    def sm4_encrypt(values: pd.Series) -> pd.Series:
        return encrypt(values, ref.key(), ref.key_id)

    return sm4_encrypt.asNondeterministic()(col)


def token_col(col: Column, ref: DataKeyRef) -> Column:
    """HMAC-SM3 tokens of a string column under one domain's token key."""

    @pandas_udf("string")  # type: ignore[call-overload]
    def sm3_token(values: pd.Series) -> pd.Series:
        return token_series(values, ref.key())

    return sm3_token(col)


def decrypt_col(col: Column, refs: Iterable[DataKeyRef]) -> Column:
    """Plaintext of envelope columns; each value's key is the one its envelope names.

    Not audited by itself: this is the primitive jobs use. People decrypt through
    ``citylake.security.access.decrypt``, which checks the policy and writes the audit."""
    by_id = {r.key_id: r for r in refs if r.purpose == "encrypt"}

    @pandas_udf("string")  # type: ignore[call-overload]
    def sm4_decrypt(values: pd.Series) -> pd.Series:
        keys: dict[str, bytes] = {}

        def key_for(key_id: str) -> bytes:
            key = keys.get(key_id)
            if key is None:
                ref = by_id.get(key_id)
                if ref is None:
                    raise CiphertextError(f"no data key {key_id!r} in the key ring: the value was encrypted "
                                          "under a key store this installation does not have")
                key = keys[key_id] = ref.key()
            return key

        return decrypt_series(values, key_for)

    return sm4_decrypt(col)


def protect(df: DataFrame, contract: SourceContract, entity: EntityContract, wanted: dict[str, str],
            raw: bool = False, settings: Settings | None = None) -> DataFrame:
    """Apply each column's declared protection (see the module docstring)."""
    if not wanted:
        return df
    ring = keyring(settings or get_settings())
    if raw:
        return _protect_raw(df, ring, contract, entity, wanted)
    exprs: dict[str, Column] = {}
    enc_ref = ring.current(table_scope(contract, entity), "encrypt") if any(
        p in ENCRYPTED for p in wanted.values()) else None
    for name, protection in wanted.items():
        column = entity.column(name)
        plain = F.col(f"`{name}`").cast("string")
        if protection in TOKENIZED:
            ref = ring.current(f"token:{token_domain(contract, entity, column)}", "token")
            exprs[token_column(name)] = token_col(plain, ref)
        if protection in ENCRYPTED:
            assert enc_ref is not None
            exprs[name] = encrypt_col(plain, enc_ref)
        elif protection == "tokenize":
            exprs[name] = F.lit(None).cast(column.type)
    carried = _carried_raw_text(df, wanted)
    if carried:  # silver's plan keeps the delivered text for quarantine: encrypt it there too
        raw_ref = ring.current(table_scope(contract, entity), "encrypt")
        exprs.update({n: encrypt_col(F.col(f"`{n}`").cast("string"), raw_ref) for n in carried})
    return df.withColumns(exprs)


def _carried_raw_text(df: DataFrame, wanted: dict[str, str]) -> list[str]:
    """Columns of a row set on its way to silver that hold delivered text of protected
    columns: silver's ``_raw_<name>`` copies (kept for quarantine) and the whole-record
    ``_corrupt`` / ``_rescued`` texts."""
    names = [f"{RAW_PREFIX}{n}" for n in wanted] + list(RAW_TEXT_COLUMNS)
    return [n for n in names if n in df.columns]


def _protect_raw(df: DataFrame, ring: KeyRing, contract: SourceContract, entity: EntityContract,
                 wanted: dict[str, str]) -> DataFrame:
    """Delivered text: every protected column and the raw texts, encrypted once (values that
    were encrypted on their way through silver's plan are kept as they are)."""
    ref = ring.current(table_scope(contract, entity), "encrypt")
    names = list(wanted) + [c for c in RAW_TEXT_COLUMNS if c in df.columns]
    return df.withColumns({n: encrypt_col(F.col(f"`{n}`").cast("string"), ref, once=True) for n in names})


# --- errors from inside a UDF, as one sentence -------------------------------------------

_UDF_ERROR = re.compile(r"(CiphertextError|KeyStoreError|ConfigError): ([^\n]+)")


def clear_error(exc: BaseException) -> CitylakeError | None:
    """The user-facing error a worker raised inside a UDF (Spark wraps it in a long
    PythonException), or None if the failure was something else."""
    match = _UDF_ERROR.search(str(exc))
    if not match:
        return None
    kind = {"CiphertextError": CiphertextError, "KeyStoreError": KeyStoreError}.get(match.group(1), CitylakeError)
    return kind(match.group(2).strip())
