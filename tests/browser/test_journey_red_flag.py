"""Issue 8's "Done when" journey in one real browser, by clicking like the staff do.

The front desk hands a tablet to a patient, who reports saddle numbness (a cauda-equina
sign) and finishes the packet; the tablet asks them to go to the desk now.  The
therapist's Needs-review list (nav badge) shows this patient first.  The therapist starts
a session note: signing is refused, the page says why and links to the review.  The
clinician records the review (action taken) on the finding's page, and the note signs.

Only the first address is typed; every other step clicks a link, button or label.
Screens go to $CLINIC_SHOTS_DIR if set, else pytest's temporary folder (desk pages at
1366x900, the tablet at 820x1180).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clinic.testing import TEST_PASSWORD, make_patient, make_user
from tests.browser import journeys

pytestmark = pytest.mark.browser

DESK = {"width": 1366, "height": 900}
TABLET = {"width": 820, "height": 1180}
SADDLE = "Do you have numbness or tingling between your legs"


def test_saddle_numbness_on_the_tablet_gates_the_note_until_reviewed(
    browser_page, live_server, tmp_path
):
    with live_server.app.app_context():
        make_user("front-desk", username="dana")
        make_user("therapist", username="theo", display_name="Theo Therapist")
        # Born 1990: no age flag, so the emergency is the only finding to review.
        make_patient(first_name="Robin", last_name="Saddle", date_of_birth=dt.date(1990, 5, 1))
        other = make_patient(first_name="Casey", last_name="Earlier")
        from plugins.intake.tests.test_browser_tablet import add_red_flag

        add_red_flag(other)  # an older red flag: the new emergency must still come first

    shots = Path(os.environ.get("CLINIC_SHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page = browser_page

    def shoot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)

    # -- The front desk opens the chart and hands this tablet over. --------------------
    page.set_viewport_size(DESK)
    page.goto("/")
    journeys.sign_in(page, "dana", TEST_PASSWORD)
    page.get_by_label("Search patients").fill("Saddle")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Saddle, Robin").click()
    shoot("01-desk-chart")
    page.get_by_role("link", name="Start or continue a packet").click()
    page.get_by_label("Packet", exact=True).select_option(label="New back-pain patient")
    page.get_by_label("Hand this device to the patient (signs me out here)").check()
    shoot("02-desk-handover")
    page.get_by_role("button", name="Start packet").click()

    # -- The patient, on the tablet. ---------------------------------------------------
    page.set_viewport_size(TABLET)
    expect(page.get_by_role("heading", name="Welcome, Robin")).to_be_visible()
    shoot("03-tablet-welcome")
    page.get_by_role("button", name="Start", exact=True).click()
    saw_saddle = False
    while page.locator("h1").inner_text().startswith("Health history"):
        journeys.answer_visible_no(page)
        saddle = page.get_by_role("group", name=re.compile("^" + re.escape(SADDLE)))
        if saddle.count():
            saddle.get_by_label("Yes").check()
            journeys.answer_visible_no(page)  # a follow-up may have appeared
            saddle.get_by_label("Yes").check()
            shoot("04-tablet-saddle")
            saw_saddle = True
        journeys.save(page)
    assert saw_saddle
    journeys.patient_signs_consent(page, lambda *_: shoot("05-tablet-consent"), "Robin Saddle")
    journeys.patient_marks_pain(page, lambda *_: None, {"lower_back_l": 7})
    journeys.patient_finishes(page, lambda *_: shoot("06-tablet-review"))
    see_desk = page.get_by_role(
        "heading", name="Thank you. Please take this tablet to the front desk now."
    )
    expect(see_desk).to_be_visible()
    assert "cauda" not in page.content().lower()  # plain words, no diagnosis
    shoot("07-tablet-see-desk")

    # -- The therapist: Needs review (nav badge) shows Robin first. --------------------
    page.set_viewport_size(DESK)
    page.get_by_role("link", name="Staff: sign in").click()
    journeys.sign_in(page, "theo", TEST_PASSWORD)
    badge = page.locator('[data-nav-count="intake.needs_review"]')
    expect(badge).to_have_text(re.compile("^2"))
    shoot("08-therapist-start")
    page.get_by_role("link", name=re.compile("^Needs review")).click()
    rows = page.locator(".needs-review-row")
    expect(rows.first).to_contain_text("Saddle, Robin")
    expect(rows.first).to_contain_text("Emergency")
    expect(rows.nth(1)).to_contain_text("Earlier, Casey")
    shoot("09-needs-review")

    # -- A session note: the draft starts, the signature is refused. -------------------
    rows.first.get_by_role("link", name="Saddle, Robin").click()
    page.get_by_role("link", name=re.compile("^Saddle, Robin|^Chart$")).first.click()
    expect(page.get_by_role("heading", name="Saddle, Robin")).to_be_visible()
    page.get_by_role("link", name="New session note").click()
    page.get_by_role("button", name="Start note").click()
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("10:30")
    page.get_by_label("Subjective").fill("Came to the desk after the tablet asked.")
    page.get_by_label("Modality to add").select_option(label="Neuromuscular therapy (NMT)")
    page.get_by_role("button", name="Add entry").click()
    nmt = page.get_by_role("group", name="Neuromuscular therapy (NMT)")
    nmt.get_by_role("searchbox", name=re.compile("^Filter")).fill("Lower back")
    nmt.get_by_role("checkbox", name="Lower back, left", exact=True).check()
    nmt.get_by_label("Muscle").select_option("quadratus_lumborum")
    nmt.get_by_label("Side", exact=True).select_option("left")
    nmt.get_by_label("Trigger point").select_option("latent")
    nmt.get_by_label("Pressure (patient-rated 0-10)").fill("4")
    nmt.get_by_label("Hold (seconds)").fill("30")
    nmt.get_by_label("Tenderness before (0-10)").fill("5")
    nmt.get_by_label("Tenderness after (0-10)").fill("3")
    nmt.get_by_label("Minutes", exact=True).fill("20")
    page.get_by_role("button", name="Save note").click()
    shoot("10a-note-saved")
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    sign = page.locator("#sign")
    expect(sign.get_by_text("This note cannot be signed yet.")).to_be_visible()
    expect(sign).to_contain_text("EMERGENCY: possible cauda equina signs (not yet reviewed")
    expect(page.get_by_role("button", name="Sign note")).to_have_count(0)
    shoot("10-note-refused")

    # -- The clinician records the review from the note's link. ------------------------
    sign.get_by_role("link", name="review this finding").click()
    expect(
        page.get_by_role("heading", name="EMERGENCY: possible cauda equina signs")
    ).to_be_visible()
    shoot("11-finding-review")
    page.get_by_label("Action taken (required)").fill("Sent to the emergency department by taxi.")
    page.get_by_role("button", name="Record for this alert only").click()
    expect(
        page.locator("ul.reviews").get_by_text(
            "Action taken: Sent to the emergency department by taxi."
        )
    ).to_be_visible()
    expect(badge).to_have_text(re.compile("^1"))
    shoot("12-finding-reviewed")

    # -- Back to the note: it signs now. -----------------------------------------------
    page.get_by_role("link", name="Back to the page that sent you here").click()
    expect(page.get_by_text("This note cannot be signed yet.")).to_have_count(0)
    page.get_by_label("Your password (to sign)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("matches the stored content")).to_be_visible()
    shoot("13-note-signed")
