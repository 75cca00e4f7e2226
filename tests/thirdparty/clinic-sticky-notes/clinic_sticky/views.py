from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import func, select

from clinic.api import Patient, db, record, require, setting

bp = Blueprint("sticky", __name__, template_folder="templates")


@bp.route("/")
@require("sticky.view")
def index():
    from clinic_sticky.models import StickyNote

    count = db.session.scalar(select(func.count(StickyNote.id)))
    return render_template("sticky/index.html", count=count)


@bp.route("/<int:patient_id>/add", methods=["POST"])
@require("sticky.add")
def add(patient_id):
    from clinic_sticky.models import StickyNote

    patient = db.session.get(Patient, patient_id) or abort(404)
    limit = setting("sticky.max_length")
    text = (request.form.get("text") or "").strip()
    if not text or len(text) > limit:
        abort(400)
    db.session.add(StickyNote(patient_id=patient.id, text=text))
    record("sticky.add", patient_id=patient.id)
    db.session.commit()
    return redirect(url_for("patients.chart", patient_id=patient.id))
