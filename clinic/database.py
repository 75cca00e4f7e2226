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
    """Trigger DDL, by dialect, that makes the database refuse UPDATE and DELETE on ``table``.

    For records that must never change once written (audit events, submitted
    answers, addenda).  Models attach it with :func:`run_after_create` and their
    migration executes the same statements, so both paths build identical tables.
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
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
        ),
    }


def drop_append_only_ddl(table: str) -> dict[str, tuple[str, ...]]:
    """What a downgrade runs after dropping ``table`` (SQLite drops triggers with it)."""
    return {"postgresql": (f"DROP FUNCTION IF EXISTS {table}_append_only() CASCADE",)}


def run_after_create(target, ddl: dict[str, tuple[str, ...]]) -> None:
    """Run dialect-specific DDL once ``target`` (a Table or the MetaData) is created."""
    from sqlalchemy import DDL

    for dialect, statements in ddl.items():
        for statement in statements:
            event.listen(target, "after_create", DDL(statement).execute_if(dialect=dialect))
