"""Settings: one object, from environment, YAML and defaults, with secrets kept out of output."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from citylake.settings import Settings


def test_environment_sets_nested_fields(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CITYLAKE_HOME", str(tmp_path))
    monkeypatch.setenv("CITYLAKE_SPARK__MASTER", "spark://10.0.0.5:7077")
    monkeypatch.setenv("CITYLAKE_SPARK__SHUFFLE_PARTITIONS", "16")
    monkeypatch.setenv("CITYLAKE_SPARK__CONF", '{"spark.sql.ansi.enabled": "true"}')
    s = Settings()
    assert s.spark.master == "spark://10.0.0.5:7077"
    assert s.spark.shuffle_partitions == 16
    assert s.spark.conf == {"spark.sql.ansi.enabled": "true"}
    assert s.lake == str(tmp_path / "lake")
    assert s.metastore_dir == tmp_path / "metastore"


def test_yaml_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "team.yaml"
    config.write_text("lake_root: s3a://city/lake\nspark:\n  master: spark://a:7077\n  driver_memory: 8g\n")
    monkeypatch.setenv("CITYLAKE_CONFIG", str(config))
    monkeypatch.setenv("CITYLAKE_SPARK__DRIVER_MEMORY", "6g")
    s = Settings()
    assert s.lake == "s3a://city/lake" and not s.lake_is_local
    assert s.spark.master == "spark://a:7077"
    assert s.spark.driver_memory == "6g"


def test_unknown_setting_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("lake_rot: /data\n")
    monkeypatch.setenv("CITYLAKE_CONFIG", str(config))
    with pytest.raises(ValidationError, match="lake_rot"):
        Settings()


def test_secrets_are_masked_in_public_view() -> None:
    s = Settings(s3={"access_key": "AKIAEXAMPLE", "secret_key": "do-not-print"},
                 metastore={"jdbc_password": "hunter2"})
    shown = str(s.public_dict())
    assert "do-not-print" not in shown and "hunter2" not in shown and "AKIAEXAMPLE" not in shown
    assert s.s3.secret_key.get_secret_value() == "do-not-print"


@pytest.mark.parametrize(
    ("remote", "host_port", "local"),
    [
        ("sc://127.0.0.1:15002", ("127.0.0.1", 15002), True),
        ("sc://localhost:16000/;user_id=etl", ("localhost", 16000), True),
        ("sc://spark-connect:15002", ("spark-connect", 15002), False),
        ("", None, False),
    ],
)
def test_remote_url_is_parsed(remote: str, host_port: tuple[str, int] | None, local: bool) -> None:
    s = Settings(spark={"remote": remote})
    assert s.spark.remote_host_port == host_port
    assert s.spark.remote_is_local is local
