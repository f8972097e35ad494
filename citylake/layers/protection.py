"""The one step where sensitive columns are protected on their way into silver.

The contract declares, per column, ``sensitivity.protection``: none, encrypt (SM4),
tokenize (SM3-HMAC) or both. Silver and quarantine call ``protect`` on every row set
they write, so security has exactly one place to act. Until the security layer is
installed (``citylake.security``), columns pass through unchanged and the columns that
are waiting for protection are logged once per table.
"""

from __future__ import annotations

import importlib
import logging

from pyspark.sql import DataFrame

from citylake.contracts import EntityContract, SourceContract

log = logging.getLogger(__name__)
_warned: set[str] = set()


def protected_columns(entity: EntityContract) -> dict[str, str]:
    return {c.name: c.sensitivity.protection for c in entity.columns if c.sensitivity.protection != "none"}


def protect(df: DataFrame, contract: SourceContract, entity: EntityContract, raw: bool = False) -> DataFrame:
    """Apply each column's declared protection. ``raw`` marks delivered text (quarantine)
    rather than standardized values (silver)."""
    wanted = protected_columns(entity)
    if not wanted:
        return df
    try:
        security = importlib.import_module("citylake.security.column_protection")
    except ModuleNotFoundError:
        key = f"{contract.source}.{entity.name}"
        if key not in _warned:
            _warned.add(key)
            log.warning("%s: columns %s declare protection but citylake.security is not installed yet; "
                        "they are stored as standardized", key, sorted(wanted))
        return df
    return security.protect(df, contract, entity, wanted, raw=raw)
