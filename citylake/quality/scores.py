"""Scorecards (质检分析报告): one number per table, department and dimension, and its trend.

The score of a rule is its pass rate in percent — ``100 × (1 − unexpected / checked)``
for a row-level rule, 100 or 0 for a table-level one (row count, freshness) — so a
table with a handful of bad rows among thousands scores high but not 100, and a stale
source scores 0 on timeliness. A table's score is the severity-weighted mean of its
rules' scores (critical 3, warning 2, info 1): what stops publishing weighs most. Its
score per dimension is the same mean over the rules of that dimension. A department's
score is the mean of its tables' latest scores.

Pure functions over result rows (dicts), shared by the stage that writes
``ops.quality_scores``, the CLI report and the Airflow page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

WEIGHTS = {"critical": 3.0, "warning": 2.0, "info": 1.0}
OVERALL = "overall"


def rule_score(result: dict[str, Any]) -> float:
    checked, unexpected = result.get("element_count"), result.get("unexpected_count")
    if checked and unexpected is not None:
        return max(0.0, 100.0 * (1.0 - float(unexpected) / float(checked)))
    return 100.0 if result.get("success") else 0.0


def weighted(results: Iterable[dict[str, Any]]) -> float | None:
    total = weight = 0.0
    for r in results:
        w = WEIGHTS.get(str(r.get("severity")), 1.0)
        total += w * rule_score(r)
        weight += w
    return round(total / weight, 2) if weight else None


def table_scores(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scores per run and table, overall and per dimension (the rows of the view
    ``ops.quality_scores``)."""
    by_table: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_table[(r["run_id"], r["table_name"])].append(r)
    rows = []
    for (_, table), rs in sorted(by_table.items()):
        first = rs[0]
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rs:
            groups[OVERALL].append(r)
            groups[str(r["dimension"])].append(r)
        for dimension, members in groups.items():
            rows.append({
                "run_id": first["run_id"], "checked_at": first["checked_at"], "day": first.get("day"),
                "source": first.get("source"), "department": first.get("department"), "table_name": table,
                "layer": first.get("layer"), "dimension": dimension, "score": weighted(members),
                "rules": len(members), "failed": sum(1 for m in members if not m.get("success")),
                "failed_critical": sum(1 for m in members if not m.get("success") and m.get("severity") == "critical"
                                       and m.get("gating", True)),
            })
    return rows


def latest_per_table(scores: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of each table's most recent run."""
    newest: dict[str, Any] = {}
    for s in scores:
        key = s["table_name"]
        if key not in newest or (s["checked_at"], s["run_id"]) > newest[key]:
            newest[key] = (s["checked_at"], s["run_id"])
    return [s for s in scores if (s["checked_at"], s["run_id"]) == newest[s["table_name"]]]


def _mean(values: list[float]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 2) if present else None


def scorecard(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """The latest scorecard: per table (overall and dimensions), per department, per
    dimension, and the city's overall score."""
    latest = latest_per_table(scores)
    tables: dict[str, dict[str, Any]] = {}
    for s in latest:
        t = tables.setdefault(s["table_name"], {"table_name": s["table_name"], "layer": s.get("layer"),
                                                "department": s.get("department"), "source": s.get("source"),
                                                "day": s.get("day"), "checked_at": s["checked_at"], "run_id": s["run_id"],
                                                "dimensions": {}})
        if s["dimension"] == OVERALL:
            t.update(score=s["score"], rules=s["rules"], failed=s["failed"], failed_critical=s["failed_critical"])
        else:
            t["dimensions"][s["dimension"]] = s["score"]
    departments: dict[str, list[float]] = defaultdict(list)
    dimensions: dict[str, list[float]] = defaultdict(list)
    for t in tables.values():
        departments[t.get("department") or "?"].append(t.get("score"))
        for dim, value in t["dimensions"].items():
            dimensions[dim].append(value)
    return {
        "overall": _mean([t.get("score") for t in tables.values()]),
        "tables": sorted(tables.values(), key=lambda t: (t.get("score") or 0, t["table_name"])),
        "departments": {d: _mean(v) for d, v in sorted(departments.items())},
        "dimensions": {d: _mean(v) for d, v in sorted(dimensions.items())},
    }


def trend(scores: list[dict[str, Any]], by: str = "department") -> dict[str, list[tuple[str, float]]]:
    """Overall score per processing day, per department (or ``by="layer"``/``"table_name"``):
    on each day, each table's latest run of that day, averaged."""
    per_day: dict[tuple[str, str], dict[str, tuple[Any, float]]] = defaultdict(dict)
    for s in scores:
        if s["dimension"] != OVERALL or s.get("score") is None or s.get("day") is None:
            continue
        key = (str(s.get(by) or "?"), str(s["day"]))
        seen = per_day[key].get(s["table_name"])
        if seen is None or s["checked_at"] > seen[0]:
            per_day[key][s["table_name"]] = (s["checked_at"], s["score"])
    series: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (group, day), tables in sorted(per_day.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        mean = _mean([score for _, score in tables.values()])
        if mean is not None:
            series[group].append((day, mean))
    return dict(series)
