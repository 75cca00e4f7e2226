"""Read-side questions the chart, the hooks and the PDFs ask about a patient."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from clinic.api import db, per_request
from plugins.intake.models import (
    IntakeConsentRecord,
    IntakeFinding,
    IntakeFindingReview,
    IntakeResponse,
    IntakeRun,
)
from plugins.intake.packets import PAIN_DIAGRAM


def runs(patient_id: int) -> list[IntakeRun]:
    """Newest first; kept for the request (the status panel and the summary line ask)."""
    return per_request(
        "intake.runs",
        patient_id,
        lambda: list(
            db.session.scalars(
                select(IntakeRun)
                .where(IntakeRun.patient_id == patient_id)
                .order_by(IntakeRun.started_at.desc(), IntakeRun.id.desc())
            )
        ),
    )


def responses(patient_id: int, instrument_id: str | None = None) -> list[IntakeResponse]:
    """Oldest first.  All of a patient's responses are read once per request: the chart's
    status, scores and pain panels and its alerts each want some of them."""
    everything = per_request("intake.responses", patient_id, lambda: _responses(patient_id))
    if instrument_id is None:
        return everything
    return [r for r in everything if r.instrument_id == instrument_id]


def _responses(patient_id: int) -> list[IntakeResponse]:
    # The staff member who entered a response comes in the same statement: the patient
    # page names them, and loading them one by one made its statement count depend on
    # how many different people had entered this patient's forms.
    stmt = (
        select(IntakeResponse)
        .where(IntakeResponse.patient_id == patient_id)
        .options(joinedload(IntakeResponse.entered_by))
    )
    return list(db.session.scalars(stmt.order_by(IntakeResponse.entered_at, IntakeResponse.id)))


def latest_response(patient_id: int, instrument_id: str) -> IntakeResponse | None:
    """The newest (by entry time, then id) of the patient's responses to the instrument."""
    found = responses(patient_id, instrument_id)
    return found[-1] if found else None


def current_findings(patient_id: int) -> list[IntakeFinding]:
    """Findings of the patient's latest completed health-history screen."""
    latest = latest_response(patient_id, "history")
    if latest is None:
        return []
    return list(latest.findings)


def current_findings_many(patient_ids) -> dict[int, list[IntakeFinding]]:
    """``current_findings`` for many patients in three queries (a page of search
    results), with each finding's reviews and their authors loaded."""
    ids = set(patient_ids)
    if not ids:
        return {}
    latest: dict[int, int] = {}
    histories = db.session.execute(
        select(IntakeResponse.patient_id, IntakeResponse.id)
        .where(IntakeResponse.patient_id.in_(ids), IntakeResponse.instrument_id == "history")
        .order_by(IntakeResponse.entered_at.desc(), IntakeResponse.id.desc())
    )
    for patient_id, response_id in histories:
        latest.setdefault(patient_id, response_id)  # newest first: the first one wins
    found: dict[int, list[IntakeFinding]] = {patient_id: [] for patient_id in ids}
    if latest:
        rows = db.session.scalars(
            select(IntakeFinding)
            .where(IntakeFinding.response_id.in_(latest.values()))
            .options(
                selectinload(IntakeFinding.reviews).joinedload(IntakeFindingReview.recorded_by)
            )
            .order_by(IntakeFinding.id)
        )
        for finding in rows:
            found[finding.patient_id].append(finding)
    return found


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


def _latest_history_ids():
    """Each patient's latest health-history response id (the one whose findings count)."""
    ranked = select(
        IntakeResponse.id.label("id"),
        func.row_number()
        .over(
            partition_by=IntakeResponse.patient_id,
            order_by=(IntakeResponse.entered_at.desc(), IntakeResponse.id.desc()),
        )
        .label("rank"),
    ).where(IntakeResponse.instrument_id == "history")
    ranked = ranked.subquery()
    return select(ranked.c.id).where(ranked.c.rank == 1)


def _needs_review_filter():
    """Unreviewed emergencies and red flags of each patient's latest screen."""
    return (
        IntakeFinding.response_id.in_(_latest_history_ids()),
        or_(IntakeFinding.emergency, IntakeFinding.kind == "red_flag"),
        ~exists().where(IntakeFindingReview.finding_id == IntakeFinding.id),
    )


def needs_review() -> list[IntakeFinding]:
    """Clinic-wide review list: emergencies newest first, then red flags oldest first
    (docs/clinical-rules.md, "Needs review")."""
    rows = list(
        db.session.scalars(
            select(IntakeFinding)
            .join(IntakeResponse, IntakeResponse.id == IntakeFinding.response_id)
            .where(*_needs_review_filter())
            .order_by(IntakeResponse.entered_at, IntakeFinding.id)
        )
    )
    emergencies = [f for f in rows if f.emergency][::-1]
    return emergencies + [f for f in rows if not f.emergency]


def needs_review_count() -> int:
    """The navigation badge, on every page a clinician opens."""
    return int(db.session.scalar(_needs_review_count_statement()) or 0)


@lru_cache(maxsize=1)
def _needs_review_count_statement():
    # The statement has no parameters: it is built once per process, not on every page
    # (building the windowed subquery cost more than running it on a small clinic).
    return select(func.count()).select_from(IntakeFinding).where(*_needs_review_filter())


def consent_record(response_id: int) -> IntakeConsentRecord | None:
    return db.session.scalars(
        select(IntakeConsentRecord).where(IntakeConsentRecord.response_id == response_id)
    ).first()
