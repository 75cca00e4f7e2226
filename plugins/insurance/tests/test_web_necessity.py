"""Medical-necessity notes: drafted from hooks, signed with the password, then sealed
by the database; timely-filing alerts."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import select, text

from clinic.api import OutcomeMeasure, clinic_today, db, hookimpl
from clinic.testing import TEST_PASSWORD, make_patient
from plugins.insurance.models import NecessityNote
from plugins.insurance.tests.factories import make_claim, make_necessity, make_payer
from plugins.insurance.tests.sources import audited, install

# The test app's clinic zone (the default): its day, not the server's.
TODAY = clinic_today(ZoneInfo("America/New_York"))


class Measures:
    @hookimpl
    def patient_outcome_measures(self, patient):
        return [
            OutcomeMeasure(
                "odi",
                "Oswestry Disability Index",
                TODAY - dt.timedelta(days=20),
                42.0,
                "%",
                "severe",
            ),
            OutcomeMeasure("odi", "Oswestry Disability Index", TODAY, 28.0, "%", "moderate"),
        ]


def test_new_note_is_drafted_from_plan_measures_and_sessions(app, signed_in):
    client, _ = signed_in("therapist")
    source = install(app)
    app.extensions["clinic"].pm.register(Measures(), name="measures-test")
    patient = make_patient()
    source.plan(patient, "M54.50")
    source.add(patient, "treatment.nmt", 23, day=TODAY - dt.timedelta(days=2))
    page = client.get(f"/insurance/patients/{patient.id}/necessity/new").text
    assert "M54.50 Low back pain, unspecified" in page
    assert "Cannot sit longer than 20 minutes." in page
    assert "Oswestry Disability Index" in page and "42%" in page and "28%" in page
    assert "97140" in page and "23 min, 2 units" in page
    assert "odi: from 42 to 20" in page


def _create(client, patient, **overrides):
    data = {
        "period_start": (TODAY - dt.timedelta(days=30)).isoformat(),
        "period_end": TODAY.isoformat(),
        "diagnoses": "M54.50",
        "limitations": "Sitting 20 minutes",
        "interventions": "97140 23 min",
        "response": "Tenderness 6 → 3",
        "progress": "ODI 42 → 28",
    }
    data.update(overrides)
    return client.post_form(f"/insurance/patients/{patient.id}/necessity/new", data)


def test_sign_with_password_then_the_database_refuses_changes(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient()
    bad = _create(client, patient, period_end=(TODAY - dt.timedelta(days=40)).isoformat())
    assert bad.status_code == 200 and "The end is before the start." in bad.text
    assert db.session.scalars(select(NecessityNote)).all() == []
    assert _create(client, patient).status_code == 302
    note = db.session.scalars(select(NecessityNote)).one()
    url = f"/insurance/patients/{patient.id}/necessity/{note.id}"
    wrong = client.post_form(f"{url}/sign", {"password": "not-my-password"})
    assert wrong.status_code == 400 and "That password is not right" in wrong.text
    db.session.expire_all()
    assert note.signed_at is None
    assert client.post_form(f"{url}/sign", {"password": TEST_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert note.signed and len(note.content_hash) == 64
    page = client.get(url).text
    assert "The content hash matches the stored content." in page
    assert 'action="' + url + '/save"' not in page
    refused = client.post_form(f"{url}/save", {"response": "changed"})
    assert refused.status_code == 409
    assert audited("insurance.necessity.sign")
    with pytest.raises(Exception, match="signed necessity note cannot be changed"):
        db.session.execute(
            text("UPDATE insurance_necessity_notes SET response = 'x' WHERE id = :id"),
            {"id": note.id},
        )
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="never deleted"):
        db.session.execute(
            text("DELETE FROM insurance_necessity_notes WHERE id = :id"), {"id": note.id}
        )
        db.session.flush()
    db.session.rollback()
    pdf = client.get(f"{url}/pdf")
    body = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Tenderness 6" in body and "Electronically signed" in body


def test_only_the_author_signs_and_billing_only_reads(app, signed_in):
    author_client, author = signed_in("therapist")
    other_client, _ = signed_in("therapist")
    billing_client, _ = signed_in("billing")
    patient = make_patient()
    note = make_necessity(patient, author)
    url = f"/insurance/patients/{patient.id}/necessity/{note.id}"
    assert other_client.post_form(f"{url}/sign", {"password": TEST_PASSWORD}).status_code == 403
    assert billing_client.get(url).status_code == 200
    assert billing_client.post_form(f"{url}/sign", {"password": TEST_PASSWORD}).status_code == 403
    front, _ = signed_in("front-desk")
    assert front.get(url).status_code == 403
    db.session.expire_all()
    assert note.signed_at is None


def test_timely_filing_alert_for_draft_claims_near_the_limit(app, signed_in):
    client, user = signed_in("billing")
    patient = make_patient()
    payer = make_payer(name="Slow Payer", timely_filing_days=30)
    make_claim(patient, user, payer=payer, day=TODAY - dt.timedelta(days=25))
    chart = client.get(f"/patients/{patient.id}").text
    assert "within 5 days" in chart and "Slow Payer" in chart
    late = make_patient()
    make_claim(late, user, payer=payer, day=TODAY - dt.timedelta(days=40))
    assert "past timely filing" in client.get(f"/patients/{late.id}").text
    front, _ = signed_in("front-desk")
    assert "timely filing" not in front.get(f"/patients/{late.id}").text
