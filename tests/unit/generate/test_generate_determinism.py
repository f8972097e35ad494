"""Same seed and options → byte-identical files; another seed → another city."""

from __future__ import annotations

import hashlib
from pathlib import Path

from citylake.generate.city import generate_city
from citylake.generate.config import CityConfig


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_city(tmp_path: Path) -> None:
    cfg = CityConfig(people=600, seed=5, days=2, iot_batches_per_day=2)
    generate_city(cfg, tmp_path / "a")
    generate_city(cfg, tmp_path / "b")
    generate_city(cfg.model_copy(update={"seed": 6}), tmp_path / "c")
    a, b, c = digests(tmp_path / "a"), digests(tmp_path / "b"), digests(tmp_path / "c")
    assert len(a) > 40
    assert a == b
    persons = "landing/public_security/persons/day=2026-01-01/persons-20260101-001.csv"
    assert persons in a and a[persons] != c[persons]
    # the geography of a city does not depend on the seed
    divisions = "landing/natural_resources/divisions/day=2026-01-01/divisions-20260101.parquet"
    assert a[divisions] == c[divisions]


def test_rerun_replaces_the_old_city(tmp_path: Path) -> None:
    generate_city(CityConfig(people=300, days=3, iot_batches_per_day=1), tmp_path)
    generate_city(CityConfig(people=300, days=1, iot_batches_per_day=1), tmp_path)
    days = {p.name for p in (tmp_path / "landing" / "public_security" / "persons").iterdir()}
    assert days == {"day=2026-01-01", "day=2026-01-02"}
