"""Quality gates: a critical failure stops the publish of a table, a warning does not.

The quality stage calls ``check_gate`` after recording its results: a failed critical
rule of the gated table (silver, or a table with a hand-written suite) raises
``QualityGateError`` naming the table, each rule and the published table that stays as
it was. The publish step (``citylake.layers.publish``) runs only after a gate that held,
so the error is what keeps the published table unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from citylake.errors import CitylakeError


@dataclass(frozen=True)
class FailedRule:
    table: str
    rule: str
    unexpected: int | None
    checked: int | None
    column: str | None = None

    def describe(self) -> str:
        if self.unexpected is not None and self.checked:
            return f"{self.rule} ({self.unexpected} of {self.checked} values)"
        return self.rule


class QualityGateError(CitylakeError):
    """A critical quality rule failed: the table is not published (or its task fails)."""

    def __init__(self, table: str, failed: Sequence[FailedRule], published: str | None = None,
                 published_version: int | None = None) -> None:
        self.table = table
        self.failed = list(failed)
        self.published = published
        rules = ", ".join(f.describe() for f in self.failed)
        if published:
            kept = (f"at silver version {published_version}" if published_version is not None
                    else "unpublished (it never passed)")
            message = (f"quality gate: critical rule(s) failed on {table}: {rules}; {published} was not replaced "
                       f"and stays {kept}. Fix the data or the rule, then run quality again.")
        else:
            message = (f"quality gate: critical rule(s) failed on {table}: {rules}. "
                       "The table must not be published; see the Data quality page for the failing rows.")
        super().__init__(message)


def _get(result: Any, name: str) -> Any:
    return result.get(name) if isinstance(result, dict) else getattr(result, name, None)


def failed_critical(results: Iterable[Any], table: str | None = None) -> list[FailedRule]:
    """Critical results that failed (dicts or ``QualityResult``), of ``table`` if given.
    Only results that gate count (those of the table to publish, not its bronze input)."""
    out = []
    for r in results:
        gating = _get(r, "gating")
        if gating is False or _get(r, "success") or _get(r, "severity") != "critical":
            continue
        if table is not None and _get(r, "table_name") not in (None, table):
            continue
        out.append(FailedRule(_get(r, "table_name") or table or "?", _get(r, "rule"), _get(r, "unexpected_count"),
                              _get(r, "element_count"), _get(r, "column_name")))
    return out


def check_gate(table: str, results: Iterable[Any], published: str | None = None,
               published_version: Callable[[], int | None] | None = None) -> None:
    """Raise ``QualityGateError`` if a critical rule failed on ``table``; the message names
    ``published`` and the version it stays at (looked up only on failure)."""
    failed = failed_critical(results, table)
    if failed:
        raise QualityGateError(table, failed, published, published_version() if published_version else None)
