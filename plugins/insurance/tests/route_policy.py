"""Who may reach each insurance route (see tests/test_route_policy.py)."""

from clinic.testing import LOGIN, OK, RouteRule
from plugins.insurance.tests.factories import (
    make_authorization,
    make_claim,
    make_necessity,
    make_payer,
    make_policy,
)


def route_args(patient, users):
    payer = make_payer()
    policy = make_policy(patient, payer)
    make_authorization(patient, payer)
    claim = make_claim(patient, users["billing"], payer=payer, policy=policy)
    note = make_necessity(patient, users["therapist"])
    return {
        "payer_id": payer.id,
        "claim_id": claim.id,
        "line_id": claim.lines[0].id,
        "note_id": note.id,
        "service_date": "2026-01-05",
        "provider_id": users["therapist"].id,
    }


def _rule(endpoint, method="GET", *, front_desk=403, therapist=403, billing=403):
    def allowed(flag):
        if flag is True:
            return 200 if method == "GET" else OK
        return flag

    return RouteRule(
        endpoint,
        method,
        anon=LOGIN,
        front_desk=allowed(front_desk),
        therapist=allowed(therapist),
        billing=allowed(billing),
        admin=allowed(True),
    )


def _coverage(endpoint, method="GET"):
    return _rule(endpoint, method, front_desk=True, billing=True)


def _billing(endpoint, method="GET"):
    return _rule(endpoint, method, billing=True)


RULES = [
    _coverage("insurance.payers"),
    _coverage("insurance.payer_new"),
    _coverage("insurance.payer_new", "POST"),
    _coverage("insurance.payer_edit"),
    _coverage("insurance.payer_edit", "POST"),
    _coverage("insurance.payer_delete", "POST"),
    _billing("insurance.payer_fees"),
    _billing("insurance.payer_fees", "POST"),
    _billing("insurance.mapping"),
    _billing("insurance.mapping", "POST"),
    _coverage("insurance.coverage"),
    _coverage("insurance.policy_new"),
    _coverage("insurance.policy_new", "POST"),
    _coverage("insurance.verification_new"),
    _coverage("insurance.verification_new", "POST"),
    _coverage("insurance.authorization_new"),
    _coverage("insurance.authorization_new", "POST"),
    _billing("insurance.coding"),
    _billing("insurance.accept", "POST"),
    _billing("insurance.claim_view"),
    _billing("insurance.claim_status", "POST"),
    _billing("insurance.claim_line", "POST"),
    _billing("insurance.claim_json"),
    _billing("insurance.claim_csv"),
    _billing("insurance.superbill"),
    _billing("insurance.claims"),
    _billing("insurance.providers"),
    _billing("insurance.provider_edit"),
    _billing("insurance.provider_edit", "POST"),
    # Therapists write and sign necessity notes; billing reads them.
    _rule("insurance.necessity_list", therapist=True, billing=True),
    _rule("insurance.necessity_view", therapist=True, billing=True),
    _rule("insurance.necessity_pdf", therapist=True, billing=True),
    _rule("insurance.necessity_new", therapist=True),
    _rule("insurance.necessity_new", "POST", therapist=True),
    _rule("insurance.necessity_save", "POST", therapist=True),
    _rule("insurance.necessity_sign", "POST", therapist=True),
]
