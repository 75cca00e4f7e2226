"""Treatment pages show stored (naive UTC) times in the clinic's time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from clinic.api import db
from clinic.testing import make_patient
from plugins.treatment.models import Addendum
from plugins.treatment.tests.factories import make_note, note_form_data


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


def _hot_pack_key(note):
    entry = next(e for e in note.entries if e.modality_key == "hot_pack")
    return entry, f"e{entry.id}-tank_temp_c"


def test_tank_temperature_in_fahrenheit_is_stored_in_celsius(app, therapist):
    # The clinic's stored setting (what an administrator's change writes).
    db.session.execute(
        text("INSERT INTO clinic_settings (key, value) VALUES (:k, :v)"),
        {"k": "treatment.temperature_unit", "v": '"F"'},
    )
    db.session.commit()
    client, user = therapist
    patient = make_patient()
    note = make_note(patient, user, keys=("hot_pack",))
    entry, key = _hot_pack_key(note)
    url = f"/treatment/patients/{patient.id}/notes/{note.id}"

    page = client.get(url)
    assert "Tank temperature (°F)" in page.text
    assert "Tank temperature (°C)" not in page.text
    assert 'value="161.6"' in page.text  # the stored 72 °C

    # Checked in °F: 220 °F is above boiling (212 °F), refused, nothing changes.
    bad = client.post_form(url, note_form_data(note, **{key: "220"}))
    assert bad.status_code == 400
    assert "212" in bad.text
    db.session.refresh(entry)
    assert entry.values["tank_temp_c"] == 72

    saved = client.post_form(url, note_form_data(note, **{key: "160"}))
    assert saved.status_code == 302, saved.text
    db.session.refresh(entry)
    assert entry.values["tank_temp_c"] == 71.1
    again = client.get(url)
    assert 'value="160"' in again.text


def test_a_misspelt_temperature_unit_falls_back_to_celsius(app, therapist):
    db.session.execute(
        text("INSERT INTO clinic_settings (key, value) VALUES (:k, :v)"),
        {"k": "treatment.temperature_unit", "v": '"kelvin"'},
    )
    db.session.commit()
    client, user = therapist
    patient = make_patient()
    note = make_note(patient, user, keys=("hot_pack",))
    page = client.get(f"/treatment/patients/{patient.id}/notes/{note.id}")
    assert page.status_code == 200
    assert "Tank temperature (°C)" in page.text
