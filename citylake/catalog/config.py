"""Where the catalog keeps its files, and how to reach an OpenMetadata server
(``Settings.openmetadata``: ``CITYLAKE_OPENMETADATA__HOST_PORT`` …)."""

from __future__ import annotations

from pathlib import Path

from citylake.settings import SOURCE_ROOT, OpenMetadataSettings, Settings

def openmetadata_settings(settings: Settings) -> OpenMetadataSettings:
    return settings.openmetadata


def catalog_dir(settings: Settings) -> Path:
    return settings.home / "catalog"


def catalog_db(settings: Settings) -> Path:
    return catalog_dir(settings) / "catalog.db"


def events_file(settings: Settings) -> Path:
    """Where the Airflow OpenLineage provider writes its events (file transport)."""
    return settings.home / "openlineage" / "events.jsonl"


def om_python(settings: Settings) -> Path:
    configured = openmetadata_settings(settings).python
    return Path(configured) if configured else SOURCE_ROOT / ".venv-openmetadata" / "bin" / "python"
