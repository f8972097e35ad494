"""The terminal side: search, show, lineage (tree, SVG, HTML), and the embedded store."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from citylake.catalog.commands import catalog_app
from citylake.catalog.config import catalog_db
from citylake.catalog.store import Store
from citylake.settings import Settings


@pytest.fixture
def cli(synced: Settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The catalog commands against the synced test home (via the environment, as a user runs them)."""
    from citylake.settings import reload_settings

    monkeypatch.setenv("CITYLAKE_HOME", str(synced.home))
    reload_settings()
    app = typer.Typer()
    app.add_typer(catalog_app, name="catalog")
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["catalog", *args], env={"COLUMNS": "200"})
    monkeypatch.undo()
    reload_settings()


def test_search_finds_columns_by_their_data_standard(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("search", "公民身份号码", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "silver.public_security__persons,citizen_id" in result.output
    assert "landing.public_security.persons,公民身份号码" in result.output
    assert "glossaryTerm,DataStandards.citizen_id" in result.output


def test_show_prints_owner_domain_grade_and_columns(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("show", "silver.public_security__persons")
    assert result.exit_code == 0, result.output
    for text in ("公安局户政管理部门", "population", "Grade4", "公民身份号码 (citizen_id)", "bronze.public_security__persons"):
        assert text in result.output


def test_lineage_prints_a_tree_and_draws_svg_and_html(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svg, page = tmp_path / "lineage.svg", tmp_path / "lineage.html"
    result = cli("lineage", "silver.public_security__persons", "--column", "citizen_id", "--upstream", "-o", str(svg))
    assert result.exit_code == 0, result.output
    assert "landing.public_security.persons.公民身份号码" in result.output
    root = ET.fromstring(svg.read_text(encoding="utf-8"))
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"公民身份号码", "citizen_id", "landing.public_security.persons"} <= texts
    result = cli("lineage", "gold.dim_person", "-o", str(page))
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<script>" in html and "http" not in html.split("<svg", 1)[1].replace(
        "http://www.w3.org/2000/svg", "")


def test_unknown_or_ambiguous_names_are_one_clear_line(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("show", "nope")
    assert result.exit_code == 2 and "citylake catalog search nope" in result.output
    result = cli("lineage", "public_security__persons")
    assert result.exit_code == 2 and "silver.public_security__persons" in result.output
    result = cli("lineage", "silver.public_security__persons", "--column", "nope")
    assert result.exit_code == 2 and "has no column 'nope'" in result.output


def test_rebuild_drops_what_a_source_no_longer_gives(synced: Settings, tmp_path: Path) -> None:
    from citylake.catalog.sync import sync

    settings = Settings(home=tmp_path)
    sync(settings, lake=False, dbt_manifest=Path(__file__).parent / "fixtures" / "dbt" / "manifest.json")
    with Store(catalog_db(settings)) as store:
        assert store.resolve("gold.dim_person")
    empty = tmp_path / "manifest.json"
    empty.write_text('{"nodes": {}, "sources": {}}', encoding="utf-8")
    report = sync(settings, lake=False, dbt_manifest=empty)
    assert report.changed == 0  # nothing else changed: digests are stable
    with Store(catalog_db(settings)) as store:
        with pytest.raises(Exception, match="no table or landing container"):
            store.resolve("gold.dim_person")
