"""Treatment plans through the web: all modalities, goals, safety gate, heat refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clinic.api import AuditEvent, OutcomeMeasure, SafetyFlag, clinic_today, db, hookimpl
from clinic.testing import make_patient, register_hooks
from plugins.treatment.models import Plan
from plugins.treatment.tests.factories import make_plan


class Flags:
    """Stands in for the intake plugin's answer to patient_safety_flags."""

    def __init__(self, *flags):
        self.flags = list(flags)

    @hookimpl
    def patient_safety_flags(self, patient):
        return self.flags


@pytest.fixture
def flags(app):
    holder = Flags()
    register_hooks(app, holder, "flags-test")
    return holder


@pytest.fixture
def therapist(signed_in):
    return signed_in("therapist")


def plan_form(**overrides):
    today = clinic_today()
    data = {
        "diagnoses": "M54.50, m62.830",
        "problems": "Low back pain limits sitting to 20 minutes.",
        "times_per_week": "1",
        "weeks": "6",
        "start_date": today.isoformat(),
        "reeval_date": (today + dt.timedelta(days=28)).isoformat(),
        "goal1_measure": "odi",
        "goal1_baseline": "42",
        "goal1_target": "20",
        "goal1_direction": "below",
        "goal1_date": (today + dt.timedelta(days=42)).isoformat(),
        "m_nmt-use": "y",
        "m_nmt-regions": "lower_back_l",
        "m_nmt-minutes": "20",
        "m_prt-use": "y",
        "m_prt-regions": "buttock_r",
        "m_prt-minutes": "10",
        "m_prt-hold_seconds": "90",
        "m_hot_pack-use": "y",
        "m_hot_pack-regions": "lower_back_l",
        "m_hot_pack-minutes": "15",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_plan_with_three_modalities_and_a_goal(app, therapist):
    client, user = therapist
    patient = make_patient()
    response = client.post_form(f"/treatment/patients/{patient.id}/plans/new", plan_form())
    assert response.status_code == 302, response.text
    plan = db.session.scalars(select(Plan)).one()
    assert plan.diagnoses == ["M54.50", "M62.830"]
    assert plan.planned_visits == 6
    assert [m.modality_key for m in plan.modalities] == ["nmt", "prt", "hot_pack"]
    assert plan.modalities[1].parameters["hold_seconds"] == 90
    assert plan.goals[0].target == 20 and plan.goals[0].direction == "below"
    page = client.get(response.headers["Location"])
    assert "M54.50 Low back pain, unspecified" in page.text
    assert "6 planned visits" in page.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"diagnoses": "M54.5"}, "M54.5"),
        ({"diagnoses": "Z99.99"}, "Z99.99"),
        ({"m_prt-hold_seconds": "0"}, "Hold (seconds) must be between 1 and 600"),
        ({"weeks": "0"}, "Between 1 and 52 weeks."),
        ({"goal1_target": "lots"}, "Enter a number."),
        ({"goal1_target": "50"}, "already meets the target"),
        ({"goal1_date": "2001-01-01"}, "before the plan starts"),
        ({"reeval_date": "2001-01-01"}, "must be after the plan starts"),
        ({"m_nmt-use": None, "m_prt-use": None, "m_hot_pack-use": None}, "at least one modality"),
    ],
)
def test_bad_plan_input_is_refused(app, therapist, overrides, message):
    client, _user = therapist
    patient = make_patient()
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new", plan_form(**overrides)
    )
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalars(select(Plan)).all() == []


def test_a_clearance_note_on_the_plan_never_lifts_a_red_flag_only_its_review_does(
    app, therapist, flags
):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user, status="draft")
    review = {"patient_id": patient.id}
    flags.flags.append(
        SafetyFlag(
            "weight_loss",
            "red_flag",
            "Unexplained weight loss",
            "Refer",
            link_endpoint="patients.chart",
            link_values=review,
        )
    )
    base = f"/treatment/patients/{patient.id}/plans/{plan.id}"
    page = client.get(base)
    assert "Unexplained weight loss" in page.text
    # The review page is told the way back to this plan ("/" may be escaped or not).
    linked = page.text.replace("%2F", "/")
    assert f'href="/patients/{patient.id}?back={base}">review this finding' in linked
    response = client.post_form(f"{base}/status", {"target": "active"})
    assert response.status_code == 409
    assert "Unexplained weight loss" in response.text
    note = {"clearance": "Dr Ames, phone, today: fine to treat"}
    assert client.post_form(f"{base}/clearance", note).status_code == 302
    assert client.post_form(f"{base}/status", {"target": "active"}).status_code == 409
    db.session.refresh(plan)
    assert plan.status == "draft"
    flags.flags[0] = SafetyFlag("weight_loss", "red_flag", "Unexplained weight loss", "Refer",
                                reviewed=True)  # fmt: skip
    assert client.post_form(f"{base}/status", {"target": "active"}).status_code == 302
    db.session.refresh(plan)
    assert plan.status == "active"


def test_reviewed_red_flag_and_pregnancy_precaution_do_not_block(app, therapist, flags):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user, status="draft")
    flags.flags.extend(
        [
            SafetyFlag("age", "red_flag", "Over 50", "Refer", reviewed=True),
            SafetyFlag("pregnancy", "precaution", "Pregnant", "Side-lying"),
        ]
    )
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/{plan.id}/status", {"target": "active"}
    )
    assert response.status_code == 302


def test_discontinue_needs_a_reason(app, therapist):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user, status="active")
    url = f"/treatment/patients/{patient.id}/plans/{plan.id}/status"
    assert client.post_form(url, {"target": "discontinued"}).status_code == 409
    assert (
        client.post_form(url, {"target": "discontinued", "reason": "Moved away"}).status_code == 302
    )
    db.session.refresh(plan)
    assert (plan.status, plan.status_reason) == ("discontinued", "Moved away")


def test_hot_pack_over_heat_contraindicated_region_is_refused_unless_overridden(
    app, therapist, flags
):
    client, _user = therapist
    patient = make_patient()
    flags.flags.append(SafetyFlag("numb", "heat", "Numbness", "No heat", regions=("lower_back_l",)))
    url = f"/treatment/patients/{patient.id}/plans/new"
    refused = client.post_form(url, plan_form())
    assert refused.status_code == 400
    assert "No heat over Lower back, left" in refused.text
    assert db.session.scalars(select(Plan)).all() == []
    # The other side is fine.
    ok = client.post_form(url, plan_form(**{"m_hot_pack-regions": "lower_back_r"}))
    assert ok.status_code == 302
    overridden = client.post_form(
        url, plan_form(**{"m_hot_pack-heat_override": "Sensation retested normal today"})
    )
    assert overridden.status_code == 302
    plans = db.session.scalars(select(Plan).order_by(Plan.id)).all()
    assert plans[-1].modalities[2].heat_override_reason == "Sensation retested normal today"
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "treatment.heat_override")
    ).all()
    assert len(audit) == 1 and "Sensation retested" in audit[0].detail


def test_another_patients_plan_is_404(app, therapist):
    client, user = therapist
    mine, theirs = make_patient(), make_patient()
    plan = make_plan(theirs, user)
    assert client.get(f"/treatment/patients/{mine.id}/plans/{plan.id}").status_code == 404
    assert client.get(f"/treatment/patients/{mine.id}/plans/{plan.id}/progress").status_code == 404


def test_icd10_search_by_code_or_words(app, therapist):
    client, _user = therapist
    found = client.get("/treatment/icd10?q=m5450", headers={"Accept": "application/json"})
    assert {"code": "M54.50", "title": "Low back pain, unspecified", "notes": []} in found.json[
        "results"
    ]
    page = client.get("/treatment/icd10?q=muscle spasm")
    assert "M62.830" in page.text


def test_save_and_activate_in_one_step_when_nothing_blocks(app, therapist, flags):
    client, _user = therapist
    patient = make_patient()
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new", plan_form(action="activate")
    )
    assert response.status_code == 302, response.text
    plan = db.session.scalars(select(Plan)).one()
    assert plan.status == "active"
    page = client.get(response.headers["Location"])
    assert "Treatment plan saved and active." in page.text
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "treatment.plan.status")
    ).all()
    assert len(events) == 1


def test_save_and_activate_blocked_keeps_a_draft_and_says_why(app, therapist, flags):
    client, _user = therapist
    flags.flags.append(SafetyFlag("dvt", "red_flag", "Possible deep vein thrombosis", "Refer"))
    patient = make_patient()
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new", plan_form(action="activate")
    )
    assert response.status_code == 302, response.text
    plan = db.session.scalars(select(Plan)).one()
    assert plan.status == "draft"
    assert plan.diagnoses == ["M54.50", "M62.830"]
    page = client.get(response.headers["Location"])
    assert "Saved as a draft, not activated." in page.text
    assert "Possible deep vein thrombosis" in page.text


def test_plain_save_of_an_edit_keeps_the_draft(app, therapist, flags):
    client, _user = therapist
    patient = make_patient()
    client.post_form(f"/treatment/patients/{patient.id}/plans/new", plan_form(action="save"))
    plan = db.session.scalars(select(Plan)).one()
    assert plan.status == "draft"
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/{plan.id}/edit",
        plan_form(action="activate", version=str(plan.version)),
    )
    assert response.status_code == 302, response.text
    db.session.refresh(plan)
    assert plan.status == "active"


class Scores:
    """Stands in for the intake plugin's answer to patient_outcome_measures."""

    @hookimpl
    def patient_outcome_measures(self, patient):
        return [
            OutcomeMeasure("odi", "Oswestry Disability Index", dt.date(2026, 9, 1), 48.0, "%"),
            OutcomeMeasure("nprs", "Pain rating (0-10)", dt.date(2026, 9, 1), 7.0),
            OutcomeMeasure(
                "odi", "Oswestry Disability Index", dt.date(2026, 10, 1), 42.0, "%", "moderate"
            ),
        ]


def test_new_plan_goals_start_from_the_latest_intake_scores(app, therapist):
    register_hooks(app, Scores(), "scores-test")
    client, _user = therapist
    patient = make_patient()
    page = client.get(f"/treatment/patients/{patient.id}/plans/new")
    assert page.status_code == 200
    html = page.text
    assert 'name="goal1_measure" type="text" value="odi"' in html
    assert 'name="goal1_baseline" type="text" value="42"' in html
    assert 'name="goal2_measure" type="text" value="nprs"' in html
    assert 'name="goal2_baseline" type="text" value="7"' in html
    assert "Latest Oswestry Disability Index: 42% on 2026-10-01, moderate." in html
    assert 'list="goal-measures"' in html and '<option value="odi">' in html

    # Keep the ODI goal (add a target and date), leave the pain row untouched:
    # the plan saves with one goal instead of refusing the untouched suggestion.
    today = clinic_today()
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new",
        plan_form(
            goal1_measure="odi",
            goal1_baseline="42",
            goal1_target="20",
            goal2_measure="nprs",
            goal2_baseline="7",
            goal2_direction="below",
        ),
    )
    assert response.status_code == 302, response.text
    plan = db.session.scalars(select(Plan)).one()
    assert [(g.measure, g.baseline, g.target) for g in plan.goals] == [("odi", 42.0, 20.0)]
    assert plan.goals[0].target_date == today + dt.timedelta(days=42)


def test_an_edited_suggestion_without_a_target_is_refused(app, therapist):
    register_hooks(app, Scores(), "scores-test")
    client, _user = therapist
    patient = make_patient()
    response = client.post_form(
        f"/treatment/patients/{patient.id}/plans/new",
        plan_form(goal2_measure="nprs", goal2_baseline="6"),
    )
    assert response.status_code == 400
    assert "Enter the target value." in response.text
    assert db.session.scalars(select(Plan)).all() == []
