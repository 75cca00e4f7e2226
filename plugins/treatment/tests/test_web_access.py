"""Who sees what: front desk sees that sessions happened, billing sees minutes, therapists
see notes; every view is audited; billable services come only from signed notes."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from sqlalchemy import select

from clinic.api import (
    AuditEvent,
    AuthorizationStatus,
    OutcomeMeasure,
    clinic_today,
    collect,
    db,
    hookimpl,
    utcnow,
)
from clinic.testing import make_patient, make_user, register_hooks
from plugins.treatment.models import ErrorMark, Note
from plugins.treatment.tests.factories import make_note, make_plan


def audited(kind):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)).all()


def test_front_desk_sees_session_date_and_therapist_but_no_content(app, signed_in):
    client, _user = signed_in("front-desk")
    therapist = make_user("therapist", display_name="Robin Kneads")
    patient = make_patient()
    note = make_note(patient, therapist, signed=True, subjective="Secret subjective")
    page = client.get(f"/treatment/patients/{patient.id}/sessions")
    assert page.status_code == 200
    assert note.session_date.isoformat() in page.text and "Robin Kneads" in page.text
    assert "Secret subjective" not in page.text and "Minutes" not in page.text
    chart = client.get(f"/patients/{patient.id}")
    assert "Treatment sessions" in chart.text and "Secret subjective" not in chart.text
    assert "Treatment plans" not in chart.text
    assert client.get(f"/treatment/patients/{patient.id}/notes/{note.id}").status_code == 403
    assert audited("treatment.sessions.view")


def test_billing_sees_minutes_and_services_not_text(app, signed_in):
    client, _user = signed_in("billing")
    patient = make_patient()
    make_note(patient, make_user("therapist"), signed=True, subjective="Secret subjective")
    page = client.get(f"/treatment/patients/{patient.id}/sessions")
    assert "Neuromuscular therapy (NMT) (15)" in page.text
    assert "40" in page.text  # total minutes
    assert "Secret subjective" not in page.text


def test_note_view_is_audited(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    client.get(f"/treatment/patients/{note.patient_id}/notes/{note.id}")
    events = audited("treatment.note.view")
    assert [(e.patient_id, e.object_id) for e in events] == [(note.patient_id, str(note.id))]


def test_billable_services_only_for_signed_notes_in_range(app):
    therapist = make_user("therapist")
    patient = make_patient()
    today = clinic_today()
    signed = make_note(patient, therapist, signed=True)
    make_note(patient, therapist)  # draft: not billable
    wrong = make_note(patient, therapist, signed=True)
    db.session.add(ErrorMark(note_id=wrong.id, author_id=therapist.id, reason="wrong patient"))
    make_note(patient, therapist, signed=True, day=today - dt.timedelta(days=30))
    db.session.commit()
    services = collect(
        "billable_services", patient=patient, start=today - dt.timedelta(days=7), end=today
    )
    assert sorted((s.service, s.minutes, s.timed) for s in services) == [
        ("treatment.hot_pack", 15, False),
        ("treatment.nmt", 15, True),
        ("treatment.prt", 10, True),
    ]
    assert {s.source_id.split(":")[1] for s in services} == {str(signed.id)}
    assert all(s.signed and s.provider_id == therapist.id for s in services)


class Others:
    @hookimpl
    def patient_outcome_measures(self, patient):
        return [OutcomeMeasure("odi", "Oswestry Disability Index", clinic_today(), 18.0, "%")]

    @hookimpl
    def authorization_status(self, patient, on_date):
        return [AuthorizationStatus(visits_authorized=8, payer="Acme Health")]


def test_progress_view_shows_pain_drop_goals_and_authorized_visits(app, signed_in):
    register_hooks(app, Others(), "others-test")
    client, user = signed_in("therapist")
    patient = make_patient()
    plan = make_plan(patient, user)
    today = clinic_today()
    make_note(
        patient,
        user,
        plan=plan,
        signed=True,
        day=today - dt.timedelta(days=7),
        pain_before=7,
        pain_after=4,
    )
    make_note(patient, user, plan=plan, signed=True, day=today, pain_before=5, pain_after=2)
    page = client.get(f"/treatment/patients/{patient.id}/plans/{plan.id}/progress")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "Average pain drop per session: 3.0 points" in page.text
    assert "met" in page.text and "18%" in page.text
    assert "<dt>Authorized</dt><dd>8 (Acme Health)</dd>" in page.text
    assert audited("treatment.progress.view")


def test_progress_pdf(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient(first_name="Ida", last_name="Pdfson")
    plan = make_plan(patient, user)
    make_note(patient, user, plan=plan, signed=True)
    response = client.get(f"/treatment/patients/{patient.id}/plans/{plan.id}/progress.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Ida Pdfson" in text and "M54.50" in text
    assert audited("pdf.print")


def test_todo_lists_unsigned_notes_older_than_setting(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient(last_name="Overdue")
    old = make_note(patient, user)
    db.session.execute(
        Note.__table__.update()
        .where(Note.id == old.id)
        .values(created_at=utcnow() - dt.timedelta(hours=30))
    )
    make_note(make_patient(last_name="Fresh"), user)
    db.session.commit()
    page = client.get("/treatment/todo")
    overdue = page.text.split("Other drafts")[0]
    assert "Overdue" in overdue and "Fresh" not in overdue
    assert "Unsigned notes" in client.get("/patients/").text  # nav item


def test_alerts_for_reevaluation_due_and_plan_ending(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient()
    today = clinic_today()
    make_plan(
        patient,
        user,
        start_date=today - dt.timedelta(weeks=6),
        weeks=6,
        reeval_date=today - dt.timedelta(days=1),
    )
    chart = client.get(f"/patients/{patient.id}").text
    assert "Re-evaluation due (plan #" in chart
    assert "ends" in chart and "Re-evaluate, then extend or complete the plan." in chart
    desk, _ = signed_in("front-desk")
    assert "Re-evaluation due" not in desk.get(f"/patients/{patient.id}").text
