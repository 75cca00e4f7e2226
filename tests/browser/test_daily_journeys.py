"""A working day in a real browser, by clicking: the desk finds a patient by chart
number from the start page and sends a packet to a tablet; the patient marks pain on
the body and signs with a finger; the therapist's start page shows the new alert.
Screens are saved under pytest's temporary folder (``make screenshots`` keeps the
demo-clinic copies in docs/screens/)."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from clinic.api import db
from clinic.testing import TEST_PASSWORD, make_patient, make_user
from plugins.intake.models import IntakeConsentRecord, IntakeResponse
from tests.browser import journeys

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [(1366, 900), (820, 1180)], ids=["desk", "tablet"])
def test_front_desk_tablet_and_therapist_day(
    _browser, browser_page, live_server, tmp_path, viewport
):
    width, height = viewport
    with live_server.app.app_context():
        make_user("front-desk", username="dana")
        make_user("therapist", username="theo")
        patient = make_patient(
            first_name="Robin", last_name="Harbour", date_of_birth=dt.date(1950, 3, 4)
        )
        patient_id = patient.id

    shots: list[str] = []

    def shoot(page, name):
        page.screenshot(path=str(tmp_path / f"{name}.png"))
        shots.append(name)

    desk = browser_page
    desk.set_viewport_size({"width": width, "height": height})
    desk.goto("/")
    journeys.sign_in(desk, "dana", TEST_PASSWORD)
    registered = desk.locator(
        "section", has=desk.get_by_role("heading", name="Registered recently")
    )
    expect(registered.get_by_role("link", name="Harbour, Robin")).to_be_visible()
    journeys.desk_opens_chart_by_number(desk, shoot, patient_id, "Harbour, Robin")
    code = journeys.desk_starts_tablet_packet(desk, shoot, "New back-pain patient")
    desk.get_by_role("link", name="Today", exact=True).click()
    waiting = desk.locator(
        "section", has=desk.get_by_role("heading", name="Intake packets in progress")
    )
    expect(waiting.get_by_text("waiting for the tablet")).to_be_visible()

    context = _browser.new_context(
        base_url=live_server.url, viewport={"width": 820, "height": 1180}, has_touch=True
    )
    errors: list[str] = []
    tablet = context.new_page()
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.goto("/intake/tablet/")
    expect(tablet.locator(".tablet-brand")).to_have_text(live_server.app.config["CLINIC_NAME"])
    journeys.patient_opens_packet(tablet, shoot, code, "Robin")
    journeys.patient_answers_history_quietly(tablet, shoot)
    journeys.patient_signs_consent(tablet, shoot, "Robin Harbour")
    journeys.patient_marks_pain(tablet, shoot, {"lower_back_l": 7, "neck_r": 0})
    journeys.patient_finishes(tablet, shoot)
    context.close()
    assert not errors, errors

    journeys.sign_out(desk)
    journeys.sign_in(desk, "theo", TEST_PASSWORD)
    journeys.therapist_reviews_start_page(desk, shoot)
    expect(desk.get_by_role("heading", name="Harbour, Robin")).to_be_visible()

    with live_server.app.app_context():
        consent = db.session.query(IntakeConsentRecord).one()
        assert consent.typed_name == "Robin Harbour" and consent.signature_png
        pain = db.session.query(IntakeResponse).filter_by(instrument_id="pain_diagram").one()
        assert pain.answer_dict() == {"lower_back_l": 7, "neck_r": 0}
    assert {"start-front-desk", "chart", "handover-code", "tablet-pain-diagram"} <= set(shots)
