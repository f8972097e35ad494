"""The local Spark Connect server: the one JVM that owns the catalog on one machine.

Why a server: the embedded Hive metastore (Derby) admits one JVM at a time, and each
Spark JVM costs about 5 s to start. One long-lived server lets Airflow tasks, dbt and
the CLI work at the same time as thin clients (about 1 s to connect) on one catalog.
It is started on first use (``spark.autostart``) or by ``citylake server start``, and
runs detached until ``citylake server stop``. A file lock keeps two processes that
both find it down from starting two.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from citylake.errors import ConfigError
from citylake.settings import Settings
from citylake.spark import check_settings, prepare_dirs, spark_conf

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark wheel (bin/spark-submit, jars/)."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class ConnectServer:
    settings: Settings
    #: Also serve the SQL endpoint (HiveServer2, citylake.sql_endpoint) from this JVM; None
    #: follows ``settings.sql_endpoint.enabled``.
    sql_endpoint: bool | None = None

    @property
    def serves_sql_endpoint(self) -> bool:
        return self.settings.sql_endpoint.enabled if self.sql_endpoint is None else self.sql_endpoint

    @property
    def host(self) -> str:
        hp = self.settings.spark.remote_host_port
        if hp is None:
            raise ConfigError('spark.remote is "" (in-process Spark): there is no Connect server to manage.')
        return hp[0]

    @property
    def port(self) -> int:
        hp = self.settings.spark.remote_host_port
        assert hp is not None
        return hp[1]

    @property
    def pid_file(self) -> Path:
        return self.settings.run_dir / f"connect-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.settings.log_dir / f"connect-{self.port}.log"

    def is_up(self) -> bool:
        return port_open(self.host, self.port)

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid

    def command(self) -> list[str]:
        jars = check_settings(self.settings)
        conf = spark_conf(self.settings, jars)
        conf["spark.app.name"] = "citylake-connect"
        # The server binds to the host of the remote URL: loopback by default, never every
        # interface unless the settings say so (sc://0.0.0.0:15002 in a container).
        conf["spark.connect.grpc.binding.address"] = self.host if self.host != "localhost" else "127.0.0.1"
        conf["spark.connect.grpc.binding.port"] = str(self.port)
        conf["spark.connect.grpc.port.maxRetries"] = "0"
        # Clients check these, so a client of another home never writes into this lake.
        conf["spark.citylake.home"] = str(self.settings.home)
        conf["spark.citylake.lake"] = self.settings.lake
        if self.serves_sql_endpoint:
            from citylake.sql_endpoint import connect_server_command

            return connect_server_command(self.settings, conf, jars)
        cmd = [str(spark_home() / "bin" / "spark-submit"), "--class", SERVER_CLASS]
        for key, value in conf.items():
            cmd += ["--conf", f"{key}={value}"]
        return cmd

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.settings.run_dir / f"connect-{self.port}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(SPARK_HOME=str(spark_home()), PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
        if self._drives_loopback_master():
            env["SPARK_LOCAL_IP"] = "127.0.0.1"
        env.pop("SPARK_REMOTE", None)
        env.pop("SPARK_CONNECT_MODE_ENABLED", None)
        return env

    def run_foreground(self) -> None:
        """Replace this process with the server (containers, supervisors): no pid file, logs to stdout."""
        cmd = self.command()
        prepare_dirs(self.settings)
        os.chdir(self.settings.home / "tmp")
        os.execvpe(cmd[0], cmd, self.environment())

    def start(self) -> float:
        """Start the server detached unless one answers already; returns the seconds it took."""
        started = time.monotonic()
        with self._lock():
            if self.is_up():
                return 0.0
            cmd = self.command()
            prepare_dirs(self.settings)
            with open(self.log_file, "ab") as log:
                proc = subprocess.Popen(
                    cmd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=self.settings.home / "tmp",
                    env=self.environment(),
                    start_new_session=True,
                )
            self.pid_file.write_text(str(proc.pid))
            deadline = started + self.settings.spark.startup_timeout_s
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    self.pid_file.unlink(missing_ok=True)
                    raise ConfigError(f"Spark Connect server did not start: {self._log_reason()}; full log: {self.log_file}")
                if self.is_up():
                    return time.monotonic() - started
                time.sleep(0.25)
            self.stop()
            raise ConfigError(
                f"Spark Connect server did not accept clients within {self.settings.spark.startup_timeout_s} s: "
                f"see {self.log_file}, or raise CITYLAKE_SPARK__STARTUP_TIMEOUT_S."
            )

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the server this home started; True if one was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            try:  # reap it if it is our child
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.2)
        if self.pid() is not None:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _drives_loopback_master(self) -> bool:
        """Local or on-this-machine clusters bind to loopback, never to a public interface."""
        master = self.settings.spark.master
        return master.startswith("local") or master.startswith(("spark://127.0.0.1", "spark://localhost"))

    def _log_reason(self) -> str:
        """The most telling line of the server log: the first Java error or exception."""
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()[-400:]
        except OSError:
            return "no log was written"
        for line in lines:
            if ("Exception" in line or "Error" in line) and not line.lstrip().startswith("at "):
                return line.strip()[:400]
        return lines[-1].strip()[:400] if lines else "the process exited without a message"

    def status(self) -> dict[str, object]:
        return {
            "remote": self.settings.spark.remote,
            "up": self.is_up(),
            "pid": self.pid(),
            "master": self.settings.spark.master,
            "log": str(self.log_file),
        }
