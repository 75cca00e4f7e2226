"""Synthetic payers, policies and authorizations for ``flask --app wsgi demo``.

Every name and number is invented.  Payers are shared by all demo patients and made
on first use; only the seeded ``rng`` decides anything, so a seed gives the same clinic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from clinic.api import clinic_today, db
from plugins.insurance.models import Authorization, FeeScheduleEntry, Payer, Policy

DEMO_PAYERS = (
    # name, payer id, unit rule, pays 97010, timely-filing days, fee per 15-min unit
    ("Evergreen Mutual Health (demo)", "EVG01", "cms", False, 365, "31.50"),
    ("Harborline Benefit Plan (demo)", "HBL22", "midpoint", True, 90, "28.00"),
    ("Prairie Workers' Comp Trust (demo)", "PWC07", "cms", True, 180, "35.25"),
)


def _payers() -> list[Payer]:
    found = []
    for name, code, rule, pays, days, fee in DEMO_PAYERS:
        payer = db.session.scalars(select(Payer).where(Payer.name == name)).first()
        if payer is None:
            payer = Payer(
                name=name,
                payer_code=code,
                unit_rule=rule,
                pays_97010=pays,
                timely_filing_days=days,
                phone="555-0100",
                address="PO Box 100, Springfield",
            )
            payer.fees = [
                FeeScheduleEntry(cpt_code=c, amount=Decimal(fee)) for c in ("97140", "97124")
            ] + [FeeScheduleEntry(cpt_code="97010", amount=Decimal("12.00"))]
            db.session.add(payer)
            db.session.flush()
        found.append(payer)
    return found


def add_coverage(patient, rng) -> None:
    """About half the patients are insured; some of those have an authorization."""
    if rng.random() > 0.5:
        return
    payer = rng.choice(_payers())
    today = clinic_today()
    start = today - dt.timedelta(days=rng.randrange(30, 400))
    db.session.add(
        Policy(
            patient_id=patient.id,
            payer_id=payer.id,
            rank="primary",
            member_id=f"DM{rng.randrange(10**7, 10**8)}",
            group_number=f"G{rng.randrange(1000, 9999)}",
            subscriber_name=patient.display_name,
            relationship_to_subscriber="self",
            effective_date=start,
            copay=Decimal(rng.choice(("0.00", "20.00", "35.00"))),
            coinsurance_percent=Decimal(rng.choice(("0", "10", "20"))),
            deductible=Decimal(rng.choice(("250.00", "500.00", "1000.00"))),
        )
    )
    if rng.random() < 0.5:
        begin = today - dt.timedelta(days=rng.randrange(10, 60))
        db.session.add(
            Authorization(
                patient_id=patient.id,
                payer_id=payer.id,
                number=f"AUTH-{rng.randrange(100000, 999999)}",
                cpt_codes=["97140"],
                kind="visits",
                quantity=rng.choice((6, 8, 12)),
                start_date=begin,
                end_date=begin + dt.timedelta(days=rng.choice((60, 90))),
            )
        )
