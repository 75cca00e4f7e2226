"""Handouts printed after a real treatment session, with intake's red-flag section:
the treatment and intake plugins answer ``handout_sections`` for the handouts plugin."""

from __future__ import annotations

import io

from pypdf import PdfReader

from clinic.api import db
from clinic.testing import make_patient
from plugins.handouts.models import Handout, HandoutPrint
from plugins.intake.models import IntakeFinding, IntakeResponse
from plugins.intake.tests.route_policy import route_args as intake_records
from plugins.treatment.tests.factories import make_note, make_plan


def _red_flag(patient, user):
    intake_records(patient, {"front-desk": user, "therapist": user, "admin": user})
    history = db.session.scalars(
        db.select(IntakeResponse).where(
            IntakeResponse.patient_id == patient.id, IntakeResponse.instrument_id == "history"
        )
    ).one()
    db.session.add(
        IntakeFinding(
            response_id=history.id,
            patient_id=patient.id,
            code="saddle_numbness",
            kind="red_flag",
            title="Saddle numbness",
            message="Reported numbness in the saddle area.",
            advice="Same-day emergency care.",
            emergency=True,
        )
    )
    db.session.commit()


def _print(client, patient, **extra):
    page = client.get(f"/handouts/patients/{patient.id}")
    heat = db.session.scalars(
        db.select(Handout).where(Handout.slug == "heat-at-home", Handout.language == "en")
    ).one()
    data = {"language": "en", "handouts": [str(heat.id)], **extra}
    assert client.post_form(f"/handouts/patients/{patient.id}", data).status_code == 302
    given = db.session.scalars(
        db.select(HandoutPrint)
        .where(HandoutPrint.patient_id == patient.id)
        .order_by(HandoutPrint.id.desc())
    ).first()
    pdf = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data
    return page.text, "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_handouts_after_a_signed_session_carry_the_session_and_the_red_flags(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient(first_name="Marta", last_name="Lindqvist")
    plan = make_plan(patient, user, diagnoses=["M54.50"])
    make_note(
        patient,
        user,
        plan=plan,
        signed=True,
        keys=("nmt", "hot_pack"),
        pain_before=7,
        pain_after=4,
        home_care=["handouts:staying-active"],
        plan_text="Walk every day; heat in the evening.",
    )
    _red_flag(patient, user)
    page, text = _print(client, patient)
    # Preselected from the session's hot pack and the therapist's home-care advice,
    # and the instructions are prefilled from the note.
    assert "Walk every day; heat in the evening." in page
    assert "Your session today" in page and "Please talk to your doctor" in page
    for expected in (
        "Marta Lindqvist",
        "Neuromuscular therapy",
        "Hot pack",
        "before 7",
        "after 4",
        "Reason for care: M54.50",
        "Please talk to your doctor",
        "go to an emergency department today",
        "Using heat at home safely",
    ):
        assert expected in text, expected
    _page, plain = _print(client, patient, no_diagnosis="y")
    assert "Reason for care" not in plain and "M54.50" not in plain
    assert "Neuromuscular therapy" in plain


def test_seen_today_lists_patients_with_a_session_today(app, signed_in):
    client, user = signed_in("front-desk")
    seen = make_patient(first_name="Seen")
    make_patient(first_name="Unseen")
    make_note(seen, user, signed=True)
    page = client.get("/handouts/today").text
    assert "Seen" in page and "Unseen" not in page and "Print all 1 not yet printed" in page
