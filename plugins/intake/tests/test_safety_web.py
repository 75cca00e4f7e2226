"""Issue #8 through the web: an emergency on the tablet sends the patient to the desk,
the clinic-wide Needs review list and its badge, and review or clearance of one named
finding at a time."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from clinic.api import AuditEvent, clinic_today, db
from clinic.testing import make_patient as _make_patient
from plugins.intake.models import IntakeFinding, IntakeFindingReview, IntakeRun
from plugins.intake.tests.helpers import complete_packet, fill_run
from plugins.intake.tests.test_tablet import claim, hand_over

SADDLE = {"history": {"history.saddle_numbness": "true"}}
RED_FLAG = {"history": {"history.thoracic_pain": "true"}}
FEVER_AND_THINNER = {"history": {"history.fever": "true", "history.medications": ["anticoagulant"]}}


def make_patient(**fields):
    """A patient aged about 35, so the age red flag stays out of the counts."""
    born = clinic_today().replace(day=1) - dt.timedelta(days=35 * 365)
    return _make_patient(date_of_birth=born, **fields)


def finding(patient, code) -> IntakeFinding:
    return db.session.scalars(
        select(IntakeFinding).where(
            IntakeFinding.patient_id == patient.id, IntakeFinding.code == code
        )
    ).one()


def review_url(f: IntakeFinding) -> str:
    return f"/intake/patients/{f.patient_id}/findings/{f.id}/review"


def badge(html: str) -> int:
    match = re.search(r'data-nav-count="intake.needs_review">(\d+)<', html)
    return int(match.group(1)) if match else 0


def tablet_packet(client, patient, answers):
    start_url, _token = hand_over(client, patient, packet="new_back_pain")
    claim(client, start_url)
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    fill_run(client, run.id, lambda n: f"{start_url}page/{n}", answers)
    done = client.post_form(f"{start_url}submit")
    assert done.status_code == 302, done.text[:2000]
    return client.get(done.headers["Location"])


def test_tablet_emergency_sends_the_patient_to_the_desk_and_the_desk_sees_it(app, signed_in):
    desk, _user = signed_in("front-desk")
    patient = make_patient()
    done = tablet_packet(desk, patient, SADDLE)
    assert "take this tablet to the front desk now" in done.text
    # Plain words, no diagnosis.
    for word in ("cauda", "equina", "emergency", "nerve", "spine"):
        assert word not in done.text.lower()
    desk, _user = signed_in("front-desk")
    page = desk.get("/patients/").text
    assert badge(page) == 1
    listing = desk.get("/intake/needs-review").text
    assert patient.display_name in listing and "Emergency" in listing
    assert "fetch a clinician now" in listing
    # The desk learns that and what to do, not the clinical detail.
    assert "cauda equina" not in listing.lower()


def test_quiet_tablet_packet_keeps_the_ordinary_thank_you(app, signed_in):
    desk, _user = signed_in("front-desk")
    done = tablet_packet(desk, make_patient(), {})
    assert "Your answers have been sent" in done.text
    assert "front desk now" not in done.text


def test_needs_review_lists_newest_emergency_first_then_red_flags_oldest_first(app, signed_in):
    therapist, _user = signed_in("therapist")
    first_flag, second_flag = make_patient(last_name="Flagone"), make_patient(last_name="Flagtwo")
    old_emergency, new_emergency = make_patient(last_name="Emold"), make_patient(last_name="Emnew")
    complete_packet(therapist, first_flag, answers_by_step=RED_FLAG)
    complete_packet(therapist, old_emergency, answers_by_step=SADDLE)
    complete_packet(therapist, second_flag, answers_by_step=RED_FLAG)
    complete_packet(therapist, new_emergency, answers_by_step=SADDLE)
    listing = therapist.get("/intake/needs-review").text
    order = [
        listing.index(p.display_name)
        for p in (new_emergency, old_emergency, first_flag, second_flag)
    ]
    assert order == sorted(order), order
    assert "possible cauda equina signs" in listing  # clinicians see the finding
    assert badge(listing) == 4
    assert listing.count('class="needs-review-row') == 4
    f = finding(new_emergency, "cauda_equina")
    assert f'/intake/patients/{new_emergency.id}/findings/{f.id}"' in listing


def test_emergency_is_reviewed_with_the_action_taken_and_never_cleared(app, signed_in):
    therapist, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step=SADDLE)
    f = finding(patient, "cauda_equina")
    prefix = f"f{f.id}-"
    cleared = therapist.post_form(
        review_url(f),
        {
            prefix + "action": "clearance",
            prefix + "clearance_date": clinic_today().isoformat(),
            prefix + "cleared_by": "Dr Rivera",
            prefix + "note": "Cleared over the phone by the GP.",
        },
    )
    assert cleared.status_code == 422
    assert "An emergency is never cleared" in cleared.text
    bare = therapist.post_form(
        review_url(f), {prefix + "action": "reviewed", prefix + "note": "ok"}
    )
    assert bare.status_code == 422 and "the action taken" in bare.text
    assert db.session.scalars(select(IntakeFindingReview)).all() == []
    assert badge(therapist.get("/patients/").text) == 1

    done = therapist.post_form(
        review_url(f),
        {prefix + "action": "reviewed", prefix + "note": "Sent to the emergency department."},
    )
    assert done.status_code == 302
    page = therapist.get(done.headers["Location"]).text
    assert "Action taken: Sent to the emergency department." in page
    assert badge(page) == 0
    assert "Nothing is waiting for review" in therapist.get("/intake/needs-review").text
    flag = next(
        x
        for x in app.extensions["clinic"].collect("patient_safety_flags", patient=patient)
        if x.code == "cauda_equina"
    )
    assert flag.reviewed and not flag.cleared and not flag.blocks_treatment
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.finding_review")
    ).one()
    assert event.user_id == user.id and "emergency department" in str(event.detail)


def test_clearance_lifts_one_named_finding_only_and_needs_a_reason(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step=FEVER_AND_THINNER)
    fever, thinner = finding(patient, "fever"), finding(patient, "anticoagulant")
    prefix = f"f{fever.id}-"
    clearance = {
        prefix + "action": "clearance",
        prefix + "clearance_date": clinic_today().isoformat(),
        prefix + "cleared_by": "Dr Rivera",
    }
    no_reason = therapist.post_form(review_url(fever), clearance)
    assert no_reason.status_code == 422 and "reason for the clearance" in no_reason.text
    ok = therapist.post_form(
        review_url(fever), {**clearance, prefix + "note": "Fever gone for a week, GP letter."}
    )
    assert ok.status_code == 302
    flags = {
        x.code: x for x in app.extensions["clinic"].collect("patient_safety_flags", patient=patient)
    }
    assert flags["fever"].cleared and not flags["fever"].blocks_treatment
    assert not flags["anticoagulant"].cleared and not flags["fever_heat"].cleared
    assert thinner.id != fever.id


def test_each_safety_flag_names_its_finding_and_links_to_its_review(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        therapist,
        patient,
        answers_by_step={
            "history": {"history.sore_vein": "true", "history.sore_vein_regions": ["calf_r"]}
        },
    )
    flags = app.extensions["clinic"].collect("patient_safety_flags", patient=patient)
    by_code = {f.code: f for f in flags}
    local = by_code["suspected_thrombophlebitis_local"]
    assert local.kind == "local" and "thigh_r" in local.regions and "calf_l" not in local.regions
    assert by_code["suspected_thrombophlebitis"].kind == "red_flag"
    assert by_code["suspected_thrombophlebitis"].blocks_treatment
    for flag in flags:
        row = db.session.get(IntakeFinding, int(flag.finding_id))
        assert row.code == flag.code
        assert flag.link_endpoint == "intake.finding"
        assert flag.link_values == {"patient_id": patient.id, "finding_id": row.id}
        page = therapist.get(f"/intake/patients/{patient.id}/findings/{row.id}")
        assert page.status_code == 200 and row.title in page.text.replace("&#39;", "'")


def test_desk_entry_of_an_emergency_says_so_at_once(app, signed_in):
    desk, _user = signed_in("front-desk")
    patient = make_patient()
    complete_packet(desk, patient, answers_by_step=SADDLE)
    page = desk.get(f"/intake/patients/{patient.id}/").text
    assert "a clinician must see the patient now" in page
    assert badge(page) == 1


def test_several_named_findings_are_reviewed_in_one_form_each_with_its_own_record(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        therapist,
        patient,
        answers_by_step={
            "history": {
                "history.thoracic_pain": "true",
                "history.fever": "true",
                "history.bladder_change": "true",
                "history.medications": ["anticoagulant"],
            }
        },
    )
    thoracic, fever = finding(patient, "thoracic_pain"), finding(patient, "fever")
    emergency = finding(patient, "cauda_equina")
    page = therapist.get(f"/intake/patients/{patient.id}/findings").text
    assert "Review several alerts at once" in page
    boxes = re.findall(r'name="bulk-finding_ids" type="checkbox" value="(\d+)"', page)
    assert str(thoracic.id) in boxes and str(emergency.id) not in boxes
    url = f"/intake/patients/{patient.id}/findings/review"
    sneaked = therapist.post_form(
        url, {"bulk-finding_ids": [str(emergency.id)], "bulk-note": "Looked at all of them."}
    )
    assert sneaked.status_code == 422
    assert db.session.scalars(select(IntakeFindingReview)).all() == []
    done = therapist.post_form(
        url,
        {
            "bulk-finding_ids": [str(thoracic.id), str(fever.id)],
            "bulk-note": "Asked the GP to see the patient this week.",
        },
    )
    assert done.status_code == 302
    rows = db.session.scalars(select(IntakeFindingReview)).all()
    assert sorted(r.finding_id for r in rows) == sorted([thoracic.id, fever.id])
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.finding_review")
    ).all()
    assert len(events) == 2
    flags = {
        f.code: f for f in app.extensions["clinic"].collect("patient_safety_flags", patient=patient)
    }
    assert not flags["thoracic_pain"].blocks_treatment
    assert flags["fever"].blocks_treatment  # a review is not a clearance
    assert flags["cauda_equina"].blocks_treatment


def test_screening_thresholds_are_clinic_settings(app, signed_in):
    from sqlalchemy import text

    therapist, _user = signed_in("therapist")
    surgery = {"history": {"history.recent_surgery": "true", "history.surgery_weeks": "7"}}
    by_default = make_patient()
    complete_packet(therapist, by_default, answers_by_step=surgery)
    assert finding(by_default, "surgery_site").kind == "pressure"  # 7 >= 6 weeks
    # A clinic's stored setting (what an administrator's change writes).
    db.session.execute(
        text("INSERT INTO clinic_settings (key, value) VALUES (:k, :v)"),
        {"k": "intake.surgery_clearance_weeks", "v": "8"},
    )
    db.session.commit()
    stricter = make_patient()
    complete_packet(therapist, stricter, answers_by_step=surgery)
    assert finding(stricter, "recent_surgery").kind == "local"
    assert "less than 8 weeks" in finding(stricter, "recent_surgery").advice
