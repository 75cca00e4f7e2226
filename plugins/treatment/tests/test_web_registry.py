"""A modality registered by another plugin appears in plans and notes and validates."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.api import clinic_today, db, hookimpl
from clinic.testing import make_patient, register_hooks
from plugins.treatment.models import Note, NoteEntry, Plan

# Written the way another plugin writes it: plain data, nothing imported from treatment.
CUP_COUNT = {"name": "cup_count", "label": "Number of cups", "type": "int", "min": 1, "max": 12}
CUPPING = {
    "key": "cupping",
    "label": "Cupping",
    "description": "Suction cups over the back.",
    "fields": [
        CUP_COUNT,
        {"name": "minutes", "label": "Minutes", "type": "int", "min": 1, "max": 120},
    ],
    "plan_fields": [CUP_COUNT],
    "service_key": "cupping.session",
}


class CuppingPlugin:
    @hookimpl
    def treatment_modalities(self):
        return [CUPPING]


@pytest.fixture
def cupping(app):
    register_hooks(app, CuppingPlugin(), "cupping-test")


def test_cupping_appears_in_plan_form_and_is_validated(app, signed_in, cupping):
    client, _user = signed_in("therapist")
    patient = make_patient()
    page = client.get(f"/treatment/patients/{patient.id}/plans/new")
    assert "Use Cupping" in page.text and "Number of cups" in page.text
    base = {
        "diagnoses": "M54.50",
        "times_per_week": "2",
        "weeks": "3",
        "start_date": clinic_today().isoformat(),
        "m_cupping-use": "y",
    }
    bad = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new", {**base, "m_cupping-cup_count": "40"}
    )
    assert bad.status_code == 400 and "Number of cups must be between 1 and 12" in bad.text
    good = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new", {**base, "m_cupping-cup_count": "6"}
    )
    assert good.status_code == 302
    plan = db.session.scalars(select(Plan)).one()
    assert plan.modalities[0].parameters == {"cup_count": 6}
    assert plan.planned_visits == 6


def test_cupping_entry_in_a_note(app, signed_in, cupping):
    client, user = signed_in("therapist")
    patient = make_patient()
    note = Note(
        patient_id=patient.id, therapist_id=user.id, nonce="cup", session_date=clinic_today()
    )
    note.entries.append(NoteEntry(modality_key="cupping", values={}))
    db.session.add(note)
    db.session.commit()
    entry = note.entries[0]
    base = {
        "version": str(note.version),
        "session_date": clinic_today().isoformat(),
        "start_time": "09:00",
        "end_time": "09:30",
        f"e{entry.id}-minutes": "20",
    }
    url = f"/treatment/patients/{patient.id}/notes/{note.id}"
    bad = client.post_form(url, {**base, f"e{entry.id}-cup_count": "0"})
    assert bad.status_code == 400 and "Number of cups must be between 1 and 12" in bad.text
    good = client.post_form(url, {**base, f"e{entry.id}-cup_count": "4"})
    assert good.status_code == 302, good.text
    db.session.expire_all()
    saved = db.session.get(NoteEntry, entry.id)
    assert saved.values == {"cup_count": 4, "minutes": 20} and saved.minutes == 20
