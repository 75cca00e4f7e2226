"""Issue #11 point 3: the chart's compact alert summary — counts by severity, one line
per cause with details on demand, emergencies expanded, reviewed alerts in a quiet list."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from clinic.api import clinic_today, db
from clinic.testing import make_patient as _make_patient
from plugins.intake.models import IntakeFinding
from plugins.intake.tests.helpers import complete_packet


def make_patient(**fields):
    born = clinic_today().replace(day=1) - dt.timedelta(days=35 * 365)
    return _make_patient(date_of_birth=born, **fields)


def banner(html: str) -> str:
    return html[html.index('class="patient-banner"') : html.index("</section>")]


def test_chart_summary_counts_by_severity_and_expands_only_emergencies(signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        therapist,
        patient,
        answers_by_step={
            "history": {
                "history.saddle_numbness": "true",
                "history.thoracic_pain": "true",
                "history.medications": ["anticoagulant"],
            }
        },
    )
    top = banner(therapist.get(f"/patients/{patient.id}").text)
    assert re.search(r'data-alert-count="emergency">1 emergency<', top)
    assert re.search(r'data-alert-count="danger">1 serious alert<', top)
    assert re.search(r'data-alert-count="warning">1 caution<', top)
    emergency = top[top.index("alert-emergency") :].split("</li>")[0]
    assert "<details" not in emergency and "same-day" in emergency
    lines = top.split("</li>")
    thoracic = next(line for line in lines if "Red flag: pain in the middle" in line)
    assert '<details class="alert-line">' in thoracic


def test_findings_from_the_same_answer_are_one_line(signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(therapist, patient, answers_by_step={"history": {"history.fever": "true"}})
    codes = {f.code for f in db.session.scalars(select(IntakeFinding)).all()}
    assert {"fever", "fever_heat", "infection_signs"} <= codes
    top = banner(therapist.get(f"/patients/{patient.id}").text)
    assert top.count('<li class="alert ') == 1
    assert "Also: " in top and "No heat: fever" in top and "Fever or chills" in top


def test_reviewed_alerts_drop_into_a_quiet_reviewed_list_and_out_of_search(signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient(last_name="Quietson")
    complete_packet(
        therapist, patient, answers_by_step={"history": {"history.thoracic_pain": "true"}}
    )
    f = db.session.scalars(select(IntakeFinding)).one()
    assert "Red flag" in therapist.get("/patients/?q=quietson").text
    therapist.post_form(
        f"/intake/patients/{patient.id}/findings/{f.id}/review",
        {f"f{f.id}-action": "reviewed", f"f{f.id}-note": "Already assessed by the GP last week."},
    )
    top = banner(therapist.get(f"/patients/{patient.id}").text)
    assert 'class="alerts-reviewed"' in top and "Reviewed (1)" in top
    assert '<li class="alert ' not in top and "data-alert-count" not in top
    assert "Red flag" not in therapist.get("/patients/?q=quietson").text
