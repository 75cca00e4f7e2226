"""``flask --app wsgi backup PATH`` and ``flask --app wsgi restore PATH``.

A backup is a folder (mode 0700) holding:

* the database: on SQLite a copy made with SQLite's online backup API (consistent
  while other workers keep writing); on PostgreSQL a ``pg_dump`` custom-format archive
  taken from an exported snapshot, with row counts read in that same snapshot;
* ``audit_key`` and the audit checkpoint files, without which the restored audit log
  could not be verified (so the folder is as sensitive as the instance folder);
* ``manifest.json``: when, which engine, row counts per table.

``restore`` only writes into an empty database, checks the row counts against the
manifest and runs ``audit verify``.  ``pg_dump``/``pg_restore`` are run with an
argument list, never through a shell, and get the password through the environment.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from clinic.clock import utcnow

MANIFEST = "manifest.json"
SQLITE_FILE = "clinic.sqlite3"
PG_FILE = "clinic.dump"
KEY_FILE = "audit_key"
CHECKPOINT_FILES = ("audit_checkpoints.log", "audit_checkpoints_copy.log")
INSTANCE_DIR = "instance"  # other key and checkpoint files from the instance folder


class BackupError(click.ClickException):
    pass


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_env(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _count_rows(connection) -> dict[str, int]:
    counts = {}
    for table in sorted(inspect(connection).get_table_names()):
        if table == "alembic_version":
            continue
        quoted = connection.dialect.identifier_preparer.quote(table)
        counts[table] = connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one()  # noqa: S608 -- names from the catalog, quoted
    return counts


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 -- fixed argument list, no shell
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip() or result.returncode}")


def take_backup(target: Path) -> dict:
    url = _url()
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; back up into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)
    manifest: dict = {"created": utcnow().isoformat(timespec="seconds") + "Z"}
    # Checkpoints first: each names a row committed before it was written, so every one
    # copied now is in the database snapshot taken next (a later one might not be).
    _copy_private(target, current_app.config)
    if url.get_backend_name() == "sqlite":
        manifest["engine"] = "sqlite"
        destination = target / SQLITE_FILE
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(destination)
        try:
            source.backup(copy)  # page by page, restarting if a writer changes a page
        finally:
            copy.close()
            source.close()
        engine = create_engine(f"sqlite:///{destination}", poolclass=NullPool)
        with engine.connect() as connection:
            manifest["rows"] = _count_rows(connection)
        engine.dispose()
    elif url.get_backend_name() == "postgresql":
        manifest["engine"] = "postgresql"
        args, env = _pg_env(url)
        engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
        with engine.connect() as connection:
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            manifest["rows"] = _count_rows(connection)
            # The snapshot lives as long as this transaction: dump while it is open.
            _run(
                [
                    "pg_dump",
                    *args,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={target / PG_FILE}",
                    url.database or "",
                ],
                env,
            )
        engine.dispose()
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    for path in target.iterdir():
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return manifest


def _instance_extras(instance: Path) -> list[Path]:
    """Every other key or checkpoint file in the instance folder.

    Named generically so a key or checkpoint file added later (say, a second signing
    key) is backed up without this module knowing its name.  The session secret stays
    behind: a restored clinic signs everyone in again, which is what a restore should do.
    """
    if not instance.is_dir():
        return []
    return sorted(
        path
        for path in instance.iterdir()
        if path.is_file()
        and path.name not in (KEY_FILE, "secret_key", *CHECKPOINT_FILES)
        and ("key" in path.name or "checkpoint" in path.name)
    )


def _copy_private(target: Path, config) -> None:
    (target / KEY_FILE).write_text(config["CLINIC_AUDIT_KEY"] + "\n")
    from clinic.audit.sealing import checkpoint_paths

    for name, path in zip(CHECKPOINT_FILES, checkpoint_paths(config), strict=False):
        if path.exists():
            shutil.copyfile(path, target / name)
    extras = _instance_extras(Path(current_app.instance_path))
    if extras:
        (target / INSTANCE_DIR).mkdir(mode=0o700)
        for path in extras:
            shutil.copyfile(path, target / INSTANCE_DIR / path.name)
            os.chmod(target / INSTANCE_DIR / path.name, 0o600)


def _is_empty(url: URL) -> bool:
    if url.get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return True
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


def restore_backup(source: Path) -> dict:
    manifest_file = source / MANIFEST
    if not manifest_file.exists():
        raise BackupError(f"{source} has no {MANIFEST}: not a backup made by this app")
    manifest = json.loads(manifest_file.read_text())
    url = _url()
    if manifest["engine"] != url.get_backend_name():
        raise BackupError(
            f"this is a {manifest['engine']} backup; the database is {url.get_backend_name()}"
        )
    backup_key = (source / KEY_FILE).read_text().strip()
    from_env = os.environ.get("CLINIC_AUDIT_KEY", "").strip()
    if from_env and from_env != backup_key:
        raise BackupError(
            f"CLINIC_AUDIT_KEY differs from the backup's audit key; set it to the value in "
            f"{source / KEY_FILE} so the restored audit log can be verified"
        )
    if not _is_empty(url):
        raise BackupError("the database is not empty; restore only into a new, empty database")
    from clinic.extensions import db

    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        backup = sqlite3.connect(source / SQLITE_FILE)
        target = sqlite3.connect(_sqlite_path(url))
        try:
            backup.backup(target)
        finally:
            target.close()
            backup.close()
    else:
        args, env = _pg_env(url)
        _run(
            [
                "pg_restore",
                *args,
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url.database}",
                str(source / PG_FILE),
            ],
            env,
        )
    _restore_private(source, Path(current_app.instance_path), backup_key)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        restored = _count_rows(connection)
    engine.dispose()
    if restored != manifest["rows"]:
        differ = sorted(
            t
            for t in set(restored) | set(manifest["rows"])
            if restored.get(t) != manifest["rows"].get(t)
        )
        raise BackupError(f"row counts differ after the restore: {', '.join(differ)}")
    return manifest


def _restore_private(source: Path, instance: Path, key: str) -> None:
    from clinic.audit.sealing import checkpoint_paths

    config = current_app.config
    if not os.environ.get("CLINIC_AUDIT_KEY", "").strip():
        instance.mkdir(parents=True, exist_ok=True)
        key_file = instance / KEY_FILE
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
    config["CLINIC_AUDIT_KEY"] = key
    saved_extras = source / INSTANCE_DIR
    if saved_extras.is_dir():
        instance.mkdir(parents=True, exist_ok=True)
        for saved in sorted(saved_extras.iterdir()):
            if not (instance / saved.name).exists():  # never overwrite this machine's own
                shutil.copyfile(saved, instance / saved.name)
                os.chmod(instance / saved.name, 0o600)
    for name, path in zip(CHECKPOINT_FILES, checkpoint_paths(config), strict=False):
        saved = source / name
        if saved.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a") as handle:
                handle.write(saved.read_text())


@click.command("backup")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Back up the database and the audit key into the new folder PATH (safe while serving)."""
    manifest = take_backup(path)
    total = sum(manifest["rows"].values())
    click.echo(f"Backed up {total} rows in {len(manifest['rows'])} tables to {path}.")
    click.echo("The folder holds the audit key: keep it as safe as the database itself.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path):
    """Restore the backup folder PATH into an empty database, then verify the audit log."""
    manifest = restore_backup(path)
    click.echo(
        f"Restored {sum(manifest['rows'].values())} rows in {len(manifest['rows'])} tables "
        f"from the backup of {manifest['created']}; row counts match."
    )
    from clinic.audit.service import verify_chain

    report = verify_chain()
    if not report.ok:
        click.echo(f"Audit log check FAILED after the restore: {report.reason}", err=True)
        sys.exit(1)
    click.echo(f"Audit log intact: {report.checked} records checked.")
