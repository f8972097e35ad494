"""A Spark standalone cluster on this machine, from the Spark inside the pyspark wheel.

For trying the distributed setting without leaving the machine: a master and N
workers on 127.0.0.1. Pointing ``spark.master`` at it is the only change citylake
needs; the same code then runs on executors instead of in the driver.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from citylake.connect_server import port_open, spark_home
from citylake.errors import CitylakeError
from citylake.settings import Settings


@dataclass
class StandaloneCluster:
    settings: Settings
    port: int = 7077
    webui_port: int = 8090
    workers: int = 1
    worker_cores: int = 1
    worker_memory: str = "2g"
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list, repr=False)

    @property
    def master_url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    @property
    def state_dir(self) -> Path:
        return self.settings.home / "standalone"

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.settings.log_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, SPARK_HOME=str(spark_home()), SPARK_LOCAL_IP="127.0.0.1",
                   SPARK_WORKER_DIR=str(self.state_dir / "work"), SPARK_LOG_DIR=str(self.settings.log_dir))
        with open(self.settings.log_dir / f"standalone-{name}.log", "ab") as log:
            proc = subprocess.Popen([str(spark_home() / "bin" / "spark-class"), *args], stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    cwd=self.state_dir, start_new_session=True)
        self._procs.append(proc)
        (self.state_dir / f"{name}.pid").write_text(str(proc.pid))
        return proc

    def start(self, timeout: float = 90.0) -> None:
        if port_open("127.0.0.1", self.port):
            raise CitylakeError(f"port {self.port} is in use: stop what listens there or pick another master port.")
        self._spawn("master", ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                               "--port", str(self.port), "--webui-port", str(self.webui_port)])
        self._wait(lambda: port_open("127.0.0.1", self.port), timeout, "master")
        for i in range(self.workers):
            self._spawn(f"worker-{i}", ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                                        "--webui-port", "0", "--cores", str(self.worker_cores),
                                        "--memory", self.worker_memory, self.master_url])
        self._wait(lambda: len(self.alive_workers()) >= self.workers, timeout, "workers")

    def _wait(self, ready: object, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():  # type: ignore[operator]
                return
            if any(p.poll() is not None for p in self._procs):
                break
            time.sleep(0.5)
        self.stop()
        raise CitylakeError(f"the standalone {what} did not come up: see {self.settings.log_dir}/standalone-*.log")

    def state(self) -> dict[str, object]:
        """The master's own JSON view: workers, running and completed applications."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui_port}/json/", timeout=5) as resp:
            return json.loads(resp.read())

    def alive_workers(self) -> list[dict[str, object]]:
        try:
            return [w for w in self.state().get("workers", []) if w.get("state") == "ALIVE"]  # type: ignore[union-attr]
        except OSError:
            return []

    def stop(self) -> None:
        pids = [p.pid for p in self._procs]
        for pid_file in self.state_dir.glob("*.pid"):
            try:
                pids.append(int(pid_file.read_text()))
            except ValueError:
                pass
            pid_file.unlink(missing_ok=True)
        for pid in set(pids):
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self._procs.clear()
