"""Session notes: start, edit and autosave drafts, add and remove entries.

Signing, addenda and entered-in-error are in views_signing; the rules a note must pass
(prefill, safety gates, sign checks) in :mod:`plugins.treatment.assembly`.
"""

from __future__ import annotations

import secrets

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from clinic.api import (
    clinic_today,
    db,
    local_time,
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
from plugins.treatment.forms import (
    AddendumForm,
    ErrorMarkForm,
    NewNoteForm,
    SignForm,
    choices,
    prefix_for_entry,
)
from plugins.treatment.models import Note, NoteEntry, Plan
from plugins.treatment.views import bp


def _note_url(note: Note) -> str:
    return url_for("treatment.note_view", patient_id=note.patient_id, note_id=note.id)


def _refuse_locked(note: Note, what: str):
    """Signed or entered-in-error notes refuse every edit: 409, audited, nothing changed."""
    why = "signed" if note.signed else "entered in error"
    record_and_commit(
        "treatment.note.refused",
        patient_id=note.patient_id,
        object_type="note",
        object_id=note.id,
        outcome="refused",
        detail={"attempt": what, "why": why},
    )
    message = (
        "This note is signed and can no longer be changed. Add an addendum instead."
        if note.signed
        else "This note is marked entered in error and can no longer be changed."
    )
    if request.accept_mimetypes.best == "application/json" or what == "autosave":
        return jsonify({"error": message}), 409
    return _render_view(note, status=409, message=message)


def _locked(note: Note) -> bool:
    return note.signed or note.entered_in_error


def _refuse_not_author(note: Note, what: str):
    """A draft is its author's work in progress: a colleague may read it, never save over it.

    403, audited, nothing changed; the colleague can add an addendum once it is signed.
    """
    record_and_commit(
        "treatment.note.refused",
        patient_id=note.patient_id,
        object_type="note",
        object_id=note.id,
        outcome="refused",
        detail={"attempt": what, "why": "not the author"},
    )
    message = (
        f"This draft is {note.therapist.display_name}'s. Only they can change or sign it; "
        "once it is signed you can add an addendum."
    )
    if request.accept_mimetypes.best == "application/json" or what == "autosave":
        return jsonify({"error": message}), 403
    return _render_view(note, status=403, message=message)


# -- new note ------------------------------------------------------------------


def _active_plans(patient_id: int) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.patient_id == patient_id, Plan.status == "active")
            .order_by(Plan.id.desc())
        ).all()
    )


@bp.route("/patients/<int:patient_id>/notes/new", methods=["GET", "POST"])
@require("treatment.notes.write")
def note_new(patient_id: int):
    patient = patient_or_404(patient_id)
    plans = _active_plans(patient.id)
    form = NewNoteForm()
    form.plan_id.choices = choices([("", "No plan"), *[(p.id, _plan_label(p)) for p in plans]])
    if request.method == "GET":
        form.session_date.data = clinic_today()
        form.nonce.data = secrets.token_urlsafe(24)
        if plans:
            form.plan_id.data = str(plans[0].id)
    if form.validate_on_submit():
        nonce = (form.nonce.data or "").strip()[:64]
        existing = db.session.scalars(select(Note).where(Note.nonce == nonce)).first()
        if existing is not None:
            # A second submission of the same form (double click): show the first note.
            if existing.patient_id != patient.id:
                abort(404)
            return redirect(_note_url(existing))
        plan = next((p for p in plans if str(p.id) == form.plan_id.data), None)
        if not nonce:
            form.nonce.errors.append("This form is incomplete; reload the page and try again.")
        if form.plan_id.data and plan is None:
            form.plan_id.errors.append("Choose one of the patient's active plans.")
        if form.session_date.data > clinic_today():
            form.session_date.errors.append("A session cannot be recorded for a future date.")
        if not assembly.has_errors(form):
            note = Note(
                patient_id=patient.id,
                plan_id=plan.id if plan else None,
                therapist_id=current_user.id,
                nonce=nonce,
                session_date=form.session_date.data,
            )
            previous = assembly.previous_note(patient.id, plan.id if plan else None)
            assembly.prefill(note, plan, previous)
            db.session.add(note)
            try:
                db.session.flush()
            except IntegrityError:
                db.session.rollback()
                existing = db.session.scalars(select(Note).where(Note.nonce == nonce)).first()
                if existing is not None and existing.patient_id == patient.id:
                    return redirect(_note_url(existing))
                raise
            record(
                "treatment.note.create",
                patient_id=patient.id,
                object_type="note",
                object_id=note.id,
                detail={"plan_id": note.plan_id},
            )
            db.session.commit()
            return redirect(_note_url(note))
    status = 400 if request.method == "POST" else 200
    return render_template("treatment/note_new.html", form=form, patient=patient), status


def _plan_label(plan: Plan) -> str:
    return f"Plan #{plan.id} from {plan.start_date.isoformat()} ({plan.planned_visits} visits)"


# -- view / edit ---------------------------------------------------------------


def _restored(form_class, note: Note, endpoint: str):
    """A small form, refilled if the core kept it when the session timed out."""
    if request.method == "GET":
        path = url_for(endpoint, patient_id=note.patient_id, note_id=note.id)
        draft = take_draft(path)
        if draft is not None:
            flash("Your session had timed out; what you typed has been put back.", "info")
            return form_class(formdata=draft)
    return form_class(formdata=None)


def _render_view(
    note: Note,
    *,
    status: int = 200,
    message: str = "",
    form=None,
    checked=None,
    sign_form=None,
    addendum_form=None,
    error_form=None,
):
    is_author = note_logic.current_user_is_author(note)
    editable = not _locked(note) and is_author and user_can(current_user, "treatment.notes.write")
    if editable and form is None:
        form = note_logic.form_for(note)
    flags = services.safety_flags(note.patient) if editable else []
    specs = services.modalities()
    hash_ok = None
    if note.signed and note.content_hash:
        hash_ok = content_hash(note_logic.content(note)) == note.content_hash
    return render_template(
        "treatment/note.html",
        patient=note.patient,
        note=note,
        form=form if editable else None,
        entries=note_logic.entry_specs(note),
        home_care=[] if editable else note_logic.home_care_titles(note),
        shown_entry_values=note_logic.shown_entry_values,
        specs=specs,
        unknown_entries=[e for e in note.entries if e.modality_key not in specs],
        timed_minutes=sum(
            e.minutes or 0
            for e in note.entries
            if e.modality_key in specs and specs[e.modality_key].timed
        ),
        checked=checked,
        message=message,
        hash_ok=hash_ok,
        is_author=is_author,
        may_mark_error=note_logic.current_user_may_mark_error(note),
        sign_form=sign_form or SignForm(formdata=None),
        addendum_form=addendum_form or _restored(AddendumForm, note, "treatment.note_addendum"),
        error_form=error_form or _restored(ErrorMarkForm, note, "treatment.note_error"),
        prefix_for_entry=prefix_for_entry,
        blockers=assembly.blockers(note.patient, flags) if editable else [],
        show_local_override=assembly.has_local_findings(flags),
        modality_flags=assembly.modality_flags(flags),
    ), status


@bp.route("/patients/<int:patient_id>/notes/<int:note_id>")
@require("treatment.notes.view")
def note_view(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = services.note_or_404(patient, note_id)
    record("treatment.note.view", patient_id=patient.id, object_type="note", object_id=note.id)
    db.session.commit()
    return _render_view(note)


def _stale(note: Note) -> bool:
    return (request.form.get("version") or "") != str(note.version)


def _conflict(note: Note, as_json: bool):
    db.session.rollback()
    db.session.refresh(note)
    rows = note_logic.conflict_rows(note, request.form)
    if not rows and request.form.get("action", "save") in ("save", ""):
        # The same values again (a double click, a repeated autosave): already stored.
        if as_json:
            return jsonify({"version": note.version, "saved_at": "earlier"})
        flash("Saved.", "success")
        return redirect(_note_url(note))
    record(
        "treatment.note.conflict",
        patient_id=note.patient_id,
        object_type="note",
        object_id=note.id,
        outcome="refused",
    )
    db.session.commit()
    if as_json:
        return jsonify(
            {
                "error": "Someone else saved this note after you opened it. "
                "Nothing was overwritten.",
                "version": note.version,
                "rows": [{"field": a, "saved": b, "yours": c} for a, b, c in rows],
            }
        ), 409
    return render_template(
        "treatment/note_conflict.html", note=note, patient=note.patient, rows=rows
    ), 409


# Saving posts to the note's own address, so a save that arrives after the idle timeout
# is kept by the core under this path and handed back when the note is opened again.
@bp.route("/patients/<int:patient_id>/notes/<int:note_id>", methods=["POST"])
@require("treatment.notes.write")
def note_save(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = services.note_or_404(patient, note_id)
    action = request.form.get("action", "save")
    if _locked(note):
        return _refuse_locked(note, action)
    if not note_logic.current_user_is_author(note):
        return _refuse_not_author(note, action)
    if action == "add":
        return _add_entry(patient, note)
    if action.startswith("remove:"):
        return _remove_entry(patient, note, action.removeprefix("remove:"))
    form = note_logic.build_form(note)
    if not form.validate_on_submit():
        return _render_view(note, status=400, form=form)
    if _stale(note):
        return _conflict(note, as_json=False)
    checked = assembly.check_note_form(form, note, services.safety_flags(patient))
    if assembly.has_errors(form) or checked.general:
        db.session.rollback()
        form.version.data = str(note.version)
        return _render_view(
            note,
            status=400,
            form=form,
            checked=checked,
            message="Nothing was saved. Please correct the fields marked below.",
        )
    assembly.apply(note, checked)
    try:
        db.session.flush()
    except StaleDataError:
        return _conflict(note, as_json=False)
    record("treatment.note.update", patient_id=patient.id, object_type="note", object_id=note.id)
    assembly.record_overrides(patient, "note", note.id, checked.audit)
    db.session.commit()
    flash("Saved.", "success")
    for warning in checked.warnings:
        flash(f"Check: {warning}", "warning")
    return redirect(_note_url(note))


def _keep_draft(note: Note, form) -> None:
    note.draft_form = note_logic.draft_from_request(form, request.form)
    note.draft_saved_at = utcnow()


@bp.route("/patients/<int:patient_id>/notes/<int:note_id>/autosave", methods=["POST"])
@require("treatment.notes.write")
def note_autosave(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = services.note_or_404(patient, note_id)
    if _locked(note):
        return _refuse_locked(note, "autosave")
    if not note_logic.current_user_is_author(note):
        return _refuse_not_author(note, "autosave")
    if _stale(note):
        return _conflict(note, as_json=True)
    form = note_logic.build_form(note, formdata=None)
    _keep_draft(note, form)
    try:
        db.session.flush()
    except StaleDataError:
        return _conflict(note, as_json=True)
    record("treatment.note.autosave", patient_id=patient.id, object_type="note", object_id=note.id)
    db.session.commit()
    # The clinic's clock, like every time on the page (not the server's own zone).
    saved_at = local_time(note.draft_saved_at, "%H:%M", zone=False)
    return jsonify({"version": note.version, "saved_at": saved_at})


def _add_entry(patient, note: Note):
    if _stale(note):
        return _conflict(note, as_json=False)
    spec = services.modalities().get(request.form.get("add_modality", ""))
    if spec is None:
        flash("Choose a modality to add.", "error")
        return redirect(_note_url(note))
    _keep_draft(note, note_logic.build_form(note, formdata=None))
    values = services.default_values(spec)
    note.entries.append(
        NoteEntry(
            modality_key=spec.key,
            values=note_logic.jsonable(values),
            minutes=values.get("minutes") if isinstance(values.get("minutes"), int) else None,
        )
    )
    db.session.flush()
    record(
        "treatment.note.entry_add",
        patient_id=patient.id,
        object_type="note",
        object_id=note.id,
        detail={"modality": spec.key},
    )
    db.session.commit()
    return redirect(_note_url(note))


def _remove_entry(patient, note: Note, raw_id: str):
    entry = next((e for e in note.entries if str(e.id) == raw_id), None)
    if entry is None:
        # Another note's entry, or nonsense: refuse without touching anything.
        abort(404)
    entry_id = entry.id
    if _stale(note):
        return _conflict(note, as_json=False)
    _keep_draft(note, note_logic.build_form(note, formdata=None))
    key = entry.modality_key
    note.entries.remove(entry)
    db.session.delete(entry)
    db.session.flush()
    record(
        "treatment.note.entry_remove",
        patient_id=patient.id,
        object_type="note",
        object_id=note.id,
        detail={"modality": key, "entry_id": entry_id},
    )
    db.session.commit()
    return redirect(_note_url(note))
