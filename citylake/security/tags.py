"""Column tags: what each column of a table holds and how sensitive it is.

Views, decryption and token domains need the same facts about a column — what kind of
value it holds (a citizen ID, a phone, a name …), its personal-information level, its
GB/T 43697 classification and grade, and its protection. A silver table gets them from
its contract (and the data element the column names); a gold or published table, which
has no contract, from a list of tags its model declares or from the latest sensitive-data
scan. Either way the consumers see one ``TableSpec`` and never re-derive them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from citylake.contracts import ColumnContract, EntityContract, SourceContract, table_name
from citylake.layers.protection import TOKENIZED, token_column
from citylake.standards.data_elements import load_data_elements

#: Kinds of value the masks and detectors know.
KINDS = ("citizen_id", "phone", "person_name", "bank_card", "email", "address", "credit_code",
         "licence_number", "token", "other")
#: Kinds whose token key is shared by every table (a citizen ID tokenizes the same everywhere).
SHARED_TOKEN_DOMAINS = ("citizen_id", "phone", "credit_code", "bank_card", "email", "person_name")
_KIND_OF_VALIDATOR = {
    "citizen_id": "citizen_id", "mobile_phone": "phone", "phone": "phone", "person_name": "person_name",
    "bank_card": "bank_card", "email": "email", "credit_code": "credit_code",
}
_KIND_OF_ELEMENT = {"DE.address": "address", "DE.licence_number": "licence_number"}
_DIVISION_NAMES = ("division", "district_code", "street_code", "office_division", "division_code")
#: Columns silver adds to every table: lineage and history, never personal.
META_COLUMNS = ("valid_from", "valid_to", "is_current")


@dataclass(frozen=True)
class ColumnTag:
    name: str
    kind: str = "other"
    personal: str = "none"           # none | personal | sensitive_personal (GB/T 35273)
    classification: str = "general"  # general | important | core (GB/T 43697-2024)
    grade: int = 1                   # 1 public … 4 most restricted
    protection: str = "none"         # none | encrypt | tokenize | encrypt_and_tokenize
    type: str = "string"
    element_personal: str | None = None  # what the column's data element says, if it names one
    token_domain: str | None = None      # the scope of its token key, if it is tokenized

    @property
    def encrypted(self) -> bool:
        return self.protection in ("encrypt", "encrypt_and_tokenize")


@dataclass(frozen=True)
class TableSpec:
    """A table to secure, with its columns' tags and what tenants are filtered by."""

    schema: str
    name: str
    columns: tuple[ColumnTag, ...]
    source: str | None = None             # the department's source that owns every row
    source_column: str | None = None      # or a column naming each row's source (cross-department tables)
    division_column: str | None = None    # GB/T 2260 code of each row's place, for division tenants
    keys: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def tag(self, column: str) -> ColumnTag | None:
        for tag in self.columns:
            if tag.name == column:
                return tag
        return None


def column_kind_of_element(element_id: str | None) -> str:
    """The kind of value a data element holds (its validator says: a citizen ID, a phone …)."""
    if not element_id:
        return "other"
    if element_id in _KIND_OF_ELEMENT:
        return _KIND_OF_ELEMENT[element_id]
    element = load_data_elements().get(element_id)
    return _KIND_OF_VALIDATOR.get(element.validator or "", "other") if element else "other"


def column_kind(col: ColumnContract) -> str:
    return column_kind_of_element(col.element)


def token_domain(contract: SourceContract, entity: EntityContract, col: ColumnContract) -> str:
    """The scope of a column's token key. "Domain" is the *value* domain: every citizen ID
    column of every department shares one key, so a person's token is the same in the
    household register, a marriage record and an enterprise's legal representative —
    which is what makes tokens join keys. A column of no shared kind gets a key of its own."""
    kind = column_kind(col)
    if kind in SHARED_TOKEN_DOMAINS:
        return kind
    return f"{contract.source}.{entity.name}.{col.name}"


def column_tag(contract: SourceContract, entity: EntityContract, col: ColumnContract) -> ColumnTag:
    s = col.sensitivity
    element = load_data_elements().get(col.element) if col.element else None
    domain = token_domain(contract, entity, col) if s.protection in TOKENIZED else None
    return ColumnTag(col.name, column_kind(col), s.personal, s.classification, s.grade, s.protection, col.type,
                     element.sensitivity if element else None, domain)


def division_column(entity: EntityContract) -> str | None:
    for col in entity.columns:
        if col.element == "DE.admin_division_code":
            return col.name
    for col in entity.columns:
        if col.name in _DIVISION_NAMES:
            return col.name
    return None


def token_tag(col: ColumnContract) -> ColumnTag:
    """A token is pseudonymous: still personal information (PIPL), but it shows no value."""
    return ColumnTag(token_column(col.name), "token", "personal", "general", 2, "none", "string")


def contract_table_spec(schema: str, contract: SourceContract, entity: EntityContract) -> TableSpec:
    """The spec of a contracted table in bronze-less layers (silver and what mirrors it)."""
    tags = [column_tag(contract, entity, c) for c in entity.columns]
    tags += [token_tag(c) for c in entity.columns if c.sensitivity.protection in TOKENIZED]
    return TableSpec(schema, table_name(contract.source, entity.name), tuple(tags), source=contract.source,
                     division_column=division_column(entity), keys=tuple(entity.keys))


def contract_table_specs(contracts: dict[str, SourceContract], schema: str = "silver") -> list[TableSpec]:
    return [contract_table_spec(schema, c, e) for c in contracts.values() for e in c.entities]


def is_meta_column(name: str) -> bool:
    return name.startswith("_") or name in META_COLUMNS
