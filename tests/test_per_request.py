"""Answers kept for one request only (``clinic.memo``) and the chart built on them.

The chart asks several times for the same things (a patient's notes, the latest
health-history screen, the alerts); each is worked out once per request.  These tests
hold the rules that keep that safe: a change made in the same request is seen, the
next request (whoever makes it) works everything out again, nothing is kept outside a
request.
"""

from __future__ import annotations

import datetime as dt

from clinic.api import PatientAlert, hookimpl, peek, per_request
from clinic.extensions import db
from clinic.testing import make_patient, make_user, register_hooks
from plugins.treatment import services
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note, make_plan


def test_an_answer_is_kept_for_the_rest_of_the_request_only(app):
    calls = []

    def compute():
        calls.append(1)
        return [len(calls)]

    with app.test_request_context():
        assert per_request("test", 1, compute) == [1]
        assert per_request("test", 1, compute) == [1]
        assert per_request("test", 2, compute) == [2]
        assert peek("test", 1) == [1]
        # What a caller does to the list it was given does not change the kept answer.
        per_request("test", 1, compute).append("mine")
        assert per_request("test", 1, compute) == [1]
    with app.test_request_context():
        assert peek("test", 1) is None
        assert per_request("test", 1, compute) == [3]
    with app.app_context():
        per_request("test", 1, compute)
        per_request("test", 1, compute)
    assert len(calls) == 5


def test_a_write_in_the_same_request_is_seen(app):
    therapist = make_user("therapist")
    patient = make_patient()
    plan = make_plan(patient, therapist)
    make_note(patient, therapist, plan=plan, signed=True)
    make_note(patient, therapist, signed=True)  # outside the plan
    with app.test_request_context():
        assert len(services.patient_notes(patient.id)) == 2
        # One plan's notes are taken from the patient's, already known.
        assert len(services.patient_notes(patient.id, plan_id=plan.id)) == 1
        db.session.add(
            Note(
                patient_id=patient.id,
                plan_id=plan.id,
                therapist_id=therapist.id,
                nonce="added-in-this-request",
                session_date=dt.date.today(),
            )
        )
        # Not flushed yet: the kept answer is not used while changes are pending.
        assert len(services.patient_notes(patient.id)) == 3
        assert len(services.patient_notes(patient.id, plan_id=plan.id)) == 2
        db.session.rollback()
        assert len(services.patient_notes(patient.id)) == 2
        # A write flushed by someone else in the request empties what was kept.
        services.patient_notes(patient.id)
        make_note(patient, therapist, plan=plan)
        assert len(services.patient_notes(patient.id, plan_id=plan.id)) == 2


def test_the_next_chart_view_counts_a_session_signed_since(app, signed_in):
    client, therapist = signed_in("therapist")
    patient = make_patient()
    plan = make_plan(patient, therapist)
    for _ in range(2):
        make_note(patient, therapist, plan=plan, signed=True)
    assert "2 signed sessions" in client.get(f"/patients/{patient.id}").get_data(as_text=True)
    make_note(patient, therapist, plan=plan, signed=True)
    page = client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert "3 signed sessions" in page
    assert "2 signed sessions" not in page


class WhoAsked:
    """Stands in for a plugin whose alert depends on who is looking."""

    def __init__(self):
        self.calls = 0

    @hookimpl
    def patient_alerts(self, patient, user):
        self.calls += 1
        return [
            PatientAlert(
                level="info",
                title=f"Worked out for {user.username}",
                detail="",
                permission="patients.view",
                source="test",
            )
        ]


def test_another_users_request_gets_its_own_alerts(app, signed_in):
    spy = register_hooks(app, WhoAsked(), "who-asked")
    therapist_client, therapist = signed_in("therapist")
    desk_client, desk = signed_in("front-desk")
    patient = make_patient()
    first = therapist_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    second = desk_client.get(f"/patients/{patient.id}").get_data(as_text=True)
    assert f"Worked out for {therapist.username}" in first
    assert f"Worked out for {desk.username}" in second
    assert therapist.username not in second
    assert spy.calls == 2  # once per request, however many places show alerts


def test_the_pain_figure_drawn_is_the_one_for_these_ratings(app):
    from plugins.intake.panels import pain_figure

    with app.test_request_context():
        severe = str(pain_figure({"lower_back_l": 8}))
        unmarked = str(pain_figure({}))
        again = str(pain_figure({"lower_back_l": 8}))
    assert severe == again
    assert severe != unmarked
    assert ">8</text>" in severe
    assert ">8</text>" not in unmarked
