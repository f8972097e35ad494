"""Classification and grade tags in the catalog from the latest sensitive-data scan.

The catalog tags contract tables from their contracts (``citylake.catalog.tables``); a
gold, published, ops or ``secure_*`` table has no contract, so without the scan it would
carry grade 1 on every column. Discovery tags every column it sampled with the stricter
of what is declared and what it found (``ops.sensitive_data_latest``, ``tag_*``), and
``citylake catalog sync`` calls ``apply_scan_tags`` on the payloads it built: each such
column gets the scan's grade, GB/T 43697 classification and PII tags, and each table the
highest of its columns. A tag is only ever raised: a scan that sampled too few values
never lowers what a contract declares.

Only levels cross over — kinds, shares and counts, never a sampled value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pyspark.sql import SparkSession

from citylake.catalog import governance as g
from citylake.catalog import naming as n
from citylake.catalog.payload import Payload, label
from citylake.security.classification import CLASS_ORDER, PERSONAL_ORDER
from citylake.security.discovery import LATEST_VIEW

_GRADE_PREFIX = n.tag_fqn(n.GRADE, "")
_CATEGORY_PREFIX = n.tag_fqn(n.CATEGORY, "")
_PII_PREFIX = "PII."


@dataclass(frozen=True)
class ScanLevel:
    personal: str
    classification: str
    grade: int


def scanned_levels(spark: SparkSession) -> dict[str, dict[str, ScanLevel]]:
    """``schema.table`` → column → the level the latest scan tags it with (empty before any scan)."""
    if not spark.catalog.tableExists(LATEST_VIEW):
        return {}
    rows = spark.sql(f"""SELECT schema_name, table_name, column_name, tag_personal, tag_classification, tag_grade
                         FROM {LATEST_VIEW} WHERE tag_grade IS NOT NULL""").collect()
    out: dict[str, dict[str, ScanLevel]] = {}
    for r in rows:
        out.setdefault(f"{r['schema_name']}.{r['table_name']}", {})[r["column_name"]] = ScanLevel(
            r["tag_personal"] or "none", r["tag_classification"] or "general", int(r["tag_grade"]))
    return out


def _current(tags: Iterable[dict[str, Any]]) -> ScanLevel:
    """The level a list of tag labels states (what the contract gave the column)."""
    personal, classification, grade = "none", "general", 1
    for t in tags:
        fqn = t["tagFQN"]
        if fqn.startswith(_GRADE_PREFIX):
            grade = int(fqn.rsplit("Grade", 1)[1].strip('"'))
        elif fqn.startswith(_CATEGORY_PREFIX):
            name = fqn[len(_CATEGORY_PREFIX):].strip('"')
            classification = next((k for k, v in g.CATEGORIES.items() if v[0] == name), "general")
        elif fqn == g.PII["sensitive_personal"]:
            personal = "sensitive_personal"
        elif fqn == g.PII["personal"] and personal == "none":
            personal = "personal"
    return ScanLevel(personal, classification, grade)


def _stricter(a: ScanLevel, b: ScanLevel) -> ScanLevel:
    return ScanLevel(max(a.personal, b.personal, key=PERSONAL_ORDER.__getitem__),
                     max(a.classification, b.classification, key=CLASS_ORDER.__getitem__), max(a.grade, b.grade))


def _labels(level: ScanLevel) -> list[dict[str, Any]]:
    out = [g.grade_label(level.grade), g.category_label(level.classification)]
    if level.personal in g.PII:
        out.append(label(g.PII[level.personal]))
    return out


def _retag(tags: list[dict[str, Any]], level: ScanLevel) -> list[dict[str, Any]]:
    kept = [t for t in tags if not t["tagFQN"].startswith((_GRADE_PREFIX, _CATEGORY_PREFIX, _PII_PREFIX))]
    return kept + _labels(level)


def apply_scan_tags(payloads: Iterable[Payload], levels: dict[str, dict[str, ScanLevel]]) -> int:
    """Raise the tags of every scanned column of the table payloads to the scan's level, and
    each table's to its highest column; returns how many columns changed."""
    changed = 0
    for p in payloads:
        scanned = levels.get(p.meta.get("short", "")) if p.kind == "table" else None
        if not scanned:
            continue
        table_level = _current(p.request.get("tags") or [])
        for col in p.request.get("columns") or []:
            found = scanned.get(col["name"])
            if found is None:
                continue
            before = _current(col.get("tags") or [])
            level = _stricter(before, found)
            table_level = _stricter(table_level, level)
            if level != before:
                col["tags"] = _retag(col.get("tags") or [], level)
                changed += 1
        p.request["tags"] = [t for t in _retag(p.request.get("tags") or [], table_level)
                             if not t["tagFQN"].startswith(_PII_PREFIX)]  # PII is a column tag
        p.meta["grade"] = table_level.grade
    return changed
