"""The typer command: options, progress, and one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from citylake.errors import CitylakeError
from citylake.generate.command import generate
from citylake.generate.config import load_config


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(generate)
    return app


def test_command_writes_a_clean_city(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["--people", "200", "--seed", "3", "--out", str(tmp_path), "--days", "1",
                                         "--defect-rate", "0", "--variation-scale", "0"])
    assert result.exit_code == 0, result.output
    assert "200 people" in result.output
    manifest = pq.read_table(tmp_path / "ground_truth" / "defects.parquet").to_pylist()
    assert {m["defect_type"] for m in manifest} <= {"empty_file", "schema_drift"}


def test_config_file_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "city.yaml"
    good.write_text("people: 500\ndefects: {invalid_check_digit: 0.02}\noverlap: {employed: 0.5}\n", encoding="utf-8")
    cfg = load_config(good, seed=4)
    assert cfg.people == 500 and cfg.seed == 4 and cfg.defects.invalid_check_digit == 0.02
    bad = tmp_path / "bad.yaml"
    bad.write_text("peeple: 5\n", encoding="utf-8")
    with pytest.raises(CitylakeError, match="peeple"):
        load_config(bad)
    with pytest.raises(CitylakeError, match="city"):
        load_config(None, city="110101")
    with pytest.raises(CitylakeError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
