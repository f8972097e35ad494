"""Code tables (代码表): one CSV per table under ``metadata/standards/code_tables``,
described in ``code_tables/index.yml``.

Every consumer (silver rules, quality suites, the catalog, the synthetic city) asks
``load_code_table(name)`` rather than typing codes, so a steward's change to a CSV
reaches all of them. A malformed file fails loudly with its path and line: a silently
skipped code would turn valid records into quarantined ones.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from citylake.errors import CitylakeError
from citylake.standards import standards_dir
from citylake.standards.text import lookup_key, normalize_text

if TYPE_CHECKING:
    import pandas as pd

#: Columns with a meaning to the loader; any other column is kept as an attribute.
REQUIRED_COLUMNS = ("code", "name")
ALIAS_SEPARATOR = "|"
_PERIOD = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


class Title(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str
    en: str


class CodeTableInfo(BaseModel):
    """One entry of ``index.yml``: what a table is and who answers for it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    title: Title
    standard: str
    version: str
    source: str
    owner: str
    authority: Literal["national", "local"]
    notes: str = ""


@dataclass(frozen=True, eq=False)
class CodeTable:
    """The rows of one code table, with lookups by code and by name.

    Codes are strings exactly as in the CSV ("01", not 1). Names are looked up after
    normalization (trim, full-width → half-width, case-folded) against ``name``,
    ``name_en`` and the ``|``-separated ``aliases``.
    """

    info: CodeTableInfo
    path: Path
    columns: tuple[str, ...]
    rows: tuple[Mapping[str, str], ...]
    _by_code: Mapping[str, Mapping[str, str]] = field(repr=False)
    _by_name: Mapping[str, tuple[str, ...]] = field(repr=False)

    @property
    def name(self) -> str:
        return self.info.id

    @property
    def codes(self) -> tuple[str, ...]:
        """All codes, in file order."""
        return tuple(self._by_code)

    def contains(self, code: object) -> bool:
        return self._code_key(code) in self._by_code

    def __contains__(self, code: object) -> bool:
        return self.contains(code)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, code: object) -> Mapping[str, str] | None:
        """The whole row of a code (every column, '' where empty), or None if unknown."""
        return self._by_code.get(self._code_key(code))

    def name_of(self, code: object) -> str | None:
        """The standard name of a code, or None if the code is not in the table."""
        row = self.row(code)
        return row["name"] if row else None

    @property
    def names(self) -> Mapping[str, tuple[str, ...]]:
        """Lookup key (normalized, case-folded name, English name or alias) → codes."""
        return self._by_name

    def codes_of(self, name: str | None) -> tuple[str, ...]:
        """Every code whose name, English name or alias matches ``name``."""
        return self._by_name.get(lookup_key(name), ())

    def code_of(self, name: str | None) -> str | None:
        """The code for a name or a common alias; None if unknown or ambiguous.

        Ambiguous names exist (朝阳区 is in Beijing and in Changchun): use ``codes_of``
        and narrow by parent when that matters.
        """
        codes = self.codes_of(name)
        return codes[0] if len(codes) == 1 else None

    def parent_of(self, code: object) -> str | None:
        row = self.row(code)
        return (row.get("parent_code") or None) if row else None

    def children_of(self, code: object) -> tuple[str, ...]:
        key = self._code_key(code)
        return tuple(r["code"] for r in self.rows if r.get("parent_code") == key)

    def to_pandas(self) -> pd.DataFrame:
        """The table as a DataFrame of strings (empty cells are None)."""
        import pandas as pd

        data = {c: [r[c] or None for r in self.rows] for c in self.columns}
        return pd.DataFrame(data, columns=list(self.columns), dtype="string")

    @staticmethod
    def _code_key(code: object) -> str:
        return "" if code is None else (normalize_text(str(code)) or "")


# --- reading -----------------------------------------------------------------------


def _fail(path: Path, line: int | None, message: str) -> CitylakeError:
    where = f"{path}:{line}" if line else str(path)
    return CitylakeError(f"{where}: {message}")


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(path, line, "is not UTF-8; save the file as UTF-8 (not GBK).") from None


def _check_period(path: Path, line: int, row: Mapping[str, str]) -> None:
    start, end = row.get("valid_from", ""), row.get("valid_to", "")
    for column, value in (("valid_from", start), ("valid_to", end)):
        if value and not _PERIOD.match(value):
            raise _fail(path, line, f"{column} {value!r} is not YYYY or YYYY-MM-DD.")
    if start and end and start[:4] > end[:4]:
        raise _fail(path, line, f"valid_from {start} is after valid_to {end}.")


def read_code_table(path: Path, info: CodeTableInfo | None = None) -> CodeTable:
    """Parse and check one code-table CSV (not cached; ``load_code_table`` caches).

    Checks: UTF-8, a header with ``code`` and ``name``, the same number of fields on
    every line, non-empty unique codes without surrounding spaces, a name on every row,
    parents that exist, valid_from/valid_to as years or dates.
    """
    if not path.is_file():
        raise _fail(path, None, "code table file is missing; add it or remove its entry from index.yml.")
    info = info or CodeTableInfo(
        id=path.stem, title=Title(zh=path.stem, en=path.stem), standard="", version="",
        source=str(path.name), owner="", authority="local",
    )
    reader = csv.reader(io.StringIO(_decode(path)))
    header = next(reader, None)
    if not header:
        raise _fail(path, 1, "is empty; the first line must be a header such as code,name.")
    columns = tuple(h.strip() for h in header)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise _fail(path, 1, f"header lacks column(s) {', '.join(missing)}; the header must start with code,name.")
    duplicated = sorted({c for c in columns if columns.count(c) > 1 or not c})
    if duplicated:
        raise _fail(path, 1, f"header has empty or repeated column names {duplicated}.")

    by_code: dict[str, Mapping[str, str]] = {}
    first_line: dict[str, int] = {}
    for fields in reader:
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(columns):
            raise _fail(path, line, f"has {len(fields)} fields but the header has {len(columns)}; quote values that contain commas.")
        row = dict(zip(columns, fields))
        code = row["code"]
        if not code or code != code.strip():
            raise _fail(path, line, f"code {code!r} is empty or has spaces around it.")
        if code in by_code:
            raise _fail(path, line, f"code {code!r} is already on line {first_line[code]}; each code appears once.")
        if not row["name"].strip():
            raise _fail(path, line, f"code {code!r} has no name.")
        _check_period(path, line, row)
        by_code[code] = MappingProxyType(row)
        first_line[code] = line

    for code, row in by_code.items():
        parent = row.get("parent_code", "")
        if parent and parent not in by_code:
            raise _fail(path, first_line[code], f"parent_code {parent!r} of code {code!r} is not a code of this table.")

    by_name: dict[str, list[str]] = {}
    for code, row in by_code.items():
        names = [row["name"], row.get("name_en", "")] + row.get("aliases", "").split(ALIAS_SEPARATOR)
        for key in {lookup_key(n) for n in names if n.strip()}:
            by_name.setdefault(key, []).append(code)

    return CodeTable(
        info=info,
        path=path,
        columns=columns,
        rows=tuple(by_code.values()),
        _by_code=MappingProxyType(by_code),
        _by_name=MappingProxyType({k: tuple(v) for k, v in by_name.items()}),
    )


def read_index(path: Path) -> dict[str, CodeTableInfo]:
    """Parse ``code_tables/index.yml`` into table id → description."""
    if not path.is_file():
        raise _fail(path, None, "code-table index is missing; it lists every code table.")
    try:
        doc = yaml.safe_load(_decode(path)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(path, mark.line + 1 if mark else None, f"is not valid YAML ({getattr(exc, 'problem', exc)}).") from None
    entries = doc.get("tables") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise _fail(path, None, "must have a top-level 'tables:' list.")
    tables: dict[str, CodeTableInfo] = {}
    for position, entry in enumerate(entries, start=1):
        try:
            info = CodeTableInfo.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            ident = entry.get("id", f"#{position}") if isinstance(entry, dict) else f"#{position}"
            raise _fail(path, None, f"table {ident}: field '{where}' {err['msg'].lower()}.") from None
        if info.id in tables:
            raise _fail(path, None, f"table {info.id!r} is listed twice.")
        tables[info.id] = info
    return tables


@lru_cache(maxsize=4)
def _index(folder: Path) -> dict[str, CodeTableInfo]:
    return read_index(folder / "code_tables" / "index.yml")


@lru_cache(maxsize=64)
def _load(folder: Path, name: str) -> CodeTable:
    tables = _index(folder)
    if name not in tables:
        raise CitylakeError(
            f"no code table {name!r}: known tables are {', '.join(sorted(tables))} "
            f"(add it to {folder / 'code_tables' / 'index.yml'})."
        )
    return read_code_table(folder / "code_tables" / f"{name}.csv", tables[name])


def list_code_tables() -> list[str]:
    """The ids of all code tables, in index order."""
    return list(_index(standards_dir()))


def code_table_info(name: str) -> CodeTableInfo:
    """The index entry of a table (title, standard, version, source, owner)."""
    return load_code_table(name).info


def load_code_table(name: str) -> CodeTable:
    """The code table ``name`` (e.g. "ethnicity"), read once per process."""
    return _load(standards_dir(), name)


def clear_cache() -> None:
    """Forget loaded tables, e.g. after a steward edited a CSV in a long-lived process."""
    _index.cache_clear()
    _load.cache_clear()
