"""A Spark session starts with the network unreachable: every jar comes from the local
folder that `make setup` filled, nothing is resolved when a session starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, socket, urllib.request
from citylake.settings import reload_settings
from citylake.spark import get_spark
from citylake.selfcheck import run_selfcheck

try:  # prove the namespace really is offline
    urllib.request.urlopen("https://example.org/", timeout=3)
    print(json.dumps({"offline": False}))
    raise SystemExit(3)
except OSError:
    pass
spark = get_spark(reload_settings())
results = run_selfcheck(spark)
print(json.dumps({"offline": True, "checks": {r.name: r.ok for r in results},
                  "errors": [r.error for r in results if not r.ok]}))
"""


@pytest.mark.spark
def test_session_starts_and_works_with_no_network(tmp_path: Path) -> None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("this test needs util-linux `unshare` and iproute2 `ip` to cut the network")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYLAKE_")}
    env.update(CITYLAKE_HOME=str(tmp_path / "home"), CITYLAKE_SPARK__REMOTE="sc://127.0.0.1:15123",
               CITYLAKE_SPARK__DRIVER_MEMORY="2g")
    (tmp_path / "check.py").write_text(SCRIPT)
    # A new network namespace has only a loopback device, down; bring it up and nothing else.
    cmd = ["unshare", "--net", "sh", "-c",
           f"ip link set lo up && {sys.executable} {tmp_path / 'check.py'}; rc=$?; "
           f"{sys.executable} -m citylake.cli server stop >/dev/null 2>&1; exit $rc"]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    import json

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["offline"] is True
    assert report["errors"] == []
    assert set(report["checks"]) >= {"delta write", "delta merge", "delta time travel", "sedona spatial join"}
