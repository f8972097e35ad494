"""How the SQL endpoint's server is started, checked without starting one: the command lines
and the refusals that save a user a JVM start (tests/integration/test_sql_endpoint.py runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citylake.connect_server import SERVER_CLASS, ConnectServer
from citylake.errors import ConfigError
from citylake.settings import Settings
from citylake.spark import REQUIRED_JARS
from citylake.sql_endpoint import CONNECT_PLUGIN, THRIFT_SERVER_CLASS, SqlEndpoint


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A home with a jars folder holding (empty) files of the names Spark must load."""
    jars = tmp_path / "jars"
    jars.mkdir()
    for prefix in REQUIRED_JARS:
        (jars / f"{prefix}1.0.jar").touch()
    return Settings(home=tmp_path / "home", jars_dir=jars, spark={"remote": "sc://127.0.0.1:25002"},
                    sql_endpoint={"port": 25010})


def _conf(cmd: list[str]) -> dict[str, str]:
    return dict(cmd[i + 1].split("=", 1) for i, arg in enumerate(cmd) if arg == "--conf")


def _hiveconf(cmd: list[str]) -> dict[str, str]:
    return dict(cmd[i + 1].split("=", 1) for i, arg in enumerate(cmd) if arg == "--hiveconf")


def test_the_home_server_serves_both_doors_from_one_jvm(settings: Settings) -> None:
    plain = ConnectServer(settings).command()
    both = ConnectServer(settings, sql_endpoint=True).command()
    assert plain[plain.index("--class") + 1] == SERVER_CLASS
    assert both[both.index("--class") + 1] == THRIFT_SERVER_CLASS
    conf = _conf(both)
    assert conf["spark.plugins"] == CONNECT_PLUGIN
    # Same catalog, lake and Connect port as the plain server: clients cannot tell them apart.
    assert {k: v for k, v in conf.items() if k not in ("spark.plugins", "spark.driver.extraClassPath")} == _conf(plain)
    assert conf["spark.driver.extraClassPath"].split(":") == conf["spark.jars"].split(",")
    assert _hiveconf(both) == {"hive.server2.transport.mode": "binary", "hive.server2.thrift.bind.host": "127.0.0.1",
                               "hive.server2.thrift.port": "25010"}


def test_the_setting_makes_every_start_serve_the_endpoint(settings: Settings) -> None:
    enabled = settings.model_copy(update={"sql_endpoint": settings.sql_endpoint.model_copy(update={"enabled": True})})
    cmd = ConnectServer(enabled).command()
    assert cmd[cmd.index("--class") + 1] == THRIFT_SERVER_CLASS


def test_an_endpoint_of_its_own_needs_a_shared_metastore(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="embedded Derby"):
        SqlEndpoint(settings).run_foreground()


def test_clients_reach_a_wildcard_bind_on_loopback(settings: Settings) -> None:
    ep = SqlEndpoint(settings.model_copy(update={"sql_endpoint": settings.sql_endpoint.model_copy(update={"host": "0.0.0.0"})}))
    assert ep.jdbc_url == "jdbc:hive2://127.0.0.1:25010/default"
    assert ep.sqlalchemy_uri == "hive://127.0.0.1:25010/default"
