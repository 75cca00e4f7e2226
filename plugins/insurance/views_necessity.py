"""Medical-necessity notes: drafted from the plan, measures and signed services, edited
and signed by the therapist, printable."""

from __future__ import annotations

import datetime as dt
import hmac

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from clinic.api import (
    clinic_today,
    collect,
    db,
    icd10,
    patient_or_404,
    pdf_response,
    record,
    require,
    user_can,
    utcnow,
)
from plugins.insurance import necessity, services
from plugins.insurance.forms import NecessityForm, SignForm
from plugins.insurance.models import NecessityNote
from plugins.insurance.views import bp

DEFAULT_PERIOD_DAYS = 30


def _note_or_404(patient, note_id: int) -> NecessityNote:
    note = db.session.get(NecessityNote, note_id)
    if note is None or note.patient_id != patient.id:
        abort(404)
    return note


def _titles(codes) -> dict[str, str]:
    found = {}
    for code in codes:
        diagnosis = icd10.lookup(code)
        if diagnosis:
            found[code] = diagnosis.title
    return found


def _draft(patient, start: dt.date, end: dt.date) -> dict[str, str]:
    plans = services.care_plans(patient, end)
    visits = services.signed_services(patient, start, end)
    proposals = [services.proposal_for(patient, day, svcs) for day, svcs in visits.items()]
    return necessity.draft(
        plans=plans,
        measures=collect("patient_outcome_measures", patient=patient),
        proposals=proposals,
        titles=_titles([c for p in plans for c in p.diagnoses]),
    )


@bp.route("/patients/<int:patient_id>/necessity")
@require("insurance.necessity.view")
def necessity_list(patient_id: int):
    patient = patient_or_404(patient_id)
    notes = db.session.scalars(
        select(NecessityNote)
        .where(NecessityNote.patient_id == patient.id)
        .order_by(NecessityNote.period_end.desc(), NecessityNote.id.desc())
    ).all()
    record("insurance.necessity.view", patient_id=patient.id, object_type="patient")
    db.session.commit()
    return render_template("insurance/necessity_list.html", patient=patient, notes=notes)


@bp.route("/patients/<int:patient_id>/necessity/new", methods=["GET", "POST"])
@require("insurance.necessity.write")
def necessity_new(patient_id: int):
    patient = patient_or_404(patient_id)
    form = NecessityForm()
    if form.validate_on_submit():
        note = NecessityNote(patient_id=patient.id, author_id=current_user.id)
        form.populate_obj(note)
        db.session.add(note)
        db.session.flush()
        record(
            "insurance.necessity.create",
            patient_id=patient.id,
            object_type="necessity_note",
            object_id=note.id,
        )
        db.session.commit()
        flash("Draft saved. Read it through, then sign it.", "success")
        return redirect(url_for("insurance.necessity_view", patient_id=patient.id, note_id=note.id))
    if not form.is_submitted():
        end = clinic_today()
        start = end - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
        form = NecessityForm(
            formdata=None, period_start=start, period_end=end, **_draft(patient, start, end)
        )
    return render_template("insurance/necessity_form.html", form=form, patient=patient, note=None)


def _render(patient, note, *, form=None, sign_form=None, status=200):
    editable = not note.signed and user_can(current_user, "insurance.necessity.write")
    if form is None and editable:
        form = NecessityForm(obj=note, formdata=None)
    verified = None
    if note.signed:
        body = necessity.content(note, signed_by_id=note.signed_by_id, signed_at=note.signed_at)
        verified = hmac.compare_digest(necessity.content_hash(body), note.content_hash or "")
    return (
        render_template(
            "insurance/necessity_view.html",
            patient=patient,
            note=note,
            form=form if editable else None,
            sign_form=(sign_form or SignForm(formdata=None)) if editable else None,
            verified=verified,
        ),
        status,
    )


@bp.route("/patients/<int:patient_id>/necessity/<int:note_id>")
@require("insurance.necessity.view")
def necessity_view(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = _note_or_404(patient, note_id)
    record(
        "insurance.necessity.view",
        patient_id=patient.id,
        object_type="necessity_note",
        object_id=note.id,
    )
    db.session.commit()
    return _render(patient, note)


@bp.route("/patients/<int:patient_id>/necessity/<int:note_id>/save", methods=["POST"])
@require("insurance.necessity.write")
def necessity_save(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = _note_or_404(patient, note_id)
    if note.signed:
        flash("A signed note cannot be changed.", "error")
        return _render(patient, note, status=409)
    form = NecessityForm()
    if not form.validate_on_submit():
        return _render(patient, note, form=form, status=400)
    form.populate_obj(note)
    record(
        "insurance.necessity.update",
        patient_id=patient.id,
        object_type="necessity_note",
        object_id=note.id,
    )
    db.session.commit()
    flash("Saved.", "success")
    return redirect(url_for("insurance.necessity_view", patient_id=patient.id, note_id=note.id))


@bp.route("/patients/<int:patient_id>/necessity/<int:note_id>/sign", methods=["POST"])
@require("insurance.necessity.write")
def necessity_sign(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = _note_or_404(patient, note_id)

    def refused(message: str, status: int, form):
        record(
            "insurance.necessity.sign_refused",
            patient_id=patient.id,
            object_type="necessity_note",
            object_id=note.id,
            detail={"reason": message},
        )
        db.session.commit()
        flash(message, "error")
        return _render(patient, note, sign_form=form, status=status)

    if note.signed:
        return refused("This note is already signed.", 409, None)
    form = SignForm()
    if not form.validate_on_submit():
        return _render(patient, note, sign_form=form, status=400)
    if note.author_id != current_user.id:
        return refused("Only the therapist who wrote this note can sign it.", 403, form)
    if not current_user.check_password(form.password.data):
        return refused("That password is not right. The note was not signed.", 400, form)
    if not note.response.strip():
        return refused("Describe the objective findings and response before signing.", 400, form)
    now = utcnow()
    digest = necessity.content_hash(
        necessity.content(note, signed_by_id=current_user.id, signed_at=now)
    )
    note.status = "signed"
    note.signed_at = now
    note.signed_by_id = current_user.id
    note.content_hash = digest
    record(
        "insurance.necessity.sign",
        patient_id=patient.id,
        object_type="necessity_note",
        object_id=note.id,
        detail={"content_hash": digest},
    )
    db.session.commit()
    flash("Signed. The note can no longer be changed.", "success")
    return redirect(url_for("insurance.necessity_view", patient_id=patient.id, note_id=note.id))


@bp.route("/patients/<int:patient_id>/necessity/<int:note_id>/pdf")
@require("insurance.necessity.view")
def necessity_pdf(patient_id: int, note_id: int):
    patient = patient_or_404(patient_id)
    note = _note_or_404(patient, note_id)
    return pdf_response(
        "insurance/necessity_pdf.html",
        filename=f"necessity-{patient.id}-{note.id}.pdf",
        patient_id=patient.id,
        object_type="necessity_note",
        object_id=note.id,
        patient=patient,
        note=note,
    )
