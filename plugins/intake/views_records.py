"""Reading what was submitted: response detail, FHIR downloads and printed packets.
(Safety findings and their reviews live in :mod:`plugins.intake.views_findings`.)"""

from __future__ import annotations

import datetime as dt
import json

from flask import Response, abort, render_template

from clinic.api import db, pdf_response, record, require
from plugins.intake import fhir, painmap, queries, runner, services
from plugins.intake.instruments import UnknownInstrument
from plugins.intake.instruments import get as get_definition
from plugins.intake.models import IntakeResponse
from plugins.intake.packets import PAIN_DIAGRAM
from plugins.intake.scoring import ScoreResult
from plugins.intake.views import bp, patient_or_404, run_or_404


def response_or_404(patient, response_id: int) -> IntakeResponse:
    response = db.session.get(IntakeResponse, response_id)
    if response is None or response.patient_id != patient.id:
        abort(404)
    return response


def result_of(response: IntakeResponse) -> ScoreResult | None:
    if response.total is None:
        return None
    return ScoreResult(
        instrument_id=response.instrument_id,
        version=response.instrument_version,
        total=response.total,
        percent=response.percent,
        subscales=response.subscale_dict(),
        band=response.band,
        missing=tuple(response.missing_list()),
        risk=response.risk,
    )


@bp.route("/patients/<int:patient_id>/responses/<int:response_id>")
@require("intake.history.view")
def response_detail(patient_id: int, response_id: int):
    patient = patient_or_404(patient_id)
    response = response_or_404(patient, response_id)
    record(
        "intake.response_view",
        patient_id=patient.id,
        object_type="intake_response",
        object_id=response.id,
    )
    db.session.commit()
    answers = response.answer_dict()
    if response.instrument_id == PAIN_DIAGRAM:
        lines = [(painmap_label(c), str(v)) for c, v in sorted(answers.items())]
        title = "Pain diagram"
    else:
        lines = runner.describe_answers(response.instrument_id, answers)
        title = get_definition(response.instrument_id).title
    return render_template(
        "intake/response.html",
        patient=patient,
        response=response,
        title=title,
        lines=lines,
        ratings=answers if response.instrument_id == PAIN_DIAGRAM else None,
        shapes=painmap.shapes,
        intensity=painmap.intensity_class,
        consent=queries.consent_record(response.id),
    )


def painmap_label(code: str) -> str:
    from clinic.api import region_label

    return region_label(code)


def json_download(payload: dict, filename: str) -> Response:
    return Response(
        json.dumps(payload, indent=2, default=services.json_default),
        mimetype="application/fhir+json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store, private",
        },
    )


@bp.route("/patients/<int:patient_id>/responses/<int:response_id>/fhir.json")
@require("intake.history.view")
def response_fhir(patient_id: int, response_id: int):
    patient = patient_or_404(patient_id)
    response = response_or_404(patient, response_id)
    if response.instrument_id == PAIN_DIAGRAM:
        abort(404)
    defn = get_definition(response.instrument_id)
    if defn.version != response.instrument_version:
        abort(404)
    pack = services.active_pack(defn.id) if response.wording_pack_version else None
    author = (
        f"Practitioner/{response.entered_by_id}"
        if response.entered_by_kind == "staff"
        else f"Patient/{patient.id}"
    )
    payload = fhir.questionnaire_response(
        defn,
        response.answer_dict(),
        result=result_of(response),
        authored=response.entered_at.replace(tzinfo=dt.UTC),
        subject_ref=f"Patient/{patient.id}",
        author=author,
        pack_version=response.wording_pack_version,
        pack=pack if pack is not None and pack.version == response.wording_pack_version else None,
    )
    record(
        "intake.response_export",
        patient_id=patient.id,
        object_type="intake_response",
        object_id=response.id,
        detail={"format": "FHIR R4 QuestionnaireResponse"},
    )
    db.session.commit()
    return json_download(payload, f"{response.instrument_id}-response-{response.id}.json")


@bp.route("/instruments/<instrument_id>/fhir.json")
@require("intake.view")
def instrument_fhir(instrument_id: str):
    try:
        defn = get_definition(instrument_id)
    except UnknownInstrument:
        abort(404)
    pack = services.active_pack(instrument_id) if defn.requires_wording_pack else None
    return json_download(fhir.questionnaire(defn, pack), f"{defn.id}-{defn.version}.json")


@bp.route("/instruments/")
@require("intake.view")
def instruments():
    from plugins.intake.instruments import all_definitions

    defs = list(all_definitions().values())
    packs = {d.id: services.active_pack_row(d.id) for d in defs}
    return render_template("intake/instruments.html", definitions=defs, packs=packs)


# -- printing ----------------------------------------------------------------------


@bp.route("/patients/<int:patient_id>/packets/<code>/blank.pdf")
@require("intake.enter")
def blank_pdf(patient_id: int, code: str):
    patient = patient_or_404(patient_id)
    chosen = services.packet(code)
    if chosen is None:
        abort(404)
    sections = []
    for step in chosen.steps:
        if step == PAIN_DIAGRAM:
            sections.append({"step": step, "title": "Pain diagram", "defn": None, "pack": None})
            continue
        defn = get_definition(step)
        pack = services.active_pack(step) if defn.requires_wording_pack else None
        sections.append({"step": step, "title": defn.title, "defn": defn, "pack": pack})
    return pdf_response(
        "intake/pdf_blank.html",
        filename=f"intake-{chosen.code}-{patient.id}.pdf",
        patient_id=patient.id,
        object_type="intake_packet",
        object_id=chosen.code,
        patient=patient,
        packet=chosen,
        sections=sections,
        shapes=painmap.shapes,
        none_class=painmap.intensity_class,
        consent_text=consent_text(),
    )


def consent_text() -> str:
    from plugins.intake.instruments import CONSENT_TEXT

    return CONSENT_TEXT


@bp.route("/patients/<int:patient_id>/completed/<int:completed_run_id>/print.pdf")
@require("intake.history.view")
def run_pdf(patient_id: int, completed_run_id: int):
    patient = patient_or_404(patient_id)
    run = run_or_404(patient, completed_run_id)
    if run.status != "complete":
        abort(404)
    rows = db.session.scalars(
        db.select(IntakeResponse).where(IntakeResponse.run_id == run.id).order_by(IntakeResponse.id)
    ).all()
    sections = []
    for response in rows:
        answers = response.answer_dict()
        if response.instrument_id == PAIN_DIAGRAM:
            sections.append(
                {
                    "response": response,
                    "title": "Pain diagram",
                    "ratings": answers,
                    "lines": [(painmap_label(c), str(v)) for c, v in sorted(answers.items())],
                    "mark_yes": False,
                }
            )
        else:
            defn = get_definition(response.instrument_id)
            sections.append(
                {
                    "response": response,
                    "title": defn.title,
                    "ratings": None,
                    "lines": runner.describe_answers(response.instrument_id, answers),
                    # "Yes" is marked where it reports something about the patient's
                    # health; agreeing to the consent text is not such an answer.
                    "mark_yes": defn.kind != "consent",
                }
            )
    return pdf_response(
        "intake/pdf_response.html",
        filename=f"intake-{run.packet_code}-{patient.id}-{run.id}.pdf",
        patient_id=patient.id,
        object_type="intake_run",
        object_id=run.id,
        patient=patient,
        run=run,
        sections=sections,
        shapes=painmap.shapes,
        intensity=painmap.intensity_class,
    )
