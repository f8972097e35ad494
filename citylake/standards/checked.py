"""The outcome of a check, shared by every validator.

A failed check names the *rule* it failed (a short stable word) rather than carrying a
message, so Python and Spark can be compared and quarantine reasons can be counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

#: What each failed rule means, for quarantine reports and the catalog.
REASONS: dict[str, str] = {
    "missing": "the value is empty",
    "format": "the value does not have the shape the standard requires",
    "birthplace": "the first six digits are not a GB/T 2260 administrative-division code",
    "birth_date": "digits 7-14 are not a real birth date between 1900-01-01 and today",
    "check_digit": "the check digit does not match the other characters",
    "impossible_date": "the date has a valid shape but does not exist (e.g. 2023-02-30)",
    "no_area_code": "a landline number without its area code",
    "not_in_code_table": "the value is neither a code nor a known name of the code table",
    "ambiguous": "the name matches more than one code of the code table",
    "out_of_range": "the number is outside the allowed range",
}


@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome of one check: ``value`` when it passes, else ``reason`` (a rule name)."""

    value: Any = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def fail(reason: str) -> Checked:
    """A failed check: no value, and the rule that failed."""
    return Checked(None, reason)


def date_or_none(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when the parts name no real day (30 February)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
