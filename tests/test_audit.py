"""The audit log: what is recorded, and that tampering is detected and refused."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from clinic.audit.models import AuditEvent
from clinic.audit.service import UndeclaredAuditEvent, record, verify_chain
from clinic.extensions import db
from clinic.testing import make_patient


def types() -> list[str]:
    return [e.event_type for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]


def test_views_changes_logins_and_denials_are_recorded(app, signed_in):
    client, user = signed_in("front-desk")
    patient = make_patient()
    client.get(f"/patients/{patient.id}")
    client.post_form(f"/patients/{patient.id}/archive")
    client.get("/admin/users")
    view = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "patient.view")
    ).one()
    assert (view.user_id, view.username, view.patient_id, view.outcome) == (
        user.id,
        user.username,
        patient.id,
        "success",
    )
    assert view.ip == "127.0.0.1"
    assert view.at is not None
    assert {"auth.login", "patient.view", "patient.archive", "access.denied"} <= set(types())


def test_undeclared_event_types_are_refused(app):
    with pytest.raises(UndeclaredAuditEvent):
        record("made.up")


def test_chain_verifies_when_untouched(app, runner):
    for n in range(5):
        record("patient.search", detail={"n": n})
    db.session.commit()
    assert verify_chain().ok
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact: 5 records" in result.output


def _drop_append_only_triggers():
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))


def _recreate_triggers():
    from clinic.audit.models import append_only_ddl

    for statement in append_only_ddl()[db.engine.dialect.name]:
        db.session.execute(text(statement))
    db.session.commit()


def test_the_database_refuses_to_change_or_delete_audit_rows(app):
    record("patient.search")
    db.session.commit()
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE audit_events SET username = 'someone-else'"))
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    assert len(types()) == 1


def test_verify_reports_the_first_row_changed_by_hand(app, runner):
    for n in range(4):
        record("patient.search", detail={"n": n})
    db.session.commit()
    _drop_append_only_triggers()
    db.session.execute(text("UPDATE audit_events SET detail = '{\"n\": 99}' WHERE seq = 3"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at record 3" in result.output and "altered" in result.output
    _recreate_triggers()


def test_verify_reports_a_removed_row(app, runner):
    for n in range(4):
        record("patient.search", detail={"n": n})
    db.session.commit()
    _drop_append_only_triggers()
    db.session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "record 2 is missing" in result.output
    _recreate_triggers()


def test_verify_detects_a_rewritten_chain_link(app):
    for n in range(3):
        record("patient.search", detail={"n": n})
    db.session.commit()
    _drop_append_only_triggers()
    db.session.execute(
        text("UPDATE audit_events SET prev_hash = :h WHERE seq = 2"), {"h": "f" * 64}
    )
    db.session.commit()
    report = verify_chain()
    assert (report.ok, report.broken_at) == (False, 2)
    _recreate_triggers()


def test_admin_filters_and_exports_the_log(app, signed_in):
    desk, desk_user = signed_in("front-desk")
    patient = make_patient(last_name='=HYPERLINK("http://evil")')
    other = make_patient()
    desk.get(f"/patients/{patient.id}")
    desk.get(f"/patients/{other.id}")
    admin, _ = signed_in("admin")
    page = admin.get(f"/admin/audit?patient={patient.id}")
    assert page.status_code == 200
    assert f"#{patient.id}" in page.text and f"#{other.id}<" not in page.text
    by_user = admin.get(f"/admin/audit?user={desk_user.username}&event_type=patient.view")
    assert by_user.text.count('<td title="patient.view">') == 2
    export = admin.get(f"/admin/audit.csv?patient={patient.id}")
    assert export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:4] == ["seq", "at_utc", "user", "event"]
    assert all(row[4] == str(patient.id) for row in rows[1:])
    assert {"audit.view", "audit.export"} <= set(types())


def test_csv_export_neutralises_spreadsheet_formulas(app, signed_in):
    admin, _ = signed_in("admin")
    record("patient.search", detail="=cmd|' /C calc'!A0")
    db.session.commit()
    export = admin.get("/admin/audit.csv?event_type=patient.search")
    assert "'=cmd" in export.get_data(as_text=True)


def test_bad_filters_do_not_crash(app, signed_in):
    admin, _ = signed_in("admin")
    assert admin.get("/admin/audit?patient=abc&start=notadate").status_code == 200
    assert admin.get("/admin/audit.csv?start=notadate").status_code == 400
