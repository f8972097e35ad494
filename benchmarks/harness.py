"""What every benchmark script does around its measured part: a scratch home with its own
Spark Connect server on a free port, the measuring run in a child process (a fresh Python,
so imports and sessions are paid inside the figures the child reports), the server stopped
afterwards, and the figures saved under ``benchmarks/results/``."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_child(script: str, home: Path, child_args: list[str], env: dict[str, str] | None = None,
              keep: bool = False) -> dict[str, Any]:
    """Run ``script --child *child_args`` in a fresh ``home``; the figures it printed last (JSON).
    Exits the benchmark with the child's error output if it failed."""
    shutil.rmtree(home, ignore_errors=True)
    full_env = dict(os.environ, CITYLAKE_HOME=str(home), CITYLAKE_LANDING_ROOT=str(home / "city" / "landing"),
                    CITYLAKE_SPARK__REMOTE=f"sc://127.0.0.1:{free_port()}", **(env or {}))
    proc = subprocess.run([sys.executable, script, "--child", *child_args], env=full_env, capture_output=True, text=True)
    subprocess.run([sys.executable, "-m", "citylake.cli", "server", "stop"], env=full_env, capture_output=True)
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"benchmark in {home.name} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def save(name: str, figures: dict[str, Any]) -> Path:
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    path = results / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return path
