"""The treatment plugin answers ``patient_care_plans`` (a billing plugin's diagnoses and
plan-of-care check) with the plans whose dates cover the day asked about."""

from __future__ import annotations

import datetime as dt

from clinic.api import clinic_today, collect
from clinic.testing import make_patient, make_user
from plugins.treatment.tests.factories import make_plan


def test_active_and_completed_plans_covering_the_day_are_reported(app):
    therapist = make_user("therapist")
    patient = make_patient()
    today = clinic_today()
    plan = make_plan(patient, therapist, diagnoses=["M54.50", "M62.830"], problems="Sitting")
    make_plan(patient, therapist, status="draft")  # not yet a plan of care
    [found] = collect("patient_care_plans", patient=patient, on_date=today)
    assert found.plan_id == str(plan.id) and found.diagnoses == ("M54.50", "M62.830")
    assert found.therapy and found.problems == "Sitting" and found.start == plan.start_date
    assert found.goals == (f"odi: from 42 to 20 by {plan.goals[0].target_date.isoformat()}",)
    assert (
        collect("patient_care_plans", patient=patient, on_date=plan.end_date + dt.timedelta(days=1))
        == []
    )
    assert collect("patient_care_plans", patient=make_patient(), on_date=today) == []
