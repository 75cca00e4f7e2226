"""Engine tuning for the two supported databases.

SQLite serves the single front-desk PC.  It is made safe for several workers:
WAL so readers never block the writer, a busy timeout so a waiting writer retries
instead of failing, foreign keys enforced, and every transaction opened with
``BEGIN IMMEDIATE``.  A deferred transaction that reads and later writes can be
refused with "database is locked" when another writer got in between; taking the
write lock up front makes that impossible.

PostgreSQL is used with ``pool_pre_ping`` (set in config) so a server restart only
costs one reconnect.
"""

from __future__ import annotations

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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    from clinic.extensions import db

    with app.app_context():
        engine = db.engine
        if is_sqlite(engine):
            configure_sqlite(engine)
