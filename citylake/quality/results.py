"""Validation results as rows of ``ops.quality_results``, masked on the way.

One row per expectation and run: which table and rule, its dimension and severity,
whether it held, over how many values, how many failed, the observed value, a masked
sample of failing values, and the failing rows themselves as file, line, batch and
masked value (``failed_rows``; the view ``ops.quality_failed_rows`` lists them), so a
steward finds each one in the delivered file without the lake keeping plaintext. The same masking is applied to the Great
Expectations result before it is stored for Data Docs (``mask_result``): its value and
index lists otherwise carry the IDs, phones and names themselves.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from citylake.contracts import EntityContract
from citylake.quality.masking import column_masker, mask_embedded

MAX_STORED_LIST = 200  # what Data Docs keep of a value or index list, masked


@dataclass
class QualityResult:
    """One expectation's outcome in one run (a row of ops.quality_results)."""

    run_id: str
    checked_at: dt.datetime
    day: dt.date | None
    source: str | None
    entity: str | None
    department: str | None
    layer: str
    table_name: str
    suite: str
    rule: str
    expectation: str
    column_name: str | None
    dimension: str
    severity: str
    gating: bool
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: str | None = None
    unexpected_sample: list[str] = field(default_factory=list)
    details: str | None = None
    dag_id: str | None = None
    dag_run_id: str | None = None
    data_docs_page: str | None = None
    failed_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_critical(self) -> bool:
        return self.gating and not self.success and self.severity == "critical"

    def row(self) -> dict[str, Any]:
        return asdict(self)


Masker = Callable[[Any], str | None]


def maskers(entity: EntityContract | None) -> Callable[[str | None], Masker]:
    """The masker of a column by name (a token column masks as its column's token)."""
    by_name = {c.name: c for c in entity.columns} if entity else {}

    def token(value: Any) -> str | None:
        return None if value is None else str(value)[:8] + "…"

    def of(column: str | None) -> Masker:
        if column in ("_batch_id", "_source_file", "_line"):
            return lambda v: v
        if column in ("_corrupt", "_rescued", "rejected_files_list"):
            return lambda v: None if v is None else "****"
        if column and column.endswith("_token") and column[:-6] in by_name:
            return token
        if column in by_name:
            return column_masker(by_name[column])
        return lambda v: None if v is None else mask_embedded(v if isinstance(v, str) else json.dumps(v, default=str))

    return of


def _mask_item(item: Any, column: str | None, mask_of: Callable[[str | None], Masker]) -> Any:
    """A value of a result list: a plain value, or a dict of column → value (index lists,
    compound keys)."""
    if isinstance(item, dict):
        return {k: _mask_item(v, k, mask_of) for k, v in item.items()}
    if isinstance(item, (list, tuple)) and column not in ("_corrections",):
        return [mask_of(column)(v) for v in item]
    if isinstance(item, (list, tuple)):
        return list(item)
    return mask_of(column)(item)


def mask_result(result: dict[str, Any], column: str | None, mask_of: Callable[[str | None], Masker]) -> dict[str, Any]:
    """A Great Expectations ``result`` dict with every value masked and lists capped."""
    out = dict(result)
    for key in ("partial_unexpected_list", "unexpected_list", "partial_unexpected_index_list", "unexpected_index_list"):
        if isinstance(out.get(key), list):
            out[key] = [_mask_item(v, column, mask_of) for v in out[key][:MAX_STORED_LIST]]
    for key in ("partial_unexpected_counts",):
        if isinstance(out.get(key), list):
            out[key] = [{"value": _mask_item(c.get("value"), column, mask_of), "count": c.get("count")}
                        for c in out[key][:MAX_STORED_LIST]]
    out.pop("unexpected_index_query", None)  # the whole check's Spark expression, unreadable and huge
    details = out.get("details")
    if isinstance(details, dict) and "unexpected_rows" in details:
        out["details"] = {k: v for k, v in details.items() if k != "unexpected_rows"}
    return out


def _observed(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def _columns_of(config: Any) -> tuple[str | None, list[str]]:
    kwargs = config.kwargs
    column = kwargs.get("column")
    return column, list(kwargs.get("column_list") or ([column] if column else []))


def to_results(validation: Any, *, run_id: str, checked_at: dt.datetime, day: dt.date | None, table: str, layer: str,
               gating: bool, entity: EntityContract | None, context: dict[str, Any], sample_size: int,
               max_failed_rows: int) -> list[QualityResult]:
    """Rows for ops from a suite's validation result; masks the result in place too."""
    mask_of = maskers(entity)
    results: list[QualityResult] = []
    for r in validation.results:
        config = r.expectation_config
        meta = config.meta or {}
        column, columns = _columns_of(config)
        raw = dict(r.result or {})
        masked = mask_result(raw, column, mask_of)
        r.result = masked
        error = None
        info = r.exception_info or {}
        if isinstance(info, dict) and info.get("raised_exception"):
            error = str(info.get("exception_message") or "error")[:500]
            r.exception_info = {"raised_exception": True, "exception_message": error, "exception_traceback": None}
        sample: list[str] = []
        for value in masked.get("partial_unexpected_list") or masked.get("unexpected_list") or []:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            if text not in sample:
                sample.append(text)
            if len(sample) >= sample_size:
                break
        unexpected = raw.get("unexpected_count")
        element = raw.get("element_count")
        observed = raw.get("observed_value")
        if unexpected is None and observed is None and r.success is not None and element is None:
            unexpected = 0 if r.success else None
        details = {"kwargs": {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}}
        if error:
            details["error"] = error
        results.append(QualityResult(
            run_id=run_id, checked_at=checked_at, day=day, layer=layer, table_name=table,
            suite=validation.suite_name, rule=str(meta.get("rule") or f"{column or 'table'}.{config.type}"),
            expectation=config.type, column_name=column or (",".join(columns) or None),
            dimension=str(meta.get("dimension") or default_dimension(config.type)),
            severity=str(getattr(config, "severity", None) or "critical").split(".")[-1].lower(),
            gating=gating, success=bool(r.success), element_count=element, unexpected_count=unexpected,
            unexpected_percent=raw.get("unexpected_percent"), observed_value=_observed(observed),
            unexpected_sample=sample, details=json.dumps(details, default=str, ensure_ascii=False)[:4000],
            **context))
        for item in (raw.get("unexpected_index_list") or [])[:max_failed_rows]:
            if not isinstance(item, dict):
                continue
            masked_item = _mask_item(item, column, mask_of)
            value = next((masked_item[c] for c in columns if c in masked_item), None)
            results[-1].failed_rows.append({
                "batch_id": item.get("_batch_id"), "source_file": item.get("_source_file"),
                "line": _as_int(item.get("_line")),
                "masked_value": None if value is None else (value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))})
    return results


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


_TYPE_DIMENSIONS = (
    ("not_be_null", "completeness"), ("row_count", "completeness"), ("unique", "uniqueness"),
    ("between", "accuracy"), ("pair_values", "consistency"), ("reference", "consistency"),
    ("equal_other_table", "consistency"),
)


def default_dimension(expectation_type: str) -> str:
    """The dimension of an expectation that names none (a hand-written one without meta)."""
    for fragment, dimension in _TYPE_DIMENSIONS:
        if fragment in expectation_type:
            return dimension
    return "validity"
