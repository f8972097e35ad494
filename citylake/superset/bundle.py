"""The dashboards folder (Superset's import-bundle layout) read, checked and zipped for import.

One definition serves three readers: Superset (the zip posted to ``/api/v1/assets/import/``),
citylake's own renderer (``render``: the same dataset, metrics, groupings and filters as SQL)
and the integration test (every chart's saved query). What depends on the installation is
filled in here, never written into the YAML: the lake's SQLAlchemy URI and engine options,
and each chart's ``query_context`` (the saved query that Superset's chart-data API, reports
and thumbnails run), derived from the chart's params the way Superset's frontend derives it.

The charts keep to one vocabulary both sides understand: metrics by the name of a metric the
dataset defines, columns by name, filters as SQL ``WHERE`` expressions. ``load_assets`` rejects
anything else with the file to fix.

``SupersetClient`` is the REST client both ``citylake superset`` and docker-compose use.
Standard library and PyYAML only: the compose service ``superset-dashboards`` runs this file as
a script in the Superset image (``python bundle.py DIR --uri hive://… --import-to URL``).
"""

from __future__ import annotations

import argparse
import copy
import http.cookiejar
import io
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid as uuidlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Folders of an import bundle, in the order Superset resolves references.
KINDS = ("databases", "datasets", "charts", "dashboards")
#: Chart types both Superset and ``render`` draw, and the params each reads.
VIZ_TYPES = {"big_number_total", "pie", "echarts_timeseries_bar", "deck_scatter"}
COLUMN_DEFAULTS = {"is_dttm": False, "is_active": True, "groupby": True, "filterable": True, "expression": None}


class BundleError(ValueError):
    """A dashboards file is inconsistent; the message names the file and what to fix."""


class ApiError(RuntimeError):
    """Superset refused a request; the message carries its answer."""


@dataclass
class Assets:
    """Every asset of the dashboards folder by uuid, each with the file it came from."""

    root: Path
    metadata: dict[str, Any]
    databases: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    dashboards: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def dataset_of(self, chart: dict[str, Any]) -> dict[str, Any]:
        return self.datasets[str(chart["dataset_uuid"])]

    def charts_of(self, dashboard: dict[str, Any]) -> list[dict[str, Any]]:
        """The dashboard's charts in layout order."""
        return [self.charts[uuid] for uuid in chart_uuids(dashboard)]

    def name(self, uuid: str) -> str:
        """The file stem of an asset: the name `citylake charts render` writes it under."""
        return Path(self.files[uuid]).stem


@dataclass(frozen=True)
class ChartQuery:
    """What a chart asks of its dataset, in the terms SQL and Superset's query objects share."""

    columns: tuple[str, ...]
    metrics: tuple[str, ...]
    where: tuple[str, ...]
    not_null: tuple[str, ...]
    row_limit: int


def chart_uuids(dashboard: dict[str, Any]) -> list[str]:
    """Chart uuids of a dashboard's position tree, in layout order (rows top to bottom)."""
    position = dashboard.get("position") or {}
    found: list[str] = []

    def walk(node_id: str) -> None:
        node = position.get(node_id)
        if not isinstance(node, dict):
            return
        if node.get("type") == "CHART":
            found.append(str(node["meta"]["uuid"]))
        for child in node.get("children") or []:
            walk(child)

    walk("ROOT_ID")
    return found


def load_assets(root: Path) -> Assets:
    """Read and cross-check every YAML file of the dashboards folder."""
    root = Path(root)
    meta_file = root / "metadata.yaml"
    if not meta_file.is_file():
        raise BundleError(f"{root} is no Superset bundle: metadata.yaml is missing")
    assets = Assets(root, yaml.safe_load(meta_file.read_text(encoding="utf-8")))
    for kind in KINDS:
        for path in sorted((root / kind).rglob("*.yaml")):
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
            rel = str(path.relative_to(root))
            uuid = str(config.get("uuid", ""))
            if not uuid:
                raise BundleError(f"{rel}: no uuid")
            if uuid in assets.files:
                raise BundleError(f"{rel}: uuid {uuid} is also used by {assets.files[uuid]}")
            getattr(assets, kind)[uuid] = config
            assets.files[uuid] = rel
    _check(assets)
    return assets


def _check(assets: Assets) -> None:
    for uuid, dataset in assets.datasets.items():
        if str(dataset.get("database_uuid")) not in assets.databases:
            raise BundleError(f"{assets.files[uuid]}: database_uuid names no file in databases/")
    for uuid, chart in assets.charts.items():
        where = assets.files[uuid]
        if str(chart.get("dataset_uuid")) not in assets.datasets:
            raise BundleError(f"{where}: dataset_uuid names no file in datasets/")
        chart_query(chart, assets.dataset_of(chart), where)
    for uuid, dashboard in assets.dashboards.items():
        missing = [c for c in chart_uuids(dashboard) if c not in assets.charts]
        if missing:
            raise BundleError(f"{assets.files[uuid]}: the position names charts that have no file: {missing}")
        if not chart_uuids(dashboard):
            raise BundleError(f"{assets.files[uuid]}: the dashboard holds no chart")


def chart_query(chart: dict[str, Any], dataset: dict[str, Any], where: str = "chart") -> ChartQuery:
    """The query a chart runs, from its params; rejects what ``render`` could not draw alike."""
    viz, params = chart.get("viz_type"), chart.get("params") or {}
    if viz not in VIZ_TYPES or params.get("viz_type", viz) != viz:
        raise BundleError(f"{where}: viz_type {viz!r} is not one of {sorted(VIZ_TYPES)}")
    columns_known = {c["column_name"] for c in dataset.get("columns") or []}
    metrics_known = {m["metric_name"] for m in dataset.get("metrics") or []}
    if viz == "deck_scatter":
        spatial = params.get("spatial") or {}
        if spatial.get("type") != "latlong":
            raise BundleError(f"{where}: deck_scatter needs spatial: {{type: latlong, lonCol, latCol}}")
        spatial_cols = [spatial["lonCol"], spatial["latCol"]]
        columns = [*spatial_cols, *(params.get("groupby") or [])]
        metrics = [(params.get("point_radius_fixed") or {}).get("value")]
        not_null = spatial_cols
    elif viz == "echarts_timeseries_bar":
        columns = [params.get("x_axis"), *(params.get("groupby") or [])]
        metrics, not_null = list(params.get("metrics") or []), []
    else:
        columns = list(params.get("groupby") or [])
        metrics = list(params.get("metrics") or []) or [params.get("metric")]
        not_null = []
    for col in columns:
        if col not in columns_known:
            raise BundleError(f"{where}: column {col!r} is not a column of dataset {dataset['table_name']}")
    for metric in metrics:
        if not isinstance(metric, str) or metric not in metrics_known:
            raise BundleError(f"{where}: metric {metric!r} is not a metric of dataset {dataset['table_name']} "
                              "(charts name the dataset's metrics, so Superset and `citylake charts render` agree)")
    filters = []
    for f in params.get("adhoc_filters") or []:
        if f.get("expressionType") != "SQL" or f.get("clause") != "WHERE":
            raise BundleError(f"{where}: only SQL WHERE filters are supported, got {f}")
        filters.append(str(f["sqlExpression"]))
    return ChartQuery(tuple(columns), tuple(metrics), tuple(filters), tuple(not_null),
                      int(params.get("row_limit") or 10000))


def query_context(chart: dict[str, Any], dataset: dict[str, Any]) -> dict[str, Any]:
    """The chart's saved query as Superset's frontend saves it (the datasource id is set by
    the import, which maps the dataset's uuid to its id)."""
    q = chart_query(chart, dataset)
    query = {
        "columns": list(q.columns),
        "metrics": list(q.metrics),
        "filters": [{"col": c, "op": "IS NOT NULL"} for c in q.not_null],
        "extras": {"where": " AND ".join(f"({w})" for w in q.where), "having": ""},
        "orderby": [[q.metrics[0], False]],
        "row_limit": q.row_limit,
        "series_limit": 0,
        "order_desc": True,
        "is_timeseries": False,
        "annotation_layers": [],
        "applied_time_extras": {},
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
    }
    return {
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": dict(chart.get("params") or {}),
        "result_format": "json",
        "result_type": "full",
    }


def to_sql(q: ChartQuery, dataset: dict[str, Any]) -> str:
    """The chart's query as plain SQL (what ``render`` runs; Superset writes its own alike)."""
    metrics = {m["metric_name"]: m["expression"] for m in dataset.get("metrics") or []}
    # Calculated columns (an ``expression`` in the dataset) are selected and grouped by it.
    exprs = {c["column_name"]: c.get("expression") or c["column_name"] for c in dataset.get("columns") or []}
    source = (f"({dataset['sql']}) as virtual_table" if dataset.get("sql")
              else f"{dataset['schema']}.{dataset['table_name']}")
    select = [*(c if exprs[c] == c else f"{exprs[c]} as {c}" for c in q.columns),
              *(f"{metrics[m]} as {m}" for m in q.metrics)]
    where = [*q.where, *(f"{exprs[c]} is not null" for c in q.not_null)]
    sql = f"select {', '.join(select)} from {source}"
    if where:
        sql += " where " + " and ".join(f"({w})" for w in where)
    if q.columns:
        sql += " group by " + ", ".join(exprs[c] for c in q.columns)
    return sql + f" order by {q.metrics[0]} desc limit {q.row_limit}"


def build_bundle(assets: Assets, lake_uri: str, engine_params: dict[str, Any] | None = None) -> bytes:
    """The zip Superset imports: every asset, the database pointed at ``lake_uri`` and every
    chart with its saved query."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        def put(rel: str, config: dict[str, Any]) -> None:
            zf.writestr(f"citylake_dashboards/{rel}", yaml.safe_dump(config, sort_keys=False, allow_unicode=True))

        put("metadata.yaml", assets.metadata)
        for uuid, database in assets.databases.items():
            db = copy.deepcopy(database)
            db["sqlalchemy_uri"] = lake_uri
            if engine_params:
                db.setdefault("extra", {})["engine_params"] = engine_params
            put(assets.files[uuid], db)
        for uuid, dataset in assets.datasets.items():
            ds = copy.deepcopy(dataset)
            ds["columns"] = [COLUMN_DEFAULTS | c for c in ds.get("columns") or []]
            put(assets.files[uuid], ds)
        for uuid, chart in assets.charts.items():
            ch = copy.deepcopy(chart)
            ch["query_context"] = json.dumps(query_context(chart, assets.dataset_of(chart)))
            put(assets.files[uuid], ch)
        for uuid, dashboard in assets.dashboards.items():
            put(assets.files[uuid], dashboard)
    return buf.getvalue()


class SupersetClient:
    """Superset's REST API as the admin: a JWT for the API and the session cookie plus CSRF
    token that its state-changing endpoints also ask for."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        token = self._call("POST", "/api/v1/security/login",
                           json.dumps({"username": user, "password": password, "provider": "db",
                                       "refresh": False}).encode(), {"Content-Type": "application/json"})
        self.headers = {"Authorization": f"Bearer {token['access_token']}", "Referer": base}
        self.headers["X-CSRFToken"] = self.get("/api/v1/security/csrf_token/")["result"]

    def _call(self, method: str, path: str, body: bytes | None = None,
              headers: dict[str, str] | None = None, timeout: float = 300) -> Any:
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:600]
            raise ApiError(f"Superset answered {exc.code} to {method} {path}: {detail}") from None

    def get(self, path: str) -> Any:
        return self._call("GET", path, headers=self.headers)

    def post_json(self, path: str, payload: Any) -> Any:
        return self._call("POST", path, json.dumps(payload).encode(),
                          self.headers | {"Content-Type": "application/json"})

    def post_file(self, path: str, field: str, filename: str, content: bytes,
                  form: dict[str, str] | None = None) -> Any:
        boundary = uuidlib.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in (form or {}).items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
                     f"Content-Type: application/zip\r\n\r\n".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self._call("POST", path, body, self.headers | {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def import_bundle(self, bundle: bytes) -> Any:
        """Import a bundle zip; ``/api/v1/assets/import/`` overwrites every asset by uuid
        (the dashboard import overwrites dashboards only, not their charts and datasets)."""
        return self.post_file("/api/v1/assets/import/", "bundle", "citylake_dashboards.zip", bundle)

    def session_cookie(self, user: str, password: str) -> tuple[str, str]:
        """A logged-in browser session (the login form, sent with the CSRF token of this
        client's session): what a headless browser needs to open a dashboard as the admin."""
        form = urllib.parse.urlencode({"username": user, "password": password,
                                       "csrf_token": self.headers["X-CSRFToken"]}).encode()
        req = urllib.request.Request(self.base + "/login/", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": self.base})
        with self.opener.open(req, timeout=60) as resp:
            resp.read()
        for cookie in self.cookies:
            if cookie.name == "session":
                return cookie.name, str(cookie.value)
        raise ApiError("Superset's login form set no session cookie")


def main(argv: list[str] | None = None) -> int:
    """Zip the dashboards folder for a lake URI, and write it or import it into a Superset
    (docker-compose's ``superset-dashboards`` service: the admin's password comes from the
    environment variable named by ``--password-env``, never from the command line)."""
    import time

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the dashboards folder")
    parser.add_argument("--uri", required=True, help="SQLAlchemy URI of the lake's SQL endpoint")
    parser.add_argument("--out", type=Path, help="write the zip here")
    parser.add_argument("--import-to", metavar="URL", help="import the zip into the Superset at this URL")
    parser.add_argument("--user", default="admin", help="Superset user that imports")
    parser.add_argument("--password-env", default="SUPERSET_ADMIN_PASSWORD", help="variable holding its password")
    parser.add_argument("--wait", type=float, default=300, help="seconds to wait for Superset to answer")
    args = parser.parse_args(argv)
    try:
        bundle = build_bundle(load_assets(args.folder), args.uri)
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.out:
        args.out.write_bytes(bundle)
    if args.import_to:
        deadline = time.monotonic() + args.wait
        while True:
            try:
                client = SupersetClient(args.import_to, args.user, os.environ[args.password_env])
                break
            except (OSError, ApiError) as exc:
                if time.monotonic() > deadline:
                    print(f"error: Superset at {args.import_to} did not answer: {exc}", file=sys.stderr)
                    return 1
                time.sleep(5)
        try:
            client.import_bundle(bundle)
        except ApiError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"imported {args.folder} into {args.import_to}")
    return 0


if __name__ == "__main__":  # pragma: no cover - the docker-compose entry
    sys.exit(main())
