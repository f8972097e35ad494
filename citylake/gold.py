"""The gold layer's runner: dbt with a profile filled from citylake's settings.

``dbt_project/profiles.yml`` holds one profile whose values are ``env_var()`` lookups;
``dbt_env`` sets them from the settings for every dbt process citylake starts (the CLI,
Cosmos tasks, ``make setup``'s ``dbt parse``), so the Connect server, the schema and the
threads are configured once, in citylake's settings, and never hard-coded in the project.

dbt runs as a subprocess: its logging and global state stay out of the caller (an
Airflow worker, a test), and a failed build is one error naming the failed nodes.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from citylake.errors import CitylakeError
from citylake.settings import Settings, get_settings

log = logging.getLogger(__name__)


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")


def target_dir(settings: Settings) -> Path:
    """Where builds write their artifacts (run_results, compiled SQL): under home, not the checkout."""
    return settings.home / "dbt" / "target"


def staging_schema(settings: Settings) -> str:
    """The schema of dbt's staging and intermediate views (macros/generate_schema_name.sql)."""
    return f"{settings.gold.dbt_schema}_staging"


def manifest_path(settings: Settings) -> Path:
    """The manifest Cosmos renders the gold DAG from (written by ``parse``, in the project)."""
    return settings.gold.dbt_project_dir / "target" / "manifest.json"


def dbt_env(settings: Settings | None = None) -> dict[str, str]:
    """Environment variables the project's profiles.yml reads."""
    settings = settings or get_settings()
    if not settings.spark.remote:
        raise CitylakeError("dbt runs against the lake's Spark Connect server: set CITYLAKE_SPARK__REMOTE "
                            "(e.g. sc://127.0.0.1:15002) instead of an in-process session")
    return {
        "CITYLAKE_DBT_SPARK_REMOTE": settings.spark.remote,
        "CITYLAKE_DBT_SCHEMA": settings.gold.dbt_schema,
        "CITYLAKE_DBT_THREADS": str(settings.gold.dbt_threads),
        "DBT_PROFILES_DIR": str(settings.gold.dbt_project_dir),
        "DBT_PROJECT_DIR": str(settings.gold.dbt_project_dir),
        "DBT_LOG_PATH": str(settings.log_dir / "dbt"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PARTIAL_PARSE": "true",
    }


def run_dbt(args: list[str], settings: Settings | None = None, target_path: Path | None = None,
            timeout_s: int = 1800) -> dict[str, Any]:
    """Run one dbt command; returns the node results of run_results.json (or {} for parse)."""
    settings = settings or get_settings()
    target = target_path or target_dir(settings)
    env = {**os.environ, **dbt_env(settings), "DBT_TARGET_PATH": str(target)}
    cmd = [dbt_executable(), *args]
    log.info("dbt %s", " ".join(args))
    proc = subprocess.run(cmd, cwd=settings.gold.dbt_project_dir, env=env, capture_output=True, text=True,
                          timeout=timeout_s, check=False)
    results = _results(target) if args and args[0] in ("build", "run", "test", "seed") else {}
    if proc.returncode != 0:
        failed = [f"{r['unique_id']}: {r['status']}" for r in results.get("results", [])
                  if r["status"] not in ("success", "pass", "skipped")]
        tail = "\n".join((proc.stdout or "").strip().splitlines()[-15:])
        raise CitylakeError(f"dbt {args[0]} failed ({'; '.join(failed) or 'see below'}):\n{tail}")
    return results


def _results(target: Path) -> dict[str, Any]:
    path = target / "run_results.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def parse(settings: Settings | None = None) -> Path:
    """``dbt parse`` into the project's target/ (the manifest Cosmos renders); no Spark needed."""
    settings = settings or get_settings()
    run_dbt(["parse"], settings, target_path=settings.gold.dbt_project_dir / "target")
    return manifest_path(settings)


def ensure_inputs(spark: Any, settings: Settings) -> list[str]:
    """Create (empty) the silver tables of entities that have delivered nothing yet, as the
    silver stage would (and register them in the catalog as it does): the dbt sources then
    always exist, and an entity without records contributes no rows instead of failing
    the build. Returns the tables created."""
    from citylake.catalog.register import register_table
    from citylake.contracts import load_contracts
    from citylake.layers.silver import ensure_silver_tables

    created = []
    for contract in load_contracts(settings.contracts_dir).values():
        for entity in contract.entities:
            if ensure_silver_tables(spark, contract, entity):
                table = f"silver.{contract.source}__{entity.name}"
                for name in (table, table.replace("silver.", "quarantine.", 1)):
                    register_table(spark, name, contract, entity, "silver", settings)
                created.append(table)
    return created


def build(settings: Settings | None = None, select: str | None = None, full_refresh: bool = False) -> dict[str, Any]:
    """``dbt build`` (seeds, models, tests) against the lake's server, started if need be."""
    from citylake.spark import ensure_schemas, get_spark

    settings = settings or get_settings()
    spark = get_spark(settings)
    ensure_schemas(spark, settings)  # the server is up and the lake's schemas exist
    ensure_inputs(spark, settings)
    args = ["build"] + (["--select", select] if select else []) + (["--full-refresh"] if full_refresh else [])
    results = run_dbt(args, settings)
    statuses: dict[str, int] = {}
    for r in results.get("results", []):
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {"nodes": len(results.get("results", [])), "statuses": statuses,
            "elapsed_s": round(results.get("elapsed_time", 0.0), 1)}
