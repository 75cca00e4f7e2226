"""The issue's proof in a real browser: payer, policy and a 6-visit authorization; a
signed session of 23 min NMT, 15 min PRT and a hot pack; the biller sees 97140 × 3
(38 timed minutes) and 97010 × 1, the burn-down shows 1 of 6, and the superbill PDF
carries the lines.

The plan and the draft note come from the treatment plugin's own test factories (this
test is about billing, not about typing a SOAP note); the therapist signs it in the
browser, which is what makes its services billable.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from playwright.sync_api import expect

from clinic.api import clinic_today, db
from clinic.testing import TEST_PASSWORD, make_patient, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, username):
    page.goto("/auth/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_payer_policy_authorization_session_claim_and_superbill(browser_page, live_server):
    from plugins.treatment.tests.factories import make_note, make_plan

    with live_server.app.app_context():
        therapist = make_user("therapist", username="tina", display_name="Tina Therapist")
        make_user("billing", username="bill", display_name="Bill Biller")
        patient = make_patient(first_name="Paula", last_name="Backache")
        patient_id = patient.id
        plan = make_plan(patient, therapist)
        note = make_note(patient, therapist, plan=plan, end_time=dt.time(11, 0))
        for entry in note.entries:
            minutes = {"nmt": 23, "prt": 15, "hot_pack": 15}[entry.modality_key]
            entry.minutes = minutes
            entry.values = {**entry.values, "minutes": minutes}
        db.session.commit()
        note_url = f"/treatment/patients/{patient_id}/notes/{note.id}"
        db.session.remove()
    page = browser_page
    with live_server.app.app_context():
        today = clinic_today()

    # The biller sets up coverage.
    _sign_in(page, "bill")
    page.get_by_role("link", name="Payers").click()
    page.get_by_role("link", name="Add a payer").click()
    page.get_by_label("Payer name").fill("Acme Health")
    page.get_by_label("Payer ID").fill("ACME1")
    page.get_by_label("Timely filing limit (days after the visit)").fill("90")
    page.get_by_role("button", name="Save payer").click()
    expect(page.get_by_text("Payer Acme Health added.")).to_be_visible()

    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Coverage, verification calls and authorizations").click()
    page.get_by_role("link", name="Add a policy").click()
    page.get_by_label("Payer").select_option(label="Acme Health")
    page.get_by_label("Member ID").fill("ACM-445566")
    page.get_by_label("Effective from").fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("Copay ($)").fill("20")
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("Policy added.")).to_be_visible()

    page.get_by_role("link", name="Add an authorization").click()
    page.get_by_label("Payer").select_option(label="Acme Health")
    page.get_by_label("Authorization number").fill("AUTH-2026-1")
    page.get_by_label("Number authorized").fill("6")
    page.get_by_label("From", exact=True).fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_label("To", exact=True).fill((today + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Save authorization").click()
    expect(page.get_by_text("0 of 6 visits used")).to_be_visible()
    _sign_out(page)

    # The therapist signs the session (23 min NMT, 15 min PRT, a hot pack).
    _sign_in(page, "tina")
    page.goto(note_url)
    page.get_by_label("Your password (to sign)").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign note").click()
    expect(page.get_by_text("matches the stored content")).to_be_visible()
    # Therapists see the authorization status on the chart, nothing about money.
    page.goto(f"/patients/{patient_id}")
    expect(page.get_by_text("1 of 6 visits used")).to_be_visible()
    expect(page.get_by_text("ACM-445566")).to_have_count(0)
    _sign_out(page)

    # The biller codes the visit with the default mapping.
    _sign_in(page, "bill")
    page.goto(f"/insurance/patients/{patient_id}/coding")
    visit = page.locator("section.visit")
    expect(visit.get_by_text("38 timed minutes")).to_be_visible()
    row_140 = visit.locator("tbody tr", has_text="97140")
    expect(row_140.locator("td").nth(2)).to_have_text("38")
    expect(row_140.locator("td").nth(3)).to_have_text("3")
    expect(row_140.locator("td").nth(4)).to_have_text("GP")
    row_010 = visit.locator("tbody tr", has_text="97010")
    expect(row_010.locator("td").nth(3)).to_have_text("1")
    expect(page.get_by_label("Diagnoses (ICD-10-CM, item 21)")).to_have_value("M54.50")
    page.get_by_role("button", name=re.compile(r"^Accept visit")).click()
    expect(page.get_by_text("accepted as a draft claim")).to_be_visible()

    page.goto(f"/insurance/patients/{patient_id}")
    expect(page.get_by_text("1 of 6 visits used")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "1")

    page.goto(f"/insurance/patients/{patient_id}/coding")
    page.get_by_role("link", name=today.isoformat()).click()
    expect(page.get_by_text("AUTH-2026-1")).to_be_visible()
    href = page.get_by_role("link", name="Superbill (PDF)").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Backache, Paula" in text and "ACM-445566" in text and "M54.50" in text
    assert re.search(r"97140\s+GP", text), text
    assert re.search(r"97010\s+GP", text), text
    assert "Acme Health" in text and "AUTH-2026-1" in text
