"""Treatment pages show stored (naive UTC) times in the clinic's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.api import db
from clinic.testing import make_patient
from plugins.treatment.models import Addendum
from plugins.treatment.tests.factories import make_note


@pytest.fixture
def therapist(signed_in):
    return signed_in("therapist")


def test_note_page_shows_times_in_the_clinic_zone_never_raw_utc(app, therapist):
    client, user = therapist
    patient = make_patient()
    note = make_note(patient, user, signed=True)
    # 16:05 UTC on 1 July is 12:05 in New York (daylight time) and 18:05 in Berlin.
    db.session.add(
        Addendum(
            note_id=note.id,
            author_id=user.id,
            created_at=dt.datetime(2026, 7, 1, 16, 5),
            reason="Late entry",
            text="Client called back.",
        )
    )
    db.session.commit()
    page = client.get(f"/treatment/patients/{patient.id}/notes/{note.id}")
    assert page.status_code == 200
    assert "2026-07-01 12:05 EDT" in page.text
    assert "16:05" not in page.text
    assert " UTC" not in page.text

    app.config["CLINIC_TIME_ZONE"] = "Europe/Berlin"
    page = client.get(f"/treatment/patients/{patient.id}/notes/{note.id}")
    assert "2026-07-01 18:05 CEST" in page.text
