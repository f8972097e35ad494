"""Contracts of published tables (no Spark): the repository's load, a wrong one fails with
the file, line and field, a changed schema under the same version is a clear error, the
manifest's reader URIs, the CLI prints the manifest, and the readers open a Delta table
with deltalake and with DuckDB's delta extension from its wheel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from citylake.published.contracts import (
    PublishedContract, PublishedContractError, SchemaChangeError, check_against_manifest, check_schema,
    contracts_dir, load_published_contract, load_published_contracts,
)
from citylake.settings import SOURCE_ROOT

CONTRACT = """\
name: things
version: 1
description: Things.
model: dim_thing
grain: one row per thing
keys: [thing_id]
owner: {team: the thing office}
columns:
  - {name: thing_id, type: string, description: The thing.}
  - {name: made_on, type: date, description: When.}
  - {name: weight, type: "DECIMAL(10, 2)", description: How heavy.}
"""


def _write(tmp_path: Path, text: str, name: str = "things") -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repositorys_contracts_load_and_name_versioned_tables() -> None:
    contracts = load_published_contracts(contracts_dir(SOURCE_ROOT / "metadata"))
    assert {"population_stats", "dim_enterprise"} <= set(contracts)
    for name, contract in contracts.items():
        assert contract.table == f"published.{name}_v{contract.version}"
        assert set(contract.keys) <= {c.name for c in contract.columns}
        assert contract.role == "analyst" and contract.owner.team
    models = {p.stem for p in (SOURCE_ROOT / "dbt_project" / "models" / "marts").rglob("*.sql")}
    assert {c.model for c in contracts.values()} <= models, "every contract names a gold model of the dbt project"


def test_a_valid_contract_normalizes_types(tmp_path: Path) -> None:
    contract = load_published_contract(_write(tmp_path, CONTRACT))
    assert contract.schema == [("thing_id", "string"), ("made_on", "date"), ("weight", "decimal(10,2)")]
    assert contract.table == "published.things_v1" and contract.role == "analyst"
    assert len(contract.fingerprint) == 16


@pytest.mark.parametrize("change, message", [
    (("keys: [thing_id]", "keys: [thing_key]"), "keys thing_key are not columns of the contract"),
    (("type: date", 'type: "map<string,int>"'), "columns.1.type: type 'map<string,int>' is not a Spark SQL type"),
    (("type: date", "type: datetime"), "columns.1.type"),
    (("version: 1", "version: 0"), ":2: version: Input should be greater than or equal to 1"),
    (("name: thing_id", "name: Thing-Id"), "columns.0.name: column name 'Thing-Id' must be snake_case"),
    (("  - {name: made_on", "  - {name: thing_id"), "columns listed twice: thing_id"),
    (("grain: one row per thing\n", "grain: one row per thing\nshape: wide\n"), "shape: Extra inputs are not permitted"),
])
def test_a_wrong_contract_names_the_file_line_and_field(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    path = _write(tmp_path, CONTRACT.replace(*change, 1))
    with pytest.raises(PublishedContractError) as caught:
        load_published_contract(path)
    assert str(caught.value).startswith(f"{path}:") and message in str(caught.value), caught.value


def test_the_name_must_be_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(PublishedContractError, match="name 'things' must match the file name 'stuff'"):
        load_published_contract(_write(tmp_path, CONTRACT, name="stuff"))


def test_a_changed_schema_without_a_version_bump_is_a_clear_error(tmp_path: Path) -> None:
    contract = load_published_contract(_write(tmp_path, CONTRACT))
    published = list(contract.schema)
    check_schema(contract, published)  # what was published: fine
    check_schema(contract, None)  # nothing published yet: fine
    changed = load_published_contract(_write(tmp_path, CONTRACT.replace(
        "type: date", "type: timestamp").replace("How heavy.}", "How heavy.}\n  - {name: colour, type: string, description: Colour.}")))
    with pytest.raises(SchemaChangeError) as caught:
        check_schema(changed, published)
    text = str(caught.value)
    assert "published.things_v1" in text and "added colour string" in text and "made_on: date → timestamp" in text
    assert "set `version: 2`" in text and "published.things_v2" in text
    bumped = PublishedContract.model_validate({**changed.model_dump(), "version": 2})
    check_schema(bumped, None)  # a new version is a new table
    check_schema(bumped, published, published_version=1)  # v1's schema is v1's business
    reordered = PublishedContract.model_validate({**contract.model_dump(), "columns": list(reversed(contract.model_dump()["columns"]))})
    with pytest.raises(SchemaChangeError, match="columns reordered"):
        check_schema(reordered, published)


def test_the_manifest_is_checked_without_spark(tmp_path: Path) -> None:
    contract = load_published_contract(_write(tmp_path, CONTRACT))
    entry = {"name": "published.things_v1", "contract_version": 1,
             "schema": [{"name": n, "type": t} for n, t in contract.schema]}
    check_against_manifest({"things": contract}, [entry])
    entry["schema"] = entry["schema"][:2]
    with pytest.raises(SchemaChangeError, match="in the manifest has columns .*added weight decimal"):
        check_against_manifest({"things": contract}, [entry])


def test_reader_uris() -> None:
    from citylake.published.manifest import reader_uri

    assert reader_uri("file:/data/lake/published/t_v1") == "file:///data/lake/published/t_v1"
    assert reader_uri("file:///data/lake/published/t_v1") == "file:///data/lake/published/t_v1"
    assert reader_uri("/data/lake/published/t_v1") == "file:///data/lake/published/t_v1"
    assert reader_uri("s3a://bucket/lake/published/t_v1") == "s3://bucket/lake/published/t_v1"


def test_the_merge_touches_only_rows_that_differ(tmp_path: Path) -> None:
    from citylake.published.writer import merge_sql

    sql = merge_sql(load_published_contract(_write(tmp_path, CONTRACT)), "published.things_v1", "v")
    assert "ON t.`thing_id` <=> s.`thing_id`" in sql
    assert "WHEN MATCHED AND NOT (t.`made_on` <=> s.`made_on` AND t.`weight` <=> s.`weight`) THEN UPDATE" in sql
    assert "WHEN NOT MATCHED BY SOURCE THEN DELETE" in sql


@pytest.fixture
def delta_table(tmp_path: Path) -> dict[str, object]:
    """A Delta table of two versions, written by deltalake, as a manifest entry of version 0."""
    import datetime as dt

    import pyarrow as pa
    from deltalake import write_deltalake

    path = tmp_path / "lake" / "published" / "things_v1"
    first = pa.table({"thing_id": ["a", "b"], "made_on": [dt.date(2026, 1, 1), None]})
    write_deltalake(str(path), first)
    write_deltalake(str(path), pa.table({"thing_id": ["c"], "made_on": [dt.date(2026, 1, 2)]}), mode="append")
    return {"name": "published.things_v1", "path": f"file://{path}", "version": 0, "contract_version": 1,
            "rows": 2, "published_at": "2026-01-01T00:00:00.000Z", "schema": [{"name": "thing_id", "type": "string"}]}


def test_deltalake_and_duckdb_read_an_entry_at_its_version(delta_table: dict[str, object]) -> None:
    import duckdb

    from citylake.published.readers import delta_extension_path, read_with_deltalake, read_with_duckdb

    assert f"v{duckdb.__version__}" in delta_extension_path().parts
    want = [("a", "2026-01-01"), ("b", None)]
    for read in (read_with_deltalake, read_with_duckdb):
        rows = sorted((r["thing_id"], r["made_on"] and r["made_on"].isoformat()) for r in read(delta_table).to_pylist())
        assert rows == want, read.__name__
        assert read(str(delta_table["path"])).num_rows == 3, "a bare path reads the latest version"


def test_the_cli_prints_the_manifest_as_json(delta_table: dict[str, object], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from citylake.cli import app
    from citylake.settings import reload_settings

    manifest = tmp_path / "lake" / "published" / "_manifest.json"
    manifest.write_text(json.dumps({"manifest_version": 1, "tables": [delta_table]}), encoding="utf-8")
    monkeypatch.setenv("CITYLAKE_HOME", str(tmp_path))
    reload_settings()
    try:
        as_json = CliRunner().invoke(app, ["published", "--format", "json"])
        table = CliRunner().invoke(app, ["published"], env={"COLUMNS": "250"})
    finally:
        monkeypatch.delenv("CITYLAKE_HOME")
        reload_settings()
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == [delta_table]
    assert table.exit_code == 0 and "published.things_v1" in table.output
