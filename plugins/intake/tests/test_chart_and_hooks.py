"""What other parts of the app learn from intake: chart panels, alerts, safety flags,
outcome measures and the summary fact."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.api import AuditEvent, clinic_today, collect, db
from clinic.testing import enabled_plugins, make_patient, make_user
from plugins.intake.models import IntakeFinding, IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import complete_packet

SADDLE = {"history": {"history.saddle_numbness": "true"}}
BLOOD_THINNER = {"history": {"history.medications": ["anticoagulant"]}}


def test_cauda_equina_answer_raises_an_emergency_alert_on_the_chart(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step=SADDLE)
    front_desk, _fd = signed_in("front-desk")
    chart = front_desk.get(f"/patients/{patient.id}")
    assert chart.status_code == 200
    assert "alert-emergency" in chart.text
    finding = db.session.scalars(select(IntakeFinding).where(IntakeFinding.emergency)).first()
    assert finding is not None and finding.kind == "red_flag"
    # The desk is told what to do; the therapist reads the clinical advice.
    assert "fetch a clinician now" in chart.text
    assert finding.advice in therapist.get(f"/patients/{patient.id}").text.replace("&#39;", "'")
    # The intake page about the patient shows the same banner.
    assert "alert-emergency" in front_desk.get(f"/intake/patients/{patient.id}/").text


def test_front_desk_sees_status_but_not_the_history_detail(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step=SADDLE)
    front_desk, _fd = signed_in("front-desk")
    chart = front_desk.get(f"/patients/{patient.id}").text
    assert 'id="panel-intake"' in chart
    assert 'id="panel-intake-scores"' not in chart
    assert 'id="panel-intake-pain"' not in chart
    history = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.instrument_id == "history")
    ).one()
    assert (
        front_desk.get(f"/intake/patients/{patient.id}/responses/{history.id}").status_code == 403
    )
    therapist_chart = therapist.get(f"/patients/{patient.id}").text
    assert 'id="panel-intake-scores"' in therapist_chart
    assert "moderate" in therapist_chart or "minimal" in therapist_chart
    assert 'id="panel-intake-pain"' in therapist_chart
    assert "Lower back, left: 6 / 10" in therapist_chart


def test_safety_flags_hook_reports_findings_and_their_review(app, signed_in):
    therapist, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step=BLOOD_THINNER)
    flags = collect("patient_safety_flags", patient=patient)
    pressure = [f for f in flags if f.kind == "pressure"]
    assert pressure and all(f.source == "intake" and not f.resolved for f in pressure)

    finding = db.session.scalars(
        select(IntakeFinding).where(IntakeFinding.kind == "pressure")
    ).first()
    url = f"/intake/patients/{patient.id}/findings/{finding.id}/review"
    prefix = f"f{finding.id}-"
    refused = therapist.post_form(url, {prefix + "action": "clearance"})
    assert refused.status_code == 422
    assert "Give the date of the clearance." in refused.text
    recorded = therapist.post_form(
        url,
        {
            prefix + "action": "clearance",
            prefix + "clearance_date": clinic_today().isoformat(),
            prefix + "cleared_by": "Dr Rivera",
            prefix + "note": "Light pressure agreed by phone with the prescriber.",
        },
    )
    assert recorded.status_code == 302
    flags = collect("patient_safety_flags", patient=patient)
    cleared = [f for f in flags if f.code == finding.code]
    assert cleared and cleared[0].cleared and cleared[0].resolved
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.finding_clearance")
    ).all()
    assert len(events) == 1 and events[0].user_id == user.id
    page = therapist.get(f"/intake/patients/{patient.id}/findings").text
    assert "Dr Rivera" in page


def test_front_desk_cannot_record_a_review(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step=BLOOD_THINNER)
    finding = db.session.scalars(select(IntakeFinding)).first()
    front_desk, _fd = signed_in("front-desk")
    response = front_desk.post_form(
        f"/intake/patients/{patient.id}/findings/{finding.id}/review",
        {f"f{finding.id}-action": "reviewed"},
    )
    assert response.status_code == 403


def test_finding_of_another_patient_is_not_found(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    other = make_patient()
    complete_packet(therapist, patient, answers_by_step=BLOOD_THINNER)
    finding = db.session.scalars(select(IntakeFinding)).first()
    response = therapist.post_form(
        f"/intake/patients/{other.id}/findings/{finding.id}/review",
        {f"f{finding.id}-action": "reviewed"},
    )
    assert response.status_code == 404
    response_row = db.session.scalars(select(IntakeResponse)).first()
    assert (
        therapist.get(f"/intake/patients/{other.id}/responses/{response_row.id}").status_code == 404
    )


def test_outcome_measures_are_scored_responses_oldest_first_with_mcid_on_chart(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        therapist, patient, "followup", {"odi": {f"odi.{n}": "3" for n in range(1, 11)}}
    )
    complete_packet(
        therapist, patient, "followup", {"odi": {f"odi.{n}": "1" for n in range(1, 11)}}
    )
    measures = collect("patient_outcome_measures", patient=patient)
    odi = [m for m in measures if m.instrument == "odi"]
    assert [m.value for m in odi] == [60.0, 20.0]
    assert odi[0].unit == "%" and odi[0].band == "severe" and odi[1].band == "minimal"
    chart = therapist.get(f"/patients/{patient.id}").text
    assert "meaningful improvement" in chart
    assert "-40%" in chart


def test_summary_fact_says_when_the_packet_was_completed(app, signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    facts = collect("patient_summary_facts", patient=patient)
    assert facts[0].value == "no packet yet"
    complete_packet(therapist, patient, "followup")
    facts = collect("patient_summary_facts", patient=patient)
    assert facts[0].value.startswith("Follow-up complete ")


def test_intake_works_with_every_other_plugin_disabled(app_factory):
    from clinic.testing import login, make_user

    alone = app_factory(CLINIC_PLUGINS=["intake"])
    enabled = enabled_plugins(alone)
    assert enabled == ["intake"]
    with alone.app_context():
        patient = make_patient()
        client = alone.test_client()
        login(client, make_user("therapist"))
        complete_packet(client, patient, answers_by_step=SADDLE)
        chart = client.get(f"/patients/{patient.id}").text
        assert "alert-emergency" in chart and 'id="panel-intake-scores"' in chart
        db.session.remove()


def test_demo_history_is_scored_and_repeatable(app):
    import random

    from plugins.intake.hooks import demo_patient_history

    def build(seed):
        patient = make_patient()
        demo_patient_history(patient=patient, rng=random.Random(seed))
        db.session.commit()
        return [
            (r.instrument_id, r.total)
            for r in db.session.scalars(
                select(IntakeResponse)
                .where(IntakeResponse.patient_id == patient.id)
                .order_by(IntakeResponse.id)
            )
        ]

    make_user("front-desk")  # the demo's runs are started by a member of staff
    seed = next(s for s in range(50) if random.Random(s).random() >= 0.3)
    first, second = build(seed), build(seed)
    assert first == second and first
    unscored = ("history", "consent", "pain_diagram")
    assert all(total is not None for name, total in first if name not in unscored)
    assert {"history", "consent", "pain_diagram", "sbst"} <= {name for name, _ in first}
    runs = db.session.scalars(select(IntakeRun).order_by(IntakeRun.id)).all()
    assert runs[0].packet_code == "new_back_pain"
    assert all(run.status == "complete" for run in runs)


@pytest.mark.parametrize(
    ("kind", "emergency", "level"),
    [
        ("red_flag", True, "emergency"),
        ("red_flag", False, "danger"),
        ("absolute", False, "danger"),
        ("precaution", False, "warning"),
        ("relative", False, "warning"),
        ("local", False, "warning"),
        ("heat", False, "warning"),
        ("pressure", False, "warning"),
    ],
)
def test_each_kind_of_finding_becomes_an_alert_with_its_advice(app, kind, emergency, level):
    from clinic.testing import make_user
    from plugins.intake.models import IntakeFindingReview, utcnow

    patient = make_patient()
    therapist = make_user("therapist", display_name="Tess Therapist")
    history = IntakeResponse(
        patient_id=patient.id,
        instrument_id="history",
        instrument_version="1.0",
        answers="{}",
        entered_by_kind="patient",
        entered_at=utcnow(),
    )
    db.session.add(history)
    db.session.flush()
    finding = IntakeFinding(
        response_id=history.id,
        patient_id=patient.id,
        code=f"test_{kind}",
        kind=kind,
        title=f"Title {kind}",
        message=f"Answered yes to {kind}.",
        advice=f"Advice {kind}.",
        emergency=emergency,
    )
    db.session.add(finding)
    db.session.commit()
    alerts = collect("patient_alerts", patient=patient, user=therapist)
    assert [(a.level, a.title, a.action) for a in alerts] == [
        (level, f"Title {kind}", f"Advice {kind}.")
    ]
    assert "Not yet reviewed." in alerts[0].detail
    assert alerts[0].permission == "intake.view"
    db.session.add(
        IntakeFindingReview(
            finding_id=finding.id,
            patient_id=patient.id,
            action="reviewed",
            recorded_by_id=therapist.id,
            recorded_at=utcnow(),
        )
    )
    db.session.commit()
    db.session.expire_all()
    alerts = collect("patient_alerts", patient=patient, user=therapist)
    assert "Reviewed by Tess Therapist" in alerts[0].detail
