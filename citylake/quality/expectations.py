"""Great Expectations custom expectations that wrap citylake's data standards.

Each expectation is a column map expectation whose metric is a native Spark column
expression from ``citylake.standards.spark_rules`` (``@column_condition_partial(engine=
SparkDFExecutionEngine)``): no Python UDF, so they run at JVM speed and over Spark
Connect, and they give exactly the verdicts silver gives (the same functions decide).
Importing this module registers them with Great Expectations; use them like any other:

    import citylake.quality.expectations as cx
    suite.add_expectation(cx.ExpectColumnValuesToBeValidCitizenId(column="citizen_id"))

Most take delivered text (bronze) as well as standardized values (silver), because the
standards normalize before they judge (full-width digits, a lower-case x, spaces).
Two read another column of the batch: the ID-consistency checks (the ID's birth date
and sex against the declared ones) and the reference check, which reads a flag column
that ``citylake.quality.batches`` joins in from the referenced table (an expectation
sees one batch, and a foreign key needs two tables).
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional, Union

from great_expectations.execution_engine import SparkDFExecutionEngine
from great_expectations.expectations.core.expect_column_values_to_not_be_null import ExpectColumnValuesToNotBeNull
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)
from pyspark.sql import Column
from pyspark.sql import functions as F

from citylake.standards import spark_rules as R

_STREET_CODE = r"^[0-9]{12}$"


def _col(name: str) -> Column:
    return F.col(f"`{name}`")


# --- metrics: native Spark conditions (True = the value is as expected) -----------------------


class ColumnValuesValidCitizenId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_valid_citizen_id"
    condition_value_keys = ("birthplace_flag_column",)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, birthplace_flag_column: str | None = None, **kwargs: Any) -> Column:
        # With a flag column (the birthplace looked up by a join, as silver does), the plan
        # does not carry the ~7,000 GB/T 2260 codes as a literal list.
        known = _col(birthplace_flag_column).isNotNull() if birthplace_flag_column else None
        return R.citizen_id_reason(column, birthplace_ok=known).isNull()


class ColumnValuesValidCreditCode(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_valid_credit_code"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, **kwargs: Any) -> Column:
        return R.credit_code_reason(column).isNull()


class ColumnValuesValidPhone(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_valid_phone"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, **kwargs: Any) -> Column:
        return R.phone_reason(column).isNull()


class ColumnValuesValidDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_valid_date"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, **kwargs: Any) -> Column:
        return R.date_reason(column.cast("string")).isNull()


class ColumnValuesValidTimestamp(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_valid_timestamp"

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, **kwargs: Any) -> Column:
        text = R.normalize_text(column.cast("string"))
        parsed = F.coalesce(F.try_to_timestamp(text, F.lit("yyyy-MM-dd HH:mm:ss")), F.try_to_timestamp(text))
        return parsed.isNotNull()


class ColumnValuesNormalizedInSet(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_normalized_in_set"
    condition_value_keys = ("value_set",)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, value_set: list[str], **kwargs: Any) -> Column:
        return F.coalesce(R.normalize_text(column.cast("string")).isin(list(value_set)), F.lit(False))


class ColumnValuesNormalizedMatchRegex(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_normalized_match_regex"
    condition_value_keys = ("regex",)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, regex: str, **kwargs: Any) -> Column:
        return F.coalesce(R.normalize_text(column.cast("string")).rlike(regex), F.lit(False))


class ColumnValuesInCodeTable(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_in_code_table"
    condition_value_keys = ("code_table", "code_flag_column")

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, code_table: str, code_flag_column: str | None = None, **kwargs: Any) -> Column:
        if code_flag_column:  # the code, looked up by a join on standards.code_lookup
            return _col(code_flag_column).isNotNull()
        text = R.normalize_text(column)
        # A 12-digit township (street) code belongs to its district, its first six digits.
        if code_table == "admin_division":
            text = F.when(text.rlike(_STREET_CODE), F.substring(text, 1, 6)).otherwise(text)
        return R.code_reason(text, code_table).isNull()


class ColumnValuesNumberBetween(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_number_between"
    condition_value_keys = ("min_value", "max_value")

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, min_value: float | None = None, max_value: float | None = None,
               **kwargs: Any) -> Column:
        number = R.normalize_text(column.cast("string")).try_cast("double")
        ok = number.isNotNull()
        if min_value is not None:
            ok = ok & (number >= F.lit(float(min_value)))
        if max_value is not None:
            ok = ok & (number <= F.lit(float(max_value)))
        return F.coalesce(ok, F.lit(False))


class ColumnValuesPresent(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_present"
    filter_column_isnull = False

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, **kwargs: Any) -> Column:
        return R.normalize_text(column.cast("string")).isNotNull()


def _comparable(id_column: str) -> Column:
    """Only an ID that is itself valid can speak for a birth date or a sex."""
    return R.citizen_id_reason(_col(id_column)).isNull()


class ColumnValuesMatchIdBirthDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_match_id_birth_date"
    condition_value_keys = ("id_column",)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, id_column: str, **kwargs: Any) -> Column:
        declared = R.parse_date(column.cast("string"))
        derived = R.id_birth_date(_col(id_column))
        differs = _comparable(id_column) & declared.isNotNull() & (derived != declared)
        return ~F.coalesce(differs, F.lit(False))


class ColumnValuesMatchIdGender(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_match_id_gender"
    condition_value_keys = ("id_column", "code_table")

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, id_column: str, code_table: str = "gender", **kwargs: Any) -> Column:
        declared = R.standardize_code(column.cast("string"), code_table)
        derived = R.id_gender(_col(id_column))
        differs = _comparable(id_column) & declared.isNotNull() & (derived != declared)
        return ~F.coalesce(differs, F.lit(False))


class ColumnValuesHaveReference(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_have_reference"
    condition_value_keys = ("flag_column",)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, flag_column: str, **kwargs: Any) -> Column:
        return F.coalesce(_col(flag_column), F.lit(True))


class ColumnValuesInStandardForm(ColumnMapMetricProvider):
    condition_metric_name = "column_values.citylake_in_standard_form"
    condition_value_keys = ("columns",)

    @column_condition_partial(engine=SparkDFExecutionEngine)
    def _spark(cls, column: Column, columns: list[str] | None = None, **kwargs: Any) -> Column:
        if columns:
            wanted = [F.lit(c) for c in columns]
            corrected = F.exists(column, lambda name: name.isin(*wanted))
        else:
            corrected = F.size(column) > 0
        return ~F.coalesce(corrected, F.lit(False))


# --- expectations ---------------------------------------------------------------------------


class ExpectColumnValuesToBeValidCitizenId(ColumnMapExpectation):
    """Values are citizen identity numbers valid under GB 11643-1999: 18 characters, a
    known birthplace code (GB/T 2260, current or retired), a possible birth date and the
    MOD 11-2 check character. ``birthplace_flag_column`` optionally names a column of the
    batch that is non-NULL where the birthplace code is known (a join is cheaper than the
    literal list of ~7,000 codes)."""

    birthplace_flag_column: Optional[str] = None
    map_metric: ClassVar[str] = "column_values.citylake_valid_citizen_id"
    success_keys: ClassVar[tuple[str, ...]] = ("birthplace_flag_column", "mostly")


class ExpectColumnValuesToBeValidCreditCode(ColumnMapExpectation):
    """Values are unified social credit codes valid under GB 32100-2015 (shape and the
    MOD 31 check character)."""

    map_metric: ClassVar[str] = "column_values.citylake_valid_credit_code"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToBeValidPhone(ColumnMapExpectation):
    """Values are Chinese mobile numbers or landlines with an area code, in any common
    writing (+86, spaces, dashes)."""

    map_metric: ClassVar[str] = "column_values.citylake_valid_phone"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToBeValidDate(ColumnMapExpectation):
    """Values are possible dates in an accepted writing (2023-05-01, 2023/5/1,
    2023年5月1日, 20230501); 2023-02-30 is not."""

    map_metric: ClassVar[str] = "column_values.citylake_valid_date"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToBeValidTimestamp(ColumnMapExpectation):
    """Values are timestamps silver can read (yyyy-MM-dd HH:mm:ss or ISO 8601)."""

    map_metric: ClassVar[str] = "column_values.citylake_valid_timestamp"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectNormalizedValuesToBeInSet(ColumnMapExpectation):
    """Values, after the standards' text normalization (trim, full-width to half-width,
    collapsed spaces), are among ``value_set`` — the contract's accepted values, judged as
    silver judges them."""

    value_set: list[str]
    map_metric: ClassVar[str] = "column_values.citylake_normalized_in_set"
    success_keys: ClassVar[tuple[str, ...]] = ("value_set", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "value_set")


class ExpectNormalizedValuesToMatchRegex(ColumnMapExpectation):
    """Values, after the standards' text normalization, match the contract's pattern."""

    regex: str
    map_metric: ClassVar[str] = "column_values.citylake_normalized_match_regex"
    success_keys: ClassVar[tuple[str, ...]] = ("regex", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "regex")


class ExpectColumnValuesToBeInCodeTable(ColumnMapExpectation):
    """Values are codes of a national-standard code table, or names or aliases of exactly
    one of its codes (metadata/standards/code_tables). ``code_flag_column`` optionally
    names a column of the batch holding the code a join on ``standards.code_lookup`` found
    (NULL when none), which spares the plan the table's literal codes."""

    code_table: str
    code_flag_column: Optional[str] = None
    map_metric: ClassVar[str] = "column_values.citylake_in_code_table"
    success_keys: ClassVar[tuple[str, ...]] = ("code_table", "code_flag_column", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "code_table")


class ExpectColumnValuesToBeNumberBetween(ColumnMapExpectation):
    """Values, read as numbers from their text, lie within [min_value, max_value]; text that
    is no number fails too."""

    min_value: Optional[Union[float, int]] = None
    max_value: Optional[Union[float, int]] = None
    map_metric: ClassVar[str] = "column_values.citylake_number_between"
    success_keys: ClassVar[tuple[str, ...]] = ("min_value", "max_value", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "min_value", "max_value")


class ExpectColumnValuesToBePresent(ExpectColumnValuesToNotBeNull):
    """Values are present: neither NULL nor blank after normalization (a delivered cell of
    spaces is as empty as a missing one). Built on ``ExpectColumnValuesToNotBeNull``,
    whose result counts NULLs among the failures rather than setting them aside."""

    map_metric: ClassVar[str] = "column_values.citylake_present"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ExpectColumnValuesToMatchIdBirthDate(ColumnMapExpectation):
    """The declared birth date equals the one in the row's citizen ID (digits 7-14), where
    both are valid."""

    id_column: str
    map_metric: ClassVar[str] = "column_values.citylake_match_id_birth_date"
    success_keys: ClassVar[tuple[str, ...]] = ("id_column", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "id_column")


class ExpectColumnValuesToMatchIdGender(ColumnMapExpectation):
    """The declared sex (GB/T 2261.1, code or name) equals the one the row's citizen ID
    encodes (its 17th digit), where both are valid."""

    id_column: str
    code_table: str = "gender"
    map_metric: ClassVar[str] = "column_values.citylake_match_id_gender"
    success_keys: ClassVar[tuple[str, ...]] = ("id_column", "code_table", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "id_column")


class ExpectColumnValuesToHaveReference(ColumnMapExpectation):
    """Values exist in the referenced table's key (``reference``: source.entity.column).
    The batch carries ``flag_column``, true where the value was found there."""

    flag_column: str
    reference: str = ""
    map_metric: ClassVar[str] = "column_values.citylake_have_reference"
    success_keys: ClassVar[tuple[str, ...]] = ("flag_column", "mostly")
    args_keys: ClassVar[tuple[str, ...]] = ("column", "reference")


class ExpectColumnValuesToBeDeliveredInStandardForm(ColumnMapExpectation):
    """Rows arrived in standard form: the column (silver's ``_corrections``, the names of
    the columns whose text the standards changed — full-width digits, a lower-case x,
    another date or phone writing, traditional characters, an address variant) names
    none of ``columns`` (any column, if not given). Informational: corrected values are
    fine in silver, and the department can fix its extract."""

    columns: Optional[list[str]] = None
    map_metric: ClassVar[str] = "column_values.citylake_in_standard_form"
    success_keys: ClassVar[tuple[str, ...]] = ("columns", "mostly")


__all__ = [
    "ExpectColumnValuesToBeValidCitizenId", "ExpectColumnValuesToBeValidCreditCode",
    "ExpectColumnValuesToBeValidPhone", "ExpectColumnValuesToBeValidDate", "ExpectColumnValuesToBeValidTimestamp",
    "ExpectNormalizedValuesToBeInSet", "ExpectNormalizedValuesToMatchRegex", "ExpectColumnValuesToBeInCodeTable",
    "ExpectColumnValuesToBeNumberBetween", "ExpectColumnValuesToBePresent", "ExpectColumnValuesToMatchIdBirthDate",
    "ExpectColumnValuesToMatchIdGender", "ExpectColumnValuesToHaveReference",
    "ExpectColumnValuesToBeDeliveredInStandardForm",
]
