"""How an entity is delivered: its columns, their kinds, its key, format and encoding.

One ``Entity`` per landing entity is the single description of a delivery; the defect
injector picks eligible columns by ``kind``, the writers take format and encoding from
it, docs/synthetic_city.md is rendered from it and the tests validate files against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "citizen_id", "credit_code", "date", "datetime", "month", "mobile", "landline", "person_name", "org_name",
    "address", "code", "division", "enum", "int", "float", "lon", "lat", "text", "record_id",
]
Format = Literal["csv", "jsonl", "parquet", "sql"]

#: What each kind means in a file, for the documentation.
KIND_DOC = {
    "citizen_id": "18-character GB 11643 citizen ID, upper-case X, half-width digits",
    "credit_code": "18-character GB 32100 unified social credit code, upper case, half-width",
    "date": "date, YYYY-MM-DD",
    "datetime": "timestamp in local time (UTC+8), YYYY-MM-DD HH:MM:SS",
    "month": "month, YYYY-MM",
    "mobile": "mobile phone, 11 digits",
    "landline": "landline phone, 0AA-NNNNNNNN (area code, dash, 8 digits)",
    "person_name": "person's name in simplified Chinese",
    "org_name": "organisation name",
    "address": "standard address: province, city, district, street, road, house, building, unit, room",
    "code": "code of a code table",
    "division": "12-digit division code: GB/T 2260 district (6) + township (3) + 000",
    "enum": "one of a fixed set of values",
    "int": "integer",
    "float": "decimal number",
    "lon": "longitude, WGS 84 degrees",
    "lat": "latitude, WGS 84 degrees",
    "text": "free text",
    "record_id": "record number of the source system",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    meaning: str
    dtype: Literal["string", "int64", "float64"] = "string"
    table: str | None = None                  # code table of a "code" column
    form: Literal["code", "name"] = "code"    # written as the code or as its name
    values: tuple[str, ...] = ()              # allowed values of an "enum" column
    lo: float | None = None                   # valid range of a number
    hi: float | None = None
    ref: Literal["person", "enterprise"] | None = None  # a reference that can dangle (orphan_reference)
    nullable: bool = False
    vary: bool = True                         # may carry normalizable variations

    def describe_type(self) -> str:
        if self.kind == "code":
            return f"code of `{self.table}` written as its {'code' if self.form == 'code' else 'name (or alias)'}"
        if self.kind == "enum":
            return "one of " + ", ".join(f"`{v}`" for v in self.values)
        if self.lo is not None:
            return f"{KIND_DOC[self.kind]} in [{self.lo:g}, {self.hi:g}]"
        return KIND_DOC[self.kind]


@dataclass(frozen=True)
class Entity:
    source: str
    name: str
    title: str                                 # what the department calls it
    fmt: Format
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    encoding: Literal["utf-8", "gbk"] = "utf-8"
    parted: bool = False                       # large deliveries are split into parts
    fuzzy: bool = False                        # may hold fuzzy duplicates (a second record of one real entity)
    id_checks: tuple[tuple[str, str | None, str | None], ...] = ()  # (citizen ID, birth date, gender) columns of one person
    defects: bool = True                       # reference data the city itself publishes carries none
    master: Literal["person", "enterprise"] | None = None  # whose register this is (the key names that entity)
    notes: str = ""
    change_days: bool = True                   # delivered on change days too
    micro_batches: bool = False

    @property
    def id(self) -> str:
        return f"{self.source}/{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def extension(self) -> str:
        return self.fmt

    @property
    def line_based(self) -> bool:
        return self.fmt in ("csv", "jsonl")


@dataclass
class Batch:
    """Clean rows of one entity for one delivery day, column by column, and who each row is about.

    ``refs`` are (role, "person" | "enterprise", ids, column or None): the true entity behind
    each row (-1: none), written to ground_truth/person_records and enterprise_records.
    """

    entity: Entity
    day: int
    columns: dict[str, list]
    refs: list[tuple[str, str, list[int], str | None]] = field(default_factory=list)
    batch_time: str | None = None              # HHMM of a micro-batch

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0
