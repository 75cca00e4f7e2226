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


def _hold_sqlite_write_lock(app):
    """A second connection that takes SQLite's write lock and keeps it until closed."""
    import sqlite3

    path = db.engine.url.database
    holder = sqlite3.connect(path, isolation_level=None, timeout=1, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_get_requests_read_beside_a_writer_without_taking_the_write_lock(
    app, signed_in, monkeypatch
):
    """A page that only reads is served while another connection holds the write lock.

    Before GET requests opened deferred transactions, this request queued for the
    lock and, after the busy timeout, failed with "database is locked".
    """
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking is what is under test")
    import clinic.database

    client, _user = signed_in("front-desk")
    monkeypatch.setattr(clinic.database, "SQLITE_BUSY_TIMEOUT_MS", 300)
    db.session.commit()
    db.engine.dispose()  # new connections get the short timeout
    holder = _hold_sqlite_write_lock(app)
    try:
        response = client.get("/patients/")
        assert response.status_code == 200
        assert b"Find a patient" in response.data or b"<form" in response.data
    finally:
        holder.rollback()
        holder.close()


def test_audited_get_waits_for_the_write_lock_instead_of_failing(app, signed_in):
    """A chart view reads in a snapshot, then appends its audit row: the append waits
    for a writer that holds the lock and then succeeds, with the chain intact."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking is what is under test")
    from clinic.audit.models import AuditEvent

    client, _user = signed_in("front-desk")
    patient = make_patient()
    db.session.commit()
    holder = _hold_sqlite_write_lock(app)

    # Another transaction commits while the view's snapshot is open: the classic
    # "read, then someone writes, then I write" that deferred transactions fail on.
    def write_then_release():
        holder.execute("INSERT INTO clinic_settings (key, value) VALUES ('test.marker', '1')")
        holder.execute("COMMIT")
        holder.close()

    released = threading.Timer(0.5, write_then_release)
    released.start()
    try:
        response = client.get(f"/patients/{patient.id}")
    finally:
        released.join()
    assert response.status_code == 200
    views = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.event_type == "patient.view", AuditEvent.patient_id == patient.id
        )
    ).all()
    assert len(views) == 1
    assert verify_chain().ok


def test_concurrent_chart_views_and_edits_never_fail_as_locked(app, signed_in):
    """Eight readers open audited charts while two writers save the patient, at once."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking is what is under test")
    from clinic.audit.models import AuditEvent

    patient_id = make_patient(city="0").id
    readers = [signed_in("therapist")[0] for _ in range(8)]
    db.session.commit()
    engine = db.engine
    errors: list = []
    rounds = 6

    def read(client):
        try:
            for _ in range(rounds):
                response = client.get(f"/patients/{patient_id}")
                assert response.status_code == 200, response.status_code
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    def write():
        try:
            for _ in range(rounds):
                with Session(engine) as session:
                    row = session.get(Patient, patient_id)
                    row.city = str(int(row.city) + 1)
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(c,)) for c in readers]
    threads += [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    views = db.session.scalar(
        select(func.count(AuditEvent.seq)).where(AuditEvent.event_type == "patient.view")
    )
    assert views == 8 * rounds
    assert verify_chain().ok
