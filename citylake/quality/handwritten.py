"""Hand-written suites: expectations no contract can state, for any table.

A suite is a YAML or JSON file in ``expectations/suites/`` — Great Expectations' own suite
shape (``name``, ``expectations`` of ``type``/``kwargs``/``meta``/``severity``), so a suite
exported from Great Expectations can be dropped in, plus ``table``, the lake table it
checks (or ``meta.table``). Gold tables get theirs this way; a contract-derived table
runs its hand-written expectations together with the generated ones.

``meta.rule`` and ``meta.dimension`` name the rule and its dimension as for generated
expectations; without them the rule is ``<column>.<type>`` and the dimension follows
the expectation type. ``severity`` is critical unless the file says otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from citylake.errors import CitylakeError

SUITES_DIR = "suites"
SEVERITIES = ("critical", "warning", "info")


class SuiteFileError(CitylakeError):
    """A hand-written suite file is not valid; the message names the file and the entry."""


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise SuiteFileError(f"{path}: not readable as {path.suffix[1:].upper()} ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list):
        raise SuiteFileError(f"{path}: a suite is a mapping with `table:` and a list of `expectations:`")
    return data


def suite_files(expectations_dir: Path) -> list[Path]:
    folder = expectations_dir / SUITES_DIR
    return sorted(p for p in folder.glob("*") if p.suffix in (".yml", ".yaml", ".json")) if folder.is_dir() else []


def load_suite(path: Path) -> tuple[str, Any]:
    """(table, ExpectationSuite) of one file."""
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    import citylake.quality.expectations  # noqa: F401 - the custom types may be used here too

    data = _read(path)
    table = data.get("table") or (data.get("meta") or {}).get("table")
    if not isinstance(table, str) or table.count(".") != 1:
        raise SuiteFileError(f"{path}: `table:` must name the lake table it checks, as <schema>.<table>")
    expectations = []
    for i, entry in enumerate(data["expectations"]):
        where = f"{path}: expectations[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise SuiteFileError(f"{where}: each expectation needs a `type:` (e.g. expect_column_values_to_be_between)")
        severity = entry.get("severity", "critical")
        if severity not in SEVERITIES:
            raise SuiteFileError(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        meta = dict(entry.get("meta") or {})
        meta.setdefault("origin", path.name)
        try:
            cls = get_expectation_impl(entry["type"])
            expectations.append(cls(**(entry.get("kwargs") or {}), meta=meta, severity=severity,
                                    description=entry.get("description")))
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SuiteFileError(f"{where}: {entry['type']}: {first}") from None
    name = data.get("name") or f"{table}.handwritten"
    return table, gx.ExpectationSuite(name=name, expectations=expectations,
                                      meta={"table": table, "layer": table.split(".")[0], "origin": path.name})


def handwritten_suites(expectations_dir: Path, table: str | None = None) -> list[tuple[str, Any]]:
    """Every hand-written suite (for ``table`` only, if given), as (table, suite)."""
    out = []
    for path in suite_files(expectations_dir):
        found_table, suite = load_suite(path)
        if table is None or found_table == table:
            out.append((found_table, suite))
    return out
