"""Insurance's "today" is the clinic's day, and its times are the clinic's: at 22:30 in
New York (already the next day in UTC) a verification call defaults to today, a claim
marked submitted is submitted today, and a signed note shows the New York time."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.api import db
from clinic.testing import make_patient
from plugins.insurance.models import VerificationNote
from plugins.insurance.tests.factories import make_claim, make_necessity, make_payer, make_policy

EVENING = dt.datetime(2026, 3, 10, 2, 30)  # UTC: 22:30 EDT on 9 March in New York
DAY = dt.date(2026, 3, 9)


@pytest.fixture
def evening(frozen_clock):
    return frozen_clock(EVENING)


def test_verification_call_defaults_to_the_clinic_day(app, signed_in, evening):
    client, _ = signed_in("front-desk")
    patient = make_patient()
    policy = make_policy(patient, make_payer(), effective_date=dt.date(2026, 1, 1))
    url = f"/insurance/patients/{patient.id}/verifications/new"
    form = client.get(url).text
    assert 'name="called_on" required type="date" value="2026-03-09"' in form
    call = {"policy_id": str(policy.id), "representative": "Sam", "covers_massage": "y"}
    tomorrow = client.post_form(url, {**call, "called_on": "2026-03-10"})
    assert "The call cannot be in the future." in tomorrow.text
    assert db.session.query(VerificationNote).count() == 0
    assert client.post_form(url, {**call, "called_on": "2026-03-09"}).status_code == 302


def test_a_claim_marked_submitted_is_submitted_on_the_clinic_day(app, signed_in, evening):
    client, user = signed_in("billing")
    patient = make_patient()
    claim = make_claim(patient, user, payer=make_payer(), day=dt.date(2026, 3, 2))
    url = f"/insurance/patients/{patient.id}/claims/{claim.id}/status"
    assert client.post_form(url, {"status": "submitted"}).status_code == 302
    db.session.expire_all()
    assert claim.submitted_on == DAY
    page = client.get(f"/insurance/patients/{patient.id}/claims/{claim.id}").text
    assert "<dt>Submitted</dt><dd>2026-03-09</dd>" in page


def test_signed_necessity_note_shows_the_clinic_time(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient()
    note = make_necessity(
        patient,
        user,
        period_start=dt.date(2025, 12, 1),
        period_end=dt.date(2026, 1, 15),
        status="signed",
        signed_at=dt.datetime(2026, 1, 16, 3, 30),  # 22:30 EST on 15 January
        signed_by_id=user.id,
        content_hash="0" * 64,
    )
    page = client.get(f"/insurance/patients/{patient.id}/necessity/{note.id}").text
    assert "on 2026-01-15 22:30 EST" in page
    assert "2026-01-16" not in page and "UTC" not in page
