"""`citylake catalog push` against a stand-in OpenMetadata server that validates every
request with OpenMetadata's own models and checks every reference, as the real one does."""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from citylake.catalog import naming as n
from citylake.catalog.config import om_python
from citylake.catalog.sync import push, stored_payloads, sync
from citylake.errors import CitylakeError
from citylake.settings import SOURCE_ROOT, OpenMetadataSettings, Settings

HERE = Path(__file__).parent
FIXTURES = HERE.parent.parent / "unit" / "catalog" / "fixtures"
TOKEN = "test-bot-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(home=tmp_path_factory.mktemp("om-home"))
    port = _free_port()
    proc = subprocess.Popen([str(om_python(settings)), str(HERE / "fake_openmetadata.py"), str(port), TOKEN],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SOURCE_ROOT)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        yield f"http://127.0.0.1:{port}/api"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _state(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/__state", timeout=30) as answer:  # noqa: S310 - the local test server
        return json.load(answer)


@pytest.fixture(scope="module")
def pushed(server: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    settings = Settings(home=tmp_path_factory.mktemp("push-home"))
    sync(settings, lake=False, dbt_manifest=FIXTURES / "dbt" / "manifest.json",
         dbt_catalog=FIXTURES / "dbt" / "catalog.json", events=FIXTURES / "openlineage_events.jsonl")
    with pytest.MonkeyPatch.context() as mp:  # configured as a user would: in the environment
        mp.setenv("CITYLAKE_OPENMETADATA__HOST_PORT", server)
        mp.setenv("CITYLAKE_OPENMETADATA__JWT_TOKEN", TOKEN)
        settings = Settings(home=settings.home)
        return settings, push(settings)


def test_push_creates_every_entity_and_edge(pushed: tuple[Settings, dict[str, Any]], server: str) -> None:
    settings, result = pushed
    assert result["errors"] == []
    assert result["pushed"] == len(stored_payloads(settings))
    state = _state(server)
    assert n.table_fqn("gold", "dim_person") in state["entities"]["table"]
    assert n.table_fqn("quarantine", "tax__filings") in state["entities"]["table"]
    assert "DataStandards.citizen_id" in state["entities"]["glossaryTerm"]
    methods = {m for m, _ in state["requests"] if _ != "/api/v1/system/version"}
    assert methods <= {"PUT", "GET"}  # create_or_update: repeatable


def test_pushed_lineage_is_column_level(pushed: tuple[Settings, dict[str, Any]], server: str) -> None:
    edges = _state(server)["edges"]
    silver = n.table_fqn("silver", "public_security__persons")
    into = next(e for e in edges if e["toEntity"]["fullyQualifiedName"] == silver
                and e["fromEntity"]["fullyQualifiedName"].endswith("bronze.public_security__persons"))
    pairs = {c["toColumn"]: c["fromColumns"] for c in into["lineageDetails"]["columnsLineage"]}
    assert pairs[n.column_fqn(silver, "citizen_id")] == [n.column_fqn(n.table_fqn("bronze", "public_security__persons"),
                                                                          "citizen_id")]
    assert into["lineageDetails"]["pipeline"]["fullyQualifiedName"] == "citylake_airflow.citylake_source__public_security"


def test_lineage_reads_back_through_openmetadatas_client(pushed: tuple[Settings, dict[str, Any]], server: str) -> None:
    script = (
        "import json, warnings; warnings.filterwarnings('ignore')\n"
        "from citylake.catalog.om_push import connect\n"
        "from metadata.generated.schema.entity.data.table import Table\n"
        f"client = connect({server!r}, {TOKEN!r}, False)\n"
        f"lineage = client.get_lineage_by_name(entity=Table, fqn={n.table_fqn('silver', 'public_security__persons')!r}, up_depth=3, down_depth=2)\n"
        "print(json.dumps(sorted(e['fullyQualifiedName'] for e in lineage['nodes'])))\n")
    done = subprocess.run([str(om_python(pushed[0])), "-c", script], capture_output=True, text=True, timeout=300,
                          cwd=SOURCE_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    nodes = json.loads(done.stdout.strip().splitlines()[-1])
    assert n.container_fqn("public_security", "persons") in nodes
    assert n.table_fqn("bronze", "public_security__persons") in nodes
    assert n.table_fqn("gold", "dim_person") in nodes  # the client's depth is at most 3 each way


def test_push_again_updates_in_place(pushed: tuple[Settings, dict[str, Any]], server: str) -> None:
    settings, _ = pushed
    before = _state(server)["entities"]
    assert push(settings)["errors"] == []
    assert _state(server)["entities"] == before


def test_a_wrong_token_is_one_clear_error(pushed: tuple[Settings, dict[str, Any]], server: str) -> None:
    def with_token(token: str) -> Settings:
        om = OpenMetadataSettings(host_port=server, jwt_token=token)
        return pushed[0].model_copy(update={"openmetadata": om})

    with pytest.raises(CitylakeError, match="push to .* failed"):
        push(with_token("wrong"))
    with pytest.raises(CitylakeError, match="CITYLAKE_OPENMETADATA__JWT_TOKEN"):
        push(with_token(""))
