"""Reading a generated city back and judging every row against its entity description.

The generator's own modules describe the files (``citylake.generate.entities``); the
judgement here is independent of how the defects were made: it parses each value
and says what is wrong with it, so the tests can compare that with the manifest.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from stdnum.cn import ric, uscc

from citylake.generate.addresses import CANONICAL_ADDRESS
from citylake.generate.config import ChangeRates, CityConfig, DefectRates
from citylake.generate.entities import ENTITIES
from citylake.generate.names import TRADITIONAL
from citylake.generate.schema import Column, Entity
from citylake.standards.code_tables import load_code_table
from citylake.standards.text import to_halfwidth

RATE = 0.015
TEST_CITY = CityConfig(
    people=3000, seed=11, days=3, rows_per_file=5000, iot_batches_per_day=4,
    defects=DefectRates().scaled(RATE).model_copy(update={"empty_file": 0.5, "schema_drift_day": 2}),
    changes=ChangeRates(birth=0.01, death=0.002, marriage=0.02, new_enterprise=0.01, deregistration=0.01),  # enough events of each kind in a small city
)

TRADITIONAL_CHARS = {v if isinstance(v, str) else chr(v) for v in TRADITIONAL.values()}
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
ISO_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^0[0-9]{2,3}-[0-9]{8}$")
ID_NAME = {"姓名": "公民身份号码", "户主姓名": "户主公民身份号码", "husband_name": "husband_citizen_id",
           "wife_name": "wife_citizen_id", "name": "citizen_id", "mother_name": "mother_citizen_id",
           "father_name": "father_citizen_id", "legal_rep_name": "legal_rep_citizen_id"}


@dataclass
class Row:
    file: str
    row_index: int
    line: int | None
    values: dict | None       # None when the line could not be parsed
    raw: object
    problem: str | None = None


def is_fullwidth(value: str) -> bool:
    return any(0xFF01 <= ord(c) <= 0xFF5E for c in value)


def real_date(text: str, fmt: str) -> bool:
    try:
        dt.datetime.strptime(text, fmt)
        return True
    except ValueError:
        return False


def read_file(root: Path, entity: Entity, rel: str) -> list[Row]:
    path = root / rel
    rows: list[Row] = []
    if entity.fmt == "parquet":
        for i, values in enumerate(pq.read_table(path).to_pylist()):
            rows.append(Row(rel, i, None, values, tuple(values.values())))
        return rows
    data = path.read_bytes()
    lines = data.split(b"\n")
    assert lines[-1] == b"", f"{rel} does not end with a newline"
    lines = lines[:-1]
    if entity.fmt == "csv":
        header = lines[0].decode(entity.encoding).split(",")
        for i, raw in enumerate(lines[1:]):
            row = Row(rel, i, i + 2, None, raw)
            try:
                text = raw.decode(entity.encoding)
            except UnicodeDecodeError:
                row.problem = "undecodable"
                rows.append(row)
                continue
            fields = next(csv.reader([text]))
            if len(fields) != len(header):
                row.problem = "columns"
            else:
                row.values = {h: (f if f != "" else None) for h, f in zip(header, fields)}
            rows.append(row)
    else:
        for i, raw in enumerate(lines):
            row = Row(rel, i, i + 1, None, raw)
            try:
                row.values = json.loads(raw.decode(entity.encoding))
            except (UnicodeDecodeError, json.JSONDecodeError):
                row.problem = "json"
            rows.append(row)
    return rows


def read_table(db: Path, entity: Entity) -> list[Row]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = []
    for r in con.execute(f"SELECT * FROM {entity.name} ORDER BY id"):
        values = dict(r)
        out.append(Row(f"landing/civil_affairs/civil_affairs.sqlite", values["id"], None, values,
                       tuple(v for k, v in values.items() if k not in ("id", "updated_at"))))
    con.close()
    return out


def value_issue(c: Column, value: object) -> str | None:
    """What is wrong with one value, in the manifest's vocabulary (None: canonical)."""
    if value is None or value == "":
        return None if c.nullable else "missing"
    if c.kind in ("int", "float", "lon", "lat"):
        number = float(value)  # type: ignore[arg-type]
        if c.lo is not None and not (c.lo <= number <= c.hi):  # type: ignore[operator]
            return "out_of_range"
        return None
    text = str(value)
    if c.kind == "citizen_id":
        if is_fullwidth(text):
            return "fullwidth_digits"
        if text.endswith("x"):
            return "lowercase_x"
        if not re.fullmatch(r"[0-9]{17}[0-9X]", text):
            return "malformed"
        if ric.calc_check_digit(text) != text[-1]:
            return "invalid_check_digit"
        return None
    if c.kind == "credit_code":
        if is_fullwidth(text):
            return "fullwidth_digits"
        return None if uscc.is_valid(text) else "invalid_check_digit"
    if c.kind == "date":
        if ISO_DATE.match(text):
            return None if real_date(text, "%Y-%m-%d") else "impossible_date"
        return "date_format"
    if c.kind == "datetime":
        return None if ISO_TIME.match(text) and real_date(text, "%Y-%m-%d %H:%M:%S") else "impossible_date"
    if c.kind == "month":
        return None if real_date(text, "%Y-%m") and len(text) == 7 else "impossible_date"
    if c.kind in ("mobile", "landline"):
        if is_fullwidth(text):
            return "fullwidth_digits"
        return None if (MOBILE if c.kind == "mobile" else LANDLINE).match(text) else "phone_format"
    if c.kind == "person_name":
        return "traditional_chars" if set(text) & TRADITIONAL_CHARS else None
    if c.kind == "address":
        return None if CANONICAL_ADDRESS.match(text) else "address_variant"
    if c.kind == "code":
        t = load_code_table(c.table)  # type: ignore[arg-type]
        ok = t.contains(text) if c.form == "code" else bool(t.codes_of(text))
        return None if ok else "unknown_code"
    if c.kind == "division":
        return None if re.fullmatch(r"[0-9]{12}", text) and load_code_table("admin_division").contains(text[:6]) else "unknown_code"
    if c.kind == "enum":
        return None if text in c.values else "unknown_value"
    return None


class Truth:
    """The parts of ground_truth/ the judgement needs."""

    def __init__(self, root: Path) -> None:
        people = pq.read_table(root / "ground_truth" / "people.parquet", columns=["citizen_id", "name"]).to_pydict()
        self.names = dict(zip(people["citizen_id"], people["name"]))
        ents = pq.read_table(root / "ground_truth" / "enterprises.parquet", columns=["credit_code"]).to_pydict()
        self.credit_codes = set(ents["credit_code"])


def canonical(c: Column, value: object) -> str | None:
    """An ID or code as silver reads it (half-width, upper case), or None when it stays invalid."""
    if not value:
        return None
    text = to_halfwidth(str(value)).upper()
    return None if value_issue(c, text) else text


def row_issues(entity: Entity, values: dict, truth: Truth) -> set[tuple[str, str | None]]:
    """Every problem of a parsed row as (defect type, column)."""
    issues: set[tuple[str, str | None]] = set()
    for c in entity.columns:
        if c.name not in values:
            continue
        problem = value_issue(c, values[c.name])
        if problem:
            issues.add((problem, c.name))
    for idc, birth, gender in entity.id_checks:
        cid = canonical(entity.column(idc), values.get(idc))
        if not cid:
            continue
        if birth and values.get(birth) and not value_issue(entity.column(birth), values[birth]):
            if values[birth] != f"{cid[6:10]}-{cid[10:12]}-{cid[12:14]}":
                issues.add(("id_birthdate_mismatch", birth))
        if gender and values.get(gender) and not value_issue(entity.column(gender), values[gender]):
            male = int(cid[16]) % 2 == 1
            said_male = values[gender] in ("1", "男")
            if male != said_male:
                issues.add(("id_gender_mismatch", gender))
    for c in entity.columns:
        value = canonical(c, values.get(c.name)) if c.ref else None
        if not value:
            continue
        known = value in truth.names if c.kind == "citizen_id" else value in truth.credit_codes
        if not known:
            issues.add(("orphan_reference", c.name))
    for name_col, id_col in ID_NAME.items():
        if name_col in values and id_col in values and values[name_col] and values[id_col]:
            cid = canonical(entity.column(id_col), values[id_col])
            if not cid or cid not in truth.names:
                continue
            if values[name_col] != truth.names[cid] and not set(values[name_col]) & TRADITIONAL_CHARS:
                issues.add(("name_mismatch", name_col))
    return issues


def deliveries(root: Path) -> dict[Entity, list[Row]]:
    """Every row of every entity, by reading the landing zone."""
    out: dict[Entity, list[Row]] = {}
    for e in ENTITIES:
        if e.fmt == "sql":
            out[e] = read_table(root / "landing" / "civil_affairs" / "civil_affairs.sqlite", e)
            continue
        rows: list[Row] = []
        for path in sorted((root / "landing" / e.source / e.name).glob(f"day=*/{e.name}-*.{e.extension}")):
            if path.stat().st_size == 0:
                continue
            rows += read_file(root, e, path.relative_to(root).as_posix())
        out[e] = rows
    return out


def group_manifest(manifest: list[dict]) -> dict[tuple[str, str, int], list[dict]]:
    """Manifest rows by (entity, file, row index): the database file holds several tables."""
    by_row: dict[tuple[str, str, int], list[dict]] = defaultdict(list)
    for m in manifest:
        if m["row_index"] is not None:
            by_row[(m["entity"], m["file"], m["row_index"])].append(m)
    return by_row
