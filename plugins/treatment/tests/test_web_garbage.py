"""Crafted, malformed posts never cause a server error and never change a signed note."""

from __future__ import annotations

import pytest
from flask import url_for

from clinic.api import db
from clinic.testing import make_patient
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note, make_plan, note_form_data

GARBAGE = ["", "x" * 5000, "-1", "1e309", "nan", "99:99", "2026-02-30", "<script>", "\x00"]


@pytest.mark.parametrize("junk", GARBAGE)
def test_malformed_values_on_every_post_route_are_refused_cleanly(app, signed_in, junk):
    client, user = signed_in("therapist")
    patient = make_patient()
    plan = make_plan(patient, user, status="draft")
    draft = make_note(patient, user, plan=plan)
    signed = make_note(patient, user, plan=plan, signed=True)
    signed_hash = signed.content_hash
    for note in (draft, signed):
        data = {key: junk for key in note_form_data(note)}
        data.update({"action": junk, "target": junk, "reason": junk, "text": junk})
        data.update({"password": junk, "clearance": junk, "nonce": junk, "plan_id": junk})
        data.update({"version": str(note.version)})
        with app.test_request_context():
            urls = [
                url_for(endpoint, patient_id=patient.id, note_id=note.id, plan_id=plan.id)
                for endpoint in (
                    "treatment.note_save",
                    "treatment.note_autosave",
                    "treatment.note_sign",
                    "treatment.note_addendum",
                    "treatment.note_error",
                    "treatment.plan_status",
                    "treatment.plan_clearance",
                    "treatment.plan_edit",
                    "treatment.note_new",
                    "treatment.plan_new",
                )
            ]
        for target in urls:
            response = client.post_form(target, data)
            assert response.status_code < 500, (target, junk, response.status_code)
    db.session.expire_all()
    assert db.session.get(Note, signed.id).content_hash == signed_hash
