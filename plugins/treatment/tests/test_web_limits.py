"""Free text in a note has server-side limits, and an incomplete note is a form error
when signed, never a 500 (issue 12, point 9)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.api import db
from clinic.testing import TEST_PASSWORD, make_patient
from plugins.treatment.forms import FINDING_MAX, NOTE_TEXT_MAX, REASON_MAX
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note, note_form_data


def url(note, suffix=""):
    return f"/treatment/patients/{note.patient_id}/notes/{note.id}{suffix}"


@pytest.fixture
def therapist(signed_in):
    return signed_in("therapist")


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("subjective", NOTE_TEXT_MAX),
        ("objective", NOTE_TEXT_MAX),
        ("assessment", NOTE_TEXT_MAX),
        ("plan_text", NOTE_TEXT_MAX),
        ("palp1_finding", FINDING_MAX),
    ],
)
def test_note_text_over_its_limit_is_a_form_error_and_nothing_is_saved(
    app, therapist, field, limit
):
    client, user = therapist
    note = make_note(make_patient(), user, subjective="before")
    response = client.post_form(url(note), note_form_data(note, **{field: "x" * (limit + 1)}))
    assert response.status_code == 400
    assert f"longer than {limit} characters" in response.text
    db.session.expire_all()
    stored = db.session.get(Note, note.id)
    assert stored.subjective == "before" and stored.version == note.version
    at_limit = client.post_form(url(note), note_form_data(note, **{field: "y" * limit}))
    assert at_limit.status_code == 302


def test_an_override_reason_over_its_limit_is_refused(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, keys=("hot_pack",))
    entry = note.entries[0]
    data = note_form_data(note, **{f"e{entry.id}-heat_override": "z" * (REASON_MAX + 1)})
    response = client.post_form(url(note), data)
    assert response.status_code == 400
    assert f"longer than {REASON_MAX} characters" in response.text
    db.session.expire_all()
    assert db.session.get(Note, note.id).entries[0].heat_override_reason == ""


def test_signing_a_note_without_any_modality_is_a_form_error(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, keys=())
    response = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The note is not complete" in response.text
    assert "Record at least one modality before signing." in response.text
    db.session.expire_all()
    assert not db.session.get(Note, note.id).signed


def test_signing_a_note_missing_its_times_is_a_form_error(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, start_time=None, end_time=None, pain_after=None)
    response = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "The note is not complete" in response.text
    assert db.session.scalars(select(Note).where(Note.signed_at.is_not(None))).all() == []
