"""Every defect the generator injected is handled as its manifest expects: corrected,
quarantined with the right reason, dropped as a duplicate, or its file rejected; none
slips into silver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from citylake.generate.evaluate import score_defects, summary

pytestmark = [pytest.mark.spark, pytest.mark.airflow]


def test_defects_are_handled_as_the_manifest_expects(dag_runs: list[dict[str, Any]], city: Path, spark) -> None:  # type: ignore[no-untyped-def]
    scores = score_defects(spark, city)
    overall = summary(scores)
    problems = {t: s.examples[:3] for t, s in scores.items() if s.examples}
    for kind, score in sorted(scores.items()):  # shown when the test fails
        print(kind, score.expected, score.total, score.handled, score.examples[:5])
    assert overall["slipped"] == 0, problems
    assert overall["share_handled"] >= 0.99, (overall, problems)
    for kind in ("invalid_check_digit", "impossible_date", "unknown_code", "out_of_range", "malformed_line",
                 "truncated_line", "wrong_column_count", "id_birthdate_mismatch", "id_gender_mismatch"):
        score = scores[kind]
        assert score.total > 0 and score.quarantined_right == score.total, (kind, score)
    assert scores["exact_duplicate"].deduplicated == scores["exact_duplicate"].total
    for kind in ("lowercase_x", "fullwidth_digits", "phone_format", "date_format", "traditional_chars", "address_variant"):
        score = scores[kind]  # corrected, or quarantined with a row that had a defect of its own
        assert score.corrected + score.quarantined_with_row == score.total, (kind, score.examples[:3])
        assert score.corrected >= 0.9 * score.total, (kind, score)
    assert scores["empty_file"].rejected == scores["empty_file"].total > 0
    assert scores["schema_drift"].rejected == scores["schema_drift"].total > 0
