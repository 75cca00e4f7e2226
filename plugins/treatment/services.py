"""Glue between the web layer, the hooks and the pure domain modules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from clinic.api import Patient, collect, db, logger, patient_record_or_404, peek, per_request
from clinic.api import setting as clinic_setting
from plugins.treatment.domain.builtin import SETTINGS_DEFAULTS
from plugins.treatment.domain.modalities import ModalitySpec, entry_defaults, registry
from plugins.treatment.domain.temperature import unit_or_error
from plugins.treatment.models import ErrorMark, Note, Plan

NAME = "treatment"


def setting(key: str) -> Any:
    return clinic_setting(f"{NAME}.{key}")


def settings() -> dict[str, Any]:
    return {key: setting(key) for key in SETTINGS_DEFAULTS}


def modalities() -> dict[str, ModalitySpec]:
    """Every modality registered through the ``treatment_modalities`` hook, by key."""
    return registry(collect("treatment_modalities"))


def temperature_unit() -> str:
    """ "C" or "F": the clinic's unit for showing and typing temperatures.

    A misspelt setting falls back to °C, the stored unit, with a warning in the log:
    every temperature label names its unit, so nobody types into the wrong scale.
    """
    raw = setting("temperature_unit")
    try:
        return unit_or_error(raw)
    except ValueError:
        logger(NAME).warning("temperature_unit %r is not C or F; showing °C", raw)
        return "C"


def safety_flags(patient: Patient) -> list:
    return collect("patient_safety_flags", patient=patient)


def default_values(spec: ModalitySpec, *, plan: bool = False) -> dict[str, Any]:
    """Prefill values for a new entry (or plan parameters), settings applied."""
    return entry_defaults(spec, settings(), plan=plan)


def plan_or_404(patient: Patient, plan_id: int) -> Plan:
    return patient_record_or_404(Plan, plan_id, patient)


def note_or_404(patient: Patient, note_id: int) -> Note:
    return patient_record_or_404(Note, note_id, patient)


def patient_notes(patient_id: int, *, plan_id: int | None = None) -> list[Note]:
    """Newest first, with each note's entries and error marks loaded in one query per
    relation: callers ask ``entered_in_error`` and total the minutes of every note, which
    would otherwise cost two queries a note (a chart with 500 sessions ran 1,000).

    The chart asks three times (sessions panel, summary line, each plan's alerts), so
    the answer is kept for the rest of the request (``per_request``: forgotten on any
    write); one plan's notes are taken from the patient's when those are already known.
    """
    if plan_id is not None:
        everything = peek("treatment.notes", (patient_id, None))
        if everything is not None:
            return [n for n in everything if n.plan_id == plan_id]
    return per_request(
        "treatment.notes", (patient_id, plan_id), lambda: _load_notes(patient_id, plan_id)
    )


def _load_notes(patient_id: int, plan_id: int | None) -> list[Note]:
    query = (
        select(Note)
        .where(Note.patient_id == patient_id)
        .options(selectinload(Note.entries), selectinload(Note.error_marks))
    )
    if plan_id is not None:
        query = query.where(Note.plan_id == plan_id)
    return list(db.session.scalars(query.order_by(Note.session_date.desc(), Note.id.desc())).all())


def counted_notes(notes: list[Note]) -> list[Note]:
    """Signed sessions that were not entered in error: the ones that happened."""
    return [n for n in notes if n.signed and not n.entered_in_error]


def counted_visits_by_plan(plan_ids) -> dict[tuple[int, int], int]:
    """(patient id, plan id) -> signed sessions not entered in error, in one query:
    what ``counted_notes(patient_notes(...))`` counts, for many plans at once."""
    ids = set(plan_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Note.patient_id, Note.plan_id, func.count(Note.id))
        .where(
            Note.plan_id.in_(ids),
            Note.signed_at.is_not(None),
            ~exists().where(ErrorMark.note_id == Note.id),
        )
        .group_by(Note.patient_id, Note.plan_id)
    )
    return {(patient_id, plan_id): n for patient_id, plan_id, n in rows}


def flushed() -> bool:
    """Flush; on a concurrent change (stale version, or the database refusing an
    update to a note someone just signed) roll back and return False."""
    try:
        db.session.flush()
    except (StaleDataError, DBAPIError):
        db.session.rollback()
        return False
    return True
