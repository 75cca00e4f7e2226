"""The note and plan forms in a real browser at desk and tablet sizes: SOAP sections
stacked top to bottom, modality entries as cards, goals started from intake scores.

Set ``CLINIC_SCREENSHOT_DIR`` to keep the screenshots for a look."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clinic.api import OutcomeMeasure, hookimpl
from clinic.testing import TEST_PASSWORD, make_patient, make_user, register_hooks
from plugins.treatment.tests.factories import make_note, make_plan

pytestmark = pytest.mark.browser

SIZES = {"desk": (1366, 900), "tablet": (820, 1180)}


class Scores:
    @hookimpl
    def patient_outcome_measures(self, patient):
        return [OutcomeMeasure("odi", "Oswestry Disability Index", dt.date(2026, 10, 1), 42.0, "%")]


def _shot(page, name: str) -> None:
    folder = os.environ.get("CLINIC_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_note_reads_soap_top_to_bottom_at_desk_and_tablet_sizes(browser_page, live_server):
    register_hooks(live_server.app, Scores(), "scores-test")
    with live_server.app.app_context():
        user = make_user("therapist", username="tina", display_name="Tina Therapist")
        patient = make_patient(first_name="Paula", last_name="Backache")
        plan = make_plan(patient, user, status="draft")
        note = make_note(patient, user, plan=plan)
        patient_id, session_day = patient.id, note.session_date.isoformat()
    page = browser_page
    page.goto("/auth/login")
    page.get_by_label("User name").fill("tina")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/patients/{patient_id}")

    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"/patients/{patient_id}")
        page.get_by_role("link", name="New treatment plan").click()
        expect(page.get_by_label("Goal 1: baseline")).to_have_value("42")
        latest = "Latest Oswestry Disability Index: 42% on 2026-10-01."
        expect(page.get_by_text(latest).first).to_be_visible()
        expect(page.get_by_role("button", name="Save and activate")).to_be_visible()
        _shot(page, f"plan-form-{size}")

        page.goto(f"/patients/{patient_id}")
        page.get_by_role("link", name=session_day).first.click()
        tops = [
            page.get_by_role("group", name=name, exact=True).bounding_box()
            for name in ("Subjective", "Objective", "Assessment", "Plan")
        ]
        # Stacked: each section starts below the end of the one before it.
        for upper, lower in zip(tops, tops[1:], strict=False):
            assert lower["y"] >= upper["y"] + upper["height"] - 1, (size, tops)
            assert abs(lower["x"] - upper["x"]) < 2
        cards = page.locator("fieldset.modality-card")
        expect(cards).to_have_count(3)
        objective = tops[1]
        for i in range(3):
            box = cards.nth(i).bounding_box()
            assert objective["y"] < box["y"] < objective["y"] + objective["height"]
            assert box["width"] <= objective["width"]
        # Nothing sticks out sideways at this size.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"note-form-{size}")
