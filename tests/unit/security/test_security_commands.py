"""The security and keys commands, as a user types them (no Spark needed for these)."""

from __future__ import annotations

import json
import stat

import typer
from typer.testing import CliRunner

from citylake.security.commands import keys_app, security_app
from citylake.security.keys import keystore_dir

app = typer.Typer()
app.add_typer(security_app, name="security")
app.add_typer(keys_app, name="keys")
runner = CliRunner()


def test_help_lists_the_commands():
    out = runner.invoke(app, ["security", "--help"]).output
    for command in ("scan", "leaks", "views", "decrypt", "policy"):
        assert command in out
    assert "rotate" in runner.invoke(app, ["keys", "--help"]).output


def test_policy_prints_the_roles():
    result = runner.invoke(app, ["security", "policy", "--format", "json"])
    assert result.exit_code == 0, result.output
    roles = {r["role"]: r for r in json.loads(result.output)}
    assert roles["analyst"]["decrypt"] == "no" and roles["steward"]["views"] == "secure_steward"


def test_keys_rotate_and_list_show_ids_never_material(settings):
    first = runner.invoke(app, ["keys", "rotate"])
    assert first.exit_code == 0 and "master key version" in first.output
    master = keystore_dir(settings) / "master"
    assert stat.S_IMODE(master.stat().st_mode) == 0o700
    listed = runner.invoke(app, ["keys", "list", "--format", "json"])
    assert listed.exit_code == 0
    for path in master.iterdir():
        assert path.read_text().strip() not in listed.output + first.output


def test_a_malformed_match_is_one_line_and_exit_code_2():
    result = runner.invoke(app, ["security", "decrypt", "--role", "steward", "--purpose", "quality_review",
                                 "--table", "silver.x", "--column", "name", "--match", "citizen_id"])
    assert result.exit_code == 2 and "must be column=value" in result.output


def test_the_citylake_command_has_security_and_keys(settings):  # the test home, not a real key store
    from citylake.cli import app as citylake

    out = runner.invoke(citylake, ["--help"]).output
    assert "security" in out and "keys" in out
    assert runner.invoke(citylake, ["keys", "list", "--format", "json"]).exit_code == 0
