"""The one step where sensitive columns are protected on their way into silver.

The contract declares, per column, ``sensitivity.protection``: none, encrypt (SM4),
tokenize (SM3-HMAC) or both. Silver and quarantine call ``protect`` on every row set
they write, so security has exactly one place to act. The security layer
(``citylake.security.column_protection``) implements it:

* ``encrypt``: the column's value is replaced by its ciphertext (text);
* ``tokenize``: a column ``<name>_token`` is added, a keyed hash that joins and
  deduplicates without the plaintext; with only ``tokenize`` the plaintext column is
  emptied; with ``encrypt_and_tokenize`` both happen;
* for quarantine (``raw=True``, the delivered text) values are encrypted, no tokens.

Silver keys on the token where the key column is tokenized (``merge_keys``), and
computes its change hash before protection, so history and deduplication work on
ciphertext. Until the security layer is installed, columns pass through unchanged and
the columns waiting for protection are logged once per table.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from functools import lru_cache

from pyspark.sql import DataFrame

from citylake.contracts import EntityContract, SourceContract

log = logging.getLogger(__name__)
_warned: set[str] = set()
_MODULE = "citylake.security.column_protection"
TOKENIZED = ("tokenize", "encrypt_and_tokenize")
ENCRYPTED = ("encrypt", "encrypt_and_tokenize")


@lru_cache(maxsize=1)
def security_active() -> bool:
    return importlib.util.find_spec(_MODULE) is not None


def token_column(name: str) -> str:
    return f"{name}_token"


def protected_columns(entity: EntityContract) -> dict[str, str]:
    return {c.name: c.sensitivity.protection for c in entity.columns if c.sensitivity.protection != "none"}


def tokenized_columns(entity: EntityContract) -> list[str]:
    if not security_active():
        return []
    return [c.name for c in entity.columns if c.sensitivity.protection in TOKENIZED]


def encrypted_columns(entity: EntityContract) -> list[str]:
    if not security_active():
        return []
    return [c.name for c in entity.columns if c.sensitivity.protection in ENCRYPTED]


def merge_keys(entity: EntityContract) -> list[str]:
    """The columns silver deduplicates and merges on: a key's token where it is tokenized."""
    tokens = set(tokenized_columns(entity))
    return [token_column(k) if k in tokens else k for k in entity.keys]


def protect(df: DataFrame, contract: SourceContract, entity: EntityContract, raw: bool = False) -> DataFrame:
    """Apply each column's declared protection. ``raw`` marks delivered text (quarantine)
    rather than standardized values (silver)."""
    wanted = protected_columns(entity)
    if not wanted:
        return df
    if not security_active():
        key = f"{contract.source}.{entity.name}"
        if key not in _warned:
            _warned.add(key)
            log.warning("%s: columns %s declare protection but citylake.security is not installed yet; "
                        "they are stored as standardized", key, sorted(wanted))
        return df
    security = importlib.import_module(_MODULE)
    return security.protect(df, contract, entity, wanted, raw=raw)
