"""Publishing: the ``published`` table a consumer reads, pinned to the silver version
that passed the quality gate.

``published.<source>__<entity>`` is a view over ``silver.<source>__<entity> VERSION AS OF
<n>``, replaced in one ``CREATE OR REPLACE VIEW``. Why a view and not a copy or a Delta
shallow clone (both measured, see README "Data quality"):

* it is cheap: one metastore update, no data file is read or written, whatever the
  table's size (a shallow clone writes a new Delta log listing every data file, a copy
  rewrites the data);
* it is atomic: readers see the old definition or the new one, never a mix, and a
  failed gate simply never runs it, so the published table stays at the version
  consumers already read;
* it is a contract, not a dump: only the contract's columns (and their tokens, and the
  SCD2 validity columns), with personal columns masked as the security layer masks
  them, no ciphertext and no lineage internals. A clone would carry silver's columns
  verbatim.

Its price: a view needs Spark (or the Thrift server) to be read; a reader without Spark
reads the pinned version of silver's Delta files (``published_version`` says which).
Silver's ``VACUUM`` retention must exceed the publishing interval, as for any time travel.

These views are for Spark and SQL readers inside the platform. The downstream contract —
what other systems rely on, read with ``deltalake`` or DuckDB — is the versioned Delta tables
``published.<name>_v<n>`` that ``citylake.published`` writes from gold marts, each with a
contract in ``metadata/published/`` and an entry in ``<lake>/published/_manifest.json``. The
two never share a name: a view has no version suffix and is not in the manifest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyspark.sql import SparkSession

from citylake.contracts import EntityContract, SourceContract, table_name
from citylake.layers.protection import encrypted_columns, token_column, tokenized_columns

log = logging.getLogger(__name__)

#: Silver's SCD2 columns, part of what a consumer reads.
HISTORY_COLUMNS = ("valid_from", "valid_to", "is_current")
#: The table property holding the silver version a view is pinned to.
VERSION_PROPERTY = "citylake.silver_version"


@dataclass(frozen=True)
class Published:
    table: str
    source_table: str
    version: int
    columns: int


def silver_version(spark: SparkSession, table: str) -> int | None:
    """The current Delta version of a table, or None if it does not exist."""
    if not spark.catalog.tableExists(table):
        return None
    return int(spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").collect()[0]["version"])


def published_version(spark: SparkSession, table: str) -> int | None:
    """The silver version a published view is pinned to, or None if never published."""
    if not spark.catalog.tableExists(table):
        return None
    props = {r["key"]: r["value"] for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
    value = props.get(VERSION_PROPERTY)
    return int(value) if value is not None else None


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def column_list(entity: EntityContract, silver_types: dict[str, str]) -> list[str]:
    """The SELECT list of the published view: contract columns (masked where personal),
    tokens, and history; encrypted values and internals stay in silver."""
    from citylake.quality.masking import MASKED_KINDS, column_kind
    from citylake.security.masking import mask_sql

    encrypted, tokenized = set(encrypted_columns(entity)), set(tokenized_columns(entity))
    out = []
    for col in entity.columns:
        if col.name not in silver_types:
            continue
        if col.name not in encrypted and col.name not in tokenized:
            kind = column_kind(col)
            if kind in MASKED_KINDS or col.sensitivity.personal != "none":
                out.append(f"{mask_sql(kind, col.name, silver_types[col.name])} AS {_quote(col.name)}")
            else:
                out.append(_quote(col.name))
        if col.name in tokenized and token_column(col.name) in silver_types:
            out.append(_quote(token_column(col.name)))
    out += [_quote(c) for c in HISTORY_COLUMNS if c in silver_types]
    return out


def publish(spark: SparkSession, contract: SourceContract, entity: EntityContract, version: int) -> Published:
    """Point ``published.<source>__<entity>`` at silver's ``version`` (one atomic statement)."""
    name = table_name(contract.source, entity.name)
    source, target = f"silver.{name}", f"published.{name}"
    pinned = f"{source} VERSION AS OF {int(version)}"
    types = {f.name: f.dataType.simpleString() for f in spark.sql(f"SELECT * FROM {pinned} LIMIT 0").schema.fields}
    columns = column_list(entity, types)
    comment = f"{contract.department}: {entity.title}. Silver version {version}, passed the quality gate."
    spark.sql(f"CREATE OR REPLACE VIEW {target} COMMENT '{comment.replace(chr(39), '')}' "
              f"TBLPROPERTIES ('{VERSION_PROPERTY}' = '{int(version)}') AS SELECT {', '.join(columns)} FROM {pinned}")
    log.info("%s now reads %s (%d columns)", target, pinned, len(columns))
    return Published(target, source, int(version), len(columns))
