"""Where data quality keeps its local state. Its settings are ``Settings.quality`` and
``Settings.alerts`` (``CITYLAKE_QUALITY__*``, ``CITYLAKE_ALERTS__*``)."""

from __future__ import annotations

from pathlib import Path

from citylake.settings import Settings


def quality_home(settings: Settings) -> Path:
    """Local state of quality runs: Data Docs and the validation results behind them."""
    return settings.home / "quality"


def data_docs_dir(settings: Settings) -> Path:
    return quality_home(settings) / "data_docs"
