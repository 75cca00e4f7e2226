"""Issue #11 point 4: the front desk sees that a clinical alert exists and what to do,
never its clinical detail — on the chart, the findings pages and in search results."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import db
from clinic.testing import make_patient
from plugins.intake.models import IntakeFinding
from plugins.intake.tests.helpers import complete_packet

CANCER_AND_THINNER = {
    "history": {"history.cancer_history": "true", "history.medications": ["anticoagulant"]}
}
CLINICAL_WORDS = ("cancer", "anticoagulant", "blood thinner", "tumour")


def no_clinical_detail(html: str) -> None:
    lower = html.lower()
    for word in CLINICAL_WORDS:
        assert word not in lower, word


def test_desk_sees_that_an_alert_exists_and_its_action_but_no_detail(signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient(last_name="Minimumson")
    complete_packet(
        therapist,
        patient,
        answers_by_step={
            "history": {
                **CANCER_AND_THINNER["history"],
                "history.cancer_treatment": "false",
                "history.bone_cancer": "false",
            }
        },
    )
    assert "cancer" in therapist.get(f"/patients/{patient.id}").text.lower()

    desk, _desk = signed_in("front-desk")
    chart = desk.get(f"/patients/{patient.id}").text
    assert "Clinical alert" in chart and "Therapist to review before treatment." in chart
    no_clinical_detail(chart)
    search = desk.get("/patients/?q=minimumson").text
    assert "Clinical alert" in search
    no_clinical_detail(search)
    findings = desk.get(f"/intake/patients/{patient.id}/findings").text
    assert "therapist to review before treatment" in findings
    no_clinical_detail(findings)
    one = db.session.scalars(
        select(IntakeFinding).where(IntakeFinding.code == "cancer_signs")
    ).one()
    page = desk.get(f"/intake/patients/{patient.id}/findings/{one.id}").text
    assert "Clinical alert" in page
    no_clinical_detail(page)
    no_clinical_detail(desk.get("/intake/needs-review").text)


def test_desk_is_told_to_fetch_a_clinician_for_an_unreviewed_emergency(signed_in):
    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        therapist, patient, answers_by_step={"history": {"history.bowel_control": "true"}}
    )
    desk, _desk = signed_in("front-desk")
    chart = desk.get(f"/patients/{patient.id}").text
    assert "Emergency alert" in chart and "fetch a clinician now" in chart
    assert "bowel" not in chart.lower() and "cauda" not in chart.lower()


def test_search_rows_carry_their_own_patients_alerts(signed_in):
    """Alerts for a page of results are read at once; each lands on its own row."""
    therapist, _user = signed_in("therapist")
    flagged = make_patient(first_name="Bea", last_name="Rowson")
    make_patient(first_name="Ada", last_name="Rowson")
    make_patient(first_name="Cy", last_name="Rowson")
    history = {
        **CANCER_AND_THINNER["history"],
        "history.cancer_treatment": "false",
        "history.bone_cancer": "false",
    }
    complete_packet(therapist, flagged, answers_by_step={"history": history})
    desk, _desk = signed_in("front-desk")
    html = desk.get("/patients/?q=rowson").text
    rows = {
        name: row
        for row in html.split("<tr>")[2:]
        for name in ("Ada", "Bea", "Cy")
        if f"Rowson, {name}" in row
    }
    assert set(rows) == {"Ada", "Bea", "Cy"}
    assert "Clinical alert" in rows["Bea"]
    assert "alert" not in rows["Ada"].lower() and "alert" not in rows["Cy"].lower()
    no_clinical_detail(html)
