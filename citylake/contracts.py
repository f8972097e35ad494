"""Source contracts: the single source of truth for what a department delivers.

A contract (``metadata/contracts/<source>.yml``) says, for each entity a department
delivers, where and how it arrives, its columns and the data element (standard) of
each, its keys, how silver keeps its history, how sensitive each column is, and how
severe each rule is. Bronze, silver, quality suites, masking, DAGs and catalog
entries are all derived from it; nothing retypes it.

A wrong contract fails to load with the file, line and field named, because a data
engineer fixes YAML by line number.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from citylake.errors import CitylakeError

Severity = Literal["critical", "warning", "info"]
Protection = Literal["none", "encrypt", "tokenize", "encrypt_and_tokenize"]
ColumnType = str  # a Spark SQL type name; checked by _TYPE below

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPE = re.compile(r"^(string|int|bigint|double|boolean|date|timestamp|decimal\(\d+,\s*\d+\))$")


class ContractError(CitylakeError):
    """A contract file is not valid; the message names the file, line and field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sensitivity(Strict):
    """How sensitive a column is (GB/T 35273 personal information; GB/T 43697 grade), and
    how silver protects it. Security fills in what each protection does."""

    personal: Literal["none", "personal", "sensitive_personal"] = "none"
    classification: Literal["general", "important", "core"] = "general"
    grade: int = Field(1, ge=1, le=4, description="1 public … 4 most restricted")
    protection: Protection = "none"


class RuleSpec(Strict):
    """A rule on a column or an entity, with the severity that decides what failing means:
    critical rows go to quarantine (and a critical quality failure stops publishing),
    warnings are reported and the row is kept."""

    rule: str
    severity: Severity = "critical"
    params: dict[str, Any] = Field(default_factory=dict)


class ColumnContract(Strict):
    name: str = Field(description="Name in bronze and silver (snake_case).")
    source_name: str | None = Field(None, description="Header or field name in the delivered file, if different.")
    aliases: list[str] = Field(default_factory=list, description="Other names the department has used for it (after a rename).")
    type: ColumnType = Field("string", description="Spark SQL type in silver.")
    element: str | None = Field(None, description="Data element id (metadata/standards/data_elements.yml).")
    description: str = ""
    required: bool = False
    code_table: str | None = Field(None, description="Code table of the value domain (overrides the element's).")
    code_form: Literal["code", "name"] = Field("code", description="Delivered as the code, or as the name to map to a code.")
    accepted_values: list[str] | None = Field(None, description="The values allowed where no code table applies.")
    pattern: str | None = Field(None, description="A regular expression the standardized text must match.")
    min: float | None = None
    max: float | None = None
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)
    rules: list[RuleSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"column name {v!r} must be snake_case (a-z, 0-9, _)")
        return v

    @field_validator("type")
    @classmethod
    def _spark_type(cls, v: str) -> str:
        if not _TYPE.match(v):
            raise ValueError(f"type {v!r} is not one of string, int, bigint, double, boolean, date, timestamp, decimal(p,s)")
        return v

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            re.compile(v)
        return v

    @property
    def delivered_as(self) -> str:
        return self.source_name or self.name


class Reference(Strict):
    """A foreign key to another entity's key, checked as a rule (orphans)."""

    column: str
    to: str = Field(description="<source>.<entity>.<column>")
    severity: Severity = "warning"


class JdbcSpec(Strict):
    table: str
    day_column: str = Field("day", description="Column holding the delivery day (YYYY-MM-DD) of each row.")
    row_id_column: str | None = Field(None, description="The table's row id: kept as _line so a steward finds the row.")


class EntityContract(Strict):
    name: str
    title: str = Field(description="What the department calls it.")
    description: str = ""
    format: Literal["csv", "jsonl", "parquet", "jdbc", "stream"]
    encoding: Literal["utf-8", "gbk"] = "utf-8"
    path: str | None = Field(None, description="Under the landing root; default <source>/<entity>.")
    jdbc: JdbcSpec | None = None
    keys: list[str] = Field(default_factory=list, description="Business key; empty for event streams.")
    history: Literal["scd2", "upsert", "append"] = "upsert"
    order_by: str | None = Field(None, description="Column whose greatest value wins among rows of one key in a batch.")
    freshness_hours: int = Field(48, ge=1)
    schema_drift: Literal["rescue", "fail", "evolve"] = "rescue"
    columns: list[ColumnContract]
    references: list[Reference] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"entity name {v!r} must be snake_case")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> EntityContract:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"columns named twice: {', '.join(dupes)}")
        for key in self.keys:
            if key not in names:
                raise ValueError(f"key {key!r} is not a column")
            if not self.column(key).required:
                raise ValueError(f"key column {key!r} must be required: true (a row without its key cannot be merged)")
        if self.order_by and self.order_by not in names:
            raise ValueError(f"order_by {self.order_by!r} is not a column")
        for ref in self.references:
            if ref.column not in names:
                raise ValueError(f"reference column {ref.column!r} is not a column")
        if self.format == "jdbc" and self.jdbc is None:
            raise ValueError("format jdbc needs a `jdbc:` section with the table")
        if self.history == "scd2" and not self.keys:
            raise ValueError("history scd2 needs keys")
        return self

    def column(self, name: str) -> ColumnContract:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


class SourceContract(Strict):
    """One department's delivery: a file per source in metadata/contracts/."""

    source: str
    department: str = Field(description="The department that delivers and answers for the data.")
    owner: str = Field(description="Owning team (becomes the catalog owner).")
    domain: str = Field(description="Business domain: population, legal_person, spatial, emergency, iot …")
    description: str = ""
    version: str = "1.0.0"
    schedule: str = Field("@daily", description="Airflow schedule of the department's DAG.")
    entities: list[EntityContract]

    @field_validator("source")
    @classmethod
    def _snake(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError(f"source {v!r} must be snake_case")
        return v

    def entity(self, name: str) -> EntityContract:
        for e in self.entities:
            if e.name == name:
                return e
        raise KeyError(f"{self.source} has no entity {name!r}")


def table_name(source: str, entity: str) -> str:
    """The table name of an entity in bronze, silver and quarantine: <source>__<entity>."""
    return f"{source}__{entity}"


# --- loading, with line numbers -------------------------------------------------------

class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping value and list item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    lines = {key_node.value: key_node.start_mark.line + 1 for key_node, _ in node.value}
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _strip_lines(v) for k, v in data.items() if k not in ("__lines__", "__line__")}
    if isinstance(data, list):
        return [_strip_lines(v) for v in data]
    return data


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest part of ``loc`` that the file has."""
    line = data.get("__line__") if isinstance(data, dict) else None
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            line = node.get("__lines__", {}).get(part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            if isinstance(node, dict):
                line = node.get("__line__", line)
        else:
            break
    return line


def load_contract(path: Path) -> SourceContract:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ContractError(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise ContractError(f"{path}:1: a contract is a mapping with `source:` and `entities:`")
    try:
        contract = SourceContract.model_validate(_strip_lines(raw))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        field_path = ".".join(str(p) for p in loc) or "(top)"
        line = _line_of(raw, loc)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise ContractError(f"{path}:{line}: {field_path}: {err['msg']}{more}") from None
    if contract.source != path.stem:
        raise ContractError(f"{path}:{raw.get('__lines__', {}).get('source', 1)}: source {contract.source!r} must match the file name {path.stem!r}")
    return contract


def load_contracts(directory: Path | None = None) -> dict[str, SourceContract]:
    """Every contract of the folder, by source, checked against the data standards."""
    from citylake.settings import get_settings

    return _load_all(directory or get_settings().contracts_dir)


@lru_cache(maxsize=8)
def _load_all(directory: Path) -> dict[str, SourceContract]:
    if not directory.is_dir():
        raise ContractError(f"no contracts folder at {directory}: set CITYLAKE_METADATA_DIR to the folder holding contracts/")
    contracts = {p.stem: load_contract(p) for p in sorted(directory.glob("*.yml"))}
    for path_stem, contract in contracts.items():
        _check_against_standards(directory / f"{path_stem}.yml", contract, contracts)
    return contracts


def _check_against_standards(path: Path, contract: SourceContract, all_contracts: dict[str, SourceContract]) -> None:
    from citylake.standards.code_tables import list_code_tables
    from citylake.standards.data_elements import load_data_elements

    elements = set(load_data_elements())
    tables = set(list_code_tables())
    for entity in contract.entities:
        for col in entity.columns:
            where = f"{path}: entities.{entity.name}.columns.{col.name}"
            if col.element and col.element not in elements:
                raise ContractError(f"{where}.element: unknown data element {col.element!r} (see metadata/standards/data_elements.yml)")
            if col.code_table and col.code_table not in tables:
                raise ContractError(f"{where}.code_table: unknown code table {col.code_table!r}")
        for ref in entity.references:
            parts = ref.to.split(".")
            target = all_contracts.get(parts[0]) if len(parts) == 3 else None
            ok = target is not None and any(e.name == parts[1] and parts[2] in [c.name for c in e.columns] for e in target.entities)
            if not ok:
                raise ContractError(f"{path}: entities.{entity.name}.references: {ref.to!r} is not <source>.<entity>.<column> of a contract")


def clear_cache() -> None:
    _load_all.cache_clear()


def json_schema() -> str:
    """The JSON Schema of a contract file, for editors (yaml-language-server)."""
    return json.dumps(SourceContract.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
