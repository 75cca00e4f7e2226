"""Loading a patient, or a record of theirs, from a URL: anything else is a 404.

A record whose ``patient_id`` is another patient's is treated exactly like one that
does not exist, so a tampered id in a URL never shows or changes anything.
"""

from __future__ import annotations

from flask import abort

from clinic.extensions import db
from clinic.patients.models import Patient


def patient_or_404(patient_id: int) -> Patient:
    patient = db.session.get(Patient, patient_id)
    if patient is None:
        abort(404)
    return patient


def patient_record_or_404(model, record_id: int, patient: Patient):
    """The ``model`` row ``record_id`` if it belongs to ``patient``; otherwise 404."""
    record = db.session.get(model, record_id)
    if record is None or record.patient_id != patient.id:
        abort(404)
    return record
