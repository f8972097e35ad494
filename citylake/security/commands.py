"""The ``citylake security`` and ``citylake keys`` commands (registered by ``citylake.cli``).

Thin, like every command: parse options, call one function of the package, print. No
command prints a key or a plaintext value, except ``decrypt``, whose job it is and which
is audited.
"""

from __future__ import annotations

from contextlib import nullcontext

import typer

from citylake.console import OutputFormat, console, print_rows, user_errors
from citylake.errors import CitylakeError

security_app = typer.Typer(help="Data security: discovery, leak scan, per-role views, audited decryption.",
                           no_args_is_help=True)
keys_app = typer.Typer(help="Encryption keys: list them (never their material), rotate the master key.",
                       no_args_is_help=True)


def _session():  # type: ignore[no-untyped-def]
    from citylake.settings import get_settings
    from citylake.spark import get_spark

    settings = get_settings()
    return get_spark(settings), settings


def _level(personal: str | None, classification: str | None, grade: int | None, protection: str | None = None) -> str:
    if personal is None:
        return ""
    text = f"{personal}/{classification}/G{grade}"
    return f"{text}/{protection}" if protection else text


@security_app.command("scan")
@user_errors
def scan_command(
    schema: list[str] = typer.Option(None, "--schema", help="Schemas to scan (repeatable); default: bronze … ops."),
    table: list[str] = typer.Option(None, "--table", help="Only these schema.table (repeatable)."),
    show_all: bool = typer.Option(False, "--all", help="Show every column, not only disagreements and leaks."),
    write: bool = typer.Option(True, help="Append the findings to ops.sensitive_data_scan."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv."),
) -> None:
    """Sample every table, classify and grade its columns, and report where the declarations disagree."""
    from dataclasses import asdict

    from citylake.security.discovery import scan

    spark, settings = _session()
    with console.status("scanning the lake for sensitive data…") if fmt is OutputFormat.table else nullcontext():
        report = scan(spark, settings, schemas=schema or None, tables=table or None, write=write)
    shown = report.findings if (show_all or fmt is not OutputFormat.table) else report.problems()
    if fmt is not OutputFormat.table:
        rows = [asdict(f) for f in shown]
        print_rows(list(rows[0]) if rows else ["scan_id"], [list(r.values()) for r in rows], fmt)
        return
    print_rows(
        ["table", "column", "detected", "declared", "proposed", "status", "note"],
        [(f.table, f.column_name, f"{f.detected} ({f.share:.0%})" if f.detected else "",
          _level(f.declared_personal, f.declared_classification, f.declared_grade, f.declared_protection),
          _level(f.proposed_personal, f.proposed_classification, f.proposed_grade, f.proposed_protection),
          f.status, f.note) for f in shown],
        fmt, title=f"Sensitive-data scan {report.scan_id}: {report.tables} tables, {len(report.findings)} columns, "
                   f"{len(report.problems())} to review, {len(report.leaks())} leak(s)")
    if write:
        console.print("written to ops.sensitive_data_scan (latest per table: ops.sensitive_data_latest)")
    if report.leaks():
        raise typer.Exit(1)


@security_app.command("leaks")
@user_errors
def leaks_command(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv.")) -> None:
    """Search gold, published, ops, secure views, protected columns, logs and the catalog for
    citizen IDs, phones and bank cards in the clear. Exit 1 if any."""
    from citylake.security.leaks import scan_everything

    spark, settings = _session()
    found = scan_everything(spark, settings)
    print_rows(["place", "where", "kind", "count"], [(x.place, x.where, x.kind, x.count) for x in found], fmt,
               title=f"Plaintext identifiers found: {len(found)}")
    if found:
        raise typer.Exit(1)


@security_app.command("views")
@user_errors
def views_command(
    role: list[str] = typer.Option(None, "--role", help="Only these roles (repeatable); default: every role."),
    scan: bool = typer.Option(True, help="Scan gold and published first, so their columns have tags."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv."),
) -> None:
    """Create or replace each role's views in secure_<role> (masked columns, tenant row filters)."""
    from citylake.security.policy import load_policy, policy_path
    from citylake.security.views import refresh_views

    spark, settings = _session()
    policy = load_policy(policy_path(settings.metadata_dir))
    for name in role or []:
        policy.role(name)
    plans = refresh_views(spark, settings, policy, role or None, scan_first=("gold", "published") if scan else ())
    print_rows(["view", "table", "masked", "rows", "left out"],
               [(p.view, p.table, ", ".join(p.masked), p.row_filter or "all", ", ".join(p.omitted)) for p in plans],
               fmt, title=f"{len(plans)} view(s)")


@security_app.command("policy")
@user_errors
def policy_command(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv.")) -> None:
    """Validate metadata/security/policy.yml and show its roles."""
    from citylake.security.policy import load_policy, policy_path, view_schema
    from citylake.settings import get_settings

    policy = load_policy(policy_path(get_settings().metadata_dir))
    rows = []
    for name, r in sorted(policy.roles.items()):
        decrypt = f"{', '.join(r.decrypt.purposes)} (≤ G{r.decrypt.max_grade})" if r.decrypt else "no"
        scope = ""
        if r.tenant:
            scope = ", ".join(r.tenant.sources) + (f" in {', '.join(r.tenant.divisions)}" if r.tenant.divisions else "")
        rows.append((name, r.kind, view_schema(name), ", ".join(r.layers), f"G{r.clear_max_grade}", decrypt, scope))
    print_rows(["role", "kind", "views", "layers", "clear up to", "decrypt", "tenant"], rows, fmt, title="Roles")


def _parse_match(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CitylakeError(f"--match {item!r} must be column=value, e.g. --match citizen_id=420102199001011234")
        out[name.strip()] = value
    return out


@security_app.command("decrypt")
@user_errors
def decrypt_command(
    role: str = typer.Option(..., "--role", help="The role you act in (metadata/security/policy.yml)."),
    purpose: str = typer.Option(..., "--purpose", help="Why: one of the role's purposes, e.g. quality_review."),
    table: str = typer.Option(..., "--table", help="schema.table, e.g. silver.public_security__persons."),
    column: list[str] = typer.Option(..., "--column", help="Encrypted column to decrypt (repeatable)."),
    where: str = typer.Option(None, "--where", help="SQL on non-sensitive columns and tokens, e.g. \"_day = '2026-01-01'\"."),
    match: list[str] = typer.Option(None, "--match", help="column=value of a tokenized column (repeatable); tokenized here."),
    limit: int = typer.Option(100, help="At most this many rows."),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv."),
) -> None:
    """Decrypt columns of matching rows, if your role may; every attempt is written to ops.audit_log.

    You act as your login name: the command takes no other principal, so nobody can claim
    another member's role from a shell (a gateway that authenticates its users passes the
    principal to ``citylake.security.access.decrypt``)."""
    from citylake.security.access import DecryptRequest, decrypt

    request = DecryptRequest(role, purpose, table, list(column), where, _parse_match(match or []), None, limit)
    spark, settings = _session()
    result = decrypt(spark, settings, request)
    print_rows(result.columns, result.rows, fmt, title=f"{len(result.rows)} row(s); audit event {result.audit_id}")


@keys_app.command("list")
@user_errors
def keys_list(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, json or csv.")) -> None:
    """The data keys (ids, scopes, master version), never their material."""
    from citylake.security.keys import keyring
    from citylake.settings import get_settings

    ring = keyring(get_settings())
    entries = ring.entries()
    print_rows(["key_id", "scope", "purpose", "master_version", "created_at"],
               [tuple(e.values()) for e in entries], fmt,
               title=f"{len(entries)} data key(s); master versions on hand: {ring.provider.versions()}")


@keys_app.command("rotate")
@user_errors
def keys_rotate(
    table: str = typer.Option(None, "--table", help="Rotate this table's data key (source__entity) instead of the master."),
    retire_old: bool = typer.Option(False, "--retire-old", help="Destroy master versions no data key needs any more."),
) -> None:
    """Make a new master key version and re-wrap every data key under it (data stays as it is)."""
    from citylake.security.keys import keyring, rotate_master
    from citylake.settings import get_settings

    settings = get_settings()
    if table:
        ref = keyring(settings).rotate_data_key(f"table:{table.removeprefix('silver.')}")
        console.print(f"new data key {ref.key_id}: new values use it, existing values keep theirs")
        return
    outcome = rotate_master(settings, retire_old=retire_old)
    retired = f"; retired version(s) {outcome['retired']}" if outcome["retired"] else ""
    console.print(f"master key version {outcome['master_version']}: {outcome['rewrapped']} data key(s) re-wrapped{retired}")
