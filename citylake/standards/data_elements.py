"""Data elements (数据元): the standard meaning, representation and check of a field.

A contract column names its data element (``DE.citizen_id``) instead of repeating a
type, a format and a validator, so the silver rule, the quality suite, the masking
policy and the catalog's glossary term of that column all come from one entry of
``metadata/standards/data_elements.yml``. The attributes follow GB/T 18391
(ISO/IEC 11179): identifier, names, definition, data type, representation format.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from citylake.errors import CitylakeError
from citylake.standards import standards_dir
from citylake.standards.code_tables import list_code_tables
from citylake.standards.checked import Checked
from citylake.standards.validators import VALIDATORS

DataType = Literal["string", "date", "timestamp", "decimal", "integer", "double", "boolean"]
Sensitivity = Literal["personal", "sensitive_personal", "none"]


class DataElement(BaseModel):
    """One data element. ``validator`` names an entry of ``validators.VALIDATORS``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^DE\.[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, description="Chinese name (中文名称).")
    name_en: str = Field(min_length=1)
    definition: str = Field(min_length=1, description="What the value means, in one or two sentences.")
    data_type: DataType
    format: str = Field(min_length=1, description="Representation: c18, n..2, YYYY-MM-DD, n..18,6.")
    code_table: str | None = None
    validator: str | None = None
    sensitivity: Sensitivity
    standard: str | None = Field(None, description="The standard the element follows, e.g. GB 11643-1999.")
    unit: str | None = None
    min: float | None = Field(None, description="Smallest allowed value (numbers).")
    max: float | None = Field(None, description="Largest allowed value (numbers).")
    source_names: tuple[str, ...] = Field((), description="Column names sources commonly use for it.")

    def check(self, value: object) -> Checked:
        """Run the element's validator (with its code table and range) on one value."""
        if self.validator is None:
            return Checked(value)
        validator = VALIDATORS[self.validator]
        if validator.needs_code_table:
            return validator.check(value, self.code_table)
        if self.min is not None and self.max is not None and self.validator in {"longitude", "latitude"}:
            return validator.check(value, (self.min, self.max))
        return validator.check(value)


def _fail(path: Path, line: int | None, message: str) -> CitylakeError:
    return CitylakeError(f"{path}:{line}: {message}" if line else f"{path}: {message}")


def _element_lines(text: str) -> list[int]:
    """The line of each entry under ``elements:``, so errors can point at it."""
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "elements" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def read_data_elements(path: Path, code_tables: set[str] | None = None) -> dict[str, DataElement]:
    """Parse and check a data-elements file (uncached): the model of each entry, unique
    ids, and that every code_table and validator it names exists."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        doc = yaml.safe_load(text) or {}
        lines = _element_lines(text)
    except OSError:
        raise _fail(path, None, "data-elements file is missing or unreadable.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, f"is not valid YAML ({getattr(exc, 'problem', exc)}).") from None
    entries = doc.get("elements") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise _fail(path, None, "must have a top-level 'elements:' list.")
    known_tables = code_tables if code_tables is not None else set(list_code_tables())

    elements: dict[str, DataElement] = {}
    for position, entry in enumerate(entries):
        line = lines[position] if position < len(lines) else None
        ident = entry.get("id", f"entry {position + 1}") if isinstance(entry, dict) else f"entry {position + 1}"
        try:
            element = DataElement.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "entry"
            raise _fail(path, line, f"{ident}: field '{field}': {err['msg']}.") from None
        if element.id in elements:
            raise _fail(path, line, f"{element.id}: the id is already used; ids are unique.")
        if element.code_table is not None and element.code_table not in known_tables:
            raise _fail(path, line, f"{element.id}: field 'code_table': no code table {element.code_table!r} "
                        f"(known: {', '.join(sorted(known_tables))}).")
        if element.validator is not None:
            validator = VALIDATORS.get(element.validator)
            if validator is None:
                raise _fail(path, line, f"{element.id}: field 'validator': no validator {element.validator!r} "
                            f"(known: {', '.join(sorted(VALIDATORS))}).")
            if validator.needs_code_table and element.code_table is None:
                raise _fail(path, line, f"{element.id}: field 'code_table': validator {element.validator!r} needs one.")
        elements[element.id] = element
    return elements


@lru_cache(maxsize=4)
def _load(folder: Path) -> dict[str, DataElement]:
    return read_data_elements(folder / "data_elements.yml")


def load_data_elements() -> dict[str, DataElement]:
    """All data elements by id, read once per process."""
    return dict(_load(standards_dir()))


def data_element(element_id: str) -> DataElement:
    """One data element by id (``DE.citizen_id``)."""
    elements = _load(standards_dir())
    if element_id not in elements:
        raise CitylakeError(f"no data element {element_id!r}; add it to data_elements.yml or fix the name.")
    return elements[element_id]
