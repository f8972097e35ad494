"""Catalog unit tests: a catalog built from the real contracts and standards plus small
dbt and OpenLineage fixtures, in a private home (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from citylake.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="module")
def catalog_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(home=tmp_path_factory.mktemp("catalog-home"))


@pytest.fixture(scope="module")
def synced(catalog_settings: Settings) -> Settings:
    """The embedded catalog rebuilt from contracts, standards, the dbt fixture and events."""
    from citylake.catalog.sync import sync

    sync(catalog_settings, lake=False, dbt_manifest=FIXTURES / "dbt" / "manifest.json",
         dbt_catalog=FIXTURES / "dbt" / "catalog.json", events=FIXTURES / "openlineage_events.jsonl")
    return catalog_settings
