"""The custom expectations judge as the data standards do, run natively on Spark over
Spark Connect, and return failing rows by file and line."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.spark

ROWS = [
    # a valid row: male ID born 1990-01-01, valid credit code, phone, date, code (as a name), amount
    ("420102199001010014", "1990-01-01", "男", "914201001234567883", "13812345678", "2023-05-01", "汉族", "12", "a", True,
     "f.csv", 1),
    # wrong check characters, a number that is not one, a blank note, a reference not found;
    # spaced phone, slashed date and a code given as its code are only writings
    ("420102199001010011", "1990-01-01", "1", "914201001234567884", "138 1234 5678", "2023/5/1", "01", "x", " ", False,
     "f.csv", 2),
    # a valid female ID (lower-case x) against a declared birth date and sex that disagree;
    # no credit code, a short phone, 30 February, an unknown ethnicity, a negative amount
    ("42010219900101068x", "1990-01-02", "男", "not a code", "1234", "2023-02-30", "火星族", "-1", None, None, "f.csv", 3),
    (None, None, None, None, None, None, None, None, None, True, "f.csv", 4),
]
COLUMNS = ["citizen_id", "birth_date", "gender", "credit_code", "phone", "day", "ethnicity", "amount", "note", "ok_flag",
           "_source_file", "_line"]


def _failing_lines(result) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(row["_line"] for row in result.result.get("unexpected_index_list") or [])


def test_custom_expectations_agree_with_the_standards(spark, settings) -> None:  # type: ignore[no-untyped-def]
    import great_expectations as gx

    import citylake.quality.expectations as cx
    from citylake.quality.batches import Batch
    from citylake.quality.context import open_context, validate
    from citylake.standards import spark_rules as R

    df = spark.createDataFrame(ROWS, COLUMNS)
    batch = Batch("bronze", "test.rows", df, rows=len(ROWS), index_columns=["_source_file", "_line"])
    checks = {
        "citizen_id": cx.ExpectColumnValuesToBeValidCitizenId(column="citizen_id"),
        "credit_code": cx.ExpectColumnValuesToBeValidCreditCode(column="credit_code"),
        "phone": cx.ExpectColumnValuesToBeValidPhone(column="phone"),
        "date": cx.ExpectColumnValuesToBeValidDate(column="day"),
        "code": cx.ExpectColumnValuesToBeInCodeTable(column="ethnicity", code_table="ethnicity"),
        "amount": cx.ExpectColumnValuesToBeNumberBetween(column="amount", min_value=0, max_value=100),
        "present": cx.ExpectColumnValuesToBePresent(column="note"),
        "birth": cx.ExpectColumnValuesToMatchIdBirthDate(column="birth_date", id_column="citizen_id"),
        "gender": cx.ExpectColumnValuesToMatchIdGender(column="gender", id_column="citizen_id"),
        "reference": cx.ExpectColumnValuesToHaveReference(column="credit_code", flag_column="ok_flag"),
        "accepted": cx.ExpectNormalizedValuesToBeInSet(column="note", value_set=["a"]),
    }
    suite = gx.ExpectationSuite(name="test.rows", expectations=list(checks.values()))
    result = validate(open_context(settings), batch, suite)
    by_type = {r.expectation_config.type: r for r in result.results}

    def lines(name: str) -> list[int]:
        return _failing_lines(by_type[checks[name].expectation_type])

    # the same verdicts as the standards' own Spark rules
    bad_ids = [r["_line"] for r in df.where(R.citizen_id_reason("citizen_id").isNotNull() & df.citizen_id.isNotNull())
               .select("_line").collect()]
    assert lines("citizen_id") == sorted(bad_ids) == [2]
    assert lines("credit_code") == [2, 3]
    assert lines("phone") == [3]
    assert lines("date") == [3]
    assert lines("code") == [3]
    assert lines("amount") == [2, 3]
    assert lines("present") == [2, 3, 4]  # blank and missing alike
    assert lines("birth") == [3] and lines("gender") == [3]  # row 2's ID is invalid: it speaks for nothing
    assert lines("reference") == [2]
    assert lines("accepted") == [2]
    assert by_type[checks["citizen_id"].expectation_type].success is False
    assert by_type[checks["citizen_id"].expectation_type].result["unexpected_list"] == ["420102199001010011"]
