"""Coverage, authorizations, claims and medical-necessity notes.

Money is ``Numeric`` (exact decimals, never floats).  A payer is never deleted while a
policy, authorization or claim refers to it (the view refuses; the foreign keys back it
up).  A signed necessity note is a medical record: triggers (below, and the same DDL in
the migration) make the database refuse any change once ``signed_at`` is set, and any
delete at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.api import db, run_after_create, utcnow

Money = Numeric(10, 2)

UNIT_RULES = {"cms": "CMS 8-minute rule", "midpoint": "Per-code midpoint rule"}
RELATIONSHIPS = {"self": "Self", "spouse": "Spouse", "child": "Child", "other": "Other"}
RANKS = {"primary": "Primary", "secondary": "Secondary"}
AUTH_KINDS = {"visits": "Visits", "units": "Units"}
CLAIM_STATUSES = {
    "draft": "Draft",
    "submitted": "Submitted",
    "paid": "Paid",
    "denied": "Denied",
    "appealed": "Appealed",
}
# What each status may become (claims are tracked here, never submitted electronically).
CLAIM_TRANSITIONS = {
    "draft": ("submitted",),
    "submitted": ("paid", "denied"),
    "denied": ("appealed",),
    "appealed": ("paid", "denied"),
    "paid": (),
}


class Payer(db.Model):
    __tablename__ = "insurance_payers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    payer_code: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    timely_filing_days: Mapped[int] = mapped_column(Integer, nullable=False, default=90)
    unit_rule: Mapped[str] = mapped_column(String(10), nullable=False, default="cms")
    pays_97010: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    fees: Mapped[list[FeeScheduleEntry]] = relationship(
        back_populates="payer", cascade="all, delete-orphan", order_by="FeeScheduleEntry.cpt_code"
    )

    def fee_for(self, code: str) -> Decimal | None:
        for fee in self.fees:
            if fee.cpt_code == code:
                return fee.amount
        return None


class FeeScheduleEntry(db.Model):
    """What the clinic charges this payer for one unit of a code."""

    __tablename__ = "insurance_fee_schedule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payer_id: Mapped[int] = mapped_column(
        ForeignKey("insurance_payers.id"), nullable=False, index=True
    )
    cpt_code: Mapped[str] = mapped_column(String(5), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)

    payer: Mapped[Payer] = relationship(back_populates="fees")

    __table_args__ = (UniqueConstraint("payer_id", "cpt_code"),)


class Policy(db.Model):
    __tablename__ = "insurance_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("insurance_payers.id"), nullable=False)
    rank: Mapped[str] = mapped_column(String(10), nullable=False, default="primary")
    member_id: Mapped[str] = mapped_column(String(30), nullable=False)
    group_number: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    subscriber_name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    relationship_to_subscriber: Mapped[str] = mapped_column(
        String(10), nullable=False, default="self"
    )
    effective_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    copay: Mapped[Decimal | None] = mapped_column(Money)
    coinsurance_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    deductible: Mapped[Decimal | None] = mapped_column(Money)
    referral_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    payer: Mapped[Payer] = relationship()

    def active_on(self, day: dt.date) -> bool:
        return self.effective_date <= day and (self.end_date is None or day <= self.end_date)


class VerificationNote(db.Model):
    """A benefits-verification call: who called, who answered, what they said is covered."""

    __tablename__ = "insurance_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_policies.id"))
    called_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    caller_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    representative: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    reference_number: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    covers_massage: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    covers_manual_therapy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    visits_per_year: Mapped[int | None] = mapped_column(Integer)
    prior_auth_needed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    referral_needed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    policy: Mapped[Policy | None] = relationship()
    caller = relationship("User")


class Authorization(db.Model):
    """A payer's prior authorization.  Usage is never stored: it is counted from signed
    sessions (the ``billable_services`` hook) each time it is shown."""

    __tablename__ = "insurance_authorizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("insurance_payers.id"), nullable=False)
    number: Mapped[str] = mapped_column(String(40), nullable=False)
    cpt_codes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="visits")
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    end_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    payer: Mapped[Payer] = relationship()


class ProviderProfile(db.Model):
    """Billing identity of a rendering provider (superbill, CMS-1500 items 24J and 31)."""

    __tablename__ = "insurance_providers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    credentials: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    npi: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    license_number: Mapped[str] = mapped_column(String(40), nullable=False, default="")

    user = relationship("User")


class ServiceMapping(db.Model):
    """The clinic's choice of CPT code for a service key; ``""`` means "not billed".

    Keys without a row use the defaults in ``coding.DEFAULT_MAPPING``.
    """

    __tablename__ = "insurance_service_mappings"

    service_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    cpt_code: Mapped[str] = mapped_column(String(5), nullable=False, default="")


class Claim(db.Model):
    """One accepted visit (a patient's services on one day), laid out for a CMS-1500."""

    __tablename__ = "insurance_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    service_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_payers.id"))
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_policies.id"))
    authorization_number: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    diagnoses: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    place_of_service: Mapped[str] = mapped_column(String(2), nullable=False, default="11")
    unit_rule: Mapped[str] = mapped_column(String(10), nullable=False, default="cms")
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    source_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    denial_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    amount_paid: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    accepted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    accepted_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    lines: Mapped[list[ClaimLine]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimLine.position"
    )
    payer: Mapped[Payer | None] = relationship()
    policy: Mapped[Policy | None] = relationship()
    provider = relationship("User", foreign_keys=[provider_id])
    patient = relationship("Patient")

    __table_args__ = (UniqueConstraint("patient_id", "service_date"),)

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    def filing_deadline(self) -> dt.date | None:
        if self.payer is None:
            return None
        return self.service_date + dt.timedelta(days=self.payer.timely_filing_days)


class ClaimLine(db.Model):
    __tablename__ = "insurance_claim_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("insurance_claims.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    cpt_code: Mapped[str] = mapped_column(String(5), nullable=False)
    modifiers: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    units: Mapped[int] = mapped_column(Integer, nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    pointers: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    charge: Mapped[Decimal] = mapped_column(Money, nullable=False)
    bundled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str] = mapped_column(String(200), nullable=False, default="")

    claim: Mapped[Claim] = relationship(back_populates="lines")


class NecessityNote(db.Model):
    """A medical-necessity note for one visit or a progress period; signed like a session
    note (password, content hash) and then unchangeable."""

    __tablename__ = "insurance_necessity_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    period_start: Mapped[dt.date] = mapped_column(Date, nullable=False)
    period_end: Mapped[dt.date] = mapped_column(Date, nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    diagnoses: Mapped[str] = mapped_column(Text, nullable=False, default="")
    limitations: Mapped[str] = mapped_column(Text, nullable=False, default="")
    interventions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    progress: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    author = relationship("User", foreign_keys=[author_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


SIGNED = "a signed necessity note cannot be changed"
KEPT = "necessity notes are never deleted"


def necessity_ddl() -> dict[str, tuple[str, ...]]:
    """Trigger DDL by dialect, used by create_all (below) and by the migration."""
    table = "insurance_necessity_notes"
    return {
        "sqlite": (
            f"CREATE TRIGGER IF NOT EXISTS {table}_signed_no_update BEFORE UPDATE ON {table} "
            f"WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{SIGNED}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{KEPT}'); END",
        ),
        "postgresql": (
            f"CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{KEPT}'; END IF; "
            f"IF OLD.signed_at IS NOT NULL THEN RAISE EXCEPTION '{SIGNED}'; END IF; "
            "RETURN NEW; END; $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_guard BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()",
        ),
    }


run_after_create(NecessityNote.__table__, necessity_ddl())
