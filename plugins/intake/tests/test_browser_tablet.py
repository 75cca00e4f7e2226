"""The whole tablet path in a real browser: the front desk hands the device over for
"New back-pain patient", the patient fills every page (tapping the pain diagram) and
reports a cauda-equina sign; the tablet asks them to go to the desk now, the Needs
review list shows them first, a clinician records the review, and the chart shows the
ODI band, the STarT Back risk and the alert."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from clinic.api import clinic_today, db
from clinic.testing import TEST_PASSWORD, make_patient, make_user
from plugins.intake.models import IntakeWordingPack
from plugins.intake.wording import placeholder_pack

pytestmark = pytest.mark.browser


def add_red_flag(patient):
    """An older, unreviewed red flag for another patient (a thoracic-pain answer)."""
    from clinic.api import db, utcnow
    from plugins.intake.models import IntakeFinding, IntakeResponse

    response = IntakeResponse(
        patient_id=patient.id,
        instrument_id="history",
        instrument_version="1.1",
        answers='{"history.thoracic_pain": true}',
        entered_by_kind="patient",
        entered_at=utcnow() - dt.timedelta(hours=3),
    )
    db.session.add(response)
    db.session.flush()
    db.session.add(
        IntakeFinding(
            response_id=response.id,
            patient_id=patient.id,
            code="thoracic_pain",
            kind="red_flag",
            title="Red flag: pain in the middle or upper back",
            message="Answered yes to the thoracic-pain question.",
            advice="Clinician to review before treatment.",
        )
    )
    db.session.commit()


def sign_in(page, username):
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def group(page, question_start: str):
    return page.get_by_role("group", name=re.compile("^" + re.escape(question_start)))


def save(page):
    page.get_by_role("button", name=re.compile(r"^Save and (continue|review)$")).click()


def answer_visible_no(page):
    """Answer No to every yes/no question currently shown."""
    for radio in page.locator("input[type=radio][value=false]").all():
        if radio.is_visible():
            radio.check()


def test_tablet_path_new_back_pain_patient(browser_page, live_server):
    page = browser_page
    with live_server.app.app_context():
        make_user("front-desk", username="dana")
        theo = make_user("therapist", username="theo")
        # The clinic has loaded (invented) wording for the licensed questionnaires, so
        # the tablet asks them; without it they are left out (test_unlicensed_on_tablet).
        for instrument in ("odi", "sbst", "peg"):
            db.session.add(
                IntakeWordingPack(
                    instrument_id=instrument,
                    pack_version="clinic-test",
                    json_text=placeholder_pack(instrument).decode(),
                    uploaded_by_id=theo.id,
                    active=True,
                )
            )
        db.session.commit()
        patient = make_patient(
            first_name="Robin", last_name="Tablet", date_of_birth=dt.date(1990, 5, 1)
        )
        patient_id = patient.id
        earlier = make_patient(first_name="Casey", last_name="Earlier")
        add_red_flag(earlier)

    sign_in(page, "dana")
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Start or continue a packet").click()
    page.get_by_label("Packet", exact=True).select_option(label="New back-pain patient")
    page.get_by_label("Hand this device to the patient (signs me out here)").check()
    page.get_by_role("button", name="Start packet").click()

    # The tablet: only this packet, no navigation.
    expect(page.get_by_role("heading", name="Welcome, Robin")).to_be_visible()
    assert page.locator("nav").count() == 0
    expect(page.locator(".tablet-brand")).to_have_text(live_server.app.config["CLINIC_NAME"])
    start_url = page.url
    page.get_by_role("button", name="Start", exact=True).click()

    # Health history: one warning sign (saddle numbness), everything else "No".  The
    # warning signs come after the easier pages, introduced by why they are asked.
    saddle_text = "Do you have numbness or tingling between your legs"
    while page.locator("h1").inner_text().startswith("Health history"):
        answer_visible_no(page)
        if group(page, saddle_text).count():
            expect(page.locator(".page-intro")).to_contain_text("We ask everyone")
            group(page, saddle_text).get_by_label("Yes").check()
            answer_visible_no(page)
            group(page, saddle_text).get_by_label("Yes").check()
        save(page)

    # Consent.
    expect(page.get_by_text("I have read the consent text above")).to_be_visible()
    page.get_by_label("I have read the consent text above and I agree to treatment.").check()
    page.get_by_label("Type your full name to sign").fill("Robin Tablet")
    with live_server.app.app_context():
        page.get_by_label("Date", exact=True).fill(clinic_today().isoformat())
    save(page)

    # Pain diagram: Enter on a focused region opens the 0-10 choice; nothing is rated
    # until a number is chosen (no silent default), and Escape leaves it unrated.
    rater = page.get_by_role("group", name=re.compile("how much does it hurt"))
    page.locator("a[data-region=neck_l]").focus()
    page.keyboard.press("Enter")
    expect(rater).to_be_visible()
    expect(page.get_by_label("Neck, left", exact=True)).to_have_value("")
    page.keyboard.press("Escape")
    expect(rater).to_be_hidden()
    expect(page.get_by_label("Neck, left", exact=True)).to_have_value("")
    # ...a tap or click on the body, then a number.
    page.locator("a[data-region=lower_back_l]").click()
    rater.get_by_role("button", name="7 out of 10", exact=True).click()
    page.locator("a[data-region=buttock_r]").click()
    rater.get_by_role("button", name="4 out of 10", exact=True).click()
    expect(page.get_by_label("Lower back, left", exact=True)).to_have_value("7")
    expect(page.get_by_label("Buttock, right", exact=True)).to_have_value("4")
    expect(page.locator("[data-number=lower_back_l]")).to_have_text("7")
    save(page)

    # NPRS.
    group(page, "On a scale of 0 to 10").get_by_label("6", exact=True).check()
    save(page)

    # ODI: third-worst statement in every section (3 of 5) -> 60 % "severe".
    for section in range(1, 11):
        group(page, f"Made-up wording for odi.{section} ").locator("input[value='3']").check()
    save(page)

    # STarT Back: agree with every statement and "Extremely" -> high risk.
    for item in range(1, 9):
        group(page, f"Made-up wording for sbst.{item}").locator("input[value='1']").check()
    group(page, "Made-up wording for sbst.9").locator("input[value='4']").check()
    save(page)

    # PEG.
    for item in range(1, 4):
        group(page, f"Made-up wording for peg.{item}").locator("input[value='5']").check()
    save(page)

    # Review, then submit.
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    expect(page.get_by_text("Lower back, left")).to_be_visible()
    page.get_by_role("button", name="Submit answers").click()
    # An emergency answer: plain words, no diagnosis, go to the desk now.
    expect(
        page.get_by_role(
            "heading", name="Thank you. Please take this tablet to the front desk now."
        )
    ).to_be_visible()
    assert "cauda" not in page.content().lower()

    # The token no longer works (asked through the page's own cookies, so the refusal
    # is not logged as a page error).
    dead = page.request.get(start_url)
    assert dead.status == 403
    assert "This questionnaire link cannot be used" in dead.text()

    # The desk sees it at once: the badge on every page and Robin first in Needs review,
    # above the older red flag.
    sign_in(page, "dana")
    expect(page.locator('[data-nav-count="intake.needs_review"]')).to_have_text(re.compile("^2"))
    page.get_by_role("link", name=re.compile("^Needs review")).click()
    rows = page.locator(".needs-review-row")
    expect(rows.first).to_contain_text("Tablet, Robin")
    expect(rows.first).to_contain_text("Emergency")
    expect(rows.nth(1)).to_contain_text("Earlier, Casey")
    page.get_by_role("button", name="Sign out").click()

    # A clinician records the review and the action taken, from the list.
    sign_in(page, "theo")
    page.get_by_role("link", name=re.compile("^Needs review")).click()
    page.locator(".needs-review-row").first.get_by_role("link", name="Tablet, Robin").click()
    expect(
        page.get_by_role("heading", name="EMERGENCY: possible cauda equina signs")
    ).to_be_visible()
    page.get_by_label("Action taken (required)").fill("Sent to the emergency department by taxi.")
    page.get_by_role("button", name="Record for this alert only").click()
    expect(
        page.locator("ul.reviews").get_by_text(
            "Action taken: Sent to the emergency department by taxi."
        )
    ).to_be_visible()
    expect(page.locator('[data-nav-count="intake.needs_review"]')).to_have_text(re.compile("^1"))

    # The therapist sees the scores on the chart; the reviewed emergency has moved into
    # the quiet "Reviewed" list, with the action taken.
    page.goto(f"/patients/{patient_id}")
    expect(page.locator(".alert-emergency")).to_have_count(0)
    reviewed = page.locator(".alerts-reviewed")
    reviewed.get_by_text("Reviewed (1)").click()
    expect(reviewed).to_contain_text("Action taken: Sent to the emergency department by taxi.")
    scores = page.locator("#panel-intake-scores")
    expect(scores.get_by_text("severe", exact=True)).to_be_visible()
    expect(scores.get_by_text("high risk")).to_be_visible()
    expect(
        page.locator("#panel-intake-pain").get_by_text("Lower back, left: 7 / 10")
    ).to_be_visible()
