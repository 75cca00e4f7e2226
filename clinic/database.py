"""Engine tuning for the two supported databases.

SQLite serves the single front-desk PC.  It is made safe for several workers:
WAL so readers never block the writer, a busy timeout so a waiting writer retries
instead of failing, and foreign keys enforced.

Write transactions are opened with ``BEGIN IMMEDIATE``.  A deferred transaction that
reads and later writes can be refused with "database is locked" when another writer
committed in between (SQLite cannot move its read snapshot forward, and does not
wait); taking the write lock up front makes that impossible.  Taking it for every
transaction, though, made every page view queue behind every other one.  So:

* requests that may change data (POST and friends), the CLI and anything outside a
  request: ``BEGIN IMMEDIATE``, as before;
* GET/HEAD/OPTIONS requests: a plain deferred ``BEGIN`` -- a read snapshot that runs
  beside other readers and the writer.  GET never changes clinical data (house rule),
  but it does append audit rows and touch a session's last-seen time.  Just before
  the first statement that writes, or that reads the audit log (the chain head is
  read in order to append to it), the read transaction is ended and replaced by
  ``BEGIN IMMEDIATE``, so that write waits its turn instead of failing.  What the
  request read before that point is from the earlier snapshot, which is harmless for
  an append-only audit row or a timestamp, and is why this applies to GET only.

PostgreSQL is used with ``pool_pre_ping`` (set in config) so a server restart only
costs one reconnect.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 15_000


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling would emit BEGIN (deferred) lazily; we
    # switch it off and emit BEGIN IMMEDIATE ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # LIKE as on PostgreSQL (case-sensitive), which also lets SQLite answer prefix
        # searches on our pre-folded columns from their indexes.
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        if _read_only_request():
            connection.exec_driver_sql("BEGIN")
            connection.info[_READING] = True
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            connection.info[_READING] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _take_write_lock_before_writing(connection, _cursor, statement, *_args):
        if connection.info.get(_READING) and _NEEDS_WRITE_LOCK.search(statement):
            connection.info[_READING] = False
            raw = connection.connection.dbapi_connection
            raw.execute("COMMIT")  # the read snapshot; nothing was written in it
            raw.execute("BEGIN IMMEDIATE")


_READING = "clinic_read_transaction"
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A statement that writes, or that touches the audit log (read to extend its chain).
_NEEDS_WRITE_LOCK = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b|\baudit_events\b", re.IGNORECASE
)


def _read_only_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method in _READ_METHODS


def init_app(app: Flask) -> None:
    from clinic.extensions import db

    with app.app_context():
        engine = db.engine
        if is_sqlite(engine):
            configure_sqlite(engine)


def append_only_ddl(table: str, message: str) -> dict[str, tuple[str, ...]]:
    """Trigger DDL, by dialect, that makes the database refuse UPDATE, DELETE and TRUNCATE.

    For records that must never change once written (audit events, submitted
    answers, addenda).  Models attach it with :func:`run_after_create` and their
    migration executes the same statements, so both paths build identical tables.
    SQLite has no TRUNCATE (its ``DELETE FROM t`` meets the DELETE trigger).
    """
    function = f"{table}_append_only"
    return {
        "sqlite": tuple(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} "
            f"ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for action in ("UPDATE", "DELETE")
        ),
        "postgresql": (
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql",
            f"CREATE OR REPLACE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            *truncate_guard_ddl(table),
        ),
    }


def truncate_guard_ddl(table: str) -> tuple[str, ...]:
    """PostgreSQL DDL refusing ``TRUNCATE`` on ``table``.

    Row triggers never see a TRUNCATE, so a table guarded only by them could still be
    emptied in one statement by its owner; a statement trigger closes that door.
    """
    return (
        "CREATE OR REPLACE FUNCTION clinic_refuse_truncate() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' cannot be truncated'; "
        "END; $$ LANGUAGE plpgsql",
        f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION clinic_refuse_truncate()",
    )


# pg_trigger.tgtype bits (PostgreSQL's include/catalog/pg_trigger.h)
_PG_TRIGGER_ROW = 1
_PG_TRIGGER_DELETE = 8


def guarded_tables(connection) -> list[str]:
    """Tables (PostgreSQL, current schema) that carry a row trigger on DELETE."""
    rows = connection.exec_driver_sql(
        "SELECT DISTINCT c.relname FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema() "
        "AND t.tgtype & %(row)s <> 0 AND t.tgtype & %(delete)s <> 0 ORDER BY 1",
        {"row": _PG_TRIGGER_ROW, "delete": _PG_TRIGGER_DELETE},
    )
    return [name for (name,) in rows]


def ensure_truncate_guards(connection) -> None:
    """Give every table that refuses DELETE a TRUNCATE guard too (PostgreSQL; idempotent).

    Run after every migration, so a plugin's guarded tables get it without knowing
    about it, and so do tables created before the guard existed.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in guarded_tables(connection):
        for statement in truncate_guard_ddl(table):
            connection.exec_driver_sql(statement)


def drop_append_only_ddl(table: str) -> dict[str, tuple[str, ...]]:
    """What a downgrade runs after dropping ``table`` (SQLite drops triggers with it)."""
    return {"postgresql": (f"DROP FUNCTION IF EXISTS {table}_append_only() CASCADE",)}


def run_after_create(target, ddl: dict[str, tuple[str, ...]]) -> None:
    """Run dialect-specific DDL once ``target`` (a Table or the MetaData) is created."""
    from sqlalchemy import DDL

    for dialect, statements in ddl.items():
        for statement in statements:
            event.listen(target, "after_create", DDL(statement).execute_if(dialect=dialect))


_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def append_only_tables(connection) -> list[str]:
    """Tables (PostgreSQL) carrying the shared append-only guard ``<table>_no_change``."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND t.tgname = c.relname || '_no_change' "
        "ORDER BY 1"
    )
    return [name for (name,) in rows]


def runtime_grants(connection, role: str) -> list[str]:
    """The GRANTs that let ``role`` run the app but never rewrite what must not change.

    The migration role keeps ownership (only an owner may ALTER, DROP, TRUNCATE or
    disable triggers); the runtime role may read and write ordinary tables, only
    SELECT and INSERT the append-only ones, and on the audit log additionally fill in
    the chain columns that sealing writes (the trigger allows that once per row).
    """
    if not _ROLE_NAME.match(role):
        raise ValueError("a role name is lower-case letters, digits and underscores")
    from sqlalchemy import inspect

    from clinic.audit.models import SEAL_COLUMNS

    quote = connection.dialect.identifier_preparer.quote
    schema = connection.exec_driver_sql("SELECT current_schema()").scalar()
    owners = dict(
        connection.exec_driver_sql(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = current_schema()"
        ).all()
    )
    if role in owners.values():
        raise ValueError(f"{role} owns tables; the runtime role must be a different role")
    protected = set(append_only_tables(connection))
    who = quote(role)
    statements = [
        f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {quote(schema)} FROM {who}",
    ]
    for table in sorted(inspect(connection).get_table_names()):
        name = quote(table)
        if table == "alembic_version":
            statements.append(f"GRANT SELECT ON {name} TO {who}")
        elif table in protected:
            statements.append(f"GRANT SELECT, INSERT ON {name} TO {who}")
            if table == "audit_events":
                statements.append(f"GRANT UPDATE ({', '.join(SEAL_COLUMNS)}) ON {name} TO {who}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {who}")
    statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {who}")
    return statements
