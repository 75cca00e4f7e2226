"""Handout pages: the library (read, write, versions), printing for one patient, and
"Today's handouts" for everyone seen today."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from clinic.api import (
    PdfError,
    choices,
    clinic_today,
    db,
    patient_or_404,
    pdf_bytes_response,
    record,
    record_and_commit,
    require,
)
from plugins.handouts import batch as batches
from plugins.handouts import services
from plugins.handouts.forms import HandoutForm, PrintForm
from plugins.handouts.library import LANGUAGES, ensure_library, sort_key
from plugins.handouts.markdown import render
from plugins.handouts.models import Batch, Handout, HandoutPrint, HandoutVersion

bp = Blueprint(
    "handouts",
    __name__,
    template_folder="templates",
    static_folder="static",
    url_prefix="/handouts",
)


def _handout_or_404(handout_id: int) -> Handout:
    handout = db.session.get(Handout, handout_id)
    if handout is None:
        abort(404)
    return handout


# -- library -------------------------------------------------------------------------


@bp.route("/")
@require("handouts.print")
def index():
    ensure_library()
    rows = sorted(db.session.scalars(select(Handout)).all(), key=sort_key)
    by_language = {code: [h for h in rows if h.language == code] for code in LANGUAGES}
    return render_template("handouts/index.html", by_language=by_language, languages=LANGUAGES)


@bp.route("/<int:handout_id>")
@require("handouts.print")
def show(handout_id: int):
    handout = _handout_or_404(handout_id)
    number = request.args.get("version", type=int)
    versions = handout.versions
    version = next((v for v in versions if v.number == number), None) if number else versions[-1]
    if version is None:
        abort(404)
    return render_template(
        "handouts/show.html",
        handout=handout,
        version=version,
        versions=versions,
        html=render(version.body),
        latest=version.number == versions[-1].number,
    )


def _save_version(handout: Handout, form: HandoutForm) -> HandoutVersion:
    number = (
        db.session.scalar(
            select(func.max(HandoutVersion.number)).where(HandoutVersion.handout_id == handout.id)
        )
        or 0
    )
    version = HandoutVersion(
        handout_id=handout.id,
        number=number + 1,
        title=form.title.data.strip(),
        body=form.body.data,
        tags=list(form.tags.data or []),
        created_by_id=current_user.id,
    )
    db.session.add(version)
    db.session.flush()
    return version


@bp.route("/new", methods=["GET", "POST"])
@require("handouts.edit")
def new():
    form = HandoutForm()
    preview = None
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = render(form.body.data)
        else:
            slug = form.slug.data or re.sub(r"[^a-z0-9]+", "-", form.title.data.lower()).strip("-")
            slug = slug[:80] or "handout"
            taken = db.session.scalar(
                select(Handout.id).where(
                    Handout.slug == slug, Handout.language == form.language.data
                )
            )
            if taken:
                form.slug.errors.append("A handout with this short name already exists.")
            else:
                handout = Handout(slug=slug, language=form.language.data)
                db.session.add(handout)
                db.session.flush()
                version = _save_version(handout, form)
                record(
                    "handouts.create",
                    object_type="handout",
                    object_id=handout.id,
                    detail={"version": version.number},
                )
                db.session.commit()
                flash("Handout added to the library.", "success")
                return redirect(url_for("handouts.show", handout_id=handout.id))
    return render_template("handouts/edit.html", form=form, handout=None, preview=preview)


@bp.route("/<int:handout_id>/edit", methods=["GET", "POST"])
@require("handouts.edit")
def edit(handout_id: int):
    handout = _handout_or_404(handout_id)
    current = handout.current
    form = HandoutForm(
        data={
            "title": current.title,
            "body": current.body,
            "tags": current.tags,
            "language": handout.language,
            "slug": handout.slug,
        }
    )
    # Language and short name belong to the handout, not to a version.
    form.language.data = handout.language
    form.slug.data = handout.slug
    preview = None
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = render(form.body.data)
        else:
            version = _save_version(handout, form)
            record(
                "handouts.edit",
                object_type="handout",
                object_id=handout.id,
                detail={"version": version.number},
            )
            db.session.commit()
            flash(f"Saved as version {version.number}; earlier versions stay readable.", "success")
            return redirect(url_for("handouts.show", handout_id=handout.id))
    return render_template("handouts/edit.html", form=form, handout=handout, preview=preview)


# -- printing for one patient ----------------------------------------------------------


def panel_context(patient) -> dict:
    prints = db.session.scalars(
        select(HandoutPrint)
        .where(HandoutPrint.patient_id == patient.id)
        .order_by(HandoutPrint.id.desc())
        .limit(10)
    ).all()
    ids = {i for p in prints for i in p.version_ids}
    versions = (
        {
            v.id: v
            for v in db.session.scalars(select(HandoutVersion).where(HandoutVersion.id.in_(ids)))
        }
        if ids
        else {}
    )
    return {"patient": patient, "prints": prints, "versions": versions}


def _print_form(patient, language: str) -> tuple[PrintForm, list[Handout], list]:
    ensure_library()
    handouts = services.library(language)
    form = PrintForm()
    form.handouts.choices = choices((h.id, h.current.title) for h in handouts)
    sections = services.sections_for(patient, clinic_today(), language, False)
    if request.method == "GET":
        form.language.data = language
        form.handouts.data = sorted(services.preselected(handouts, sections))
        form.instructions.data = next(
            (s.context.get("instructions", "") for s in sections if s.context.get("instructions")),
            "",
        )
        form.next_visit.data = next(
            (s.context.get("next_visit", "") for s in sections if s.context.get("next_visit")), ""
        )
    return form, handouts, sections


@bp.route("/patients/<int:patient_id>", methods=["GET", "POST"])
@require("handouts.print")
def prepare(patient_id: int):
    patient = patient_or_404(patient_id)
    language = request.values.get("language") or services.language_default(patient)
    if language not in LANGUAGES:
        language = "en"
    form, handouts, sections = _print_form(patient, language)
    error = None
    if form.validate_on_submit():
        try:
            inputs = services.PrintInputs(
                patient=patient,
                versions=services.versions_for(form.handouts.data or []),
                language=form.language.data,
                large_print=form.large_print.data,
                no_diagnosis=form.no_diagnosis.data,
                instructions=(form.instructions.data or "").strip(),
                next_visit=(form.next_visit.data or "").strip(),
                on_date=clinic_today(),
                printed_by=current_user.display_name,
            )
            if not inputs.versions and not sections and not inputs.instructions:
                raise services.HandoutInputError("Choose at least one handout to print.")
            html = services.build_html(inputs)
            # Rendering ends the transaction (expiring every loaded object): take what the
            # record and the audit row need now instead of reloading it row by row after.
            chosen = [(v.id, v.handout_id, v.number, v.handout.slug) for v in inputs.versions]
            key, _pdf, hit = services.render_cached(html)
        except services.HandoutInputError as exc:
            form.handouts.errors.append(str(exc))
        except PdfError as exc:
            error = (
                f"The handout PDF could not be made, so nothing was printed ({exc}). "
                "Please try again; if it keeps failing, shorten the instructions."
            )
            record_and_commit(
                "handouts.print_failed",
                patient_id=patient.id,
                object_type="patient",
                object_id=patient.id,
                outcome="failed",
                detail={"error": str(exc)[:300]},
            )
        else:
            given = HandoutPrint(
                patient_id=patient.id,
                printed_by_id=current_user.id,
                service_date=inputs.on_date,
                language=inputs.language,
                version_ids=[version_id for version_id, _h, _n, _s in chosen],
                options=inputs.options,
                instructions=inputs.instructions,
                next_visit=inputs.next_visit,
                cache_key=key,
            )
            db.session.add(given)
            db.session.flush()
            record(
                "handouts.print",
                patient_id=patient.id,
                object_type="handout_print",
                object_id=given.id,
                detail={
                    "handouts": [slug for _v, _h, _n, slug in chosen],
                    "versions": [[handout_id, number] for _v, handout_id, number, _s in chosen],
                    "language": inputs.language,
                    "options": inputs.options,
                    "cached": hit,
                },
            )
            db.session.commit()
            flash("Handouts are ready: the PDF opens in a new tab or downloads.", "success")
            return redirect(
                url_for(
                    "handouts.prepare",
                    patient_id=patient.id,
                    language=inputs.language,
                    ready=given.id,
                )
            )
    else:
        if request.method == "GET":
            record(
                "handouts.prepare",
                patient_id=patient.id,
                object_type="patient",
                object_id=patient.id,
            )
            db.session.commit()
    ready = request.args.get("ready", type=int)
    ready_print = db.session.get(HandoutPrint, ready) if ready else None
    if ready_print is not None and ready_print.patient_id != patient.id:
        ready_print = None
    return render_template(
        "handouts/prepare.html",
        patient=patient,
        form=form,
        handouts=handouts,
        sections=sections,
        language=language,
        languages=LANGUAGES,
        error=error,
        ready=ready_print,
    ), (422 if error else 200)


@bp.route("/patients/<int:patient_id>/prints/<int:print_id>.pdf")
@require("handouts.print")
def print_pdf(patient_id: int, print_id: int):
    patient = patient_or_404(patient_id)
    given = db.session.get(HandoutPrint, print_id)
    if given is None or given.patient_id != patient.id:
        abort(404)
    pdf = services.cached(given.cache_key)
    if pdf is None:
        # Evicted from the cache: render again from exactly what was recorded.
        versions = db.session.scalars(
            select(HandoutVersion).where(HandoutVersion.id.in_(given.version_ids or [0]))
        ).all()
        order = {vid: i for i, vid in enumerate(given.version_ids)}
        inputs = services.PrintInputs(
            patient=patient,
            versions=sorted(versions, key=lambda v: order[v.id]),
            language=given.language,
            large_print=bool(given.options.get("large_print")),
            no_diagnosis=bool(given.options.get("no_diagnosis")),
            instructions=given.instructions,
            next_visit=given.next_visit,
            on_date=given.service_date,
            printed_by=given.printed_by.display_name,
        )
        try:
            _key, pdf, _hit = services.render_cached(services.build_html(inputs))
        except PdfError as exc:
            db.session.rollback()
            flash(f"The handout PDF could not be made again ({exc}). Please try again.", "error")
            return redirect(url_for("handouts.prepare", patient_id=patient.id))
    record(
        "handouts.reprint", patient_id=patient.id, object_type="handout_print", object_id=given.id
    )
    db.session.commit()
    name = f"handouts-{patient.id}-{given.service_date.isoformat()}-{given.id}.pdf"
    return pdf_bytes_response(pdf, name, download=request.args.get("download") == "1")


# -- today's handouts ------------------------------------------------------------------


@bp.route("/today")
@require("handouts.print")
def today():
    rows = batches.seen_today(clinic_today())
    recent = db.session.scalars(select(Batch).order_by(Batch.id.desc()).limit(5)).all()
    record("handouts.today", object_type="handouts", object_id="today")
    db.session.commit()
    return render_template("handouts/today.html", rows=rows, recent=recent)


@bp.route("/today/batch", methods=["POST"])
@require("handouts.print")
def start_batch():
    from clinic.api import ClinicForm

    if not ClinicForm().validate_on_submit():
        flash("This form expired; please press the button again.", "error")
        return redirect(url_for("handouts.today")), 303
    job_id = batches.start(current_user)
    if job_id is None:
        flash("Everyone seen today already has their handouts.", "info")
        return redirect(url_for("handouts.today"))
    return redirect(url_for("handouts.batch", batch_id=job_id))


def _batch_or_404(batch_id: int) -> Batch:
    job = db.session.get(Batch, batch_id)
    if job is None:
        abort(404)
    return job


@bp.route("/batches/<int:batch_id>")
@require("handouts.print")
def batch(batch_id: int):
    return render_template("handouts/batch.html", job=_batch_or_404(batch_id))


@bp.route("/batches/<int:batch_id>/status")
@require("handouts.print")
def batch_status(batch_id: int):
    job = _batch_or_404(batch_id)
    return jsonify(
        status=job.status,
        done=job.done,
        total=len(job.patient_ids),
        message=job.message,
        download=url_for("handouts.batch_pdf", batch_id=job.id) if job.pdf else None,
    )


@bp.route("/batches/<int:batch_id>.pdf")
@require("handouts.print")
def batch_pdf(batch_id: int):
    job = _batch_or_404(batch_id)
    if job.pdf is None:
        abort(404)
    record(
        "handouts.batch_download",
        object_type="handouts_batch",
        object_id=job.id,
        detail={"patients": job.patient_ids},
    )
    db.session.commit()
    return pdf_bytes_response(job.pdf, f"handouts-{job.service_date.isoformat()}-{job.id}.pdf")
