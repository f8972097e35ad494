"""The SQL endpoint: Spark's Thrift Server (HiveServer2 protocol) for analysts and BI tools.

Superset, DBeaver, beeline and any Hive JDBC/ODBC or PyHive client speak HiveServer2, not
Spark Connect. The server class (``HiveThriftServer2``) ships in the pyspark wheel, like the
Connect server's, so nothing more is downloaded.

Where it runs depends on who owns the table names:

- Embedded Derby (one machine): Derby admits one JVM, and the home's Spark Connect server is
  that JVM. So the endpoint is the same JVM: the server starts with the Thrift Server as its
  main class and Spark Connect as a plugin (``spark.plugins``), and both doors share one
  catalog, one Delta cache and one set of Sedona functions. A table a Connect client writes
  is read through the endpoint at once.
- A metastore service or database (``metastore.uri`` / ``metastore.jdbc_url``, the team
  setting): the endpoint can be a driver of its own beside the Connect server, which is
  how docker-compose.yml runs it (``citylake sql-endpoint start --foreground``).

The endpoint has no authentication (HiveServer2's NONE: any user name, no password), so it
listens on loopback unless the settings say otherwise. Role views (``secure_<role>``,
citylake.security.views) are tables of the same catalog: a BI connection per role points at
its schema (``hive://host:10000/secure_analyst``); views shape what a role reads, they do
not enforce it (docs/security.md).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from citylake.connect_server import ConnectServer, port_open, spark_home
from citylake.errors import ConfigError
from citylake.settings import Settings
from citylake.spark import check_settings, prepare_dirs, spark_conf

THRIFT_SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
#: Starts the Spark Connect service inside any Spark application (here: the Thrift Server's).
CONNECT_PLUGIN = "org.apache.spark.sql.connect.SparkConnectPlugin"


def thrift_server_command(settings: Settings, conf: dict[str, str], jars: list[Path]) -> list[str]:
    """spark-submit of the Thrift Server with ``conf`` (citylake's Spark configuration) and
    the endpoint's own: address, port and class path."""
    conf = dict(conf)
    # Thrift sessions resolve classes through Hive's session class loader, which does not
    # see jars added by spark.jars: Sedona's extension then fails in every session
    # (ScalaReflectionException for JTS Geometry). On the driver's class path they load.
    conf["spark.driver.extraClassPath"] = ":".join(str(jar) for jar in jars)
    ep = settings.sql_endpoint
    cmd = [str(spark_home() / "bin" / "spark-submit"), "--class", THRIFT_SERVER_CLASS]
    for key, value in conf.items():
        cmd += ["--conf", f"{key}={value}"]
    return cmd + [
        "--hiveconf", "hive.server2.transport.mode=binary",
        "--hiveconf", f"hive.server2.thrift.bind.host={ep.host}",
        "--hiveconf", f"hive.server2.thrift.port={ep.port}",
    ]


def connect_server_command(settings: Settings, conf: dict[str, str], jars: list[Path]) -> list[str]:
    """The home's Spark server serving both doors: the Thrift Server as main class, Spark
    Connect as a plugin reading the same ``spark.connect.grpc.*`` settings as its own server."""
    conf = dict(conf)
    plugins = [p for p in conf.get("spark.plugins", "").split(",") if p]
    conf["spark.plugins"] = ",".join([*plugins, CONNECT_PLUGIN])
    return thrift_server_command(settings, conf, jars)


def _alive(pid: int) -> bool:
    """Whether the process runs: a child that exited stays a zombie (and answers signals)
    until reaped, so reap it first."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:  # not our child: the signal test below is enough
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _started_with_endpoint(server: ConnectServer, port: int) -> bool | None:
    """Whether the home's running server was started to serve the endpoint on ``port`` (its
    command line says so); None when that cannot be read (not started by this home, no /proc).
    A port that answers is not proof: another home's endpoint may hold it."""
    pid = server.pid()
    if pid is None:
        return None
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return f"hive.server2.thrift.port={port}".encode() in args


def _owns_catalog_alone(settings: Settings) -> bool:
    """Embedded Derby: the catalog opens in one JVM only."""
    return not (settings.metastore.uri or settings.metastore.jdbc_url)


@dataclass
class SqlEndpoint:
    """The endpoint of one home: started with (and stopped with) the home's Spark server."""

    settings: Settings

    @property
    def host(self) -> str:
        return self.settings.sql_endpoint.host

    @property
    def port(self) -> int:
        return self.settings.sql_endpoint.port

    @property
    def client_host(self) -> str:
        """Where a client on this machine connects: a wildcard bind is reached on loopback."""
        return "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:hive2://{self.client_host}:{self.port}/default"

    @property
    def sqlalchemy_uri(self) -> str:
        """What Superset takes (PyHive's dialect)."""
        return f"hive://{self.client_host}:{self.port}/default"

    def server(self) -> ConnectServer:
        return ConnectServer(self.settings, sql_endpoint=True)

    def is_up(self) -> bool:
        return port_open(self.client_host, self.port)

    def start(self) -> float:
        """Start the home's Spark server with the endpoint, unless it serves it already; returns
        the seconds it took until the endpoint took clients (0 when it was up)."""
        started = time.monotonic()
        server = self.server()
        if server.is_up():
            serving = _started_with_endpoint(server, self.port)
            if serving is False or (serving is None and not self.is_up()):
                raise ConfigError(
                    f"the home's Spark server at {self.settings.spark.remote} runs without the SQL endpoint "
                    "(it was started without it): stop it with `citylake server stop` (its clients' sessions end) "
                    "and run `citylake sql-endpoint start`, or set CITYLAKE_SQL_ENDPOINT__ENABLED=true so that "
                    "every start serves it."
                )
            return 0.0 if self.is_up() else self._wait(server, started)
        if self.is_up():
            raise ConfigError(
                f"port {self.port} is taken by a process that is not this home's Spark server: "
                "stop it, or give this home another CITYLAKE_SQL_ENDPOINT__PORT."
            )
        server.start()
        return self._wait(server, started)

    def _wait(self, server: ConnectServer, started: float) -> float:
        """The Thrift Server listens some seconds after Spark Connect (it opens the catalog first)."""
        pid = server.pid()
        deadline = started + self.settings.spark.startup_timeout_s
        while time.monotonic() < deadline:
            if self.is_up():
                return time.monotonic() - started
            if pid is None or not _alive(pid):
                server.pid_file.unlink(missing_ok=True)
                raise ConfigError(f"the SQL endpoint did not start: {server._log_reason()}; full log: {server.log_file}")
            time.sleep(0.25)
        server.stop()
        raise ConfigError(
            f"the SQL endpoint did not accept clients within {self.settings.spark.startup_timeout_s} s: "
            f"see {server.log_file}, or raise CITYLAKE_SPARK__STARTUP_TIMEOUT_S."
        )

    def stop(self) -> bool:
        """Stop the home's Spark server that serves the endpoint (both doors close); True if
        one was running."""
        return self.server().stop()

    def run_foreground(self) -> None:
        """Replace this process with a Thrift Server of its own (containers, supervisors):
        only where the metastore is a service or a database another JVM can share."""
        if _owns_catalog_alone(self.settings):
            raise ConfigError(
                "a SQL endpoint of its own needs a shared metastore, and this home's is embedded Derby "
                "(one JVM only): set CITYLAKE_METASTORE__URI or CITYLAKE_METASTORE__JDBC_URL, or run "
                "`citylake sql-endpoint start` to serve it from the home's Spark server."
            )
        jars = check_settings(self.settings)
        conf = spark_conf(self.settings, jars)
        conf["spark.app.name"] = "citylake-sql-endpoint"
        conf["spark.citylake.home"] = str(self.settings.home)
        conf["spark.citylake.lake"] = self.settings.lake
        cmd = thrift_server_command(self.settings, conf, jars)
        prepare_dirs(self.settings)
        env = dict(os.environ, SPARK_HOME=str(spark_home()))
        env.pop("SPARK_REMOTE", None)  # this driver runs Spark in-process
        os.chdir(self.settings.home / "tmp")
        os.execvpe(cmd[0], cmd, env)

    def status(self) -> dict[str, object]:
        server = self.server()
        return {
            "jdbc_url": self.jdbc_url,
            "sqlalchemy_uri": self.sqlalchemy_uri,
            "up": self.is_up(),
            "pid": server.pid(),
            "log": str(server.log_file),
        }
