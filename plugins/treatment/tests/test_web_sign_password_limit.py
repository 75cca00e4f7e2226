"""The signing password is rate-limited and audited like sign-in (issue 12, point 6)."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import AuditEvent, db
from clinic.testing import TEST_PASSWORD, make_patient
from plugins.treatment.tests.factories import make_note


def test_guessing_the_signing_password_locks_and_is_audited(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    url = f"/treatment/patients/{note.patient_id}/notes/{note.id}/sign"
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert client.post_form(url, {"password": "not-my-password"}).status_code == 400
    response = client.post_form(url, {"password": TEST_PASSWORD})
    assert response.status_code == 400 and "Too many wrong passwords" in response.text
    db.session.refresh(note)
    assert not note.signed
    failed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "auth.reauth_failed")
    ).all()
    assert len(failed) == 6 and all("note signing" in e.detail for e in failed)
