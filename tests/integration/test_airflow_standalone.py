"""`make airflow`: Airflow standalone starts with citylake's folders and the login it prints."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.airflow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None = None) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_airflow_standalone_serves_the_ui_with_the_printed_login(tmp_path: Path, repo_root: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITYLAKE_", "AIRFLOW"))}
    env.update(CITYLAKE_HOME=str(tmp_path / "home"), CITYLAKE_AIRFLOW__PORT=str(port))
    log = open(tmp_path / "airflow.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "citylake.cli", "airflow"], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        health: dict = {}
        while time.monotonic() < deadline:
            try:
                health = _get(f"{base}/api/v2/monitor/health")
                if all(health.get(c, {}).get("status") == "healthy" for c in ("metadatabase", "scheduler", "dag_processor")):
                    break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "airflow.log").read_text()[-3000:]
            time.sleep(2)
        assert health.get("scheduler", {}).get("status") == "healthy", health
        log.seek(0)
        banner = log.readline()
        assert f"http://localhost:{port}" in banner and "login: admin /" in banner
        password = banner.split("login: admin /")[1].split()[0]
        req = urllib.request.Request(f"{base}/auth/token", method="POST",
                                     data=json.dumps({"username": "admin", "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            token = json.loads(resp.read())["access_token"]
        config = _get(f"{base}/api/v2/version", token)
        assert config["version"].startswith("3.")
        mode = (tmp_path / "home" / "airflow" / "passwords.json").stat().st_mode & 0o777
        assert mode == 0o600
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
