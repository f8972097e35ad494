"""Scoring the pipeline against the synthetic city's defect manifest.

For tests and benchmarks only (the pipeline never reads ground truth). Each manifest
row is found in bronze by its file and line (Parquet and SQL: row index; the IoT
stream, which has no line numbers: its file and business key), then its fate is read
from the lake: quarantined (with which rules), accepted into silver (with which
corrections; every version ever accepted, from silver's change data feed), dropped as
a duplicate, or in a rejected file. A defect is *handled* when its fate is the one its
``expected_outcome`` asks for; a defect that should have been quarantined but reached
silver has *slipped*.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from citylake.contracts import EntityContract, load_contracts

#: The rule ids that count as the right reason for each quarantined defect type.
RIGHT_RULES: dict[str, tuple[str, ...]] = {
    "invalid_check_digit": ("citizen_id.check_digit", "credit_code.check_digit"),
    "impossible_date": ("date.impossible_date", "timestamp.invalid", "pattern.mismatch"),
    "unknown_code": ("code.not_in_code_table", "division.not_in_code_table", "values.not_accepted",
                     "pattern.mismatch"),
    "id_birthdate_mismatch": ("id_matches_birth_date",),
    "id_gender_mismatch": ("id_matches_gender",),
    "out_of_range": ("number.out_of_range", "longitude.out_of_range", "latitude.out_of_range",
                     "amount.out_of_range"),
    "malformed_line": ("record.malformed",),
    "truncated_line": ("record.malformed",),
    "wrong_column_count": ("record.malformed",),
}
LINE_LEVEL = ("malformed_line", "truncated_line", "wrong_column_count")


@dataclass
class DefectScore:
    defect_type: str
    expected: str
    total: int = 0
    handled: int = 0
    corrected: int = 0
    quarantined_right: int = 0
    quarantined_other: int = 0
    quarantined_with_row: int = 0  # a variation in a row quarantined for another defect of that row
    deduplicated: int = 0
    rejected: int = 0
    slipped: int = 0
    deferred: int = 0        # resolved by entity resolution (gold), not by silver
    not_found: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class Fate:
    quarantine_rules: list[tuple[str, str | None]] | None = None  # (rule, column) if quarantined
    corrections: set[str] | None = None                            # if accepted into silver
    rejected: bool = False


def _column_names(entity: EntityContract) -> dict[str, str]:
    """Delivered column name → contract column name."""
    out = {}
    for col in entity.columns:
        for name in (col.delivered_as, col.name, *col.aliases):
            out[name] = col.name
    return out


def _fates(spark: Any, source: str, entity: EntityContract) -> tuple[dict[tuple[str, int], Fate], dict[tuple[str, str], list[int]], dict[tuple[str, str], list[Fate]]]:
    """Fate by (file, line); lines by (file, key text); for a stream (no line numbers), the
    fates of each (file name, key) — a corrupt record's key is found in its text."""
    table = f"{source}__{entity.name}"
    fates: dict[tuple[str, int], Fate] = {}
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    stream: dict[tuple[str, str], list[Fate]] = defaultdict(list)
    if not spark.catalog.tableExists(f"bronze.{table}"):
        return fates, by_key, stream
    # the manifest writes a composite key joined with |
    # (concat_ws skips NULLs: a record without its key gives '', made NULL again)
    key_expr = "NULLIF(concat_ws('|', " + ", ".join(f"`{k}`" for k in entity.keys) + "), '')" if entity.keys else "NULL"
    quarantine: dict[tuple[str, Any], list[tuple[str, str | None]]] = {}
    if spark.catalog.tableExists(f"quarantine.{table}"):
        for r in spark.sql(f"SELECT _source_file, _line, {key_expr} AS k, _corrupt, _reasons FROM quarantine.{table}").collect():
            rules = [(x["rule"], x["column"]) for x in r["_reasons"]]
            if r["_line"] is None:
                name = r["_source_file"].rsplit("/", 1)[-1]
                stream[(name, str(r["k"]) if r["k"] is not None else _key_in(r["_corrupt"]))].append(Fate(quarantine_rules=rules))
            else:
                quarantine[(r["_source_file"], r["_line"])] = rules
    accepted: dict[tuple[str, Any], set[str]] = {}
    if spark.catalog.tableExists(f"silver.{table}"):
        rows = spark.sql(f"""SELECT DISTINCT _source_file, _line, {key_expr} AS k, _corrections
                             FROM table_changes('silver.{table}', 0)
                             WHERE _change_type IN ('insert', 'update_postimage')""").collect()
        for r in rows:
            if r["_line"] is None:
                stream[(r["_source_file"].rsplit("/", 1)[-1], str(r["k"]))].append(Fate(corrections=set(r["_corrections"] or [])))
            else:
                accepted.setdefault((r["_source_file"], r["_line"]), set()).update(r["_corrections"] or [])
    if entity.format == "stream":
        return fates, by_key, stream
    for r in spark.sql(f"SELECT _source_file, _line, {key_expr} AS k FROM bronze.{table}").collect():
        ident = (r["_source_file"], r["_line"])
        fates[ident] = Fate(quarantine.get(ident), accepted.get(ident))
        if r["k"] is not None:
            by_key[(r["_source_file"], str(r["k"]))].append(r["_line"])
    return fates, by_key, stream


def _key_in(corrupt: str | None) -> str:
    """The record key inside a line that could not be parsed (IDs look like EV0000000123)."""
    import re

    match = re.search(r'"([A-Z]{2,3}[0-9]{6,})"', corrupt or "")
    return match.group(1) if match else ""


def score_defects(spark: Any, city: Path, contracts_dir: Path | None = None) -> dict[str, DefectScore]:
    """Every manifest defect's fate in the lake, summed by defect type."""
    manifest = pq.read_table(city / "ground_truth" / "defects.parquet").to_pylist()
    defective = {(m["file"], m["line"], m["row_index"]) for m in manifest if m["expected_outcome"] == "quarantined"}
    for m in manifest:
        m["_row_defect"] = (m["file"], m["line"], m["row_index"]) in defective
    contracts = load_contracts(contracts_dir) if contracts_dir else load_contracts()
    rejected = {(r["file"] or "") for r in spark.sql(
        "SELECT file FROM ops.batch_reconciliation WHERE status = 'rejected'").collect()}
    scores: dict[str, DefectScore] = {}
    cache: dict[tuple[str, str], Any] = {}
    for m in manifest:
        score = scores.setdefault(m["defect_type"], DefectScore(m["defect_type"], m["expected_outcome"]))
        score.total += 1
        entity = contracts[m["source"]].entity(m["entity"])
        if (m["source"], m["entity"]) not in cache:
            cache[(m["source"], m["entity"])] = _fates(spark, m["source"], entity)
        fates, by_key, stream = cache[(m["source"], m["entity"])]
        _judge(score, m, entity, fates, by_key, stream, rejected)
    return scores


def _fate_of(m: dict[str, Any], entity: EntityContract, fates: dict[tuple[str, int], Fate],
             stream: dict[tuple[str, str], list[Fate]]) -> list[Fate]:
    if entity.format == "stream":
        return stream.get((m["file"].rsplit("/", 1)[-1], str(m["business_key"])), [])
    rel = m["file"].removeprefix("landing/")
    if entity.format == "jdbc":
        rel = f"{m['source']}/{entity.jdbc.table}?{entity.jdbc.day_column}={m['day']}"  # type: ignore[union-attr]
        line = m["row_index"]
    else:
        line = m["line"] if m["line"] is not None else m["row_index"]
    fate = fates.get((rel, int(line))) if line is not None else None
    return [fate] if fate else []


def _row_file(m: dict[str, Any], entity: EntityContract) -> str:
    if entity.format == "jdbc":
        return f"{m['source']}/{entity.jdbc.table}?{entity.jdbc.day_column}={m['day']}"  # type: ignore[union-attr]
    return m["file"].removeprefix("landing/")


def _judge(score: DefectScore, m: dict[str, Any], entity: EntityContract, fates: dict[tuple[str, int], Fate],
           by_key: dict[tuple[str, str], list[int]], stream: dict[str, list[tuple[str, Fate]]],
           rejected: set[str]) -> None:
    expected = m["expected_outcome"]
    rel = m["file"].removeprefix("landing/")
    if expected == "file_rejected":
        if rel in rejected:
            score.rejected += 1
            score.handled += 1
        else:
            score.examples.append(f"not rejected: {rel}")
        return
    if expected == "resolved":
        score.deferred += 1
        return
    found = _fate_of(m, entity, fates, stream)
    if not found:
        score.not_found += 1
        score.examples.append(f"not in bronze: {rel}:{m['line'] or m['row_index']}")
        return
    column = _column_names(entity).get(m["column"] or "", m["column"])
    if expected == "deduplicated":
        if entity.format == "stream":
            accepted = sum(1 for f in found if f.corrections is not None)
        else:
            lines = by_key.get((_row_file(m, entity), str(m["business_key"])), [])
            accepted = sum(1 for line in lines if fates[(_row_file(m, entity), line)].corrections is not None)
        if accepted <= 1:
            score.deduplicated += 1
            score.handled += 1
        else:
            score.examples.append(f"both copies kept: {rel} key {m['business_key']}")
        return
    fate = found[0] if len(found) == 1 else next((f for f in found if f.quarantine_rules), found[0])
    if expected == "corrected" and (fate.quarantine_rules is not None or fate.corrections is None):
        # a variation in a row that left for another reason: its own defect decides (quarantine),
        # or its twin carried it into silver (duplicate)
        twin = _twin_corrections(m, entity, fates, by_key, column)
        if (fate.quarantine_rules is not None and m.get("_row_defect")) or twin:
            score.handled += 1
            score.corrected += twin
            score.quarantined_with_row += not twin
            return
    if fate.quarantine_rules is not None:
        right = RIGHT_RULES.get(m["defect_type"], ())
        good = any(rule in right and (m["defect_type"] in LINE_LEVEL or not column or col in (None, column)
                                      or rule.startswith("id_matches"))
                   for rule, col in fate.quarantine_rules)
        if good:
            score.quarantined_right += 1
            score.handled += expected == "quarantined"
        else:
            score.quarantined_other += 1
            score.examples.append(f"quarantined for {fate.quarantine_rules} not {m['defect_type']}: {rel}")
        return
    if fate.corrections is not None:
        if expected == "quarantined":
            score.slipped += 1
            score.examples.append(f"slipped into silver: {m['defect_type']} {rel}:{m['line'] or m['row_index']} {column}")
        elif expected == "corrected":
            if column in fate.corrections:
                score.corrected += 1
                score.handled += 1
            else:
                score.examples.append(f"accepted, {column} not corrected: {rel}")
        elif expected == "flagged":
            score.handled += 1  # kept; the referential-integrity checks report it
        return
    score.deduplicated += 1  # dropped as a duplicate of another row
    score.examples.append(f"dropped as duplicate: {m['defect_type']} {rel}")


def _twin_corrections(m: dict[str, Any], entity: EntityContract, fates: dict[tuple[str, int], Fate],
                      by_key: dict[tuple[str, str], list[int]], column: str | None) -> bool:
    """Whether another row of the same file and key reached silver with ``column`` corrected."""
    rel = _row_file(m, entity)
    for line in by_key.get((rel, str(m["business_key"])), []):
        fate = fates[(rel, line)]
        if fate.corrections is not None and column in fate.corrections:
            return True
    return False


def summary(scores: dict[str, DefectScore]) -> dict[str, Any]:
    judged = [s for s in scores.values() if s.expected != "resolved"]
    total = sum(s.total for s in judged)
    handled = sum(s.handled for s in judged)
    return {
        "defects": total, "handled": handled, "share_handled": handled / total if total else 1.0,
        "slipped": sum(s.slipped for s in judged),
        "deferred_to_entity_resolution": sum(s.deferred for s in scores.values()),
        "by_outcome": dict(Counter({s.expected: s.total for s in judged})),
    }
