"""Mentions: one row per (silver record, role) that names a person or an organisation.

Which columns name whom is read from the contracts, not retyped here: a person is named
by columns of the data elements citizen ID / person name / legal representative, an
organisation by a credit code (and an enterprise name). Columns that share a prefix
(``husband_citizen_id`` + ``husband_name``) are one role of one record; un-prefixed
columns are the record's own subject. A new contract with such columns is linked
without a change here.

A mention carries only what linkage compares: tokens (citizen ID, phone), pinyin and a
token of the name (``features``), and non-sensitive columns (birth date, gender,
household number, address, division). ``record_key`` is the record's business key with
tokenized columns replaced by their tokens, joined with ``|`` — the same expression the
dbt staging models use to join a record to its cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from citylake.contracts import EntityContract, SourceContract, load_contracts, table_name
from citylake.layers.protection import TOKENIZED, token_column
from citylake.resolution.features import NAME_TOKEN_SCOPE, city_names, name_features_col, org_name_core_col
from citylake.security.keys import keyring
from citylake.settings import Settings

PERSON_ID = "DE.citizen_id"
PERSON_NAMES = ("DE.person_name", "DE.legal_representative")
ORG_ID = "DE.credit_code"
ORG_NAME = "DE.enterprise_name"

PERSON_COLUMNS = ("unique_id", "source_table", "role", "record_key", "record_day", "id_token", "name_py",
                  "name_tok", "birth_date", "gender", "phone_token", "household_no")
ORG_COLUMNS = ("unique_id", "source_table", "role", "record_key", "record_day", "credit_code", "name_core",
               "address", "division", "phone_token")


@dataclass(frozen=True)
class MentionSpec:
    """Where one role of one silver table names an entity, by column."""

    table: str
    role: str
    key_exprs: tuple[str, ...]
    columns: dict[str, str | None] = field(default_factory=dict)  # feature → silver column (None: absent)
    current_only: bool = False


def _protection(entity: EntityContract, name: str) -> str | None:
    col = entity.column(name)
    return col.sensitivity.protection if col.sensitivity else None


def _stored(entity: EntityContract, name: str) -> str:
    """The silver column to read for a value: its token when the plaintext is protected."""
    return token_column(name) if _protection(entity, name) in TOKENIZED else name


def _key_exprs(entity: EntityContract) -> tuple[str, ...]:
    return tuple(_stored(entity, k) for k in entity.keys)


def _by_element(entity: EntityContract, element: str) -> str | None:
    found = [c.name for c in entity.columns if c.element == element]
    return found[0] if len(found) == 1 else None


def _role(prefix: str) -> str:
    return prefix.rstrip("_") or "subject"


def person_specs(contracts: dict[str, SourceContract]) -> list[MentionSpec]:
    specs = []
    for contract in contracts.values():
        for entity in contract.entities:
            groups: dict[str, dict[str, str]] = {}
            for col in entity.columns:
                if col.element == PERSON_ID:
                    groups.setdefault(col.name.removesuffix("citizen_id"), {})["id"] = col.name
                elif col.element in PERSON_NAMES:
                    groups.setdefault(col.name.removesuffix("name"), {})["name"] = col.name
            names = {c.name for c in entity.columns}
            for prefix, cols in sorted(groups.items()):
                own = prefix == "" or ("id" not in cols and "" not in groups)  # un-prefixed attributes are its own
                def attr(element: str, suffix: str) -> str | None:
                    if f"{prefix}{suffix}" in names and prefix:
                        return f"{prefix}{suffix}"
                    return _by_element(entity, element) if own else None
                phone = attr("DE.mobile_phone", "phone")
                specs.append(MentionSpec(
                    table=table_name(contract.source, entity.name), role=_role(prefix), key_exprs=_key_exprs(entity),
                    columns={"id_token": _stored(entity, cols["id"]) if "id" in cols else None,
                             "name": cols.get("name"),
                             "birth_date": attr("DE.birth_date", "birth_date"),
                             "gender": attr("DE.gender", "gender"),
                             "phone_token": _stored(entity, phone) if phone and _protection(entity, phone) in TOKENIZED else None,
                             "household_no": _by_element(entity, "DE.household_id")},
                    current_only=entity.history == "scd2"))
    return specs


def org_specs(contracts: dict[str, SourceContract]) -> list[MentionSpec]:
    specs = []
    for contract in contracts.values():
        for entity in contract.entities:
            names = {c.name: c for c in entity.columns}
            for col in entity.columns:
                if col.element != ORG_ID:
                    continue
                prefix = col.name.removesuffix("credit_code")
                name = f"{prefix}name" if names.get(f"{prefix}name") and names[f"{prefix}name"].element == ORG_NAME else None
                if name is None and prefix == "":
                    unpaired = [c.name for c in entity.columns if c.element == ORG_NAME
                                and f"{c.name.removesuffix('name')}credit_code" not in names]
                    name = unpaired[0] if len(unpaired) == 1 else None
                own = prefix == ""
                phone = _by_element(entity, "DE.mobile_phone") if own else None
                specs.append(MentionSpec(
                    table=table_name(contract.source, entity.name), role=_role(prefix), key_exprs=_key_exprs(entity),
                    columns={"credit_code": col.name, "name": name,
                             "address": _by_element(entity, "DE.address") if own else None,
                             "division": _by_element(entity, "DE.admin_division_code") if own else None,
                             "phone_token": _stored(entity, phone) if phone and _protection(entity, phone) in TOKENIZED else None},
                    current_only=entity.history == "scd2"))
    return specs


def record_key_col(key_exprs: tuple[str, ...]) -> Column:
    return F.concat_ws("|", *[F.col(f"`{k}`").cast("string") for k in key_exprs])


def _col(name: str | None, type_: str = "string") -> Column:
    return F.col(f"`{name}`").cast(type_) if name else F.lit(None).cast(type_)


def _silver(spark: SparkSession, spec: MentionSpec) -> DataFrame | None:
    table = f"silver.{spec.table}"
    if not spark.catalog.tableExists(table):
        return None
    df = spark.table(table)
    return df.where("is_current") if spec.current_only else df


def _base(df: DataFrame, spec: MentionSpec) -> DataFrame:
    key = record_key_col(spec.key_exprs)
    return df.select(
        F.concat_ws("|", F.lit(spec.table), F.lit(spec.role), key).alias("unique_id"),
        F.lit(spec.table).alias("source_table"), F.lit(spec.role).alias("role"), key.alias("record_key"),
        F.col("_day").alias("record_day"), *[_col(c).alias(f) for f, c in spec.columns.items()])


def person_mentions(spark: SparkSession, settings: Settings) -> DataFrame:
    """Every person mention of silver, with linkage features (see the module docstring)."""
    ring = keyring(settings)
    refs = ring.refs("encrypt")
    token_ref = ring.current(NAME_TOKEN_SCOPE, "token")
    parts = []
    for spec in person_specs(load_contracts(settings.contracts_dir)):
        df = _silver(spark, spec)
        if df is None:
            continue
        base = _base(df, spec).where("id_token IS NOT NULL OR name IS NOT NULL")
        feats = name_features_col(F.col("name"), refs, token_ref)
        parts.append(base.withColumn("_f", feats).select(
            *[c for c in base.columns if c != "name"], F.col("_f.pinyin").alias("name_py"), F.col("_f.token").alias("name_tok")))
    if not parts:
        raise_no_silver()
    union = reduce(lambda a, b: a.unionByName(b), parts)
    return union.select(*PERSON_COLUMNS).withColumn("birth_date", F.col("birth_date").cast("string"))


def org_mentions(spark: SparkSession, settings: Settings) -> DataFrame:
    """Every organisation mention of silver (credit code present), with a normal name."""
    cities = city_names()
    parts = []
    for spec in org_specs(load_contracts(settings.contracts_dir)):
        df = _silver(spark, spec)
        if df is None:
            continue
        base = _base(df, spec).where("credit_code IS NOT NULL")
        parts.append(base.withColumn("name_core", org_name_core_col(F.col("name"), cities)).drop("name"))
    if not parts:
        raise_no_silver()
    return reduce(lambda a, b: a.unionByName(b), parts).select(*ORG_COLUMNS)


def raise_no_silver() -> None:
    from citylake.errors import CitylakeError

    raise CitylakeError("no silver tables to resolve: run the pipeline first (citylake run)")
