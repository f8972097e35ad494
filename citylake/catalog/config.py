"""The catalog's settings: where the OpenMetadata server is and how to reach it.

``OpenMetadataSettings`` is meant to become ``Settings.openmetadata``
(``CITYLAKE_OPENMETADATA__HOST_PORT`` …, or ``openmetadata:`` in citylake.yaml). Until it
is there, ``openmetadata_settings`` reads the same environment variables itself, so the
change is one field and nothing here moves.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

from citylake.settings import SOURCE_ROOT, Settings

_ENV = "CITYLAKE_OPENMETADATA__"


class OpenMetadataSettings(BaseModel):
    """An OpenMetadata server to push the catalog to; the embedded catalog needs none."""

    enabled: bool = Field(False, description="Push to the server after `citylake catalog sync`.")
    host_port: str = Field("http://localhost:8585/api", description="The server's API root, ending in /api.")
    jwt_token: SecretStr = Field(SecretStr(""), description="JWT of a bot or user allowed to create entities.")
    verify_ssl: bool = Field(True, description="Check the server's TLS certificate.")
    python: str = Field("", description="Python of the OpenMetadata environment; empty: .venv-openmetadata of the checkout.")


def openmetadata_settings(settings: Settings) -> OpenMetadataSettings:
    configured = getattr(settings, "openmetadata", None)
    if isinstance(configured, BaseModel):
        return OpenMetadataSettings.model_validate(configured.model_dump())
    values = {key[len(_ENV):].lower(): value for key, value in os.environ.items() if key.startswith(_ENV)}
    return OpenMetadataSettings.model_validate(values)


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
