"""One small city per test session, with every defect at a rate high enough to count."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from city_checks import TEST_CITY

from citylake.generate.city import generate_city

@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    generate_city(TEST_CITY, out)
    return out


@pytest.fixture(scope="session")
def manifest(city: Path) -> list[dict]:
    return pq.read_table(city / "ground_truth" / "defects.parquet").to_pylist()


@pytest.fixture(scope="session")
def landed(city: Path):  # type: ignore[no-untyped-def]
    from city_checks import deliveries

    return deliveries(city)
