"""Command-line tools: ``flask --app wsgi user create``, ``audit verify``, ``demo``."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
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
    """Check the audit log's chain, keyed MACs and checkpoints; exit 1 at the first problem."""
    from clinic.audit.service import verify_chain

    report = verify_chain()
    if report.ok:
        newest = report.newest_checkpoint
        click.echo(
            f"Audit log intact: {report.checked} records checked "
            f"({report.sealed} sealed, {report.unsealed} awaiting sealing)."
            + (
                f" Newest checkpoint: record {newest.seq}, written {newest.at}."
                if newest
                else " No checkpoint yet."
            )
        )
        return
    where = f"at record {report.broken_at}: " if report.broken_at else ": "
    click.echo(
        f"Audit log BROKEN {where}{report.reason} ({report.checked} records before it are intact).",
        err=True,
    )
    sys.exit(1)


@audit_cli.command("seal")
def seal():
    """Seal records still awaiting it and write a checkpoint (e.g. from cron, each minute)."""
    from clinic.audit.sealing import checkpoint_paths, seal_now, write_checkpoint
    from clinic.audit.service import last_sealed

    count = seal_now()
    head = last_sealed()
    if head is not None:
        write_checkpoint(
            checkpoint_paths(current_app.config), current_app.config["CLINIC_AUDIT_KEY"], *head
        )
    click.echo(f"Sealed {count} records; the chain ends at record {head[0] if head else 0}.")


@click.command("grant-runtime")
@click.argument("role")
@click.option("--apply", is_flag=True, help="Run the statements instead of printing them.")
def grant_runtime(role: str, apply: bool):
    """Print (or --apply) the GRANTs for a PostgreSQL runtime ROLE that cannot rewrite records.

    Run as the role that owns the tables (the one that runs migrations), again after
    every upgrade that adds tables.
    """
    from clinic.database import runtime_grants

    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("database roles exist only on PostgreSQL")
    with db.engine.connect() as connection:
        try:
            statements = runtime_grants(connection, role)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    if not apply:
        for statement in statements:
            click.echo(statement + ";")
        return
    with db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    click.echo(f"Granted {role} the runtime privileges ({len(statements)} statements).")


def init_app(app: Flask, registry) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(audit_cli)
    from flask_migrate.cli import db as db_group

    db_group.add_command(grant_runtime)  # flask --app wsgi db grant-runtime ROLE
    from clinic.downgrade_guard import downgrade_command

    # Replaces Flask-Migrate's own: the same options, plus --drop-data and --backup.
    db_group.add_command(downgrade_command)
    from clinic.backup import backup_command, restore_command
    from clinic.demo import demo_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    app.cli.add_command(demo_command)
    for command in registry.collect("cli_commands"):
        app.cli.add_command(command)
