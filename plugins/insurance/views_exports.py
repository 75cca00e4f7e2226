"""Claim exports: CMS-1500 items as CSV and JSON, and the superbill PDF."""

from __future__ import annotations

import csv
import io
import json

from flask import Response

from clinic.api import (
    clinic_details,
    csv_cell,
    db,
    icd10,
    patient_or_404,
    pdf_response,
    record,
    require,
    setting,
)
from plugins.insurance import claimform
from plugins.insurance.catalog import cpt_codes
from plugins.insurance.models import ProviderProfile
from plugins.insurance.views import bp
from plugins.insurance.views_claims import claim_or_404


def _profile(claim) -> ProviderProfile | None:
    return db.session.get(ProviderProfile, claim.provider_id) if claim.provider_id else None


def _export_rows(claim, patient):
    profile = _profile(claim)
    header = claimform.header_items(
        claim, patient, clinic_details(), str(setting("insurance.tax_id")), profile
    )
    return header, claimform.line_items(claim, profile)


@bp.route("/patients/<int:patient_id>/claims/<int:claim_id>.json")
@require("insurance.billing")
def claim_json(patient_id: int, claim_id: int):
    patient = patient_or_404(patient_id)
    claim = claim_or_404(patient, claim_id)
    header, lines = _export_rows(claim, patient)
    record(
        "insurance.claim.export",
        patient_id=patient.id,
        object_type="claim",
        object_id=claim.id,
        detail={"format": "json"},
    )
    db.session.commit()
    body = {
        "claim_id": claim.id,
        "status": claim.status,
        "form": "CMS-1500 (02/12)",
        "items": header,
        "lines": lines,
    }
    return Response(
        json.dumps(body, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="claim-{claim.id}.json"',
            "Cache-Control": "no-store, private",
        },
    )


@bp.route("/patients/<int:patient_id>/claims/<int:claim_id>.csv")
@require("insurance.billing")
def claim_csv(patient_id: int, claim_id: int):
    patient = patient_or_404(patient_id)
    claim = claim_or_404(patient, claim_id)
    header, lines = _export_rows(claim, patient)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    line_keys = list(lines[0]) if lines else []
    writer.writerow([f"item_{k}" for k in header] + [f"item_{k}" for k in line_keys])
    for line in lines or [{}]:
        writer.writerow(
            [csv_cell(v) for v in header.values()] + [csv_cell(line.get(k)) for k in line_keys]
        )
    record(
        "insurance.claim.export",
        patient_id=patient.id,
        object_type="claim",
        object_id=claim.id,
        detail={"format": "csv"},
    )
    db.session.commit()
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="claim-{claim.id}.csv"',
            "Cache-Control": "no-store, private",
        },
    )


@bp.route("/patients/<int:patient_id>/claims/<int:claim_id>/superbill.pdf")
@require("insurance.billing")
def superbill(patient_id: int, claim_id: int):
    patient = patient_or_404(patient_id)
    claim = claim_or_404(patient, claim_id)
    return pdf_response(
        "insurance/superbill_pdf.html",
        filename=f"superbill-{patient.id}-{claim.service_date.isoformat()}.pdf",
        patient_id=patient.id,
        object_type="claim",
        object_id=claim.id,
        patient=patient,
        claim=claim,
        codes=cpt_codes(),
        profile=_profile(claim),
        titles={c: d.title for c in claim.diagnoses if (d := icd10.lookup(c))},
        tax_id=str(setting("insurance.tax_id")),
    )
