"""Consent: the date is filled in, a drawn signature is kept with the typed name, and
the stored record holds the exact text the patient agreed to."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from clinic.api import clinic_today, db
from clinic.testing import make_patient
from plugins.intake import services
from plugins.intake.instruments import CONSENT_TEXT
from plugins.intake.models import IntakeConsentRecord, IntakeRun
from plugins.intake.tests.helpers import default_answers, page_form
from plugins.intake.tests.test_staff_entry import staff_page_url, start_staff_run

# A real 1x1 PNG: what a canvas would send, only smaller.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
DRAWN = "data:image/png;base64," + base64.b64encode(TINY_PNG).decode()


def _consent_page(run):
    return next(p for p in services.run_pages(run) if p.step == "consent")


def _fill_all(client, patient, run, consent_extra):
    url = staff_page_url(patient, run)
    for page in services.run_pages(run):
        data = page_form(page, default_answers(page.step))
        if page.step == "consent":
            data.update(consent_extra)
        response = client.post_form(url(page.number), data)
        if response.status_code != 302:
            return response
    return client.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/submit")


def test_consent_page_prefills_today_and_offers_a_signature_pad(signed_in):
    client, _ = signed_in("therapist")
    patient = make_patient()
    run = start_staff_run(client, patient)
    html = client.get(staff_page_url(patient, run)(_consent_page(run).number)).text
    assert f'value="{clinic_today().isoformat()}"' in html
    assert "data-signature-pad hidden" in html and 'name="consent-drawing"' in html


def test_drawn_signature_and_exact_text_are_stored_with_the_typed_name(signed_in):
    client, _ = signed_in("therapist")
    patient = make_patient()
    run = start_staff_run(client, patient)
    done = _fill_all(client, patient, run, {"consent-drawing": DRAWN})
    assert done.status_code == 302, done.text[:2000]
    record = db.session.scalars(select(IntakeConsentRecord)).one()
    assert record.patient_id == patient.id
    assert record.consent_text == CONSENT_TEXT
    assert record.text_sha256 == hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()
    assert record.typed_name == "Pat Example" and record.signature_png == TINY_PNG
    assert record.signed_on == clinic_today()
    # The therapist sees what was agreed to, with the drawing.
    page = client.get(f"/intake/patients/{patient.id}/responses/{record.response_id}").text
    assert "What the patient agreed to" in page and "Pat Example" in page
    assert 'alt="Signature drawn by the patient" src="data:image/png;base64,' in page
    assert "Massage therapy does not diagnose or cure illness." in page


def test_typed_name_alone_is_a_signature(signed_in):
    client, _ = signed_in("therapist")
    patient = make_patient()
    run = start_staff_run(client, patient)
    assert _fill_all(client, patient, run, {}).status_code == 302
    record = db.session.scalars(select(IntakeConsentRecord)).one()
    assert record.signature_png is None and record.typed_name == "Pat Example"


def test_a_drawing_that_is_not_a_png_is_refused_and_nothing_is_saved(signed_in):
    client, _ = signed_in("therapist")
    patient = make_patient()
    run = start_staff_run(client, patient)
    page = _consent_page(run)
    data = page_form(page, default_answers("consent"))
    data["consent-drawing"] = "data:image/png;base64," + base64.b64encode(b"<svg/>").decode()
    refused = client.post_form(staff_page_url(patient, run)(page.number), data)
    assert refused.status_code == 422
    assert "please draw it again" in refused.text
    db.session.expire_all()
    assert "consent" not in db.session.get(IntakeRun, run.id).answers()
