"""Session notes through the web: create, save, validate, sign, addenda, errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from clinic.api import AuditEvent, clinic_today, db
from clinic.testing import TEST_PASSWORD, make_patient, register_hooks
from plugins.treatment.models import Addendum, ErrorMark, Note
from plugins.treatment.tests.factories import make_note, make_plan, note_form_data


def url(note, suffix=""):
    return f"/treatment/patients/{note.patient_id}/notes/{note.id}{suffix}"


def events(kind):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)).all()


@pytest.fixture
def therapist(signed_in):
    return signed_in("therapist")


def test_new_note_is_prefilled_from_plan_and_previous_session(app, therapist):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user)
    make_note(patient, user, plan=plan, signed=True, day=clinic_today() - dt.timedelta(days=7))
    response = client.post_form(
        f"/treatment/patients/{patient.id}/notes/new",
        {"plan_id": str(plan.id), "session_date": clinic_today().isoformat(), "nonce": "abc123"},
    )
    assert response.status_code == 302
    note = db.session.scalars(select(Note).where(Note.nonce == "abc123")).one()
    assert [e.modality_key for e in note.entries] == ["nmt", "prt", "hot_pack"]
    nmt = note.entries[0].values
    assert nmt["muscle"] == "quadratus_lumborum" and nmt["minutes"] == 15
    assert note.entries[1].values["hold_seconds"] == 90
    assert note.plan_text == "Continue weekly."
    assert note.entries[2].values.get("screen_confirmed") is None  # safety checks are redone
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Neuromuscular therapy (NMT)" in page.text
    assert re.search(
        r'<option selected value="quadratus_lumborum"|value="quadratus_lumborum" selected',
        page.text,
    )


def test_double_submission_creates_one_note(app, therapist):
    client, user = therapist
    patient = make_patient()
    form = {"plan_id": "", "session_date": clinic_today().isoformat(), "nonce": "same-click"}
    first = client.post_form(f"/treatment/patients/{patient.id}/notes/new", form)
    second = client.post_form(f"/treatment/patients/{patient.id}/notes/new", form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert (
        db.session.scalars(select(Note).where(Note.patient_id == patient.id)).all().__len__() == 1
    )


def test_valid_save_then_sign_stores_hash_and_locks(app, therapist):
    client, user = therapist
    patient = make_patient()
    note = make_note(patient, user)
    response = client.post_form(url(note), note_form_data(note))
    assert response.status_code == 302, response.text
    db.session.refresh(note)
    assert note.palpation == [{"region": "lower_back_l", "finding": "Taut band, tender"}]
    assert note.entries[2].values["skin_checks"][0] == {"minute": 5, "finding": "even pink"}
    response = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert response.status_code == 302, response.text
    db.session.refresh(note)
    assert note.signed and len(note.content_hash) == 64
    page = client.get(url(note))
    assert note.content_hash in page.text
    assert "matches the stored content" in page.text
    assert "40 in total, of which 25 timed one-on-one" in page.text
    assert events("treatment.note.sign")


def test_sign_refuses_wrong_password(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user)
    response = client.post_form(url(note, "/sign"), {"password": "not-my-password"})
    assert response.status_code == 400
    assert "password is not right" in response.text
    db.session.refresh(note)
    assert not note.signed


def test_only_the_author_signs(app, therapist, signed_in):
    _client, author = therapist
    other_client, _other = signed_in("therapist")
    note = make_note(make_patient(), author)
    response = other_client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert response.status_code == 403
    db.session.refresh(note)
    assert not note.signed


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_time": "11:00", "end_time": "10:30"}, "end_time", "end after it starts"),
        ({"start_time": "10:00", "end_time": "10:20"}, "", "add up to 40 minutes"),
        ({"pain_before": "11"}, "pain_before", "whole number from 0 to 10"),
        ({"pain_after": "-1"}, "pain_after", "whole number from 0 to 10"),
        ({"pain_after": "seven"}, "pain_after", "whole number from 0 to 10"),
        ("hold0", "", "Hold (seconds) must be between 1 and 600"),
        ("hold_hours", "", "Hold (seconds) must be between 1 and 600"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(app, therapist, overrides, field, message):
    client, user = therapist
    note = make_note(make_patient(), user, subjective="original")
    if overrides in ("hold0", "hold_hours"):
        overrides = {f"e{note.entries[0].id}-hold_seconds": "0" if overrides == "hold0" else "7200"}
    before = (note.version, note.start_time, note.pain_before, note.entries[0].values)
    data = note_form_data(note, subjective="changed", **overrides)
    response = client.post_form(url(note), data)
    assert response.status_code == 400
    assert message in response.text
    db.session.expire_all()
    note = db.session.get(Note, note.id)
    assert (note.version, note.start_time, note.pain_before, note.entries[0].values) == before
    assert note.subjective == "original"


def test_other_patients_note_under_this_patient_is_404(app, therapist):
    client, user = therapist
    mine, theirs = make_patient(), make_patient()
    note = make_note(theirs, user)
    assert client.get(f"/treatment/patients/{mine.id}/notes/{note.id}").status_code == 404
    response = client.post_form(
        f"/treatment/patients/{mine.id}/notes/{note.id}", note_form_data(note)
    )
    assert response.status_code == 404


def test_every_route_refuses_to_change_a_signed_note(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, signed=True, subjective="signed text")
    entry = note.entries[0]
    signed_hash = note.content_hash
    data = note_form_data(note, subjective="tampered")
    attempts = [
        client.post_form(url(note), data),
        client.post_form(url(note, "/autosave"), data),
        client.post_form(url(note), {"action": "add", "add_modality": "nmt", "version": "2"}),
        client.post_form(url(note), {"action": f"remove:{entry.id}", "version": "2"}),
        client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD}),
    ]
    assert [r.status_code for r in attempts] == [409] * 5
    db.session.expire_all()
    note = db.session.get(Note, note.id)
    assert note.subjective == "signed text"
    assert len(note.entries) == 3
    assert note.content_hash == signed_hash


def test_addendum_and_error_mark_are_kept_under_signed_note(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, signed=True)
    r = client.post_form(url(note, "/addenda"), {"reason": "Late entry", "text": "Forgot: ice."})
    assert r.status_code == 302
    r = client.post_form(url(note, "/addenda"), {"reason": "Typo", "text": "Side was right."})
    assert r.status_code == 302
    r = client.post_form(url(note, "/error"), {"reason": "Wrong patient"})
    assert r.status_code == 302
    page = client.get(url(note)).text
    assert page.index("Forgot: ice.") < page.index("Side was right.")
    assert "Entered in error" in page and "Wrong patient" in page
    assert db.session.get(Note, note.id) is not None
    assert len(db.session.scalars(select(Addendum)).all()) == 2
    assert len(db.session.scalars(select(ErrorMark)).all()) == 1
    again = client.post_form(url(note, "/error"), {"reason": "Again"})
    assert again.status_code == 409


def test_addendum_needs_reason_and_text(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, signed=True)
    r = client.post_form(url(note, "/addenda"), {"reason": "", "text": ""})
    assert r.status_code == 400
    assert not db.session.scalars(select(Addendum)).all()


def test_hot_pack_entry_over_heat_contraindication_needs_written_override(app, therapist):
    from clinic.api import SafetyFlag, hookimpl

    class Flags:
        @hookimpl
        def patient_safety_flags(self, patient):
            return [SafetyFlag("neuro", "heat", "Reduced sensation", "No heat", ("lower_back_l",))]

    register_hooks(app, Flags(), "flags-test")
    client, user = therapist
    note = make_note(make_patient(), user, keys=("hot_pack",))
    entry = note.entries[0]
    refused = client.post_form(url(note), note_form_data(note, subjective="x"))
    assert refused.status_code == 400
    assert "No heat over Lower back, left: Reduced sensation" in refused.text
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective != "x"
    data = note_form_data(note, **{f"e{entry.id}-heat_override": "Sensation normal on retest"})
    assert client.post_form(url(note), data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Note, note.id).entries[0].heat_override_reason.startswith("Sensation")
    assert events("treatment.heat_override")


def test_reused_nonce_under_another_patient_is_404(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user)
    other = make_patient()
    form = {"plan_id": "", "session_date": clinic_today().isoformat(), "nonce": note.nonce}
    response = client.post_form(f"/treatment/patients/{other.id}/notes/new", form)
    assert response.status_code == 404
    assert db.session.scalars(select(Note).where(Note.patient_id == other.id)).all() == []
