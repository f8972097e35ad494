"""The stewards' quality page as a FastAPI app, which the Airflow plugin mounts.

Kept free of Airflow: the plugin passes the authentication dependency in (Airflow's
``requires_authenticated()``), so the same app runs under any host and every route —
pages, JSON and the Data Docs files — requires a logged-in user. Each request reads the
lake's files again (``report_data``): no state lives in the process, so it answers the
same from every API-server worker.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from citylake.quality import report_data as data
from citylake.quality.config import data_docs_dir
from citylake.quality.context import build_pending_docs, docs_pending
from citylake.quality.report_html import render
from citylake.quality.scores import trend
from citylake.quality.suites import DIMENSIONS
from citylake.quality.svg import bar_chart, line_chart
from citylake.settings import Settings, get_settings


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _root(request: Request) -> str:
    return str(request.scope.get("root_path") or "").rstrip("/")


def create_app(dependencies: Sequence[Any] = (), settings: Callable[[], Settings] = get_settings) -> FastAPI:
    """The app; ``dependencies`` apply to every route (authentication)."""
    app = FastAPI(title="citylake data quality", dependencies=list(dependencies), docs_url=None, redoc_url=None,
                  openapi_url=None)

    def files() -> data.LakeFiles:
        return data.LakeFiles(settings())

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> str:
        report = data.report(files())
        card = report["scorecard"]
        quarantine: Counter[str] = Counter()
        for reasons in report["quarantine"].values():
            quarantine.update(reasons)
        dept_counts = Counter(t.get("department") or "?" for t in card["tables"])
        return render(
            "index", title="Data quality", root=_root(request), card=card, tables=card["tables"],
            dimensions=[d for d in DIMENSIONS if d in card["dimensions"]], dept_counts=dept_counts,
            critical_tables=sum(1 for t in card["tables"] if t.get("failed_critical")),
            trend_department=line_chart(report["trend_by_department"], title="overall score per day"),
            trend_layer=line_chart(report["trend_by_layer"], title="overall score per day"),
            quarantine=report["quarantine"], metrics=report["run_metrics"][:40],
            quarantine_chart=bar_chart(list(quarantine.most_common(15)), title="rows in quarantine, all tables"))

    @app.get("/table/{table}", response_class=HTMLResponse)
    def table_page(request: Request, table: str, run: str | None = None) -> str:
        found = data.table_report(files(), table, run)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no quality results for {table}")
        first = found["results"][0] if found["results"] else {}
        history = {"score": [(day, score) for day, score, _ in found["history"] if score is not None]}
        return render("table", title=f"Data quality · {table}", root=_root(request), t=found,
                      dag_id=first.get("dag_id"), dag_run_id=first.get("dag_run_id"),
                      data_docs_page=first.get("data_docs_page"),
                      history_chart=line_chart(history, title=f"{table}: overall score per run day"))

    @app.get("/api/report")
    def api_report() -> JSONResponse:
        return JSONResponse(_plain(data.report(files())))

    @app.get("/api/trend")
    def api_trend(by: str = "department") -> JSONResponse:
        if by not in ("department", "layer", "table_name"):
            raise HTTPException(status_code=400, detail="by is one of department, layer, table_name")
        return JSONResponse(_plain(trend(data.scores(files()), by)))

    @app.get("/docs/{path:path}")
    def data_docs(path: str) -> FileResponse:
        root = data_docs_dir(settings()).resolve()
        target = (root / (path or "index.html")).resolve()
        if target.is_relative_to(root) and docs_pending(settings()):
            build_pending_docs(settings())  # pages are rendered on first demand, not per run
        if not target.is_relative_to(root) or not target.is_file():
            raise HTTPException(status_code=404, detail="no such Data Docs page (run quality first)")
        media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return FileResponse(target, media_type=media)

    return app


def report_json(settings: Settings) -> str:
    """The report as JSON text (for the CLI)."""
    return json.dumps(_plain(data.report(data.LakeFiles(settings))), ensure_ascii=False, indent=1)
