"""Engine set-up: SQLite safe for several workers; nothing important kept in memory."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from clinic.audit.service import record, verify_chain
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.testing import make_patient


def test_sqlite_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_postgres_engine_pings_before_use(app):
    assert db.engine.pool._pre_ping is True


def test_concurrent_read_then_write_transactions_never_fail_as_locked(app):
    """Eight writers each read a row, then update it, many times over, at once.

    With deferred transactions SQLite refuses some of these with "database is locked";
    BEGIN IMMEDIATE makes each writer wait its turn instead.  (On PostgreSQL the same
    race is refused by the row's version check instead: see test_patients.)
    """
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking is what is under test")
    patient = make_patient(city="0")
    patient_id = patient.id
    db.session.commit()
    engine = db.engine
    errors: list[BaseException] = []
    rounds = 15

    def worker():
        try:
            for _ in range(rounds):
                with Session(engine) as session:
                    row = session.get(Patient, patient_id)
                    row.city = str(int(row.city) + 1)
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 -- the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.get(Patient, patient_id).city == str(8 * rounds)


def test_concurrent_audit_writers_keep_one_unbroken_chain(app):
    db.session.commit()
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                for _ in range(10):
                    record("patient.search")
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    report = verify_chain()
    assert report.ok and report.checked == 40


def test_foreign_keys_are_enforced(app):
    from clinic.auth.models import FormDraft

    db.session.add(FormDraft(user_id=999_999, path="/x", data="[]"))
    with pytest.raises(Exception, match="(?i)foreign key"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count(FormDraft.id))) == 0


def test_database_answers(app):
    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_requests_survive_postgres_dropping_every_connection(app, signed_in):
    """What a PostgreSQL restart does to a pool: every idle connection dies."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    client, _ = signed_in("front-desk")
    patient = make_patient()
    assert client.get(f"/patients/{patient.id}").status_code == 200
    db.session.commit()
    killer = create_engine(db.engine.url, poolclass=NullPool)
    with killer.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    killer.dispose()
    assert killed >= 1
    assert client.get(f"/patients/{patient.id}").status_code == 200
