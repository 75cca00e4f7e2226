"""Database and hook look-ups the views and hooks share (no routing, no templates)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.api import clinic_today, collect, db, per_request, setting
from plugins.insurance.coding import DEFAULT_MAPPING, Proposal, Service, propose
from plugins.insurance.models import Authorization, Claim, Payer, Policy, ServiceMapping

# Signed services are looked for this far back when listing visits to code.
LOOKBACK_DAYS = 730

SETTINGS_DEFAULTS = {
    # Project brief: about $60 for a one-hour session; charged per 15-minute unit when a
    # payer has no fee for the code (and for patients who pay themselves).
    "self_pay_hourly_rate": "60.00",
    "bypass_modifier": "59",  # or XU / XS ... (domain brief 6.3)
    "alert_used_percent": 80,
    "alert_expiry_days": 14,
    "timely_filing_warning_days": 14,
    "place_of_service": "11",  # office; 02 for telehealth
    "tax_id": "",
}


def self_pay_rate() -> Decimal:
    try:
        return Decimal(str(setting("insurance.self_pay_hourly_rate")))
    except (InvalidOperation, ValueError):
        return Decimal(SETTINGS_DEFAULTS["self_pay_hourly_rate"])


def mapping() -> dict[str, str]:
    table = dict(DEFAULT_MAPPING)
    for row in db.session.scalars(select(ServiceMapping)):
        table[row.service_key] = row.cpt_code
    return table


def signed_services(patient, start: dt.date, end: dt.date) -> dict[dt.date, list[Service]]:
    """Signed services per day, from every plugin that answers ``billable_services``."""
    by_day: dict[dt.date, list[Service]] = defaultdict(list)
    for item in collect("billable_services", patient=patient, start=start, end=end):
        if not item.signed or item.patient_id != patient.id:
            continue
        by_day[item.service_date].append(
            Service(
                service=item.service,
                description=item.description,
                minutes=int(item.minutes or 0),
                timed=bool(item.timed),
                source_id=f"{item.source}:{item.source_id}",
                provider_id=item.provider_id,
            )
        )
    return dict(sorted(by_day.items()))


def policy_on(patient_id: int, day: dt.date) -> Policy | None:
    """The primary policy in force on ``day`` (else a secondary one), or None (self-pay)."""
    policies = db.session.scalars(
        select(Policy).where(Policy.patient_id == patient_id).order_by(Policy.id)
    ).all()
    active = [p for p in policies if p.active_on(day)]
    active.sort(key=lambda p: (p.rank != "primary", p.id))
    return active[0] if active else None


def care_plans(patient, day: dt.date) -> list:
    return collect("patient_care_plans", patient=patient, on_date=day)


def proposal_for(
    patient, day: dt.date, services: list[Service], choose=None, table=None
) -> Proposal:
    """Proposed lines for one visit; ``table`` is the service mapping when already read."""
    policy = policy_on(patient.id, day)
    payer: Payer | None = policy.payer if policy else None
    plans = care_plans(patient, day)
    diagnoses: list[str] = []
    for plan in plans:
        diagnoses += [code for code in plan.diagnoses if code not in diagnoses]
    return propose(
        day,
        services,
        mapping=mapping() if table is None else table,
        unit_rule=payer.unit_rule if payer else "cms",
        pays_97010=payer.pays_97010 if payer else True,
        fee_for=payer.fee_for if payer else (lambda code: None),
        self_pay_hourly=self_pay_rate(),
        plan_of_care=any(plan.therapy for plan in plans),
        diagnoses=diagnoses[:12],
        bypass_modifier=str(setting("insurance.bypass_modifier")),
        choose=choose,
    )


def claims(patient_id: int) -> dict[dt.date, Claim]:
    rows = db.session.scalars(select(Claim).where(Claim.patient_id == patient_id)).all()
    return {c.service_date: c for c in rows}


def open_visits(patient) -> list[Proposal]:
    """Signed visits not yet accepted as claims, oldest first, with their proposed lines."""
    end = clinic_today()
    taken = claims(patient.id)
    found = signed_services(patient, end - dt.timedelta(days=LOOKBACK_DAYS), end)
    table = mapping()
    return [
        proposal_for(patient, day, svcs, table=table)
        for day, svcs in found.items()
        if day not in taken
    ]


@dataclass
class Usage:
    authorization: Authorization
    used: int
    on: dt.date

    @property
    def quantity(self) -> int:
        return self.authorization.quantity

    @property
    def remaining(self) -> int:
        return max(self.quantity - self.used, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.quantity)) if self.quantity else 100

    @property
    def unit(self) -> str:
        return "visit" if self.authorization.kind == "visits" else "unit"

    @property
    def expired(self) -> bool:
        return self.on > self.authorization.end_date

    @property
    def days_left(self) -> int:
        return (self.authorization.end_date - self.on).days


def authorizations(patient_id: int) -> list[Authorization]:
    """Newest first; kept for the request (the chart's panel and its alerts both ask)."""
    return per_request(
        "insurance.authorizations",
        patient_id,
        lambda: list(
            db.session.scalars(
                select(Authorization)
                .where(Authorization.patient_id == patient_id)
                .order_by(Authorization.end_date.desc(), Authorization.id.desc())
            ).all()
        ),
    )


def authorizations_many(patient_ids) -> dict[int, list[Authorization]]:
    """``authorizations`` for many patients in one query (their payers in one more)."""
    found: dict[int, list[Authorization]] = {patient_id: [] for patient_id in patient_ids}
    if found:
        rows = db.session.scalars(
            select(Authorization)
            .where(Authorization.patient_id.in_(found))
            .options(selectinload(Authorization.payer))
            .order_by(Authorization.end_date.desc(), Authorization.id.desc())
        )
        for auth in rows:
            found[auth.patient_id].append(auth)
    return found


def draft_claims_many(patient_ids) -> dict[int, list[Claim]]:
    """Each patient's draft claims (the ones a filing deadline applies to), one query."""
    found: dict[int, list[Claim]] = {patient_id: [] for patient_id in patient_ids}
    if found:
        rows = db.session.scalars(
            select(Claim)
            .where(Claim.patient_id.in_(found), Claim.status == "draft")
            .options(selectinload(Claim.payer))
            .order_by(Claim.service_date, Claim.id)
        )
        for claim in rows:
            found[claim.patient_id].append(claim)
    return found


def usage(patient, auths: list[Authorization], on: dt.date | None = None) -> list[Usage]:
    """How much of each authorization signed sessions have used.

    A visit counts when it falls in the authorization's dates and has a billable line
    for one of its codes (any code when it names none); units add up those lines.
    """
    on = on or clinic_today()
    if not auths:
        return []
    start = min(a.start_date for a in auths)
    end = max(a.end_date for a in auths)
    table = mapping()
    proposals = {
        day: proposal_for(patient, day, svcs, table=table)
        for day, svcs in signed_services(patient, start, end).items()
    }
    result = []
    for auth in auths:
        used = 0
        for day, proposal in proposals.items():
            if not auth.start_date <= day <= auth.end_date:
                continue
            lines = [
                line
                for line in proposal.billable_lines
                if not auth.cpt_codes or line.code in auth.cpt_codes
            ]
            if auth.kind == "visits":
                used += 1 if lines else 0
            else:
                used += sum(line.units for line in lines)
        result.append(Usage(auth, used, on))
    return result


def auth_alerts(usages: list[Usage]) -> list[tuple[str, str, str]]:
    """(level, title, detail) for each authorization that needs attention."""
    warn_percent = int(setting("insurance.alert_used_percent"))
    warn_days = int(setting("insurance.alert_expiry_days"))
    alerts = []
    # An expired authorization stops mattering once the same payer has authorized more.
    renewed = {u.authorization.payer_id for u in usages if not u.expired}
    for u in usages:
        auth = u.authorization
        label = f"Authorization {auth.number} ({auth.payer.name})"
        counted = f"{u.used} of {u.quantity} {u.unit}s used"
        if u.expired:
            if auth.payer_id in renewed:
                continue
            alerts.append(
                ("danger", f"{label} expired", f"Ended {auth.end_date.isoformat()}; {counted}.")
            )
            continue
        if u.used >= u.quantity:
            alerts.append(("danger", f"{label} used up", f"{counted}; ask the payer for more."))
        elif u.percent >= warn_percent:
            alerts.append(("warning", f"{label} {u.percent}% used", f"{counted}."))
        if 0 <= u.days_left <= warn_days:
            alerts.append(
                (
                    "warning",
                    f"{label} ends in {u.days_left} days",
                    f"Valid until {auth.end_date.isoformat()}; {counted}.",
                )
            )
    return alerts


def filing_alerts(
    patient_id: int, on: dt.date | None = None, drafts: list[Claim] | None = None
) -> list[tuple[str, str, str]]:
    """Draft claims close to (or past) their payer's timely-filing limit (``drafts``:
    the patient's claims when already read, e.g. by ``draft_claims_many``)."""
    on = on or clinic_today()
    warn_days = int(setting("insurance.timely_filing_warning_days"))
    alerts = []
    if drafts is None:
        drafts = list(claims(patient_id).values())
    for claim in drafts:
        deadline = claim.filing_deadline()
        if claim.status != "draft" or deadline is None:
            continue
        left = (deadline - on).days
        if left < 0:
            alerts.append(
                (
                    "danger",
                    f"Claim for {claim.service_date.isoformat()} is past timely filing",
                    f"{claim.payer.name} accepts claims up to {deadline.isoformat()}.",
                )
            )
        elif left <= warn_days:
            alerts.append(
                (
                    "warning",
                    f"File the claim for {claim.service_date.isoformat()} within {left} days",
                    f"{claim.payer.name}'s limit is {deadline.isoformat()}.",
                )
            )
    return alerts
