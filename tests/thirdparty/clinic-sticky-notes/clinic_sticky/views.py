from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from clinic.api import db, logger, patient_or_404, record, record_and_commit, require, setting
from clinic_sticky.forms import NoteForm
from clinic_sticky.models import StickyNote

bp = Blueprint("sticky", __name__, template_folder="templates", static_folder="static")
log = logger("sticky")


@bp.route("/")
@require("sticky.view")
def index():
    # A count only: no patient is named, so there is nothing to audit.
    count = db.session.scalar(select(func.count(StickyNote.id)))
    return render_template("sticky/index.html", count=count)


@bp.route("/patients/<int:patient_id>/add", methods=["GET", "POST"])
@require("sticky.add")
def add(patient_id: int):
    patient = patient_or_404(patient_id)
    form = NoteForm()
    limit = setting("sticky.max_length")
    if not form.is_submitted():
        # The page shows who the patient is: opening it is a read of patient data.
        record_and_commit("sticky.form_view", patient_id=patient.id)
    elif form.validate():
        text = form.text.data.strip()
        if len(text) > limit:
            form.text.errors.append(f"Keep it to {limit} characters (this one has {len(text)}).")
        else:
            note = StickyNote(patient_id=patient.id, author_id=current_user.id, text=text)
            db.session.add(note)
            db.session.flush()
            record(
                "sticky.add", patient_id=patient.id, object_type="sticky_note", object_id=note.id
            )
            db.session.commit()
            log.info("note %s pinned to patient %s", note.id, patient.id)
            flash("Sticky note pinned.", "success")
            return redirect(url_for("patients.chart", patient_id=patient.id))
    if form.errors:
        # Nothing was saved; the refusal is audited and the form says what to fix.
        record_and_commit(
            "sticky.add_refused",
            patient_id=patient.id,
            outcome="refused",
            detail={"fields": sorted(form.errors)},
        )
    status = 422 if form.errors else 200
    return render_template("sticky/add.html", patient=patient, form=form, limit=limit), status
