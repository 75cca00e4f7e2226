"""Payers, policies, verification calls and authorizations through the forms; usage,
burn-down, alerts and the authorization_status hook."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from clinic.api import clinic_today, collect, db
from clinic.testing import make_patient
from plugins.insurance.models import Authorization, Payer, Policy, VerificationNote
from plugins.insurance.tests.factories import make_authorization, make_payer
from plugins.insurance.tests.sources import audited, install

# The test app's clinic zone (the default): its day, not the server's.
TODAY = clinic_today(ZoneInfo("America/New_York"))


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_front_desk_adds_payer_policy_call_and_authorization(app, signed_in):
    client, _ = signed_in("front-desk")
    patient = make_patient()
    response = client.post_form(
        "/insurance/payers/new",
        {
            "name": "Acme Health",
            "payer_code": "acme1",
            "timely_filing_days": "90",
            "unit_rule": "midpoint",
        },
    )
    assert response.status_code == 302
    payer = db.session.scalars(select(Payer)).one()
    assert (payer.payer_code, payer.unit_rule, payer.pays_97010) == ("ACME1", "midpoint", False)

    base = f"/insurance/patients/{patient.id}"
    response = client.post_form(
        f"{base}/policies/new",
        {
            "payer_id": str(payer.id),
            "rank": "primary",
            "member_id": "xq-123456",
            "relationship": "self",
            "effective_date": (TODAY - dt.timedelta(days=10)).isoformat(),
            "copay": "20.50",
            "coinsurance_percent": "20",
            "deductible": "500",
        },
    )
    assert response.status_code == 302
    policy = db.session.scalars(select(Policy)).one()
    assert policy.member_id == "XQ-123456"
    assert policy.copay == Decimal("20.50") and isinstance(policy.copay, Decimal)

    for day, ref in ((TODAY - dt.timedelta(days=5), "OLD-1"), (TODAY, "NEW-2")):
        response = client.post_form(
            f"{base}/verifications/new",
            {
                "policy_id": str(policy.id),
                "called_on": day.isoformat(),
                "representative": "Sam at Acme",
                "reference_number": ref,
                "covers_massage": "y",
                "visits_per_year": "20",
                "prior_auth_needed": "y",
            },
        )
        assert response.status_code == 302
    response = client.post_form(
        f"{base}/authorizations/new",
        {
            "payer_id": str(payer.id),
            "number": "auth-77",
            "cpt_codes": "97140, 97010",
            "kind": "visits",
            "quantity": "6",
            "start_date": (TODAY - dt.timedelta(days=10)).isoformat(),
            "end_date": (TODAY + dt.timedelta(days=80)).isoformat(),
        },
    )
    assert response.status_code == 302
    auth = db.session.scalars(select(Authorization)).one()
    assert auth.cpt_codes == ["97140", "97010"] and auth.number == "AUTH-77"

    page = client.get(base).text
    assert "XQ-123456" in page and "$20.50" in page
    assert page.index("NEW-2") < page.index("OLD-1")  # newest call first
    assert "0 of 6 visits used" in page
    assert audited("insurance.coverage.view") and audited("insurance.authorization.create")


def test_usage_is_counted_from_signed_sessions_only_for_covered_codes(app, signed_in):
    client, _ = signed_in("front-desk")
    source = install(app)
    patient = make_patient()
    payer = make_payer()
    auth = make_authorization(patient, payer, cpt_codes=["97140"], quantity=6)
    source.add(patient, "treatment.nmt", 23, day=TODAY - dt.timedelta(days=3))
    source.add(patient, "treatment.nmt", 20, day=TODAY - dt.timedelta(days=2))
    source.add(patient, "treatment.hot_pack", 15, day=TODAY - dt.timedelta(days=1), timed=False)
    source.add(patient, "treatment.nmt", 30, day=TODAY, signed=False)  # a draft: not counted
    source.add(patient, "treatment.nmt", 30, day=auth.start_date - dt.timedelta(days=1))
    page = client.get(f"/insurance/patients/{patient.id}").text
    assert "2 of 6 visits used" in page and "4 left" in page
    assert '<progress max="6" value="2"' in page

    [status] = collect("authorization_status", patient=patient, on_date=TODAY)
    assert (status.visits_authorized, status.visits_used, status.payer) == (6, 2, payer.name)
    assert status.valid_until == auth.end_date


def test_units_authorizations_count_units(app, signed_in):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    make_authorization(patient, make_payer(), kind="units", quantity=12)
    source.add(patient, "treatment.nmt", 23)
    source.add(patient, "treatment.prt", 15)
    assert "3 of 12 units used" in client.get(f"/insurance/patients/{patient.id}").text


def _alerts(client, patient):
    return client.get(f"/patients/{patient.id}").text


def test_alerts_at_80_percent_exhausted_expiring_and_expired(app, signed_in):
    source = install(app)
    client, _ = signed_in("front-desk")
    therapist_client, _ = signed_in("therapist")
    payer = make_payer(name="Acme Health")
    nearly = make_patient()
    make_authorization(nearly, payer, number="NEARLY", quantity=5)
    for days in range(4):
        source.add(nearly, "treatment.nmt", 15, day=TODAY - dt.timedelta(days=days))
    page = _alerts(client, nearly)
    assert "Authorization NEARLY (Acme Health) 80% used" in page
    assert "Authorization NEARLY (Acme Health) 80% used" in _alerts(therapist_client, nearly)

    used_up = make_patient()
    make_authorization(used_up, payer, number="DONE", quantity=1)
    source.add(used_up, "treatment.nmt", 15)
    assert "Authorization DONE (Acme Health) used up" in _alerts(client, used_up)

    ending = make_patient()
    make_authorization(ending, payer, number="ENDING", end_date=TODAY + dt.timedelta(days=10))
    assert "Authorization ENDING (Acme Health) ends in 10 days" in _alerts(client, ending)
    far = make_patient()
    make_authorization(far, payer, number="FAR", end_date=TODAY + dt.timedelta(days=15))
    assert "FAR (Acme Health) ends" not in _alerts(client, far)

    gone = make_patient()
    make_authorization(
        gone,
        payer,
        number="GONE",
        start_date=TODAY - dt.timedelta(days=90),
        end_date=TODAY - dt.timedelta(days=1),
    )
    assert "Authorization GONE (Acme Health) expired" in _alerts(client, gone)
    make_authorization(gone, payer, number="RENEWED")
    assert "GONE (Acme Health) expired" not in _alerts(client, gone)


def test_bad_coverage_input_is_refused_and_changes_nothing(app, signed_in):
    client, _ = signed_in("front-desk")
    patient = make_patient()
    payer = make_payer()
    base = f"/insurance/patients/{patient.id}"
    before = (count(Policy), count(Authorization), count(VerificationNote))

    bad_member = client.post_form(
        f"{base}/policies/new",
        {
            "payer_id": str(payer.id),
            "member_id": "12; DROP",
            "relationship": "self",
            "effective_date": TODAY.isoformat(),
        },
    )
    assert bad_member.status_code == 200
    assert "A member ID is 3 to 30 letters, digits or dashes." in bad_member.text
    backwards = client.post_form(
        f"{base}/policies/new",
        {
            "payer_id": str(payer.id),
            "member_id": "GOOD123",
            "relationship": "self",
            "effective_date": TODAY.isoformat(),
            "end_date": (TODAY - dt.timedelta(days=1)).isoformat(),
            "copay": "-5",
        },
    )
    assert "The end date is before the start." in backwards.text
    assert "A copay cannot be negative." in backwards.text
    unknown_payer = client.post_form(
        f"{base}/policies/new",
        {"payer_id": "9999", "member_id": "GOOD123", "effective_date": TODAY.isoformat()},
    )
    assert "Not a valid choice" in unknown_payer.text

    auth = {
        "payer_id": str(payer.id),
        "number": "A-1",
        "kind": "visits",
        "quantity": "-2",
        "cpt_codes": "97140 99999",
        "start_date": TODAY.isoformat(),
        "end_date": (TODAY - dt.timedelta(days=3)).isoformat(),
    }
    response = client.post_form(f"{base}/authorizations/new", auth)
    assert "Unknown CPT code: 99999." in response.text
    assert "At least 1." in response.text
    assert "The end date is before the start." in response.text

    future_call = client.post_form(
        f"{base}/verifications/new",
        {"policy_id": "0", "called_on": (TODAY + dt.timedelta(days=2)).isoformat()},
    )
    assert "The call cannot be in the future." in future_call.text
    assert (count(Policy), count(Authorization), count(VerificationNote)) == before


def test_fee_schedule_refuses_negative_prices_and_stores_exact_decimals(app, signed_in):
    client, _ = signed_in("billing")
    payer = make_payer()
    url = f"/insurance/payers/{payer.id}/fees"
    bad = client.post_form(url, {"fee_97140": "-1.00", "fee_97124": "30"})
    assert bad.status_code == 200 and "A price cannot be negative." in bad.text
    db.session.expire_all()
    assert payer.fees == []
    assert client.post_form(url, {"fee_97140": "32.10"}).status_code == 302
    db.session.expire_all()
    assert payer.fee_for("97140") == Decimal("32.10")


def test_payer_with_claims_or_policies_cannot_be_deleted(app, signed_in):
    from plugins.insurance.tests.factories import make_claim, make_policy

    client, user = signed_in("billing")
    patient = make_patient()
    used = make_payer(name="Busy Payer")
    make_claim(patient, user, payer=used)
    response = client.post_form(f"/insurance/payers/{used.id}/delete", follow_redirects=True)
    assert "Busy Payer cannot be deleted: 1 claims refer to it." in response.text
    assert db.session.get(Payer, used.id) is not None
    with_policy = make_payer(name="Policy Payer")
    make_policy(patient, with_policy)
    client.post_form(f"/insurance/payers/{with_policy.id}/delete")
    assert db.session.get(Payer, with_policy.id) is not None
    unused_id = make_payer().id
    assert client.post_form(f"/insurance/payers/{unused_id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Payer, unused_id) is None


def test_therapist_sees_authorization_status_but_no_policies(app, signed_in):
    client, _ = signed_in("therapist")
    patient = make_patient()
    payer = make_payer(name="Acme Health")
    make_authorization(patient, payer, number="SEEN-1")
    from plugins.insurance.tests.factories import make_policy

    make_policy(patient, payer, member_id="HIDDEN99")
    chart = client.get(f"/patients/{patient.id}").text
    assert "SEEN-1" in chart and "0 of 6 visits used" in chart
    assert "HIDDEN99" not in chart
    assert client.get(f"/insurance/patients/{patient.id}").status_code == 403


def test_coverage_works_with_treatment_and_handouts_disabled(app_factory):
    from clinic.testing import login, make_user

    alone = app_factory(CLINIC_PLUGINS=["insurance"])
    enabled = [n for n, p in alone.extensions["clinic"].plugins.items() if p.status == "enabled"]
    assert enabled == ["insurance"]
    with alone.app_context():
        user = make_user("front-desk")
        patient = make_patient()
        client = alone.test_client()
        login(client, user)
        assert (
            client.post_form(
                "/insurance/payers/new",
                {"name": "Solo", "timely_filing_days": "90", "unit_rule": "cms"},
            ).status_code
            == 302
        )
        payer = db.session.scalars(select(Payer)).one()
        base = f"/insurance/patients/{patient.id}"
        response = client.post_form(
            f"{base}/authorizations/new",
            {
                "payer_id": str(payer.id),
                "number": "SOLO-1",
                "kind": "visits",
                "quantity": "6",
                "start_date": TODAY.isoformat(),
                "end_date": (TODAY + dt.timedelta(days=30)).isoformat(),
            },
        )
        assert response.status_code == 302
        page = client.get(base).text
        assert "SOLO-1" in page and "0 of 6 visits used" in page
        assert "SOLO-1" in client.get(f"/patients/{patient.id}").text
        db.session.remove()
