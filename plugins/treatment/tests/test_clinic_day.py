"""Treatment's "today" is the clinic's day: at 22:30 in New York (already the next day
in UTC) a new note still defaults to today's date, tomorrow is still the future, and the
therapist's start page says the patient seen today was seen today."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from clinic.testing import make_patient
from plugins.treatment.tests.factories import make_note, make_plan

EVENING = dt.datetime(2026, 3, 10, 2, 30)  # UTC: 22:30 EDT on 9 March in New York
DAY = "2026-03-09"


@pytest.fixture
def therapist(signed_in, frozen_clock):
    frozen_clock(EVENING)
    return signed_in("therapist")


def test_new_note_defaults_to_the_clinic_day_and_refuses_tomorrow(app, therapist):
    client, _ = therapist
    patient = make_patient()
    url = f"/treatment/patients/{patient.id}/notes/new"
    form = client.get(url).text
    assert f'name="session_date" required type="date" value="{DAY}"' in form
    tomorrow = client.post_form(url, {"plan_id": "", "session_date": "2026-03-10", "nonce": "a"})
    assert tomorrow.status_code == 400
    assert "A session cannot be recorded for a future date." in tomorrow.text
    today = client.post_form(url, {"plan_id": "", "session_date": DAY, "nonce": "b"})
    assert today.status_code == 302


def test_new_plan_starts_on_the_clinic_day(app, therapist):
    client, _ = therapist
    patient = make_patient()
    form = client.get(f"/treatment/patients/{patient.id}/plans/new").text
    assert f'name="start_date" required type="date" value="{DAY}"' in form


def test_start_page_lists_the_patient_seen_today_as_today(app, therapist):
    client, user = therapist
    patient = make_patient(first_name="Seen", last_name="Tonight")
    make_note(patient, user, signed=True, day=dt.date(2026, 3, 9))
    page = client.get("/start").text
    # The treatment plugin's own list (the handouts plugin may list the name first).
    row = page[page.index("Your patients seen recently") :]
    row = row[: row.index("</li>")]
    assert "last session 2026-03-09" in row
    assert '<time datetime="2026-03-09" class="wl-when">today</time>' in row


def test_progress_report_is_dated_the_clinic_day(app, therapist):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user, start_date=dt.date(2026, 2, 2))
    make_note(patient, user, plan=plan, signed=True, day=dt.date(2026, 3, 9))
    pdf = client.get(f"/treatment/patients/{patient.id}/plans/{plan.id}/progress.pdf")
    assert pdf.status_code == 200
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert f"Plan #{plan.id} · {DAY}" in text
    assert "2026-03-10" not in text
