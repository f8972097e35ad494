"""The stewards' page for real: Airflow's API server (two workers, simple auth manager)
loads the plugin, refuses anonymous requests, and with a token shows the results the
quality stage recorded in the test lake; headless Chromium takes a screenshot of it,
kept under the test run's basetemp (``…/quality-page0/quality-page.png``)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.airflow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, token: str | None = None, data: dict[str, Any] | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="module")
def api_server(first_day: dict[str, Any], dq, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:  # type: ignore[no-untyped-def]
    """``airflow api-server`` with citylake's plugins, reading the test home's lake."""
    from citylake.airflow_home import admin_password, airflow_env
    from citylake.settings import Settings

    port = _free_port()
    home = tmp_path_factory.mktemp("airflow-api")
    settings = Settings(home=dq.settings.home, airflow={"port": port})
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(airflow_env(settings))
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home}/airflow.db",
               AIRFLOW__LOGGING__BASE_LOG_FOLDER=str(home / "logs"))
    password = admin_password(settings)  # writes the simple auth manager's passwords file first
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    log = open(home / "api-server.log", "w")
    proc = subprocess.Popen([airflow, "api-server", "--port", str(port), "--workers", "2"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if _request(f"{base}/api/v2/monitor/health")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (home / "api-server.log").read_text()[-3000:]
            time.sleep(1)
        status, body = _request(f"{base}/auth/token", data={"username": settings.airflow.admin_user,
                                                             "password": password})
        assert status in (200, 201), body
        yield {"base": base, "token": json.loads(body)["access_token"], "log": str(home / "api-server.log")}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_the_page_needs_a_login_and_shows_the_recorded_results(api_server: dict[str, str], first_day: dict[str, Any],  # type: ignore[no-untyped-def]
                                                              dq) -> None:
    base, token = api_server["base"], api_server["token"]
    assert _request(f"{base}/dq/")[0] in (401, 403), "the page shows masked samples: anonymous users are refused"
    plugins = json.loads(_request(f"{base}/api/v2/plugins", token)[1])
    views = [v for p in plugins["plugins"] if p["name"] == "citylake_quality" for v in p["external_views"]]
    assert views and views[0]["url_route"] == "data-quality" and views[0]["destination"] == "nav"
    # Two workers answer in turn: every one reads the lake, none keeps state.
    pages = [_request(f"{base}/dq/", token) for _ in range(4)]
    assert all(status == 200 for status, _ in pages)
    html = pages[-1][1]
    assert f"silver.{dq.table}" in html and f"bronze.{dq.table}" in html
    assert "holder_id.citizen_id" in html and "110101********1234" in html, "the failing rule with its masked value"
    assert "110101199001011234" not in html, "no plaintext ID on the page"
    assert "Run metrics" in html and "quality" in html
    status, table = _request(f"{base}/dq/table/bronze.{dq.table}", token)
    assert status == 200 and f"{dq.source}/{dq.entity}/day={dq.day.isoformat()}" in table, "failing rows by file and line"
    report = json.loads(_request(f"{base}/dq/api/report", token)[1])
    card = {t["table_name"]: t for t in report["scorecard"]["tables"]}
    assert card[f"silver.{dq.table}"]["run_id"] == first_day["quality"]["run_id"] or card[f"silver.{dq.table}"]["failed_critical"]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is missing: install Debian's `chromium` package (make setup-system does) to take the "
                    "quality page's screenshot", pytrace=False)
    return found


def _screenshot(url: str, cookie: tuple[str, str], out: Path, profile: Path) -> None:
    """Open ``url`` in headless Chromium with a login cookie (Chrome DevTools Protocol) and
    save a full-page PNG: the browser renders what the API server serves, SVG charts included."""
    from websockets.sync.client import connect

    proc = subprocess.Popen([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1400,1000",
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
            ids = iter(range(1, 1000))

            def call(method: str, **params: Any) -> dict[str, Any]:
                n = next(ids)
                ws.send(json.dumps({"id": n, "method": method, "params": params}))
                while True:
                    msg = json.loads(ws.recv(timeout=60))
                    if msg.get("id") == n:
                        assert "error" not in msg, msg
                        return msg.get("result", {})

            call("Page.enable")
            call("Network.setCookie", name=cookie[0], value=cookie[1], url=url)
            call("Page.navigate", url=url)
            while json.loads(ws.recv(timeout=60)).get("method") != "Page.loadEventFired":
                pass
            size = call("Page.getLayoutMetrics")["cssContentSize"]
            shot = call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1400, "height": min(size["height"], 6000), "scale": 1})
        out.write_bytes(base64.b64decode(shot["data"]))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_a_screenshot_of_the_page_in_headless_chromium(api_server: dict[str, str], tmp_path_factory: pytest.TempPathFactory,  # type: ignore[no-untyped-def]
                                                       dq) -> None:
    folder = tmp_path_factory.mktemp("quality-page")  # kept: pytest's basetemp is the artifact folder
    out = folder / "quality-page.png"
    _screenshot(f"{api_server['base']}/dq/", ("_token", api_server["token"]), out, folder / "chromium-profile")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1400 and height > 600, (width, height)
    assert len(data) > 30_000, "a blank page compresses to a few kB; the scorecard does not"
    shutil.rmtree(folder / "chromium-profile", ignore_errors=True)
    print(f"screenshot: {out}")
