"""The stewards' page and the CLI report, on a lake written with delta-rs: authentication
on every route, the scorecard, drill-down with masked samples, quarantine reasons, run
metrics, Data Docs served only from their folder."""

from __future__ import annotations

import datetime as dt
import json

from fastapi import Depends, HTTPException, Request
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from citylake.quality.commands import quality_app
from citylake.quality.config import data_docs_dir
from citylake.quality.report_app import create_app

DAY = dt.date(2026, 1, 2)
T0 = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
RESULTS = [
    {"run_id": "run-1", "checked_at": T0, "day": DAY, "source": "tax", "entity": "filings", "department": "税务局",
     "layer": "silver", "table_name": "silver.tax__filings", "suite": "silver.tax__filings", "rule": "credit_code.reference",
     "expectation": "expect_column_values_to_have_reference", "column_name": "credit_code", "dimension": "consistency",
     "severity": "warning", "gating": True, "success": False, "element_count": 600, "unexpected_count": 3,
     "unexpected_sample": ["91**************55"], "dag_id": "citylake_source__tax", "dag_run_id": "manual__1",
     "data_docs_page": "validations/silver/tax__filings/run-1/x.html",
     "failed_rows": [{"batch_id": "b1", "source_file": "tax/filings/day=2026-01-02/f.parquet", "line": 7,
                      "masked_value": "91**************55"}]},
    {"run_id": "run-1", "checked_at": T0, "day": DAY, "source": "tax", "entity": "filings", "department": "税务局",
     "layer": "silver", "table_name": "silver.tax__filings", "suite": "silver.tax__filings", "rule": "filing_id.unique",
     "expectation": "expect_column_values_to_be_unique", "column_name": "filing_id", "dimension": "uniqueness",
     "severity": "critical", "gating": True, "success": True, "element_count": 600, "unexpected_count": 0,
     "unexpected_sample": []},
]


def _lake(quality_lake):  # type: ignore[no-untyped-def]
    settings, write = quality_lake
    write("ops.quality_results", RESULTS)
    write("ops.run_metrics", [{"stage": "silver", "source": "tax", "entity": "filings", "day": DAY, "rows": 600,
                               "seconds": 12.5, "status": "success", "finished_at": T0}])
    write("quarantine.tax__filings", [{"_reasons": [{"rule": "credit_code.check_digit", "column": "credit_code",
                                                      "severity": "critical"}]}] * 4,
          {"_reasons": "ARRAY<STRUCT>"})
    return settings


def _client(settings) -> TestClient:  # type: ignore[no-untyped-def]
    def authenticated(request: Request) -> None:
        if request.headers.get("Authorization") != "Bearer good":
            raise HTTPException(status_code=401, detail="Not authenticated")

    return TestClient(create_app(dependencies=[Depends(authenticated)], settings=lambda: settings))


def test_every_route_requires_authentication(quality_lake) -> None:  # type: ignore[no-untyped-def]
    client = _client(_lake(quality_lake))
    for path in ("/", "/table/silver.tax__filings", "/api/report", "/docs/index.html"):
        assert client.get(path).status_code == 401, path


def test_the_page_shows_the_scorecard_failing_rules_quarantine_and_metrics(quality_lake) -> None:  # type: ignore[no-untyped-def]
    client = _client(_lake(quality_lake))
    auth = {"Authorization": "Bearer good"}
    page = client.get("/", headers=auth)
    assert page.status_code == 200
    html = page.text
    for expected in ("silver.tax__filings", "credit_code.reference", "91**************55", "税务局", "<svg",
                     "credit_code.check_digit", "/dags/citylake_source__tax/runs/manual__1", "12.5"):
        assert expected in html, expected
    table = client.get("/table/silver.tax__filings", headers=auth)
    assert table.status_code == 200
    assert "tax/filings/day=2026-01-02/f.parquet" in table.text and "filing_id.unique" in table.text
    assert client.get("/table/silver.nope", headers=auth).status_code == 404
    report = client.get("/api/report", headers=auth).json()
    assert report["scorecard"]["tables"][0]["table_name"] == "silver.tax__filings"
    assert report["quarantine"] == {"quarantine.tax__filings": {"credit_code.check_digit": 4}}


def test_data_docs_are_served_from_their_folder_only(quality_lake) -> None:  # type: ignore[no-untyped-def]
    settings = _lake(quality_lake)
    docs = data_docs_dir(settings)
    docs.mkdir(parents=True)
    (docs / "index.html").write_text("<html>docs</html>")
    (settings.home / "secret.txt").write_text("no")
    client = _client(settings)
    auth = {"Authorization": "Bearer good"}
    assert client.get("/docs/index.html", headers=auth).text == "<html>docs</html>"
    assert client.get("/docs/../secret.txt", headers=auth).status_code == 404
    assert client.get("/docs/%2e%2e/secret.txt", headers=auth).status_code == 404


def test_an_empty_lake_says_how_to_get_results(quality_lake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings, _ = quality_lake
    client = _client(settings)
    assert "No quality results yet" in client.get("/", headers={"Authorization": "Bearer good"}).text
    monkeypatch.setenv("CITYLAKE_HOME", str(settings.home))
    from citylake.settings import reload_settings

    reload_settings()
    try:
        result = CliRunner().invoke(quality_app, ["report"])
    finally:
        monkeypatch.delenv("CITYLAKE_HOME")
        reload_settings()
    assert result.exit_code == 2 and "no quality results yet" in result.output


def test_the_cli_report_prints_the_scorecard(quality_lake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings = _lake(quality_lake)
    monkeypatch.setenv("CITYLAKE_HOME", str(settings.home))
    from citylake.settings import reload_settings

    reload_settings()
    try:
        table = CliRunner().invoke(quality_app, ["report"])
        as_json = CliRunner().invoke(quality_app, ["report", "--format", "json"])
    finally:
        monkeypatch.delenv("CITYLAKE_HOME")
        reload_settings()
    assert table.exit_code == 0, table.output
    assert "Departments" in table.output and "city overall: 99.8" in table.output
    data = json.loads(as_json.output)
    assert data["scorecard"]["departments"] == {"税务局": data["scorecard"]["overall"]}


def test_data_docs_are_rendered_when_first_asked_for_not_per_run(quality_lake) -> None:  # type: ignore[no-untyped-def]
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    from citylake.quality.context import defer_docs, docs_pending

    settings = _lake(quality_lake)
    key = ValidationResultIdentifier(expectation_suite_identifier=ExpectationSuiteIdentifier(name="silver.tax__filings"),
                                     run_id=RunIdentifier(run_name="run-1", run_time=T0), batch_identifier="b")
    defer_docs(settings, "run-1", [key])
    assert docs_pending(settings) and not (data_docs_dir(settings) / "index.html").exists()
    response = _client(settings).get("/docs/index.html", headers={"Authorization": "Bearer good"})
    assert response.status_code == 200 and "<html" in response.text.lower()
    assert not docs_pending(settings), "each pending run is rendered once"
