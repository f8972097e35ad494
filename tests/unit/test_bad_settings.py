"""A wrong setting costs the user one clear line that says what to fix, not a Java trace."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from citylake.errors import ConfigError
from citylake.settings import Settings
from citylake.spark import check_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _citylake(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CITYLAKE_")}
    full_env.update(CITYLAKE_HOME=str(tmp_path / "home"), CITYLAKE_SPARK__REMOTE=f"sc://127.0.0.1:{_free_port()}")
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "citylake.cli", "sql", "SELECT 1"], env=full_env,
                          capture_output=True, text=True, timeout=120)


def _assert_one_clear_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    message = " ".join(lines)
    assert message.startswith("error:"), result.stderr
    for needle in needles:
        assert needle in message, message
    assert "Traceback" not in result.stderr and "\tat " not in result.stderr and "java." not in result.stderr


def test_unknown_master_url(tmp_path: Path) -> None:
    result = _citylake(tmp_path, CITYLAKE_SPARK__MASTER="sparc://nowhere")
    _assert_one_clear_line(result, "sparc://nowhere", "CITYLAKE_SPARK__MASTER")


def test_unwritable_lake_root(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _citylake(tmp_path, CITYLAKE_LAKE_ROOT=str(blocker / "lake"))
    _assert_one_clear_line(result, "not writable", "CITYLAKE_LAKE_ROOT")


def test_missing_jars(tmp_path: Path) -> None:
    empty = tmp_path / "no-jars"
    empty.mkdir()
    result = _citylake(tmp_path, CITYLAKE_JARS_DIR=str(empty))
    _assert_one_clear_line(result, "delta-spark", "make setup")


def test_unsupported_lake_scheme(tmp_path: Path) -> None:
    result = _citylake(tmp_path, CITYLAKE_LAKE_ROOT="ftp://old-server/lake")
    _assert_one_clear_line(result, "unsupported scheme")


def test_spark_that_refuses_to_start_names_the_reason(tmp_path: Path) -> None:
    """Settings that pass the checks but that the JVM rejects: the server log's reason is shown."""
    result = _citylake(tmp_path, CITYLAKE_SPARK__DRIVER_MEMORY="lots")
    _assert_one_clear_line(result, "Spark Connect server did not start")


@pytest.mark.parametrize("master", ["local", "local[*]", "local[4]", "local[2,3]", "spark://h:7077",
                                    "spark://a:7077,b:7077", "k8s://https://k:443", "yarn"])
def test_valid_master_urls_pass(master: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, spark={"master": master})
    assert check_settings(settings)  # the jars of `make setup` are found


def test_check_raises_config_error_for_code_callers(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a Spark master URL"):
        check_settings(Settings(home=tmp_path, spark={"master": "local[x]"}))
