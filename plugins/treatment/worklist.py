"""The treatment plugin's rows on staff start pages (the ``worklist_items`` hook).

A therapist sees their own unsigned notes, their plans whose re-evaluation is due
or whose planned course ends soon, and the patients they treated lately.  Staff who
do not write notes (the front desk, billing) see who was seen recently — the fact of
a visit, never its content.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clinic.api import Patient, WorklistItem, db, user_can, utcnow
from plugins.treatment import services
from plugins.treatment.models import Note, Plan

ROWS = 8
SOON_DAYS = 7
RECENT_DAYS = 14


def _patients(ids) -> dict[int, Patient]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Patient).where(Patient.id.in_(ids)))}


def unsigned_notes(user) -> list[WorklistItem]:
    cutoff = utcnow() - dt.timedelta(hours=float(services.setting("unsigned_note_hours")))
    notes = db.session.scalars(
        select(Note)
        .where(Note.therapist_id == user.id, Note.signed_at.is_(None))
        .order_by(Note.created_at.desc())
        .limit(ROWS * 3)
    ).all()
    notes = [n for n in notes if not n.entered_in_error][:ROWS]
    patients = _patients(n.patient_id for n in notes)
    return [
        WorklistItem(
            section="Your unsigned notes",
            section_order=20,
            title=patients[n.patient_id].display_name,
            detail=f"#{n.patient_id} · session on {n.session_date.isoformat()} is not signed"
            + (" (overdue)" if n.created_at <= cutoff else ""),
            permission="treatment.notes.write",
            link_endpoint="treatment.note_view",
            link_values={"patient_id": n.patient_id, "note_id": n.id},
            level="warning" if n.created_at <= cutoff else "info",
            when=n.created_at,
        )
        for n in notes
    ]


def plans_due(user, today: dt.date) -> list[WorklistItem]:
    """Active plans of this therapist with a re-evaluation due or an end date within a week."""
    soon = today + dt.timedelta(days=SOON_DAYS)
    plans = db.session.scalars(
        select(Plan)
        .where(Plan.therapist_id == user.id, Plan.status == "active")
        .order_by(Plan.id.desc())
        .limit(300)
    ).all()
    due = []
    for plan in plans:
        reasons = []
        if plan.reeval_date and plan.reeval_date <= soon:
            word = "overdue since" if plan.reeval_date < today else "due"
            text = f"Re-evaluation {word} {plan.reeval_date.isoformat()}"
            reasons.append((plan.reeval_date, text))
        if plan.end_date <= soon:
            word = "ended" if plan.end_date < today else "ends"
            reasons.append((plan.end_date, f"Plan of care {word} {plan.end_date.isoformat()}"))
        if reasons:
            due.append((min(d for d, _ in reasons), plan, "; ".join(text for _, text in reasons)))
    due.sort(key=lambda row: row[0])
    due = due[:ROWS]
    patients = _patients(plan.patient_id for _, plan, _ in due)
    return [
        WorklistItem(
            section="Re-evaluations and plans ending",
            section_order=25,
            title=patients[plan.patient_id].display_name,
            detail=f"#{plan.patient_id} · {text}",
            permission="treatment.plans.view",
            link_endpoint="treatment.plan_view",
            link_values={"patient_id": plan.patient_id, "plan_id": plan.id},
            level="warning" if day < today else "info",
        )
        for day, plan, text in due
    ]


def seen_recently(user, today: dt.date) -> list[WorklistItem]:
    """Patients with a session in the last two weeks: the user's own when they treat."""
    stmt = (
        select(Note.patient_id, Note.session_date)
        .where(Note.session_date >= today - dt.timedelta(days=RECENT_DAYS))
        .order_by(Note.session_date.desc(), Note.id.desc())
        .limit(ROWS * 6)
    )
    own = user_can(user, "treatment.notes.write")
    if own:
        stmt = stmt.where(Note.therapist_id == user.id)
    last: dict[int, dt.date] = {}
    for patient_id, day in db.session.execute(stmt):
        last.setdefault(patient_id, day)
    ids = list(last)[:ROWS]
    patients = _patients(ids)
    return [
        WorklistItem(
            section="Your patients seen recently" if own else "Patients seen recently",
            section_order=60,
            title=patients[pid].display_name,
            detail=f"#{pid} · last session {last[pid].isoformat()}",
            permission="treatment.sessions.view",
            link_endpoint="patients.chart",
            link_values={"patient_id": pid},
            when=last[pid],
        )
        for pid in ids
        if pid in patients and patients[pid].archived_at is None
    ]
