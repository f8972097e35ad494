"""Reading the quality record for people: the Airflow page and ``citylake quality report``.

Readers go to the lake's files with the ``deltalake`` package, not through Spark: a
page view or a report must answer in well under a second and must not start (or
depend on) the Spark Connect server. Every request reads the tables again — nothing is
kept in the process — so any number of API-server workers show the same thing.

Tables are found where the lake puts them (``<lake>/<schema>/<table>``), on a local disk
or on S3 with the settings' credentials.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from citylake.quality.ops_tables import QUALITY_RESULTS, RUN_METRICS
from citylake.quality.scores import OVERALL, scorecard, table_scores, trend
from citylake.settings import Settings
from citylake.storage import lake


@dataclass(frozen=True)
class LakeFiles:
    """Delta tables of the lake by name, read with delta-rs."""

    settings: Settings

    def uri(self, table: str) -> str:
        schema, name = table.split(".", 1)
        root = self.settings.lake.rstrip("/")
        return f"{root.replace('s3a://', 's3://', 1)}/{schema}/{name}"

    def storage_options(self) -> dict[str, str] | None:
        if not self.settings.lake.startswith("s3a://"):
            return None
        s3 = self.settings.s3
        options = {"AWS_ACCESS_KEY_ID": s3.access_key.get_secret_value(),
                   "AWS_SECRET_ACCESS_KEY": s3.secret_key.get_secret_value()}
        if s3.endpoint:
            options["AWS_ENDPOINT_URL"] = s3.endpoint
            options["AWS_ALLOW_HTTP"] = str(s3.endpoint.startswith("http://")).lower()
        if s3.path_style:
            options["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = "false"
        return {k: v for k, v in options.items() if v}

    def exists(self, table: str) -> bool:
        from deltalake import DeltaTable

        return bool(DeltaTable.is_deltatable(self.uri(table), storage_options=self.storage_options()))

    def read(self, table: str, columns: list[str] | None = None, where: Any = None) -> pa.Table:
        """The table's rows (only ``columns``, filtered by a pyarrow expression); empty if
        the table does not exist yet."""
        from deltalake import DeltaTable

        if not self.exists(table):
            return pa.table({c: pa.array([], pa.string()) for c in (columns or [])})
        dataset = DeltaTable(self.uri(table), storage_options=self.storage_options()).to_pyarrow_dataset()
        return dataset.to_table(columns=columns, filter=where)

    def tables_in(self, schema: str) -> list[str]:
        """Delta tables under a schema's folder."""
        folder = lake(self.settings).child(schema)
        return sorted(f"{schema}.{d.path.rsplit('/', 1)[-1]}" for d in folder.list_dirs()
                      if d.child("_delta_log").is_dir())


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    return table.to_pylist()


_SCORED = ["run_id", "checked_at", "day", "source", "department", "table_name", "layer", "dimension", "severity",
           "success", "element_count", "unexpected_count", "gating"]


def scores(files: LakeFiles) -> list[dict[str, Any]]:
    """Scores of every run and table (what the view ops.quality_scores shows)."""
    return table_scores(_rows(files.read(QUALITY_RESULTS, columns=_SCORED)))


_SHOWN = [c for c in ("run_id", "checked_at", "day", "source", "entity", "department", "layer", "table_name", "suite",
                       "rule", "expectation", "column_name", "dimension", "severity", "gating", "success",
                       "element_count", "unexpected_count", "unexpected_percent", "observed_value",
                       "unexpected_sample", "dag_id", "dag_run_id", "data_docs_page")]


def latest_results(files: LakeFiles, run_ids: list[str], with_rows: bool = False) -> list[dict[str, Any]]:
    if not run_ids:
        return []
    columns = _SHOWN + (["failed_rows"] if with_rows else [])
    return _rows(files.read(QUALITY_RESULTS, columns=columns, where=pc.field("run_id").isin(run_ids)))


def table_history(files: LakeFiles, table: str) -> list[dict[str, Any]]:
    """Overall score of each run of one table, oldest first."""
    rows = [s for s in scores(files) if s["table_name"] == table and s["dimension"] == OVERALL]
    return sorted(rows, key=lambda s: s["checked_at"])




def quarantine_reasons(files: LakeFiles) -> dict[str, Counter[str]]:
    """Rows in quarantine per table and rule (from ``_reasons``: rule and column, never values)."""
    out: dict[str, Counter[str]] = {}
    for table in files.tables_in("quarantine"):
        counts: Counter[str] = Counter()
        for reasons in files.read(table, columns=["_reasons"]).column("_reasons").to_pylist():
            for reason in reasons or []:
                counts[reason["rule"]] += 1
        if counts:
            out[table] = counts
    return out


def run_metrics(files: LakeFiles, limit: int = 200) -> list[dict[str, Any]]:
    rows = _rows(files.read(RUN_METRICS))
    return sorted(rows, key=lambda r: r.get("finished_at") or dt.datetime.min, reverse=True)[:limit]


def report(files: LakeFiles) -> dict[str, Any]:
    """Everything the page's front view shows: the latest scorecard, trends, the latest
    results of every table, quarantine reasons and recent run metrics."""
    all_scores = scores(files)
    card = scorecard(all_scores)
    run_ids = sorted({t["run_id"] for t in card["tables"]})
    results = latest_results(files, run_ids)
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_table[r["table_name"]].append(r)
    for t in card["tables"]:
        t["failing"] = sorted((r for r in by_table.get(t["table_name"], []) if not r["success"]),
                              key=lambda r: ({"critical": 0, "warning": 1, "info": 2}.get(r["severity"], 3), r["rule"]))
        first = next(iter(by_table.get(t["table_name"], [])), None)
        t["dag_id"] = first.get("dag_id") if first else None
        t["dag_run_id"] = first.get("dag_run_id") if first else None
        t["data_docs_page"] = first.get("data_docs_page") if first else None
    return {
        "scorecard": card,
        "trend_by_department": trend(all_scores, "department"),
        "trend_by_layer": trend(all_scores, "layer"),
        "quarantine": {t: dict(c.most_common()) for t, c in quarantine_reasons(files).items()},
        "run_metrics": run_metrics(files, 100),
    }


def table_report(files: LakeFiles, table: str, run_id: str | None = None) -> dict[str, Any] | None:
    """One table's drill-down: a run's rules (the latest by default), their failing rows
    and the table's history."""
    history = table_history(files, table)
    if not history:
        return None
    run = run_id or history[-1]["run_id"]
    results = sorted(latest_results(files, [run], with_rows=True),
                     key=lambda r: (r["success"], {"critical": 0, "warning": 1, "info": 2}.get(r["severity"], 3), r["rule"]))
    results = [r for r in results if r["table_name"] == table]
    by_rule = {r["rule"]: (r.pop("failed_rows") or [])[:50] for r in results}
    return {"table_name": table, "run_id": run, "results": results, "failed_rows": {k: v for k, v in by_rule.items() if v},
            "history": [(str(h["day"]), h["score"], h["run_id"]) for h in history]}
