"""Superset on the gold lake: the dashboards of dashboards/ imported through its API, every
chart's saved query answered with rows from the gold (and ops) tables, a dashboard as a
person sees it (headless Chromium, kept as a test artifact), and the CLI's PNG/HTML renders
of the same charts.

One Superset for the module (its set-up and start cost about a minute), on the gold fixtures
of this folder, querying the DuckDB views over the lake that `citylake superset start` makes.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from citylake.settings import SOURCE_ROOT, Settings
from citylake.superset.bundle import chart_query, chart_uuids, load_assets, to_sql
from citylake.superset.server import DASHBOARDS_DIR, SupersetServer

pytestmark = [pytest.mark.spark, pytest.mark.analytics]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: The dashboard photographed: a big number, bars by district and the stacked age pyramid.
SHOT_SLUG = "citylake-population"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def quality_recorded(dbt_build: dict[str, Any], spark, settings: Settings, city_days: list[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One quality run (the gold fixtures build silver with quality off): rows for the
    data-quality dashboard, from citylake's own quality stage."""
    from citylake.contracts import load_contracts
    from citylake.quality.stage import run_quality, session

    contract = load_contracts(settings.contracts_dir)["emergency"]
    entity = next(e for e in contract.entities if e.name == "shelters")
    return run_quality(session(settings), settings, contract, entity, dt.date.fromisoformat(city_days[0]), gate=False)


@pytest.fixture(scope="module")
def superset(quality_recorded: dict[str, Any], settings: Settings) -> Iterator[dict[str, Any]]:
    """Superset set up, started and loaded with the dashboards; stopped at the end."""
    server = SupersetServer(settings.model_copy(update={"superset": settings.superset.model_copy(
        update={"port": _free_port()})}))
    t0 = time.monotonic()
    views = server.refresh_lake()
    assert views is not None and not views.missing, f"tables the dashboards read are missing: {views.missing}"
    try:
        t1 = time.monotonic()
        server.start()
        t2 = time.monotonic()
        imported = server.import_dashboards()
        print(f"superset: DuckDB views {t1 - t0:.0f} s, set-up and start {t2 - t1:.0f} s, "
              f"import {time.monotonic() - t2:.0f} s")
        yield {"server": server, "client": server.client(), "imported": imported}
    finally:
        server.stop()


def _charts(client: Any) -> list[dict[str, Any]]:
    return client.get("/api/v1/chart/?q=(page_size:100)")["result"]


def test_every_dashboard_is_imported_with_its_charts_and_reimport_changes_nothing(superset: dict[str, Any]) -> None:
    assets = load_assets(DASHBOARDS_DIR)
    client, server = superset["client"], superset["server"]
    by_slug = {d.slug: d for d in superset["imported"]}
    assert set(by_slug) == {d["slug"] for d in assets.dashboards.values()}
    for dashboard in assets.dashboards.values():
        charts = client.get(f"/api/v1/dashboard/{dashboard['slug']}/charts")["result"]
        assert {c["slice_name"] for c in charts} == {assets.charts[u]["slice_name"] for u in chart_uuids(dashboard)}
    before = {kind: client.get(f"/api/v1/{kind}/?q=(page_size:100)")["count"] for kind in ("chart", "dataset", "database")}
    server.import_dashboards()
    after = {kind: client.get(f"/api/v1/{kind}/?q=(page_size:100)")["count"] for kind in ("chart", "dataset", "database")}
    assert before == after == {"chart": len(assets.charts), "dataset": len(assets.datasets), "database": 1}


def test_every_chart_query_returns_rows_from_the_gold_tables(superset: dict[str, Any], spark) -> None:  # type: ignore[no-untyped-def]
    """Each chart's saved query, run by Superset's chart-data API against the lake; the big
    numbers agree with Spark's own sums over the same tables."""
    client = superset["client"]
    charts = _charts(client)
    assert len(charts) == len(load_assets(DASHBOARDS_DIR).charts)
    answers: dict[str, list[dict[str, Any]]] = {}
    for chart in charts:
        result = client.get(f"/api/v1/chart/{chart['id']}/data/")["result"][0]
        assert result["rowcount"] > 0 and result["data"], f"{chart['slice_name']}: no rows"
        assert re.search(r"\b(gold|ops)\.\w+", result["query"]), result["query"]
        answers[chart["slice_name"]] = result["data"]
    expected = {
        "Registered residents": ("residents", "SELECT sum(population) FROM gold.population_stats"),
        "Enterprises in the register": ("enterprise_count", "SELECT sum(enterprises) FROM gold.enterprise_stats"),
    }
    for title, (metric, sql) in expected.items():
        assert answers[title][0][metric] == spark.sql(sql).collect()[0][0], title
    districts = {r["district_name"] for r in answers["Residents by district"]}
    assert districts == {r[0] for r in spark.sql("SELECT DISTINCT district_name FROM gold.population_stats").collect()}
    # The same queries in Spark SQL (what the Thrift Server runs for docker-compose's Superset):
    # the datasets' SQL is portable, and both engines count the same groups.
    assets = load_assets(DASHBOARDS_DIR)
    for chart in assets.charts.values():
        dataset = assets.dataset_of(chart)
        rows = spark.sql(to_sql(chart_query(chart, dataset), dataset)).collect()
        assert len(rows) == len(answers[chart["slice_name"]]), chart["slice_name"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: install Debian's `chromium` package (make setup-system does)", pytrace=False)
    return found


def _pillow(script: str, png: Path) -> int:
    """A number about a PNG, from Pillow in Superset's environment (the main one has none)."""
    python = SOURCE_ROOT / ".venv-superset" / "bin" / "python"
    out = subprocess.run([str(python), "-c", "import sys; from PIL import Image; "
                          "im = Image.open(sys.argv[1]).convert('RGB'); " + script, str(png)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout)


def _distinct_colours(png: Path) -> int:
    return _pillow("print(len(im.getcolors(1 << 24)))", png)


def _pixels_near(png: Path, rgb: tuple[int, int, int], tolerance: int = 16) -> int:
    """Pixels within ``tolerance`` of a colour on every channel."""
    r, g, b = rgb
    return _pillow(f"print(sum(1 for p in im.getdata() if abs(p[0] - {r}) <= {tolerance} and "
                   f"abs(p[1] - {g}) <= {tolerance} and abs(p[2] - {b}) <= {tolerance}))", png)


def _screenshot(url: str, cookie: tuple[str, str], out: Path, profile: Path, charts: int) -> dict[str, Any]:
    """Open a dashboard in headless Chromium as the admin (Chrome DevTools Protocol), wait
    until every chart has drawn (no spinner left, then the bars' animation), save a PNG."""
    from websockets.sync.client import connect

    proc = subprocess.Popen([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1400,1100",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            assert time.monotonic() < deadline and proc.poll() is None, "Chromium did not start"
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            page = next(t for t in json.loads(resp.read()) if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
            ids = iter(range(1, 100000))

            def call(method: str, **params: Any) -> dict[str, Any]:
                n = next(ids)
                ws.send(json.dumps({"id": n, "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=120))
                    if msg.get("id") == n:
                        assert "error" not in msg, msg
                        return msg.get("result", {})

            call("Page.enable")
            # path "/": the dashboard's API calls need the session as much as its page does.
            call("Network.setCookie", name=cookie[0], value=cookie[1], url=url, path="/")
            call("Page.navigate", url=url)
            # A chart has drawn when its slice holds a canvas (ECharts, deck.gl) or a big number.
            probe = """JSON.stringify({
                charts: document.querySelectorAll('[data-test-viz-type]').length,
                loading: document.querySelectorAll('[data-test="loading-indicator"], .loading').length,
                drawn: Array.from(document.querySelectorAll('[data-test-viz-type]')).filter(
                    c => c.querySelector('canvas, .header-line')).length,
                failed: document.querySelectorAll('[data-test="chart-grid-component"] [role="alert"]').length})"""
            state: dict[str, Any] = {}
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                state = json.loads(call("Runtime.evaluate", expression=probe, returnByValue=True)["result"]["value"])
                if state["charts"] == charts and not state["loading"] and state["drawn"] == charts:
                    break
                time.sleep(1)
            time.sleep(3)  # ECharts animates bars in for about a second
            # The window is as tall as the dashboard: capturing beyond the viewport resizes it,
            # and Superset redraws its grid from scratch on a resize.
            shot = call("Page.captureScreenshot", format="png")
        out.write_bytes(base64.b64decode(shot["data"]))
        return state
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_a_dashboard_screenshot_in_headless_chromium(superset: dict[str, Any],
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    server, client = superset["server"], superset["client"]
    assets = load_assets(DASHBOARDS_DIR)
    dashboard = next(d for d in assets.dashboards.values() if d["slug"] == SHOT_SLUG)
    folder = tmp_path_factory.mktemp("superset-dashboard")  # kept: pytest's basetemp is the artifact folder
    out = folder / f"{SHOT_SLUG}.png"
    cookie = client.session_cookie(server.settings.superset.admin_user, server.admin_password())
    state = _screenshot(f"{server.url}/superset/dashboard/{SHOT_SLUG}/?standalone=1", cookie, out,
                        folder / "chromium-profile", len(chart_uuids(dashboard)))
    shutil.rmtree(folder / "chromium-profile", ignore_errors=True)
    print(f"screenshot: {out}")
    assert state["failed"] == 0 and state["drawn"] == len(chart_uuids(dashboard)), state
    data = out.read_bytes()
    assert data[:8] == PNG_MAGIC
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1400 and height > 600, (width, height)
    # Bars are drawn in the first colour of the dashboard's scheme (supersetColors: #1FA8C9); an
    # empty grid or spinners have none of it.
    assert _pixels_near(out, (0x1F, 0xA8, 0xC9)) > 5000, "no bars in the screenshot"


def test_cli_renders_the_same_charts_to_png_and_html(superset: dict[str, Any], spark,  # type: ignore[no-untyped-def]
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    out = tmp_path_factory.mktemp("chart-renders")  # kept as artifacts too
    proc = subprocess.run([sys.executable, "-m", "citylake.cli", "charts", "render", "--out", str(out),
                           "--format", "json"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout.strip().splitlines()[-1])
    assets = load_assets(DASHBOARDS_DIR)
    assert sorted(r["chart"] for r in records) == sorted(c["slice_name"] for c in assets.charts.values())
    for record in records:
        png = Path(record["png"])
        data = png.read_bytes()
        assert data[:8] == PNG_MAGIC, png
        assert record["rows"] > 0 and _distinct_colours(png) > 10, record
    print(f"renders: {out}")
    # The HTML pages carry the data themselves (Vega-Lite specs with the rows inlined).
    population = (out / "population.html").read_text()
    total = spark.sql("SELECT sum(population) FROM gold.population_stats").collect()[0][0]
    assert re.search(rf'"residents":\s*{total}\b', population), "the total of registered residents"
    for (district,) in spark.sql("SELECT DISTINCT district_name FROM gold.population_stats").collect():
        assert json.dumps(district)[1:-1] in population, district
    assert "<script" in population and "cdn.jsdelivr" not in population, "self-contained: no CDN"
