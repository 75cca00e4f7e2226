"""In a real browser: right after signing a session the therapist prints the patient's
handouts from the note's "Print handouts" button, and the downloaded PDF holds the
patient's name, today's modalities and the red-flag section."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from clinic.api import db
from clinic.testing import TEST_PASSWORD, make_patient, make_user
from plugins.intake.models import IntakeFinding, IntakeResponse
from plugins.intake.tests.route_policy import route_args as intake_records
from plugins.treatment.tests.factories import make_note, make_plan

pytestmark = pytest.mark.browser


def test_therapist_prints_handouts_after_a_signed_session(browser_page, live_server, tmp_path):
    with live_server.app.app_context():
        tina = make_user("therapist", username="tina", display_name="Tina Therapist")
        patient = make_patient(first_name="Paula", last_name="Backache")
        plan = make_plan(patient, tina)
        note = make_note(patient, tina, plan=plan, signed=True, keys=("nmt", "hot_pack"))
        intake_records(patient, {"front-desk": tina, "therapist": tina, "admin": tina})
        history = db.session.scalars(
            db.select(IntakeResponse).where(IntakeResponse.instrument_id == "history")
        ).one()
        db.session.add(
            IntakeFinding(
                response_id=history.id,
                patient_id=patient.id,
                code="saddle_numbness",
                kind="red_flag",
                title="Saddle numbness",
                message="Reported numbness in the saddle area.",
                advice="Same-day emergency care.",
                emergency=True,
            )
        )
        db.session.commit()
        patient_id, note_id = patient.id, note.id
        db.session.remove()
    page = browser_page
    page.goto("/auth/login")
    page.get_by_label("User name").fill("tina")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/treatment/patients/{patient_id}/notes/{note_id}")
    # The handouts plugin offers this on the treatment plugin's page through a core hook.
    page.locator(".note-actions").get_by_role("link", name="Print handouts").click()
    # The hot pack of today's session preselects the heat handout.
    expect(page.get_by_label("Using heat at home safely")).to_be_checked()
    page.get_by_label("When to call your doctor").check()
    page.get_by_label("Home-care instructions from the therapist").fill("Walk daily.")
    page.get_by_role("button", name="Make the PDF").click()
    expect(page.get_by_text("Handouts are ready.")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    target = tmp_path / "handouts.pdf"
    info.value.save_as(target)
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in (
        "Paula Backache",
        "Neuromuscular therapy",
        "Hot pack",
        "Please talk to your doctor",
        "Using heat at home safely",
        "Walk daily.",
    ):
        assert expected in text, expected
    page.goto(f"/patients/{patient_id}")
    expect(page.get_by_text("Using heat at home safely (v1)")).to_be_visible()
