"""The intake plugin's rows on staff start pages (the ``worklist_items`` hook).

The front desk sees packets in progress, packets waiting for a tablet and packets
finished today; a clinician sees red flags and emergencies nobody has reviewed yet.
Every query is small and newest first: the start page is opened all day long.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, or_, select

from clinic.api import Patient, WorklistItem, clinic_day_start, db
from plugins.intake.models import IntakeFinding, IntakeFindingReview, IntakeResponse, IntakeRun

ROWS = 8


def _patients(ids) -> dict[int, Patient]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(ids)))}


def _run_state(run: IntakeRun) -> str:
    done = len(run.answers())
    total = len(run.step_ids)
    if run.mode == "tablet" and run.opened_at is None:
        return f"{run.packet_title}: waiting for the tablet"
    where = "on the tablet" if run.mode == "tablet" else "staff entry"
    return f"{run.packet_title}: {where}, {done} of {total} parts saved"


def open_packets() -> list[WorklistItem]:
    runs = db.session.scalars(
        select(IntakeRun)
        .where(IntakeRun.status == "open")
        .order_by(IntakeRun.started_at.desc(), IntakeRun.id.desc())
        .limit(ROWS)
    ).all()
    patients = _patients(r.patient_id for r in runs)
    return [
        WorklistItem(
            section="Intake packets in progress",
            section_order=30,
            title=patients[run.patient_id].display_name,
            detail=f"#{run.patient_id} · {_run_state(run)}",
            permission="intake.enter",
            link_endpoint="intake.patient_page",
            link_values={"patient_id": run.patient_id},
            level="warning" if run.mode == "tablet" and run.opened_at is None else "info",
            when=run.started_at,
        )
        for run in runs
        if run.patient_id in patients
    ]


def completed_today(today: dt.date) -> list[WorklistItem]:
    # The clinic's midnight, not UTC's (7 or 8 pm the evening before in New York).
    midnight = clinic_day_start(today)
    runs = db.session.scalars(
        select(IntakeRun)
        .where(IntakeRun.status == "complete", IntakeRun.finished_at >= midnight)
        .order_by(IntakeRun.finished_at.desc())
        .limit(ROWS)
    ).all()
    patients = _patients(r.patient_id for r in runs)
    return [
        WorklistItem(
            section="Intake packets completed today",
            section_order=40,
            title=patients[run.patient_id].display_name,
            detail=f"#{run.patient_id} · {run.packet_title} finished",
            permission="intake.view",
            link_endpoint="intake.patient_page",
            link_values={"patient_id": run.patient_id},
            when=run.finished_at,
        )
        for run in runs
        if run.patient_id in patients
    ]


def unreviewed_alerts() -> list[WorklistItem]:
    """Emergencies, red flags and absolute contraindications no clinician has reviewed.

    Only findings of each patient's latest health history count: an older screen
    the patient has since answered again is no longer the patient's state.
    """
    reviewed = exists().where(IntakeFindingReview.finding_id == IntakeFinding.id)
    candidates = db.session.execute(
        select(IntakeFinding, IntakeResponse.entered_at)
        .join(IntakeResponse, IntakeResponse.id == IntakeFinding.response_id)
        .where(
            or_(IntakeFinding.emergency, IntakeFinding.kind.in_(("red_flag", "absolute"))),
            ~reviewed,
        )
        .order_by(IntakeFinding.id.desc())
        .limit(ROWS * 5)
    ).all()
    latest = _latest_history_ids({f.patient_id for f, _at in candidates})
    # One row per patient: several findings of one screen are one thing to review.
    per_patient: dict[int, list] = {}
    entered: dict[int, dt.datetime] = {}
    for finding, entered_at in candidates:
        if latest.get(finding.patient_id) == finding.response_id:
            per_patient.setdefault(finding.patient_id, []).append(finding)
            entered[finding.patient_id] = entered_at
    chosen = list(per_patient)[:ROWS]
    patients = _patients(chosen)
    rows = []
    for patient_id in chosen:
        findings = per_patient[patient_id]
        emergency = any(f.emergency for f in findings)
        titles = "; ".join(f.title + (" (emergency)" if f.emergency else "") for f in findings)
        rows.append(
            WorklistItem(
                section="Safety alerts to review",
                section_order=10,
                title=patients[patient_id].display_name,
                detail=f"#{patient_id} · {titles}",
                permission="intake.alerts.review",
                link_endpoint="intake.findings",
                link_values={"patient_id": patient_id},
                level="emergency" if emergency else "danger",
                when=entered[patient_id],
            )
        )
    return rows


def _latest_history_ids(patient_ids: set[int]) -> dict[int, int]:
    if not patient_ids:
        return {}
    latest: dict[int, int] = {}
    for patient_id, response_id in db.session.execute(
        select(IntakeResponse.patient_id, IntakeResponse.id)
        .where(
            IntakeResponse.patient_id.in_(patient_ids),
            IntakeResponse.instrument_id == "history",
        )
        .order_by(IntakeResponse.entered_at, IntakeResponse.id)
    ):
        latest[patient_id] = response_id
    return latest
