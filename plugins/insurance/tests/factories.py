"""Factories for the insurance plugin's tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from clinic.api import clinic_today, db
from plugins.insurance.models import (
    Authorization,
    Claim,
    ClaimLine,
    NecessityNote,
    Payer,
    Policy,
)

_n = itertools.count(1)


def make_payer(**fields) -> Payer:
    n = next(_n)
    values = {"name": f"Test Payer {n}", "payer_code": f"TP{n:03d}", "timely_filing_days": 90}
    values.update(fields)
    payer = Payer(**values)
    db.session.add(payer)
    db.session.commit()
    return payer


def make_policy(patient, payer, **fields) -> Policy:
    values = {
        "patient_id": patient.id,
        "payer_id": payer.id,
        "member_id": f"MEM{next(_n):05d}",
        "effective_date": clinic_today() - dt.timedelta(days=60),
    }
    values.update(fields)
    policy = Policy(**values)
    db.session.add(policy)
    db.session.commit()
    return policy


def make_authorization(patient, payer, **fields) -> Authorization:
    values = {
        "patient_id": patient.id,
        "payer_id": payer.id,
        "number": f"A{next(_n):05d}",
        "cpt_codes": [],
        "kind": "visits",
        "quantity": 6,
        "start_date": clinic_today() - dt.timedelta(days=30),
        "end_date": clinic_today() + dt.timedelta(days=60),
    }
    values.update(fields)
    auth = Authorization(**values)
    db.session.add(auth)
    db.session.commit()
    return auth


def make_claim(patient, user, *, payer=None, policy=None, day=None, **fields) -> Claim:
    values = {
        "patient_id": patient.id,
        "service_date": day or clinic_today() - dt.timedelta(days=next(_n)),
        "payer_id": payer.id if payer else None,
        "policy_id": policy.id if policy else None,
        "diagnoses": ["M54.50"],
        "accepted_by_id": user.id,
    }
    values.update(fields)
    claim = Claim(**values)
    claim.lines = [
        ClaimLine(
            position=1,
            cpt_code="97140",
            modifiers=["GP"],
            units=3,
            minutes=38,
            pointers="A",
            charge=Decimal("45.00"),
        )
    ]
    db.session.add(claim)
    db.session.commit()
    return claim


def make_necessity(patient, author, **fields) -> NecessityNote:
    values = {
        "patient_id": patient.id,
        "author_id": author.id,
        "period_start": clinic_today() - dt.timedelta(days=30),
        "period_end": clinic_today(),
        "diagnoses": "M54.50 Low back pain, unspecified",
        "response": "Tenderness fell from 6 to 3.",
    }
    values.update(fields)
    note = NecessityNote(**values)
    db.session.add(note)
    db.session.commit()
    return note
