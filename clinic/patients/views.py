"""Register, find, show, change and archive patients."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm.exc import StaleDataError

from clinic.audit.service import record, utcnow
from clinic.extensions import db
from clinic.patients.forms import PatientForm, SearchForm
from clinic.patients.lookup import patient_or_404
from clinic.patients.models import DEMOGRAPHIC_FIELDS, Patient
from clinic.patients.search import likely_duplicates, search
from clinic.pdf import pdf_response
from clinic.permissions import require

bp = Blueprint("patients", __name__)


def _apply(form: PatientForm, patient: Patient) -> None:
    for name in DEMOGRAPHIC_FIELDS:
        value = getattr(form, name).data
        setattr(patient, name, value.strip() if isinstance(value, str) else value)


@bp.route("/", endpoint="search")
@require("patients.view")
def search_page():
    # The query comes from the address: a search never posts, so it never has a
    # timed-out draft to give back (passing formdata skips that lookup).
    form = SearchForm(formdata=request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    page = request.args.get("page", 1, type=int)
    include_archived = request.args.get("archived") == "1"
    result = search(db.session, query, page, include_archived) if query else None
    alerts = {}
    if result is not None:
        # Every plugin's alerts for the whole page at once (not one patient at a time).
        alerts = current_app.extensions["clinic"].alerts_many(result.patients, current_user)
        detail = {"results": result.total, **({"more": True} if result.more else {})}
        record("patient.search", detail=detail)
        # The page shows these rows as read: without this the commit would expire them
        # and drawing the page would read each patient again, one query a row.
        for patient in result.patients:
            db.session.expunge(patient)
        db.session.commit()
    return render_template(
        "patients/search.html",
        form=form,
        result=result,
        alerts=alerts,
        query=query,
        include_archived=include_archived,
    )


@bp.route("/new", methods=["GET", "POST"])
@require("patients.create")
def create():
    form = PatientForm()
    duplicates = []
    if form.validate_on_submit():
        duplicates = likely_duplicates(
            db.session,
            form.first_name.data,
            form.last_name.data,
            form.date_of_birth.data,
            form.phone.data or "",
        )
        if not duplicates or form.confirm_not_duplicate.data:
            patient = Patient()
            _apply(form, patient)
            db.session.add(patient)
            db.session.flush()
            record(
                "patient.create",
                patient_id=patient.id,
                object_type="patient",
                object_id=patient.id,
                detail={"possible_duplicates": [p.id for p in duplicates]},
            )
            db.session.commit()
            flash(f"Registered {patient.full_name}.", "success")
            return redirect(url_for("patients.chart", patient_id=patient.id))
    return render_template("patients/form.html", form=form, duplicates=duplicates, patient=None), (
        200 if not duplicates else 409
    )


@bp.route("/<int:patient_id>")
@require("patients.view")
def chart(patient_id: int):
    patient = patient_or_404(patient_id)
    cache = current_app.extensions["clinic_chart_cache"]
    key = cache.key(patient, current_user)
    kept = cache.get(key) if key is not None else None
    if kept is not None:
        body, panel_ids = kept.html, kept.panel_ids
    else:
        registry = current_app.extensions["clinic"]
        panels = registry.chart_panels(patient, current_user)
        # A panel renders its own autoescaped template; its output is HTML, not user text.
        rendered = [(panel, Markup(panel.render())) for panel in panels]  # noqa: S704 -- template output
        body = render_template(
            "patients/_chart_body.html",
            patient=patient,
            panels=rendered,
            facts=registry.summary_facts(patient, current_user),
        )
        panel_ids = tuple(p.id for p in panels)
        if key is not None:
            cache.put(key, body, panel_ids)
    # The page is rendered inside the same transaction that reads it, then the view is
    # audited and committed: nothing reaches the browser unless its audit row is stored,
    # and the data is read once (committing first would expire it and read it all again).
    page = render_template(
        "patients/chart.html",
        patient=patient,
        body=Markup(body),  # noqa: S704 -- the chart template's output
    )
    record(
        "patient.view",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        detail={"panels": list(panel_ids)},
    )
    db.session.commit()
    return page


@bp.route("/<int:patient_id>/edit", methods=["GET", "POST"])
@require("patients.edit")
def edit(patient_id: int):
    patient = patient_or_404(patient_id)
    form = PatientForm(obj=patient)
    if request.method == "GET" and not form.restored_from_draft:
        form.version.data = str(patient.version)
    conflict = None
    if form.validate_on_submit():
        submitted_version = form.version.data
        if submitted_version != str(patient.version):
            conflict = _conflict(patient, form)
        else:
            _apply(form, patient)
            try:
                db.session.flush()
            except StaleDataError:
                db.session.rollback()
                patient = patient_or_404(patient_id)
                conflict = _conflict(patient, form)
            else:
                record(
                    "patient.update",
                    patient_id=patient.id,
                    object_type="patient",
                    object_id=patient.id,
                )
                db.session.commit()
                flash("Saved.", "success")
                return redirect(url_for("patients.chart", patient_id=patient.id))
    if conflict:
        return render_template(
            "patients/conflict.html", patient=patient, conflict=conflict, form=form
        ), 409
    return render_template("patients/form.html", form=form, duplicates=[], patient=patient)


def _conflict(patient: Patient, form: PatientForm) -> list[tuple[str, str, str]]:
    """Rows of (field label, value now saved, value you typed) and audit the refusal."""
    db.session.rollback()
    db.session.refresh(patient)
    record(
        "patient.update_conflict",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        outcome="refused",
    )
    db.session.commit()
    rows = []
    for name in DEMOGRAPHIC_FIELDS:
        field = getattr(form, name)
        saved = str(getattr(patient, name) or "")
        typed = str(field.data or "")
        rows.append((field.label.text, saved, typed))
    form.version.data = str(patient.version)
    return rows


@bp.route("/<int:patient_id>/face-sheet.pdf")
@require("patients.view")
def face_sheet(patient_id: int):
    patient = patient_or_404(patient_id)
    return pdf_response(
        "pdf/face_sheet.html",
        filename=f"face-sheet-{patient.id}.pdf",
        patient_id=patient.id,
        object_type="patient",
        object_id=patient.id,
        patient=patient,
    )


@bp.route("/<int:patient_id>/archive", methods=["POST"])
@require("patients.archive")
def archive(patient_id: int):
    patient = patient_or_404(patient_id)
    if patient.archived_at is None:
        patient.archived_at = utcnow()
        record(
            "patient.archive", patient_id=patient.id, object_type="patient", object_id=patient.id
        )
        db.session.commit()
        flash(f"{patient.full_name} is archived. Their records are kept.", "success")
    return redirect(url_for("patients.chart", patient_id=patient.id))


@bp.route("/<int:patient_id>/restore", methods=["POST"])
@require("patients.archive")
def restore(patient_id: int):
    patient = patient_or_404(patient_id)
    if patient.archived_at is not None:
        patient.archived_at = None
        record(
            "patient.restore", patient_id=patient.id, object_type="patient", object_id=patient.id
        )
        db.session.commit()
        flash(f"{patient.full_name} is active again.", "success")
    return redirect(url_for("patients.chart", patient_id=patient.id))
