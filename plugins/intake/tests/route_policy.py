"""The intake plugin's rows of the route-permission table (see tests/test_route_policy.py).

Tablet routes are public and check the hand-over token themselves: the first client
to press Start (the anonymous probe) is bound to it; every other browser is refused
with 403.
"""

from __future__ import annotations

import json

from clinic.api import db
from clinic.testing import LOGIN, OK, RouteRule
from plugins.intake import services
from plugins.intake.models import (
    IntakeFinding,
    IntakeResponse,
    IntakeWordingPack,
    utcnow,
)
from plugins.intake.packets import BUNDLED_PACKETS


def route_args(patient, users):
    followup = next(p for p in BUNDLED_PACKETS if p.code == "followup")
    staff_run = services.start_run(patient, followup, "staff", users["front-desk"])
    tablet_run = services.start_run(patient, followup, "tablet", users["front-desk"])
    token, _code = services.arm_tablet(tablet_run, with_code=False)
    done_run = services.start_run(patient, followup, "staff", users["therapist"])
    done_run.status = "complete"
    done_run.finished_at = utcnow()
    response = IntakeResponse(
        patient_id=patient.id,
        run_id=done_run.id,
        instrument_id="nprs",
        instrument_version="1.0",
        answers=json.dumps({"nprs.now": 5}),
        total=5.0,
        band="moderate",
        entered_by_kind="staff",
        entered_by_id=users["therapist"].id,
        entered_at=utcnow(),
    )
    history = IntakeResponse(
        patient_id=patient.id,
        run_id=done_run.id,
        instrument_id="history",
        instrument_version="1.0",
        answers="{}",
        entered_by_kind="staff",
        entered_by_id=users["therapist"].id,
        entered_at=utcnow(),
    )
    db.session.add_all([response, history])
    db.session.flush()
    finding = IntakeFinding(
        response_id=history.id,
        patient_id=patient.id,
        code="anticoagulant",
        kind="pressure",
        title="Takes a blood thinner",
        message="The patient said they take a blood thinner.",
        advice="No deep or forceful pressure.",
    )
    pack = IntakeWordingPack(
        instrument_id="odi",
        pack_version="test-1",
        json_text="{}",
        uploaded_by_id=users["admin"].id,
        active=False,
    )
    db.session.add_all([finding, pack])
    db.session.commit()
    return {
        "run_id": staff_run.id,
        "completed_run_id": done_run.id,
        "response_id": response.id,
        "finding_id": finding.id,
        "pack_id": pack.id,
        "token": token,
        "n": 0,
        "instrument_id": "odi",
        "code": "followup",
    }


_VIEW = dict(anon=LOGIN, front_desk=200, therapist=200, billing=403, admin=200)
_ENTER_POST = dict(anon=LOGIN, front_desk=OK, therapist=OK, billing=403, admin=OK)
_HISTORY = dict(anon=LOGIN, front_desk=403, therapist=200, billing=403, admin=200)
_REVIEW_POST = dict(anon=LOGIN, front_desk=403, therapist=422, billing=403, admin=422)
_ADMIN_GET = dict(anon=LOGIN, front_desk=403, therapist=403, billing=403, admin=200)
_ADMIN_POST = dict(anon=LOGIN, front_desk=403, therapist=403, billing=403, admin=OK)
_PUBLIC = dict(anon=200, front_desk=200, therapist=200, billing=200, admin=200)
# The anonymous probe opens the token first and is bound to it; other browsers are not.
_BOUND = dict(anon=200, front_desk=403, therapist=403, billing=403, admin=403)

RULES = [
    RouteRule("intake.index", "GET", **_VIEW),
    RouteRule("intake.patient_page", "GET", **_VIEW),
    RouteRule("intake.instruments", "GET", **_VIEW),
    RouteRule("intake.instrument_fhir", "GET", **_VIEW),
    RouteRule("intake.findings", "GET", **_VIEW),
    RouteRule("intake.finding", "GET", **_VIEW),
    RouteRule("intake.needs_review", "GET", **_VIEW),
    RouteRule("intake.start", "POST", **_ENTER_POST),
    RouteRule("intake.handover", "GET", **_VIEW),
    RouteRule("intake.staff_page", "GET", **_VIEW),
    RouteRule("intake.staff_page", "POST", **_ENTER_POST),
    RouteRule("intake.staff_review", "GET", **_VIEW),
    RouteRule("intake.staff_submit", "POST", **_ENTER_POST),
    RouteRule("intake.blank_pdf", "GET", **_VIEW),
    RouteRule("intake.cancel", "POST", **_ENTER_POST),
    RouteRule("intake.rearm", "POST", **_ENTER_POST),
    RouteRule("intake.response_detail", "GET", **_HISTORY),
    RouteRule("intake.response_fhir", "GET", **_HISTORY),
    RouteRule("intake.run_pdf", "GET", **_HISTORY),
    RouteRule("intake.review_finding", "POST", **_REVIEW_POST),
    RouteRule("intake.review_findings", "POST", **_REVIEW_POST),
    RouteRule("intake.wording_packs", "GET", **_ADMIN_GET),
    RouteRule("intake.upload_pack", "POST", **_ADMIN_POST),
    RouteRule("intake.activate_pack", "POST", **_ADMIN_POST),
    RouteRule("intake.packet_admin", "GET", **_ADMIN_GET),
    RouteRule("intake.save_packet", "POST", **_ADMIN_POST),
    RouteRule("intake.tablet_code", "GET", **_PUBLIC),
    RouteRule(
        "intake.tablet_code",
        "POST",
        anon=422,
        front_desk=422,
        therapist=422,
        billing=422,
        admin=422,
    ),
    # Loading the link claims nothing (everyone sees the welcome page until someone
    # presses Start); the first to POST Start (the anonymous probe) holds the packet.
    RouteRule("intake.tablet_start", "GET", **_PUBLIC),
    RouteRule(
        "intake.tablet_start",
        "POST",
        anon=302,
        front_desk=403,
        therapist=403,
        billing=403,
        admin=403,
    ),
    RouteRule("intake.tablet_page", "GET", **_BOUND),
    # An empty page is saved but not finished: the patient stays on it (422).
    RouteRule(
        "intake.tablet_page",
        "POST",
        anon=422,
        front_desk=403,
        therapist=403,
        billing=403,
        admin=403,
    ),
    RouteRule("intake.tablet_review", "GET", **_BOUND),
    RouteRule(
        "intake.tablet_submit",
        "POST",
        anon=422,
        front_desk=403,
        therapist=403,
        billing=403,
        admin=403,
    ),
    RouteRule("intake.tablet_done", "GET", **_PUBLIC),
]
