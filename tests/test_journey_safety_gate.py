"""Across plugins: an emergency raised by the intake screen stops the treatment note's
signature until a clinician records the review on the intake finding's page."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import db
from clinic.testing import TEST_PASSWORD, make_patient
from plugins.intake.models import IntakeFinding
from plugins.intake.tests.helpers import complete_packet
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note

SADDLE = {"history": {"history.saddle_numbness": "true"}}


def test_intake_emergency_blocks_signing_until_its_review_is_recorded(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(client, patient, answers_by_step=SADDLE)
    finding = db.session.scalars(select(IntakeFinding).where(IntakeFinding.emergency)).first()
    assert finding is not None
    note = make_note(patient, user)
    note_url = f"/treatment/patients/{patient.id}/notes/{note.id}"
    assert "This note cannot be signed yet" in client.get(note_url).text
    refused = client.post_form(f"{note_url}/sign", {"password": TEST_PASSWORD})
    assert refused.status_code == 409
    # Every red flag the packet raised (the emergency, and the age flag the test
    # patient's birth date raises) is reviewed on its own intake page.
    red_flags = db.session.scalars(
        select(IntakeFinding).where(
            IntakeFinding.patient_id == patient.id, IntakeFinding.kind == "red_flag"
        )
    ).all()
    for i, finding in enumerate(sorted(red_flags, key=lambda f: not f.emergency)):
        if i == 1:
            # The emergency alone reviewed is not enough while another red flag waits.
            again = client.post_form(f"{note_url}/sign", {"password": TEST_PASSWORD})
            assert again.status_code == 409
        prefix = f"f{finding.id}-"
        recorded = client.post_form(
            f"/intake/patients/{patient.id}/findings/{finding.id}/review",
            {prefix + "action": "reviewed", prefix + "note": "Sent to the emergency room"},
        )
        assert recorded.status_code == 302, recorded.text[:500]
    signed = client.post_form(f"{note_url}/sign", {"password": TEST_PASSWORD})
    assert signed.status_code == 302, signed.text[:2000]
    db.session.expire_all()
    assert db.session.get(Note, note.id).signed
