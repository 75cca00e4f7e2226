"""The intake plugin's rows on the start page: packets for the desk, alerts for clinicians."""

from __future__ import annotations

from clinic.api import db
from clinic.testing import make_patient
from plugins.intake.models import IntakeFinding, IntakeFindingReview
from plugins.intake.tests.helpers import complete_packet

SADDLE = {"history": {"history.saddle_numbness": "true"}}


def test_front_desk_start_page_lists_open_and_completed_packets(app, signed_in):
    desk, _ = signed_in("front-desk")
    waiting = make_patient(first_name="Wanda", last_name="Waiting")
    done = make_patient(first_name="Dora", last_name="Done")
    started = desk.post_form(
        f"/intake/patients/{waiting.id}/runs", {"packet": "new_back_pain", "mode": "other"}
    )
    assert started.status_code == 302
    complete_packet(desk, done)
    page = desk.get("/start").text
    in_progress = page.split("Intake packets in progress", 1)[1].split("</section>", 1)[0]
    assert "Waiting, Wanda" in in_progress and "waiting for the tablet" in in_progress
    completed = page.split("Intake packets completed today", 1)[1].split("</section>", 1)[0]
    assert "Done, Dora" in completed and "Waiting, Wanda" not in completed
    assert f'href="/intake/patients/{waiting.id}/"' in in_progress


def test_unreviewed_red_flags_reach_the_therapist_but_never_the_desk(app, signed_in):
    therapist, user = signed_in("therapist")
    patient = make_patient(first_name="Saul", last_name="Saddle")
    complete_packet(therapist, patient, answers_by_step=SADDLE)
    finding = db.session.query(IntakeFinding).filter_by(emergency=True).one()

    page = therapist.get("/start").text
    section = page.split("Safety alerts to review", 1)[1].split("</section>", 1)[0]
    assert "Saddle, Saul" in section and finding.title in section and "wl-emergency" in section
    assert f'href="/intake/patients/{patient.id}/findings"' in section

    desk, _ = signed_in("front-desk", username="desk2")
    desk_page = desk.get("/start").text
    assert "Safety alerts to review" not in desk_page and finding.title not in desk_page

    for each in db.session.query(IntakeFinding).filter_by(patient_id=patient.id):
        db.session.add(
            IntakeFindingReview(
                finding_id=each.id,
                patient_id=patient.id,
                action="reviewed" if each.kind != "absolute" else "clearance",
                note="Sent to urgent care.",
                recorded_by_id=user.id,
            )
        )
    db.session.commit()
    assert "Safety alerts to review" not in therapist.get("/start").text
