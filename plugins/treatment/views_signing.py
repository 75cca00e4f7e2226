"""Signing session notes, addenda, entered-in-error, and the note lists."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import select

from clinic.api import (
    db,
    patient_or_404,
    record,
    record_and_commit,
    require,
    take_draft,
    user_can,
    utcnow,
)
from plugins.treatment import assembly, services
from plugins.treatment import notes as note_logic
from plugins.treatment.domain.hashing import content_hash
from plugins.treatment.domain.rules import service_minutes, unsigned_overdue
from plugins.treatment.forms import AddendumForm, ErrorMarkForm, SignForm
from plugins.treatment.models import Addendum, ErrorMark, Note
from plugins.treatment.views import bp
from plugins.treatment.views_notes import _locked, _note_url, _refuse_locked, _render_view

# -- signing, addenda, entered in error ---------------------------------------------


def _sign_refused(note: Note, reason: str, sign_form, status: int, *, on_password=False):
    record_and_commit(
        "treatment.note.sign_refused",
        patient_id=note.patient_id,
        object_type="note",
        object_id=note.id,
        outcome="refused",
        detail={"why": reason},
    )
    # Said once, at the top; beside the password field only when it is about the password.
    sign_form.password.errors = [reason] if on_password else []
    return _render_view(note, status=status, sign_form=sign_form, message=reason)


@bp.route("/patients/<int:patient_id>/notes/<int:note_id>/sign", methods=["GET", "POST"])
@require("treatment.notes.write")
def note_sign(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = services.note_or_404(patient, note_id)
    if request.method == "GET":
        # A sign POST that arrived after the idle timeout was kept by the core with the
        # password in it; discard it at once (never give a password back to a form).
        take_draft(request.path)
        # Reached after signing in again (the login's "next"): show the note.
        return redirect(_note_url(note))
    if _locked(note):
        return _refuse_locked(note, "sign")
    form = SignForm()
    if not form.validate_on_submit():
        return _render_view(note, status=400, sign_form=form)
    if not note_logic.current_user_is_author(note):
        return _sign_refused(note, "Only the therapist who wrote this note can sign it.", form, 403)
    flags = services.safety_flags(patient)
    blocked = assembly.blockers(patient, flags)
    if blocked:
        # Whatever the plan (or no plan): a finding that stops treatment stops the
        # signature until a clinician reviews or clears it (docs/clinical-rules.md).
        return _sign_refused(
            note,
            "Not signed: "
            + " ".join(b.message + "." for b in blocked)
            + " A clinician must review or clear each finding first.",
            form,
            409,
        )
    if not (check := assembly.password_check(current_user, form.password.data)):
        return _sign_refused(
            note,
            f"{check.message} The note was not signed.",
            form,
            400,
            on_password=True,
        )
    if note.draft_form:
        return _sign_refused(
            note, "There are changes that are not saved yet. Save the note, then sign.", form, 409
        )
    # The saved content, with the same rules as a save plus what signing needs.
    problems = assembly.sign_problems(note, flags)
    if problems:
        db.session.rollback()
        return _sign_refused(note, "The note is not complete: " + " ".join(problems), form, 400)
    # Entries are already stored; only the note row changes, in one UPDATE, because the
    # database refuses any change once signed_at is set.
    user_id, now = current_user.id, utcnow()
    digest = content_hash(note_logic.content(note, signed_by_id=user_id, signed_at=now))
    with db.session.no_autoflush:
        note.status = "signed"
        note.signed_at = now
        note.signed_by_id = user_id
        note.content_hash = digest
    if not services.flushed():
        return _sign_refused(
            note, "The note changed while you were signing; open it again.", form, 409
        )
    record(
        "treatment.note.sign",
        patient_id=patient.id,
        object_type="note",
        object_id=note.id,
        detail={"content_hash": note.content_hash},
    )
    db.session.commit()
    flash("Signed. The note can no longer be changed; corrections go in an addendum.", "success")
    return redirect(_note_url(note))


@bp.route("/patients/<int:patient_id>/notes/<int:note_id>/addenda", methods=["GET", "POST"])
@require("treatment.notes.write")
def note_addendum(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = services.note_or_404(patient, note_id)
    if request.method == "GET":
        # Reached after signing in again (the login's "next"): show the note.
        return redirect(_note_url(note))
    form = AddendumForm()
    if not note.signed:
        form.reason.errors = ["Addenda are added to signed notes; edit the draft instead."]
        return _render_view(note, status=409, addendum_form=form)
    if not form.validate_on_submit():
        return _render_view(note, status=400, addendum_form=form)
    reason, body = form.reason.data.strip(), form.text.data.strip()
    latest = note.addenda[-1] if note.addenda else None
    if (
        latest is not None
        and (latest.author_id, latest.reason, latest.text) == (current_user.id, reason, body)
        and utcnow() - latest.created_at < dt.timedelta(minutes=2)
    ):
        # The same addendum again within moments: a double click, already stored.
        return redirect(_note_url(note))
    addendum = Addendum(note_id=note.id, author_id=current_user.id, reason=reason, text=body)
    db.session.add(addendum)
    db.session.flush()
    record(
        "treatment.note.addendum",
        patient_id=patient.id,
        object_type="note",
        object_id=note.id,
        detail={"addendum_id": addendum.id, "reason": addendum.reason},
    )
    db.session.commit()
    flash("Addendum added.", "success")
    return redirect(_note_url(note))


@bp.route("/patients/<int:patient_id>/notes/<int:note_id>/error", methods=["GET", "POST"])
@require("treatment.notes.write")
def note_error(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = services.note_or_404(patient, note_id)
    if request.method == "GET":
        # Reached after signing in again (the login's "next"): show the note.
        return redirect(_note_url(note))
    form = ErrorMarkForm()
    if note.entered_in_error:
        form.reason.errors = ["This note is already marked entered in error."]
        return _render_view(note, status=409, error_form=form)
    if not note_logic.current_user_may_mark_error(note):
        record_and_commit(
            "treatment.note.refused",
            patient_id=patient.id,
            object_type="note",
            object_id=note.id,
            outcome="refused",
            detail={"attempt": "entered in error", "why": "not the author"},
        )
        return _render_view(
            note,
            status=403,
            message=(
                "Only the therapist who wrote this note, or an administrator, can mark it "
                "entered in error. Add an addendum to record your correction."
            ),
        )
    if not form.validate_on_submit():
        return _render_view(note, status=400, error_form=form)
    db.session.add(
        ErrorMark(note_id=note.id, author_id=current_user.id, reason=form.reason.data.strip())
    )
    record(
        "treatment.note.error",
        patient_id=patient.id,
        object_type="note",
        object_id=note.id,
        detail={"reason": form.reason.data.strip()},
    )
    db.session.commit()
    flash("The note is marked entered in error. It is kept, and no longer counts.", "success")
    return redirect(_note_url(note))


# -- lists -----------------------------------------------------------------------


@bp.route("/patients/<int:patient_id>/sessions")
@require("treatment.sessions.view")
def sessions(patient_id: int):
    patient = patient_or_404(patient_id)
    notes = services.patient_notes(patient.id)
    specs = services.modalities()
    # The same per-modality totals the billable_services hook reports.
    totals = {
        n.id: service_minutes(
            (specs[e.modality_key], {"minutes": e.minutes})
            for e in n.entries
            if e.modality_key in specs
        )
        for n in notes
    }
    # Render before the audit commit: committing expires the loaded notes, and the
    # template would then reload each note's entries one query at a time.
    html = render_template(
        "treatment/sessions.html",
        patient=patient,
        notes=notes,
        totals=totals,
        specs=specs,
        show_services=user_can(current_user, "treatment.services.view"),
        show_notes=user_can(current_user, "treatment.notes.view"),
    )
    record(
        "treatment.sessions.view",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
    )
    db.session.commit()
    return html


@bp.route("/todo")
@require("treatment.notes.write")
def todo():
    hours = services.setting("unsigned_note_hours")
    now = utcnow()
    drafts = db.session.scalars(
        select(Note)
        .where(Note.therapist_id == current_user.id, Note.signed_at.is_(None))
        .order_by(Note.created_at)
    ).all()
    drafts = [n for n in drafts if not n.entered_in_error]
    overdue = [n for n in drafts if unsigned_overdue(started=n.created_at, now=now, hours=hours)]
    recent = [n for n in drafts if n not in overdue]
    record("treatment.todo.view", detail={"overdue": len(overdue)})
    db.session.commit()
    return render_template("treatment/todo.html", overdue=overdue, recent=recent, hours=hours)
