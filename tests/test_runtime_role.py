"""PostgreSQL: the app's tables cannot be emptied, and a runtime role cannot rewrite records.

Issue 12, point 2.  The owner (migration) role is refused TRUNCATE on every table that
refuses DELETE; the runtime role that ``flask --app wsgi db grant-runtime`` sets up can
run the whole app but cannot update, delete, truncate or disable a guard.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.pool import NullPool

from clinic.audit.models import AuditEvent
from clinic.audit.service import record
from clinic.database import guarded_tables
from clinic.extensions import db
from clinic.testing import login, make_patient, make_user, test_database_url

pytestmark = pytest.mark.skipif(not test_database_url(), reason="PostgreSQL roles and TRUNCATE")

ROLE = "clinic_trust_runtime"
PASSWORD = "runtime-role-test-only"  # noqa: S105 -- a throwaway role in the test database

# The app's records that must never be rewritten: the audit log, signed notes and
# their entries, addenda, submitted intake answers.
PROTECTED = (
    "audit_events",
    "treatment_notes",
    "treatment_note_entries",
    "treatment_addenda",
    "intake_responses",
)

INSERT_ONLY = ("audit_events", "treatment_addenda", "intake_responses")


def test_the_owner_cannot_truncate_any_guarded_table(app):
    with db.engine.connect() as connection:
        guarded = set(guarded_tables(connection))
    assert set(PROTECTED) <= guarded
    for table in sorted(guarded):
        with pytest.raises(DatabaseError, match="cannot be truncated"):
            db.session.execute(text(f'TRUNCATE "{table}" CASCADE'))
        db.session.rollback()


@pytest.fixture
def runtime_url(app, runner):
    _drop_role()
    db.session.execute(text(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'"))
    db.session.commit()
    printed = runner.invoke(args=["db", "grant-runtime", ROLE])
    assert printed.exit_code == 0, printed.output
    assert f"GRANT SELECT, INSERT ON audit_events TO {ROLE};" in printed.output
    applied = runner.invoke(args=["db", "grant-runtime", ROLE, "--apply"])
    assert applied.exit_code == 0, applied.output
    url = make_url(test_database_url()).set(username=ROLE, password=PASSWORD)
    yield url.render_as_string(hide_password=False)
    _drop_role()


def _drop_role():
    db.session.rollback()
    exists = db.session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE})
    if exists:
        db.session.execute(text(f"DROP OWNED BY {ROLE}"))
        db.session.execute(text(f"DROP ROLE {ROLE}"))
        db.session.commit()


def test_the_runtime_role_cannot_rewrite_protected_records(app, runtime_url):
    record("patient.search")
    db.session.commit()
    engine = create_engine(runtime_url, poolclass=NullPool)
    attacks = [
        "UPDATE audit_events SET detail = 'nothing happened'",
        "UPDATE audit_events SET seq = seq + 100",
        "DELETE FROM audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER USER",
        "DROP TRIGGER audit_events_no_change ON audit_events",
    ]
    for table in PROTECTED:
        attacks += [f"TRUNCATE {table} CASCADE", f"ALTER TABLE {table} DISABLE TRIGGER ALL"]
    # Insert-only tables: refused by privilege, whether or not any row exists yet.
    # (Signed notes may still be drafts, so there the triggers decide; the treatment
    # plugin's tests cover them.)
    for table in INSERT_ONLY:
        attacks += [f"DELETE FROM {table}", f"UPDATE {table} SET id = id"]  # noqa: S608 -- fixed names
    try:
        for statement in attacks:
            with engine.connect() as connection:
                with pytest.raises(DatabaseError):
                    connection.execute(text(statement))
    finally:
        engine.dispose()
    assert len(db.session.scalars(select(AuditEvent)).all()) == 1


def test_the_app_works_under_the_runtime_role(app_factory, runtime_url, runner):
    user = make_user("therapist")
    patient = make_patient()
    runtime_app = app_factory(SQLALCHEMY_DATABASE_URI=runtime_url)
    client = runtime_app.test_client()
    login(client, user)
    assert client.get(f"/patients/{patient.id}").status_code == 200
    assert client.get("/patients/?q=test").status_code == 200
    with runtime_app.app_context():
        result = runtime_app.test_cli_runner().invoke(args=["audit", "verify"])
        sealed = db.session.scalars(select(AuditEvent.seq)).all()
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert None not in sealed and len(sealed) >= 2  # login and chart view, sealed
