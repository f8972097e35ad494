"""The same Delta job on a Spark standalone cluster: only settings change."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from citylake.connect_server import ConnectServer
from citylake.selfcheck import run_selfcheck
from citylake.settings import Settings
from citylake.spark import get_spark
from citylake.standalone import StandaloneCluster

pytestmark = [pytest.mark.cluster, pytest.mark.spark]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_delta_job_runs_on_a_standalone_cluster(tmp_path: Path, citylake_env: dict[str, str]) -> None:
    home = tmp_path / "home"
    base = Settings(home=home)
    cluster = StandaloneCluster(base, port=_free_port(), webui_port=_free_port(), workers=1,
                                worker_cores=2, worker_memory="2g")
    cluster.start()
    server = None
    try:
        on_cluster = Settings(home=home, spark={
            "master": cluster.master_url, "remote": f"sc://127.0.0.1:{_free_port()}",
            "driver_memory": "1g", "executor_memory": "1g",
        })
        server = ConnectServer(on_cluster)
        spark = get_spark(on_cluster)
        results = {r.name: r for r in run_selfcheck(spark)}
        assert all(r.ok for r in results.values()), [r.error for r in results.values() if not r.ok]
        assert results["master"].observed["master"] == cluster.master_url
        state = cluster.state()
        apps = state["activeapps"]
        assert [a["name"] for a in apps] == ["citylake-connect"]
        assert apps[0]["cores"] >= 1  # executors on the worker did the work
        assert len(cluster.alive_workers()) == 1
        spark.stop()
    finally:
        if server is not None:
            server.stop()
        cluster.stop()
