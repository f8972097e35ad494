"""Scorecards: rule, table, department and dimension scores, trends, row-count bands."""

from __future__ import annotations

import datetime as dt

import pytest

from citylake.quality.batches import row_count_bounds
from citylake.quality.scores import rule_score, scorecard, table_scores, trend, weighted

T0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.timezone.utc)


def _r(table: str, rule: str, severity: str, success: bool, unexpected: int | None = None, checked: int | None = None,
       dimension: str = "validity", run: str = "r1", day: dt.date = dt.date(2026, 1, 1), department: str = "tax",
       at: dt.datetime = T0, gating: bool = True) -> dict:
    return {"run_id": run, "checked_at": at, "day": day, "source": department, "department": department,
            "table_name": table, "layer": table.split(".")[0], "rule": rule, "severity": severity,
            "success": success, "unexpected_count": unexpected, "element_count": checked, "dimension": dimension,
            "gating": gating}


def test_a_rule_scores_its_pass_rate_or_all_or_nothing() -> None:
    assert rule_score(_r("silver.t", "a", "critical", False, 5, 1000)) == pytest.approx(99.5)
    assert rule_score(_r("silver.t", "a", "warning", True)) == 100.0
    assert rule_score(_r("silver.t", "a", "warning", False)) == 0.0


def test_a_table_score_weighs_critical_rules_most() -> None:
    results = [_r("silver.t", "a", "critical", True, 0, 100), _r("silver.t", "b", "info", False)]
    assert weighted(results) == pytest.approx(75.0)  # (3*100 + 1*0) / 4


def test_scores_per_table_dimension_department_and_trend() -> None:
    day1, day2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
    results = [
        _r("silver.tax__filings", "x.required", "critical", True, 0, 10, "completeness"),
        _r("silver.tax__filings", "x.reference", "warning", False, 5, 10, "consistency"),
        _r("bronze.tax__filings", "x.credit_code", "critical", False, 1, 10, gating=False),
    ]
    rows = table_scores(results)
    silver = {r["dimension"]: r for r in rows if r["table_name"] == "silver.tax__filings"}
    assert set(silver) == {"overall", "completeness", "consistency"}
    assert silver["consistency"]["score"] == 50.0
    assert silver["overall"]["failed"] == 1 and silver["overall"]["failed_critical"] == 0
    bronze = [r for r in rows if r["table_name"] == "bronze.tax__filings" and r["dimension"] == "overall"][0]
    assert bronze["failed_critical"] == 0, "bronze results are reported, never gating"
    later = table_scores([_r("silver.tax__filings", "x.required", "critical", True, 0, 10, "completeness", run="r2", day=day2,
                             at=T0 + dt.timedelta(days=1))])
    card = scorecard(rows + later)
    tables = {t["table_name"]: t for t in card["tables"]}
    assert tables["silver.tax__filings"]["score"] == 100.0 and tables["silver.tax__filings"]["run_id"] == "r2"
    assert card["departments"] == {"tax": pytest.approx((100.0 + 90.0) / 2)}
    assert set(card["dimensions"]) == {"completeness", "validity"}
    series = trend(rows + later, "layer")
    assert series["silver"] == [(str(day1), silver["overall"]["score"]), (str(day2), 100.0)]


def test_row_count_band_needs_history_and_is_never_narrower_than_ten_percent() -> None:
    assert row_count_bounds([100, 110], k=3, min_history=3) is None
    low, high = row_count_bounds([100, 100, 100], k=3, min_history=3)
    assert (low, high) == (90.0, 110.0)
    low, high = row_count_bounds([100, 200, 300], k=2, min_history=3)
    assert low == pytest.approx(200 - 2 * 81.6497, rel=1e-3) and high == pytest.approx(200 + 2 * 81.6497, rel=1e-3)
