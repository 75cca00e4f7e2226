"""Intake tables: packet configuration, packet runs (tablet or staff entry), stored
responses with their scores, safety findings and the reviews of those findings, and
the wording packs an administrator loads.

Answers, progress and subscales are JSON text so one schema serves SQLite and
PostgreSQL alike; the columns the chart queries by (patient, instrument, dates) are
real columns with indexes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.api import append_only_ddl as table_append_only_ddl
from clinic.api import db, run_after_create, utcnow


class IntakePacket(db.Model):
    """An administrator's packet: an ordered list of step ids (instrument ids or
    ``pain_diagram``).  Bundled packets live in code (:mod:`plugins.intake.packets`);
    a row with the same code overrides one."""

    __tablename__ = "intake_packets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    steps: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list of step ids
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    @property
    def step_ids(self) -> list[str]:
        return list(json.loads(self.steps))


class IntakeRun(db.Model):
    """One packet being filled in for one patient, on a tablet or by staff.

    For a tablet, only the SHA-256 of the hand-over token is kept (``token_hash``),
    and the first device that opens it is bound through ``device_hash``.
    ``progress`` holds the answers saved so far, per step, so nothing is lost when a
    connection drops or the server restarts.
    """

    __tablename__ = "intake_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    packet_code: Mapped[str] = mapped_column(String(40), nullable=False)
    packet_title: Mapped[str] = mapped_column(String(120), nullable=False)
    steps: Mapped[str] = mapped_column(Text, nullable=False)  # JSON list, frozen at start
    # JSON {step: instrument version} frozen at start: answers are only ever validated
    # against the version the patient was shown.
    versions: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    mode: Mapped[str] = mapped_column(String(20), nullable=False)  # "tablet" | "staff"
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    progress: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    device_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def step_ids(self) -> list[str]:
        return list(json.loads(self.steps))

    def version_map(self) -> dict[str, str]:
        return dict(json.loads(self.versions or "{}"))

    def answers(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.progress or "{}")

    def set_answers(self, value: dict[str, dict[str, Any]]) -> None:
        self.progress = json.dumps(value, sort_keys=True)


class IntakeResponse(db.Model):
    """One completed instrument (or the pain diagram) with its score, as submitted."""

    __tablename__ = "intake_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("intake_runs.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    instrument_version: Mapped[str] = mapped_column(String(40), nullable=False)
    wording_pack_version: Mapped[str | None] = mapped_column(String(80))
    answers: Mapped[str] = mapped_column(Text, nullable=False)  # JSON
    total: Mapped[float | None] = mapped_column(Float)
    percent: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(40))
    risk: Mapped[str | None] = mapped_column(String(40))
    subscales: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    missing: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    score_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    entered_by_kind: Mapped[str] = mapped_column(String(20), nullable=False)  # patient | staff
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    entered_by = relationship("User", foreign_keys=[entered_by_id])
    findings: Mapped[list[IntakeFinding]] = relationship(
        back_populates="response", order_by="IntakeFinding.id"
    )

    def answer_dict(self) -> dict[str, Any]:
        return json.loads(self.answers)

    def subscale_dict(self) -> dict[str, float]:
        return json.loads(self.subscales or "{}")

    def missing_list(self) -> list[str]:
        return list(json.loads(self.missing or "[]"))


class IntakeFinding(db.Model):
    """A red flag or contraindication the screen raised from one history response."""

    __tablename__ = "intake_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("intake_responses.id"), nullable=False, index=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(80), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    advice: Mapped[str] = mapped_column(Text, nullable=False)
    regions: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    item_ids: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list
    emergency: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    response: Mapped[IntakeResponse] = relationship(back_populates="findings")
    reviews: Mapped[list[IntakeFindingReview]] = relationship(
        back_populates="finding", order_by="IntakeFindingReview.id"
    )

    def region_list(self) -> list[str]:
        return list(json.loads(self.regions or "[]"))

    @property
    def reviewed(self) -> bool:
        # A physician's clearance of one finding is also a review of it.
        return any(r.action in ("reviewed", "clearance") for r in self.reviews)

    @property
    def cleared(self) -> bool:
        return any(r.action == "clearance" for r in self.reviews)


class IntakeFindingReview(db.Model):
    """A therapist's record that a finding was reviewed, or that physician clearance
    was received.  Rows are only ever added."""

    __tablename__ = "intake_finding_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("intake_findings.id"), nullable=False, index=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # reviewed | clearance
    clearance_date: Mapped[dt.date | None] = mapped_column(Date)
    cleared_by: Mapped[str] = mapped_column(String(160), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    finding: Mapped[IntakeFinding] = relationship(back_populates="reviews")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


class IntakeWordingPack(db.Model):
    """A licensed wording pack (FHIR R4 Questionnaire JSON) for one instrument."""

    __tablename__ = "intake_wording_packs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    pack_version: Mapped[str] = mapped_column(String(80), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    json_text: Mapped[str] = mapped_column(Text, nullable=False)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])


class IntakeConsentRecord(db.Model):
    """What a patient agreed to: the exact consent text, the typed name, the date, and
    the signature drawn with a finger when there was one (a PNG).

    Kept beside the consent response so that a later change of the consent wording
    never changes what this patient is shown to have agreed to.
    """

    __tablename__ = "intake_consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("intake_responses.id"), nullable=False, unique=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    consent_version: Mapped[str] = mapped_column(String(40), nullable=False)
    consent_text: Mapped[str] = mapped_column(Text, nullable=False)
    text_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    typed_name: Mapped[str] = mapped_column(String(200), nullable=False)
    signed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    response: Mapped[IntakeResponse] = relationship()


CONSENT_TABLE = "intake_consent_records"


# Submitted answers, the findings raised from them and the reviews recorded against
# them are clinical records: the database refuses to change or delete them.
APPEND_ONLY_TABLES = ("intake_responses", "intake_findings", "intake_finding_reviews")


APPEND_ONLY_MESSAGE = "intake records are append-only"


def append_only_ddl() -> dict[str, dict[str, tuple[str, ...]]]:
    """Trigger DDL, by table then dialect; used by the models (create_all) and the migration."""
    return {
        table: table_append_only_ddl(table, APPEND_ONLY_MESSAGE) for table in APPEND_ONLY_TABLES
    }


for _model in (IntakeResponse, IntakeFinding, IntakeFindingReview):
    run_after_create(_model.__table__, append_only_ddl()[_model.__tablename__])


def consent_append_only_ddl() -> dict[str, tuple[str, ...]]:
    """The consent record is append-only too (its own migration adds the triggers)."""
    return table_append_only_ddl(CONSENT_TABLE, APPEND_ONLY_MESSAGE)


run_after_create(IntakeConsentRecord.__table__, consent_append_only_ddl())
