"""Failure notifications (统一运维): e-mail over SMTP and a JSON webhook.

An alert says what failed where: for a quality gate, the table and each critical rule
with its count; for any other task failure, the DAG, task and error. ``on_failure``
has the shape of an Airflow ``on_failure_callback`` (it takes the task context) but
imports nothing from Airflow, so the core stays free of it; ``notify_gate`` is the
direct use, for the CLI or any caller holding a ``QualityGateError``.

Sending never raises: a broken mail server must not hide the failure it reports. Each
channel's outcome is logged and returned. Messages carry rule names and counts, never
values (the masked samples stay on the quality page).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from citylake.settings import AlertSettings
from citylake.quality.gate import QualityGateError
from citylake.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class Alert:
    subject: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


def gate_alert(error: QualityGateError, dag_id: str | None = None, run_id: str | None = None,
               link: str | None = None) -> Alert:
    rules = [{"rule": f.rule, "failed": f.unexpected, "checked": f.checked, "column": f.column} for f in error.failed]
    lines = [f"Critical quality rules failed on {error.table}:"]
    lines += [f"  - {f.describe()}" for f in error.failed]
    if error.published:
        lines.append(f"{error.published} was not replaced; consumers keep the previous version.")
    else:
        lines.append("The table must not be published until this is fixed.")
    if link:
        lines.append(f"Details: {link}")
    return Alert(subject=f"[citylake] quality gate failed: {error.table} ({len(error.failed)} critical rule(s))",
                 text="\n".join(lines),
                 payload={"kind": "quality_gate", "table": error.table, "published": error.published,
                          "failed_rules": rules, "dag_id": dag_id, "run_id": run_id, "link": link})


def task_alert(dag_id: str | None, task_id: str | None, run_id: str | None, error: BaseException | None,
               link: str | None = None) -> Alert:
    if isinstance(error, QualityGateError):
        return gate_alert(error, dag_id, run_id, link)
    reason = str(error).strip().splitlines()[0][:500] if error and str(error).strip() else type(error).__name__
    text = f"Task {task_id} of {dag_id} (run {run_id}) failed: {reason}" + (f"\nDetails: {link}" if link else "")
    return Alert(subject=f"[citylake] task failed: {dag_id}.{task_id}", text=text,
                 payload={"kind": "task_failure", "dag_id": dag_id, "task_id": task_id, "run_id": run_id,
                          "error": reason, "link": link})


def _webhook(alert: Alert, cfg: AlertSettings) -> None:
    body = json.dumps({"subject": alert.subject, "text": alert.text, **alert.payload}, ensure_ascii=False,
                      default=str).encode()
    request = urllib.request.Request(cfg.webhook_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=cfg.timeout_s) as response:  # noqa: S310 - a configured URL
        response.read()


def _email(alert: Alert, cfg: AlertSettings) -> None:
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = alert.subject, cfg.email_from, ", ".join(cfg.email_to)
    message.set_content(alert.text)
    if cfg.smtp_port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout_s)
    with smtp:
        if cfg.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.smtp_user:
            smtp.login(cfg.smtp_user, cfg.smtp_password.get_secret_value())
        smtp.send_message(message)


def send(alert: Alert, settings: Settings | None = None) -> dict[str, str]:
    """Send to every configured channel; returns each channel's outcome ("sent" or why not)."""
    cfg = (settings or get_settings()).alerts
    outcome: dict[str, str] = {}
    channels = []
    if cfg.webhook_url:
        channels.append(("webhook", _webhook))
    if cfg.smtp_host and cfg.email_to:
        channels.append(("email", _email))
    for name, channel in channels:
        try:
            channel(alert, cfg)
            outcome[name] = "sent"
        except Exception as exc:  # an alert that cannot go out is logged, never raised
            outcome[name] = f"not sent: {type(exc).__name__}: {str(exc)[:200]}"
            log.warning("%s alert %r not sent: %s", name, alert.subject, outcome[name])
    if not channels:
        log.info("no alert channel configured (CITYLAKE_ALERTS__WEBHOOK_URL, __SMTP_HOST): %s", alert.subject)
    return outcome


def notify_gate(error: QualityGateError, settings: Settings | None = None) -> dict[str, str]:
    """Direct use: tell the stewards a gate failed."""
    return send(gate_alert(error), settings)


def _run_link(settings: Settings, dag_id: str | None, run_id: str | None) -> str | None:
    if not dag_id:
        return None
    base = os.environ.get("AIRFLOW__API__BASE_URL") or f"http://localhost:{settings.airflow.port}"
    base = base.rstrip("/")
    return f"{base}/dags/{dag_id}" + (f"/runs/{run_id}" if run_id else "")


def on_failure(context: dict[str, Any]) -> dict[str, str]:
    """An Airflow ``on_failure_callback``: alert with the failed task and, for a quality
    gate, the table and its critical rules."""
    settings = get_settings()
    ti = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    dag_id = getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None)
    run_id = getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None)
    task_id = getattr(ti, "task_id", None)
    error = context.get("exception")
    return send(task_alert(dag_id, task_id, run_id, error, _run_link(settings, dag_id, run_id)), settings)
