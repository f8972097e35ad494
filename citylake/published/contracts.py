"""Contracts of published tables: ``metadata/published/<name>.yml``, one per table.

A published table is a promise to readers outside the lake: these columns, of these
types, with this grain and these keys, owned by this team, at this version. The contract
says which gold model it is cut from (``model``) and through which role of the security
policy its rows pass (``role``, the analyst by default: personal columns masked, tokens
to join on), so a published table never shows more than that role may see.

The version is part of the table's name (``published.<name>_v<version>``): readers pin
to a version, and a change of columns or types is a new version, published beside the
old one, never an edit in place. ``check_schema`` is that rule; the writer applies it
against the table in the lake and ``citylake published check`` against the manifest.

A wrong contract fails to load with the file, line and field named (as source
contracts do).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from citylake.contracts import _line_of, _LineLoader, _strip_lines
from citylake.errors import CitylakeError

#: The schema published tables live in.
SCHEMA = "published"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SIMPLE = ("string", "boolean", "tinyint", "smallint", "int", "bigint", "float", "double", "date", "timestamp",
           "timestamp_ntz", "binary")
_DECIMAL = re.compile(r"^decimal\(\d+,\d+\)$")


class PublishedContractError(CitylakeError):
    """A published-table contract is invalid, or the lake disagrees with it; the message
    names the file (and line) and what to change."""


class SchemaChangeError(PublishedContractError):
    """The columns of a published table changed without a new contract version."""


def normalize_type(value: str) -> str:
    """A Spark SQL type as Spark's ``simpleString()`` writes it: lower case, no spaces."""
    return re.sub(r"\s+", "", value).lower()


def valid_type(value: str) -> bool:
    """Scalar types, decimals, and arrays/structs of them. No maps: a published table's rows
    are compared for changes, and Spark cannot compare maps."""
    if value in _SIMPLE or _DECIMAL.match(value):
        return True
    if value.startswith("array<") and value.endswith(">"):
        return valid_type(value[6:-1])
    if value.startswith("struct<") and value.endswith(">"):
        fields = _split_top(value[7:-1])
        return bool(fields) and all(":" in f and bool(_FIELD.match(f.split(":", 1)[0]))
                                    and valid_type(f.split(":", 1)[1]) for f in fields)
    return False


def _split_top(text: str) -> list[str]:
    """``a:int,b:array<int>`` split on its top-level commas."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Owner(_Strict):
    team: str = Field(min_length=1, description="Who answers for the table (and decides its next version).")
    email: str | None = Field(None, description="Where readers ask.")


class PublishedColumn(_Strict):
    name: str = Field(description="Column name (snake_case), as in the gold model.")
    type: str = Field(description="Spark SQL type as Spark prints it: string, bigint, double, date, decimal(18,2), array<string> …")
    description: str = Field(min_length=1, description="What the column means, for readers.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"column name {v!r} must be snake_case")
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        t = normalize_type(v)
        if not valid_type(t):
            raise ValueError(f"type {v!r} is not a Spark SQL type a published table may have "
                             f"({', '.join(_SIMPLE)}, decimal(p,s), array<…>, struct<…>; no map)")
        return t


class PublishedContract(_Strict):
    name: str = Field(description="Name of the published table without its version (snake_case); the file is <name>.yml.")
    version: int = Field(ge=1, description="Contract version; part of the table name. A change of columns or types needs a new one.")
    description: str = Field(min_length=1)
    model: str = Field(description="The gold dbt model the rows come from (<gold schema>.<model>).")
    role: str = Field("analyst", description="Role of metadata/security/policy.yml whose view of the model is published.")
    grain: str = Field(min_length=1, description="What one row is.")
    keys: list[str] = Field(min_length=1, description="Columns that identify a row (the grain); changes are matched on them.")
    owner: Owner
    columns: list[PublishedColumn] = Field(min_length=1, description="Exactly the columns of the table, in order.")

    @field_validator("name", "model")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"{v!r} must be snake_case")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> PublishedContract:
        names = [c.name for c in self.columns]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"columns listed twice: {', '.join(twice)}")
        unknown = [k for k in self.keys if k not in names]
        if unknown:
            raise ValueError(f"keys {', '.join(unknown)} are not columns of the contract")
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("a key is listed twice")
        return self

    @property
    def table_name(self) -> str:
        return f"{self.name}_v{self.version}"

    @property
    def table(self) -> str:
        """``published.<name>_v<version>``"""
        return f"{SCHEMA}.{self.table_name}"

    @property
    def schema(self) -> list[tuple[str, str]]:
        return [(c.name, c.type) for c in self.columns]

    @property
    def fingerprint(self) -> str:
        """Hash of the column names and types, in order: equal fingerprints, same schema."""
        return schema_fingerprint(self.schema)

    def column(self, name: str) -> PublishedColumn:
        return next(c for c in self.columns if c.name == name)


def schema_fingerprint(schema: Iterable[tuple[str, str]]) -> str:
    text = json.dumps([[n, normalize_type(t)] for n, t in schema])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def contracts_dir(metadata_dir: Path) -> Path:
    return metadata_dir / "published"


def load_published_contract(path: Path) -> PublishedContract:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PublishedContractError(f"{path}{f':{mark.line + 1}' if mark else ''}: not valid YAML "
                                     f"({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise PublishedContractError(f"{path}:1: a published-table contract is a mapping with name, version, model, columns …")
    try:
        contract = PublishedContract.model_validate(_strip_lines(raw))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "(top)"
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        msg = err["msg"].removeprefix("Value error, ")
        raise PublishedContractError(f"{path}:{_line_of(raw, loc)}: {where}: {msg}{more}") from None
    if contract.name != path.stem:
        line = raw.get("__lines__", {}).get("name", 1)
        raise PublishedContractError(f"{path}:{line}: name {contract.name!r} must match the file name {path.stem!r}")
    return contract


def load_published_contracts(directory: Path) -> dict[str, PublishedContract]:
    """Every contract of ``metadata/published/``, by name (files starting with ``_`` are not contracts)."""
    if not directory.is_dir():
        raise PublishedContractError(f"no published-table contracts at {directory}: "
                                     "set CITYLAKE_METADATA_DIR to the folder holding published/")
    return {p.stem: load_published_contract(p) for p in sorted(directory.glob("*.yml")) if not p.name.startswith("_")}


def _describe(schema: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{n} {t}" for n, t in schema)


def schema_differences(expected: list[tuple[str, str]], actual: list[tuple[str, str]]) -> list[str]:
    """What differs between two schemas, one phrase each ("added c bigint", "b: string → int", …)."""
    exp, act = dict(expected), {n: normalize_type(t) for n, t in actual}
    out = [f"added {n} {t}" for n, t in act.items() if n not in exp]
    out += [f"removed {n}" for n in exp if n not in act]
    out += [f"{n}: {exp[n]} → {act[n]}" for n in exp if n in act and exp[n] != act[n]]
    if not out and [n for n, _ in expected] != list(act):
        out.append("columns reordered")
    return out


def check_schema(contract: PublishedContract, published: list[tuple[str, str]] | None, where: str = "the lake",
                 published_version: int | None = None) -> None:
    """The contract against the schema already published under its version (None: nothing
    published yet). Raises ``SchemaChangeError`` when the columns or types differ: readers of
    ``published.<name>_v<n>`` were promised that schema, so a change needs ``version: n+1``."""
    if published_version is not None and published_version != contract.version:
        return  # another version's table: not this contract's promise
    if published is None:
        return
    published = [(n, normalize_type(t)) for n, t in published]
    if published == contract.schema:
        return
    changes = schema_differences(published, contract.schema)
    raise SchemaChangeError(
        f"{contract.table} in {where} has columns ({_describe(published)}), but metadata/published/{contract.name}.yml "
        f"version {contract.version} now declares ({_describe(contract.schema)}): {'; '.join(changes)}. "
        f"A changed schema needs a new version: set `version: {contract.version + 1}` (published as "
        f"{SCHEMA}.{contract.name}_v{contract.version + 1}, beside v{contract.version} for its readers).")


def check_against_manifest(contracts: dict[str, PublishedContract], entries: Iterable[dict[str, Any]]) -> None:
    """Every contract against what the manifest says its version was published with."""
    by_table = {e.get("name"): e for e in entries}
    for contract in contracts.values():
        entry = by_table.get(contract.table)
        if entry is not None:
            check_schema(contract, [(c["name"], c["type"]) for c in entry.get("schema", [])], "the manifest",
                         entry.get("contract_version"))
