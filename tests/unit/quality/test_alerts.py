"""Failure notifications: a webhook and an e-mail that name the table and its critical
rules, from an Airflow-shaped failure context; a dead channel never raises."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace
from typing import Any, Iterator

import pytest

from citylake.quality.alerts import on_failure, send, task_alert
from citylake.quality.gate import FailedRule, QualityGateError
from citylake.settings import Settings, reload_settings

GATE = QualityGateError("silver.tax__filings", [FailedRule("silver.tax__filings", "filing_id.unique", 2, 600, "filing_id")])


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()


@pytest.fixture
def smtp() -> Iterator[tuple[int, list[str]]]:
    """A minimal SMTP server that keeps each message's DATA."""
    messages: list[str] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 test\r\n")
            while line := self.rfile.readline():
                verb = line.decode().strip().split(" ")[0].upper()
                if verb == "DATA":
                    self.wfile.write(b"354 go\r\n")
                    body = []
                    while (data := self.rfile.readline()) not in (b".\r\n", b""):
                        body.append(data.decode("utf-8", "replace"))
                    messages.append("".join(body))
                    self.wfile.write(b"250 ok\r\n")
                elif verb == "QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                elif verb in ("EHLO", "HELO"):
                    self.wfile.write(b"250 test\r\n")
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], messages
    server.shutdown()


@pytest.fixture(autouse=True)
def _forget_settings() -> Iterator[None]:
    """``on_failure`` reads the process-wide settings: read them again after each test."""
    yield
    reload_settings()


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for key, value in env.items():
        monkeypatch.setenv(f"CITYLAKE_ALERTS__{key.upper()}", value)
    return reload_settings()


def test_alert_and_quality_settings_are_sections_of_the_one_settings_object(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYLAKE_QUALITY__ROW_COUNT_K", "2.5")
    settings = _settings(monkeypatch, webhook_url="http://x/hook", email_to='["a@city.cn","b@city.cn"]', smtp_port="587",
                         smtp_password="s3cret")
    assert settings.alerts.webhook_url == "http://x/hook" and settings.alerts.email_to == ["a@city.cn", "b@city.cn"]
    assert settings.alerts.smtp_port == 587 and settings.quality.row_count_k == 2.5
    assert "s3cret" not in str(settings.public_dict()), "citylake info must not print the SMTP password"


def test_a_failed_gate_reaches_the_webhook_and_the_mailbox(monkeypatch: pytest.MonkeyPatch, webhook, smtp) -> None:  # type: ignore[no-untyped-def]
    url, hooks = webhook
    port, mails = smtp
    _settings(monkeypatch, webhook_url=url, smtp_host="127.0.0.1", smtp_port=str(port),
                         email_to='["steward@city.cn"]')
    context = {"task_instance": SimpleNamespace(dag_id="citylake_source__tax", task_id="filings.quality",
                                                run_id="manual__2026-01-02"), "exception": GATE}
    outcome = on_failure(context)
    assert outcome == {"webhook": "sent", "email": "sent"}
    payload = hooks[0]
    assert payload["kind"] == "quality_gate" and payload["table"] == "silver.tax__filings"
    assert payload["failed_rules"][0]["rule"] == "filing_id.unique" and payload["dag_id"] == "citylake_source__tax"
    assert "/dags/citylake_source__tax/runs/manual__2026-01-02" in payload["link"]
    assert "silver.tax__filings" in mails[0] and "filing_id.unique (2 of 600 values)" in mails[0]


def test_other_failures_name_the_task_and_a_dead_channel_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    alert = task_alert("citylake_source__tax", "filings.bronze", "r1", RuntimeError("disk full\ntrace"))
    assert alert.subject == "[citylake] task failed: citylake_source__tax.filings.bronze"
    assert "disk full" in alert.text and "trace" not in alert.text
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    settings = _settings(monkeypatch, webhook_url=f"http://127.0.0.1:{dead}/", timeout_s="2")
    outcome = send(alert, settings)
    assert outcome["webhook"].startswith("not sent:")
