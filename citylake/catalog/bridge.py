"""Crossing to the OpenMetadata environment: run an ``om_*`` module there on payloads.

openmetadata-ingestion lives in ``.venv-openmetadata`` (it cannot be installed beside
Spark and dbt), so the main environment writes the payloads to a JSON file, runs
``<om python> -m citylake.catalog.om_<name> --input FILE`` and reads one JSON line back.
Secrets travel in the child's environment, never on its command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Any, Iterable

from citylake.catalog.config import catalog_dir, om_python
from citylake.catalog.payload import Payload
from citylake.errors import CitylakeError
from citylake.settings import Settings


def run_om(settings: Settings, module: str, payloads: Iterable[Payload], env: dict[str, str] | None = None,
           args: list[str] | None = None, timeout: float = 1800) -> dict[str, Any]:
    python = om_python(settings)
    if not python.exists():
        raise CitylakeError(f"the OpenMetadata environment is missing ({python}): run `make setup`, or set "
                            "CITYLAKE_OPENMETADATA__PYTHON to the Python that has openmetadata-ingestion.")
    folder = catalog_dir(settings) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=folder, delete=False, encoding="utf-8") as fh:
        json.dump([p.wire() for p in payloads], fh, ensure_ascii=False)
        path = fh.name
    try:
        child_env = {**os.environ, **(env or {}), "PYTHONWARNINGS": "ignore"}
        done = subprocess.run([str(python), "-m", f"citylake.catalog.{module}", "--input", path, *(args or [])],
                              capture_output=True, text=True, env=child_env, timeout=timeout)
    finally:
        os.unlink(path)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise CitylakeError(f"citylake.catalog.{module} failed in the OpenMetadata environment: {tail}")
    return json.loads(lines[-1])
