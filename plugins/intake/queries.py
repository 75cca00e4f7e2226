"""Read-side questions the chart, the hooks and the PDFs ask about a patient."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import db
from plugins.intake.models import IntakeConsentRecord, IntakeFinding, IntakeResponse, IntakeRun
from plugins.intake.packets import PAIN_DIAGRAM


def runs(patient_id: int) -> list[IntakeRun]:
    return list(
        db.session.scalars(
            select(IntakeRun)
            .where(IntakeRun.patient_id == patient_id)
            .order_by(IntakeRun.started_at.desc(), IntakeRun.id.desc())
        )
    )


def responses(patient_id: int, instrument_id: str | None = None) -> list[IntakeResponse]:
    """Oldest first."""
    stmt = select(IntakeResponse).where(IntakeResponse.patient_id == patient_id)
    if instrument_id is not None:
        stmt = stmt.where(IntakeResponse.instrument_id == instrument_id)
    return list(db.session.scalars(stmt.order_by(IntakeResponse.entered_at, IntakeResponse.id)))


def latest_response(patient_id: int, instrument_id: str) -> IntakeResponse | None:
    return db.session.scalars(
        select(IntakeResponse)
        .where(
            IntakeResponse.patient_id == patient_id,
            IntakeResponse.instrument_id == instrument_id,
        )
        .order_by(IntakeResponse.entered_at.desc(), IntakeResponse.id.desc())
        .limit(1)
    ).first()


def current_findings(patient_id: int) -> list[IntakeFinding]:
    """Findings of the patient's latest completed health-history screen."""
    latest = latest_response(patient_id, "history")
    if latest is None:
        return []
    return list(latest.findings)


def latest_pain_diagram(patient_id: int) -> IntakeResponse | None:
    return latest_response(patient_id, PAIN_DIAGRAM)


def scored(patient_id: int) -> dict[str, list[IntakeResponse]]:
    """Scored responses grouped by instrument, oldest first, unscored ones left out."""
    grouped: dict[str, list[IntakeResponse]] = {}
    for response in responses(patient_id):
        if response.total is None or response.instrument_id == PAIN_DIAGRAM:
            continue
        grouped.setdefault(response.instrument_id, []).append(response)
    return grouped


def consent_record(response_id: int) -> IntakeConsentRecord | None:
    return db.session.scalars(
        select(IntakeConsentRecord).where(IntakeConsentRecord.response_id == response_id)
    ).first()
