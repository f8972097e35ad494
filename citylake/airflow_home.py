"""The environment that points an Airflow process at citylake's DAGs, plugins and state.

Kept free of Airflow imports: it only builds environment variables, so `citylake
airflow`, the tests and the end-to-end run configure Airflow the same way.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from citylake.settings import SOURCE_ROOT, Settings


def airflow_home(settings: Settings) -> Path:
    return settings.home / "airflow"


def passwords_file(settings: Settings) -> Path:
    return airflow_home(settings) / "passwords.json"


def admin_password(settings: Settings) -> str:
    """The admin's password: made once, kept owner-readable under home, never in the repo."""
    path = passwords_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        users = json.loads(path.read_text())
    except (OSError, ValueError):
        users = {}
    user = settings.airflow.admin_user
    if user not in users:
        users[user] = secrets.token_urlsafe(12)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(users, fh)
    return str(users[user])


def airflow_env(settings: Settings) -> dict[str, str]:
    from citylake.catalog.openlineage import openlineage_env

    home = airflow_home(settings)
    db = settings.airflow.database_url or f"sqlite:///{home / 'airflow.db'}"
    return openlineage_env(settings) | {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(SOURCE_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(SOURCE_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{settings.airflow.admin_user}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file(settings)),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
        "AIRFLOW__API__PORT": str(settings.airflow.port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{settings.airflow.port}",
        "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    }
