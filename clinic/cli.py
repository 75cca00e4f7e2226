"""Command-line tools: ``flask --app wsgi user create``, ``audit verify``, ``demo``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from clinic.extensions import db
from clinic.permissions import ROLES

user_cli = AppGroup("user", help="Staff accounts.")
audit_cli = AppGroup("audit", help="The audit log.")


def _read_password(prompt: bool) -> str:
    if sys.stdin.isatty() and prompt:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ROLES)), help="Staff role.")
@click.option("--name", "display_name", default=None, help="Full name (default: the user name).")
def create_user(username: str, role: str, display_name: str | None):
    """Create a staff account; the password is read from standard input when piped."""
    from clinic.auth.passwords import password_problem
    from clinic.auth.service import create_user, username_taken

    username = username.strip().lower()
    if username_taken(username):
        raise click.ClickException(f"user {username!r} already exists")
    password = _read_password(prompt=True)
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    create_user(
        username, display_name=display_name or username, role=role, password=password, via="cli"
    )
    db.session.commit()
    click.echo(f"Created {role} account {username!r}.")


@audit_cli.command("verify")
def verify():
    """Check the audit log's hash chain; exit 1 at the first broken link."""
    from clinic.audit.service import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"Audit log intact: {report.checked} records checked.")
        return
    click.echo(
        f"Audit log BROKEN at record {report.broken_at}: {report.reason} "
        f"({report.checked} records before it are intact).",
        err=True,
    )
    sys.exit(1)


def init_app(app: Flask, registry) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(audit_cli)
    from clinic.demo import demo_command

    app.cli.add_command(demo_command)
    for command in registry.collect("cli_commands"):
        app.cli.add_command(command)
