"""The synthetic city: department extracts with defects, and the ground truth behind them.

``generate_city(CityConfig(...), out)`` writes ``out/landing`` (what the departments hand
over) and ``out/ground_truth`` (what is really true, for tests and benchmarks);
docs/synthetic_city.md describes both. The pipeline never imports this package.

Modules: ``config`` (what a city looks like), ``context`` (seeded streams, counters),
``addresses``, ``names``, ``identifiers``, ``people``, ``enterprises``, ``world`` (one
chunk of the true city), ``days`` (change events), ``sources/`` (one builder per
department), ``entities``/``schema`` (how each entity is delivered), ``variations`` and
``defects`` (what goes wrong), ``writers``/``database``/``landing`` (files and the
manifest), ``ground_truth``, ``city`` (the run), ``command`` (the CLI), ``docs``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CityConfig", "Summary", "generate_city", "load_config"]


def __getattr__(name: str) -> Any:
    """Import on first use: the CLI imports ``citylake.generate.command`` at start-up, and
    numpy, pyarrow and SQLAlchemy should load only when a city is generated."""
    if name in ("generate_city", "Summary"):
        from citylake.generate import city

        return getattr(city, name)
    if name in ("CityConfig", "load_config"):
        from citylake.generate import config

        return getattr(config, name)
    raise AttributeError(name)
