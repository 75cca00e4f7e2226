"""A therapist's session in a real browser: plan with three modalities, a note with one
entry of each (autosaved while typing), signing, an addendum, and the pain drop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clinic.testing import TEST_PASSWORD, make_patient, make_user

pytestmark = pytest.mark.browser


def test_plan_session_sign_addendum_progress(browser_page, live_server):
    with live_server.app.app_context():
        make_user("therapist", username="tina", display_name="Tina Therapist")
        patient_id = make_patient(first_name="Paula", last_name="Backache").id
    page = browser_page

    page.goto("/auth/login")
    page.get_by_label("User name").fill("tina")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/patients/{patient_id}")

    # The plan: diagnosis, a goal, all three modalities.
    page.get_by_role("link", name="New treatment plan").click()
    page.get_by_label("Find a diagnosis code (code or words)").fill("low back")
    pick = page.get_by_role("button", name="Add M54.50 Low back pain, unspecified")
    # Readable on the white form (it once borrowed the header's white link style).
    assert pick.evaluate("el => getComputedStyle(el).color") != "rgb(255, 255, 255)"
    pick.click()
    expect(page.get_by_label("Diagnoses (ICD-10-CM codes)")).to_have_value("M54.50")
    page.get_by_label("Problems").fill("Cannot sit longer than 20 minutes.")
    page.get_by_label("Goal 1: instrument or measure").fill("odi")
    page.get_by_label("Goal 1: baseline").fill("42")
    page.get_by_label("Goal 1: target").fill("20")
    page.get_by_label("Goal 1: by date").fill("2027-03-15")
    for name, region in (
        ("Neuromuscular therapy (NMT)", "Lower back, left"),
        ("Positional release therapy (PRT, strain-counterstrain)", "Buttock, right"),
        ("Hot pack", "Lower back, left"),
    ):
        group = page.get_by_role("group", name=name)
        group.get_by_label(f"Use {name}").check()
        # The region checklist: filter it, then tick (no Ctrl-click list box).
        group.get_by_role("searchbox", name=re.compile("^Filter")).fill(region.split(",")[0])
        group.get_by_role("checkbox", name=region, exact=True).check()
        group.get_by_label("Minutes per visit").fill("15")
    # Nothing blocks this plan, so one click saves and activates it.
    page.get_by_role("button", name="Save and activate").click()
    expect(page.get_by_text("Treatment plan saved and active.")).to_be_visible()
    expect(page.get_by_text("6 planned visits")).to_be_visible()

    # A session note, prefilled from the plan.
    page.get_by_role("link", name="New session note").click()
    page.get_by_role("button", name="Start note").click()
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("10:50")
    page.get_by_label("Pain before the session (0–10)").fill("7")
    page.get_by_label("Pain after the session (0–10)").fill("3")
    page.get_by_label("Subjective").fill("Back stiff after a long drive.")
    expect(page.get_by_text(re.compile(r"^Saved \d\d:\d\d$"))).to_be_visible(timeout=15_000)
    page.get_by_label("Objective").fill("Taut band in left quadratus lumborum.")
    page.get_by_label("Palpation 1: region").select_option("lower_back_l")
    page.get_by_label("Palpation 1: finding").fill("Tender, taut band")
    page.get_by_label("Assessment").fill("Improving.")
    page.get_by_label("Plan", exact=True).fill("Continue weekly.")

    nmt = page.get_by_role("group", name="Neuromuscular therapy (NMT)")
    # The plan's areas start the entry's regions treated.
    expect(nmt.get_by_role("checkbox", name="Lower back, left", exact=True)).to_be_checked()
    nmt.get_by_label("Muscle").select_option("quadratus_lumborum")
    nmt.get_by_label("Side", exact=True).select_option("left")
    nmt.get_by_label("Trigger point").select_option("active")
    nmt.get_by_label("Pressure (patient-rated 0-10)").fill("7")
    nmt.get_by_label("Hold (seconds)").fill("60")
    nmt.get_by_label("Tenderness before (0-10)").fill("6")
    nmt.get_by_label("Tenderness after (0-10)").fill("3")

    prt = page.get_by_role("group", name="Positional release therapy (PRT, strain-counterstrain)")
    prt.get_by_label("Tender point").select_option("pl5")
    prt.get_by_label("Side", exact=True).select_option("right")
    prt.get_by_label("Tenderness before (0-10)").fill("7")
    prt.get_by_label("Position: flexion or extension").select_option("extension")
    prt.get_by_label("Position: side-bending").select_option("left")
    prt.get_by_label("Position: rotation").select_option("none")
    expect(prt.get_by_label("Hold (seconds)")).to_have_value("90")
    prt.get_by_label("Tenderness reduction in position (%)").fill("80")
    prt.get_by_label("Tenderness after (0-10)").fill("2")
    prt.get_by_label("Minutes", exact=True).fill("10")

    hot = page.get_by_role("group", name="Hot pack")
    hot.get_by_label("Region").select_option("lower_back_l")
    hot.get_by_label("Tank temperature (°C)").fill("72")
    hot.get_by_label("Towel layers").fill("7")
    hot.get_by_label("Skin checks (minute: finding)").fill("5: even pink\n10: even pink")
    hot.get_by_label("Skin response").select_option("normal_redness")
    hot.get_by_label("Heat contraindication screen confirmed").check()

    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()

    # Sign with the password; the note becomes read-only and shows its hash.
    page.get_by_label("Your password (to sign)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("matches the stored content")).to_be_visible()
    expect(page.get_by_role("button", name="Save note")).to_have_count(0)

    page.get_by_label("Reason for the addendum").fill("Late entry")
    page.get_by_label("Addendum", exact=True).fill("Advised heat at home for 10 minutes.")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_text("Advised heat at home for 10 minutes.")).to_be_visible()

    # Progress shows the pain drop.
    page.get_by_role("link", name=re.compile(r"^Plan #\d+$")).click()
    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_text("Average pain drop per session: 4.0 points")).to_be_visible()
    expect(page.locator("svg")).to_have_count(1)


def test_one_draft_open_on_two_devices_shows_both_versions(browser_page, live_server):
    # Only the author may edit a draft (a colleague sees it read-only), so the conflict
    # to guard against is the author's own second device, e.g. desk PC and tablet.
    from plugins.treatment.tests.factories import make_note

    with live_server.app.app_context():
        author = make_user("therapist", username="ann")
        patient = make_patient()
        note = make_note(patient, author, subjective="Original")
        note_url = f"/treatment/patients/{patient.id}/notes/{note.id}"
    first = browser_page
    context = first.context.browser.new_context(base_url=live_server.url)
    second = context.new_page()
    try:
        for page in (first, second):
            page.goto("/auth/login")
            page.get_by_label("User name").fill("ann")
            page.get_by_label("Password").fill(TEST_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.goto(note_url)
        first.get_by_label("Subjective").fill("Wording typed at the desk")
        expect(first.get_by_text(re.compile(r"^Saved \d\d:\d\d$"))).to_be_visible(timeout=15_000)
        second.get_by_label("Subjective").fill("Wording typed on the tablet")
        alert = second.locator(".autosave-conflict")
        expect(alert).to_be_visible(timeout=15_000)
        expect(alert.get_by_role("cell", name="Wording typed at the desk")).to_be_visible()
        expect(alert.get_by_role("cell", name="Wording typed on the tablet")).to_be_visible()
    finally:
        context.close()


def test_an_unreviewed_emergency_stops_signing_until_reviewed(browser_page, live_server):
    from clinic.api import SafetyFlag, hookimpl
    from plugins.treatment.tests.factories import make_note

    class Flags:
        """Stands in for the intake plugin: one emergency, reviewed when the test says."""

        reviewed = False

        @hookimpl
        def patient_safety_flags(self, patient):
            return [
                SafetyFlag(
                    "cauda_equina",
                    "red_flag",
                    "Saddle numbness reported on the tablet",
                    "Same-day emergency care",
                    emergency=True,
                    reviewed=self.reviewed,
                    link_endpoint="patients.chart",
                    link_values={"patient_id": patient.id},
                )
            ]

    flags = Flags()
    live_server.app.extensions["clinic"].pm.register(flags, name="flags-test")
    with live_server.app.app_context():
        tina = make_user("therapist", username="tina")
        patient = make_patient(first_name="Ella", last_name="Mergency")
        note_url = f"/treatment/patients/{patient.id}/notes/{make_note(patient, tina).id}"
        patient_id = patient.id
    page = browser_page
    page.goto("/auth/login")
    page.get_by_label("User name").fill("tina")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(note_url)

    sign = page.locator("#sign")
    expect(sign.get_by_text("This note cannot be signed yet.")).to_be_visible()
    expect(sign.get_by_text("Saddle numbness reported on the tablet")).to_be_visible()
    link = sign.get_by_role("link", name="review this finding")
    # The review page is told where to lead back to (this note).
    expect(link).to_have_attribute(
        "href", re.compile(rf"^/patients/{patient_id}\?back=(/|%2F)treatment(/|%2F)patients")
    )
    # No password to type while a finding stops the signature; the draft stays editable.
    expect(page.get_by_role("button", name="Sign note")).to_have_count(0)
    page.get_by_label("Subjective").fill("Seen by the desk; waiting for the review.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()

    flags.reviewed = True  # the clinician records the review on the intake side
    page.goto(note_url)
    expect(page.get_by_text("This note cannot be signed yet.")).to_have_count(0)
    page.get_by_label("Your password (to sign)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("matches the stored content")).to_be_visible()
