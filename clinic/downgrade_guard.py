"""A downgrade never drops stored rows by accident (issue 12, point 10).

``flask --app wsgi db downgrade treatment@-1`` runs the plugin's ``downgrade()``, which
drops its tables -- signed notes included.  The Alembic environment therefore runs
every downgrade inside one transaction (PostgreSQL and SQLite both roll back DDL) with
a watch on the statements it sends: just before a ``DROP TABLE`` (or a column drop) of
a table that holds rows, the migration stops with :class:`DowngradeRefused` and the
whole downgrade is rolled back, schema and triggers included.

Dropping data is allowed only when asked for explicitly (``--drop-data``) *and* a
backup made by ``flask --app wsgi backup`` is named (``--backup PATH``) whose row
count for every table about to lose rows matches the database now -- the backup holds
every row that goes.  The choice reaches the Alembic environment as ``-x`` arguments.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import event

DROP = re.compile(
    r"^\s*(?:DROP\s+TABLE(?:\s+IF\s+EXISTS)?\s+(?P<table>[\w\".]+)"
    r"|ALTER\s+TABLE\s+(?P<altered>[\w\".]+)\s+DROP\s+(?:COLUMN\s+)?(?!CONSTRAINT\b)\w)",
    re.IGNORECASE,
)


class DowngradeRefused(RuntimeError):
    pass


def _name(raw: str) -> str:
    return raw.split(".")[-1].strip('"')


def _backup_counts(path: str, engine_name: str) -> dict[str, int]:
    manifest_file = Path(path) / "manifest.json"
    if not manifest_file.is_file():
        raise DowngradeRefused(f"{path} is not a backup made by 'flask --app wsgi backup'")
    manifest = json.loads(manifest_file.read_text())
    if manifest.get("engine") != engine_name:
        raise DowngradeRefused(f"{path} is a backup of a {manifest.get('engine')} database")
    return manifest.get("rows", {})


def watch(connection, x_args: dict[str, str]) -> None:
    """Refuse any statement that would drop a table's rows, unless allowed and backed up."""
    allowed = x_args.get("drop_data") == "yes"
    backup = x_args.get("backup")
    if allowed and not backup:
        raise DowngradeRefused(
            "--drop-data needs --backup PATH: a backup made just now with "
            "'flask --app wsgi backup PATH'."
        )
    backed_up = _backup_counts(backup, connection.dialect.name) if allowed else {}

    @event.listens_for(connection, "before_cursor_execute")
    def _before(conn, _cursor, statement, *_args):
        match = DROP.match(statement)
        if not match:
            return
        dropped = _name(match.group("table") or match.group("altered"))
        quoted = conn.dialect.identifier_preparer.quote(dropped)
        # Counted on the same connection, inside the downgrade's transaction.
        count = f"SELECT count(*) FROM {quoted}"  # noqa: S608 -- name from the migration's DDL, quoted
        rows = conn.exec_driver_sql(count).scalar_one()
        # Alembic's batch mode (SQLite) renames the table to _alembic_tmp_<name>, copies
        # the kept columns into a new one and drops the old: a column's data goes there.
        table = dropped.removeprefix("_alembic_tmp_")  # noqa: S608 -- name from the migration's own DDL, quoted
        if not rows:
            return
        if not allowed:
            raise DowngradeRefused(
                f"Refused: this downgrade would drop data from {table} ({rows} stored "
                "row(s)). "
                "Nothing was changed. Take a backup with 'flask --app wsgi backup PATH', then "
                "run the downgrade again with --drop-data --backup PATH if you mean it."
            )
        if backed_up.get(table) != rows:
            raise DowngradeRefused(
                f"Refused: the backup at {backup} holds {backed_up.get(table, 0)} row(s) of "
                f"{table}, the database {rows}. Take a fresh backup first. Nothing was changed."
            )


@click.command("downgrade")
@click.option("-d", "--directory", default=None, help="Migration script directory.")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@click.option("--tag", default=None, help="Arbitrary tag for custom env.py scripts.")
@click.option("-x", "--x-arg", multiple=True, help="Additional arguments for env.py.")
@click.option(
    "--drop-data",
    is_flag=True,
    help="Allow dropping tables or columns that hold rows (needs --backup).",
)
@click.option(
    "--backup",
    "backup",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A backup made just now with 'flask --app wsgi backup PATH'.",
)
@click.argument("revision", default="-1")
@with_appcontext
def downgrade_command(directory, sql, tag, x_arg, drop_data, backup, revision):
    """Revert to a previous version; refuses to drop stored rows unless told to."""
    from alembic import command
    from flask import current_app, g

    x_args = [a for a in (x_arg or getattr(g, "x_arg", None) or ()) if not _reserved(a)]
    if drop_data:
        x_args.append("drop_data=yes")
    if backup is not None:
        x_args.append(f"backup={backup}")
    migrate = current_app.extensions["migrate"].migrate
    config = migrate.get_config(directory or getattr(g, "directory", None), x_arg=x_args)
    if sql and revision == "-1":
        revision = "head:-1"
    try:
        command.downgrade(config, revision, sql=sql, tag=tag)
    except DowngradeRefused as exc:
        raise click.ClickException(str(exc)) from exc


def _reserved(x_arg: str) -> bool:
    # Only the flags above may allow dropping data: a bare -x cannot smuggle it in.
    return x_arg.split("=", 1)[0] in ("drop_data", "backup")
