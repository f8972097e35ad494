"""The gate's decision and message (the Delta side is in tests/integration/quality)."""

from __future__ import annotations

import pytest

from citylake.errors import CitylakeError
from citylake.quality.gate import QualityGateError, check_gate, failed_critical


def _r(rule: str, severity: str, success: bool, table: str = "silver.tax__filings", gating: bool = True) -> dict:
    return {"rule": rule, "severity": severity, "success": success, "table_name": table, "gating": gating,
            "unexpected_count": 2, "element_count": 600, "column_name": "filing_id"}


def test_only_failed_critical_rules_of_the_gated_table_count() -> None:
    results = [_r("filing_id.unique", "critical", False), _r("credit_code.reference", "warning", False),
               _r("x.required", "critical", True), _r("credit_code.credit_code", "critical", False, "bronze.tax__filings", False)]
    failed = failed_critical(results, "silver.tax__filings")
    assert [f.rule for f in failed] == ["filing_id.unique"]
    check_gate("silver.tax__filings", results[1:])  # warnings and reported bronze failures pass


def test_the_error_names_the_table_and_each_rule() -> None:
    with pytest.raises(QualityGateError) as caught:
        check_gate("silver.tax__filings", [_r("filing_id.unique", "critical", False)])
    message = str(caught.value)
    assert isinstance(caught.value, CitylakeError)
    assert "silver.tax__filings" in message and "filing_id.unique (2 of 600 values)" in message
    published = QualityGateError("silver.t_candidate", caught.value.failed, "published.t", 3)
    assert "published.t was not replaced" in str(published) and "version 3" in str(published)
