"""The Great Expectations file context: opening it, validating a batch, keeping results.

The context is the project in ``expectations/`` (its folder comes from the quality
settings and is passed explicitly: Great Expectations would otherwise search the working
directory, which under Airflow is anywhere). Its configuration is committed and never
rewritten at run time; stores and Data Docs point under ``<home>/quality`` through the
``citylake_quality_dir`` config variable, so a run writes only there.

Validation is two passes, because Great Expectations runs several Spark jobs per
expectation to fill a result (values, counts, index list) while the pass/fail of a
whole suite needs about one aggregate, and most expectations pass: the suite first as
BOOLEAN_ONLY, then COMPLETE — with ``unexpected_index_column_names`` for row-level
drill-down — only for those that failed. A passing column expectation's figures are
known without asking (every row checked, none failed), so they are filled in.

The context is opened once per process (and home); Data Docs are rendered lazily
(``build_pending_docs``), in one build for every run stored since the last. The session must exist before the context is opened (see NOTES: otherwise Great
Expectations starts a Spark of its own).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citylake.errors import ConfigError
from citylake.quality.config import data_docs_dir, quality_home
from citylake.settings import Settings

if TYPE_CHECKING:
    import great_expectations as gx
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext

    from citylake.quality.batches import Batch

log = logging.getLogger(__name__)

DATASOURCE, ASSET, BATCH_DEFINITION = "citylake_spark", "batches", "whole_dataframe"
SITE = "citylake"
#: Great Expectations keeps one current project per process; validations take turns.
_lock = threading.RLock()


#: One context per project folder and home, per process: opening one reads and checks the
#: whole project (about a second, more under load) and every task step would repeat it.
_contexts: dict[tuple[str, str], AbstractDataContext] = {}


def open_context(settings: Settings) -> AbstractDataContext:
    """The file context of the project folder, with run output under ``<home>/quality``
    (opened once per process and home)."""
    key = (str(settings.quality.expectations_dir), str(quality_home(settings)), str(settings.spark.remote))
    with _lock:
        if key not in _contexts:
            _contexts[key] = _open_context(settings)
        return _contexts[key]


def _open_context(settings: Settings) -> AbstractDataContext:
    import great_expectations as gx

    import citylake.quality.expectations  # noqa: F401 - registers the custom expectations

    root = settings.quality.expectations_dir
    if not (root / "gx" / "great_expectations.yml").is_file():
        raise ConfigError(f"no Great Expectations project at {root}: set CITYLAKE_QUALITY__EXPECTATIONS_DIR to the "
                          "folder holding gx/great_expectations.yml (expectations/ in the checkout).")
    home = quality_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    for noisy in ("great_expectations", "great_expectations.core", "great_expectations.validator"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return gx.get_context(mode="file", project_root_dir=root,
                          runtime_environment={"citylake_quality_dir": str(home)})


def _index_format(batch: Batch) -> dict[str, Any]:
    present = [c for c in batch.index_columns if batch.df is not None and c in batch.df.columns]
    fmt: dict[str, Any] = {"result_format": "COMPLETE"}
    if present:
        fmt["unexpected_index_column_names"] = present
    return fmt


def validate(context: AbstractDataContext, batch: Batch, suite: gx.ExpectationSuite) -> ExpectationSuiteValidationResult:
    """Run ``suite`` on the batch's DataFrame: BOOLEAN_ONLY for all, COMPLETE for the failures."""
    import great_expectations as gx

    with _lock:
        definition = context.data_sources.get(DATASOURCE).get_asset(ASSET).get_batch_definition(BATCH_DEFINITION)
        gx_batch = definition.get_batch(batch_parameters={"dataframe": batch.df})
        first = gx_batch.validate(suite, result_format="BOOLEAN_ONLY")
        failed = [r.expectation_config for r in first.results if not r.success]
        second = None
        if failed:
            again = gx.ExpectationSuite(name=suite.name, expectations=[c.to_domain_obj() for c in failed])
            second = gx_batch.validate(again, result_format=_index_format(batch))
    by_id = {_key(r.expectation_config): r for r in second.results} if second else {}
    first.results = [by_id.get(_key(r.expectation_config)) or _passed_figures(r, batch.rows) for r in first.results]
    return first


def _passed_figures(result: Any, rows: int) -> Any:
    """A passing BOOLEAN_ONLY result with the figures it implies."""
    if result.success and not result.result:
        if result.expectation_config.kwargs.get("column") is not None:
            result.result = {"element_count": rows, "unexpected_count": 0, "unexpected_percent": 0.0}
        elif "row_count" in result.expectation_config.type:
            result.result = {"observed_value": rows}
    return result


def _key(config: Any) -> str:
    import json

    return config.type + json.dumps(config.kwargs, sort_keys=True, default=str)


def keep(context: AbstractDataContext, suite: gx.ExpectationSuite, result: ExpectationSuiteValidationResult,
         run_id: str, run_time: dt.datetime, batch_name: str) -> Any:
    """Store a (masked) result and its suite in the context, for Data Docs; returns the
    result's identifier."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    with _lock:
        try:
            context.suites.add_or_update(suite)
        except Exception as exc:  # a suite page is a nicety; the result is what counts
            log.warning("could not keep suite %s for Data Docs: %s", suite.name, exc)
        suite_id = ExpectationSuiteIdentifier(name=suite.name)
        key = ValidationResultIdentifier(expectation_suite_identifier=suite_id,
                                         run_id=RunIdentifier(run_name=run_id, run_time=run_time),
                                         batch_identifier=batch_name)
        result.meta["run_id"] = key.run_id
        context.validation_results_store.store_validation_results(
            suite_validation_result=result, suite_validation_result_identifier=key,
            expectation_suite_identifier=suite_id)
    return key


def _pending_dir(settings: Settings) -> Path:
    return quality_home(settings) / "data_docs_pending"


def defer_docs(settings: Settings, run_id: str, keys: list[Any]) -> None:
    """Note results whose Data Docs pages are still to be rendered: rendering takes
    seconds per run and nobody reads most pages, so it happens when one is asked for
    (``build_pending_docs``: the report page, ``citylake quality docs``), not per run."""
    if not keys:
        return
    folder = _pending_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{run_id}.json.tmp"
    tmp.write_text(json.dumps([list(k.to_tuple()) for k in keys]))
    tmp.replace(folder / f"{run_id}.json")


def docs_pending(settings: Settings) -> bool:
    folder = _pending_dir(settings)
    return folder.is_dir() and any(folder.glob("*.json"))


def build_pending_docs(settings: Settings) -> str | None:
    """Render the Data Docs of every result stored since the last build (and the index)
    in one build; returns the index path. Each pending note is claimed by a rename, so
    concurrent callers (several page workers) never render the same one twice."""
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    folder = _pending_dir(settings)
    claimed: list[Path] = []
    for note in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        target = note.with_suffix(f".building-{os.getpid()}")
        try:
            note.rename(target)
        except OSError:
            continue  # another builder took it
        claimed.append(target)
    keys = []
    for note in claimed:
        try:
            keys += [ValidationResultIdentifier.from_tuple(tuple(k)) for k in json.loads(note.read_text())]
        except (OSError, ValueError) as exc:
            log.warning("unreadable Data Docs note %s: %s", note, exc)
    index = build_docs(open_context(settings), keys) if keys or not (data_docs_dir(settings) / "index.html").is_file() else None
    for note in claimed:
        note.unlink(missing_ok=True)
    return index or str(data_docs_dir(settings) / "index.html")


def build_docs(context: AbstractDataContext, keys: list[Any]) -> str | None:
    """Rebuild the Data Docs pages of these results (and the index); returns the index path."""
    with _lock:
        try:
            urls = context.build_data_docs(site_names=[SITE], resource_identifiers=keys or None)
        except Exception as exc:  # concurrent builders may race on the index: the pages stay
            log.warning("Data Docs were not rebuilt: %s", exc)
            return None
    url = urls.get(SITE)
    return url.removeprefix("file://") if url else None
