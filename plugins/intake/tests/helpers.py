"""Shared helpers for the intake web tests: valid answers and driving a run."""

from __future__ import annotations

from clinic.api import clinic_today
from plugins.intake import services
from plugins.intake.instruments import get
from plugins.intake.models import IntakeRun
from plugins.intake.packets import PAIN_DIAGRAM
from plugins.intake.runner import field_name, pain_field

# A patient with no warning signs and nothing to avoid.
QUIET_HISTORY = {"history.pressure_preference": None}


def default_answers(step: str) -> dict:
    """Answers that complete ``step`` with nothing alarming (form strings)."""
    if step == PAIN_DIAGRAM:
        return {"lower_back_l": "6", "lower_back_r": "5"}
    defn = get(step)
    answers = {}
    for item in defn.items:
        if item.show_if:
            continue
        if item.type == "boolean":
            answers[item.id] = "true" if item.id == "consent.agree" else "false"
        elif item.type == "choice":
            answers[item.id] = str(item.options[0].value)
        elif item.type == "signature":
            answers[item.id] = "Pat Example"
        elif item.type == "date":
            answers[item.id] = clinic_today().isoformat()
        elif item.type == "integer" and item.required:
            answers[item.id] = str(item.min or 0)
    return answers


def page_form(page, answers: dict) -> dict:
    """Form fields for one page taken from ``answers`` (item id or region code → value)."""
    data = {}
    if page.step == PAIN_DIAGRAM:
        for code, value in answers.items():
            data[pain_field(code)] = value
        return data
    for item in page.items:
        if item.id in answers and answers[item.id] is not None:
            data[field_name(item.id)] = answers[item.id]
    return data


def fill_run(client, run_id: int, page_url, answers_by_step: dict | None = None):
    """Post every page of the run with defaults overridden by ``answers_by_step``."""
    from clinic.api import db

    run = db.session.get(IntakeRun, run_id)
    pages = services.run_pages(run)
    overrides = answers_by_step or {}
    for page in pages:
        answers = {**default_answers(page.step), **overrides.get(page.step, {})}
        response = client.post_form(page_url(page.number), page_form(page, answers))
        assert response.status_code == 302, (page, response.status_code, response.text[:3000])
    return pages


def complete_packet(client, patient, packet="new_back_pain", answers_by_step=None):
    """Start a staff-entry run, fill every page and submit it; return the run id."""
    from sqlalchemy import select

    from clinic.api import db

    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": packet, "mode": "staff"}
    )
    assert response.status_code == 302, response.text[:2000]
    run_id = db.session.scalars(
        select(IntakeRun.id)
        .where(IntakeRun.patient_id == patient.id, IntakeRun.status == "open")
        .order_by(IntakeRun.id.desc())
    ).first()
    base = f"/intake/patients/{patient.id}/runs/{run_id}"
    fill_run(client, run_id, lambda n: f"{base}/page/{n}", answers_by_step)
    done = client.post_form(f"{base}/submit")
    assert done.status_code == 302, done.text[:3000]
    return run_id
