"""Treatment plans, session notes, addenda and entered-in-error marks.

A signed note is a medical record and must never change.  The application refuses
edits, and the database refuses them too: triggers (below, and the same DDL in the
migration) abort any UPDATE or DELETE of a signed note, any change to the entries
of a signed note, any DELETE of a note, and any UPDATE or DELETE of addenda and
error marks.  Signing itself is the one UPDATE allowed, because the trigger only
lets a row change while ``signed_at`` is still NULL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.api import append_only_ddl, db, run_after_create, utcnow
from plugins.treatment.domain.plans import plan_end_date

PLAN_STATUSES = ("draft", "active", "completed", "discontinued")


class Plan(db.Model):
    __tablename__ = "treatment_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    diagnoses: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    problems: Mapped[str] = mapped_column(Text, nullable=False, default="")
    times_per_week: Mapped[int] = mapped_column(Integer, nullable=False)
    weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    start_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reeval_date: Mapped[dt.date | None] = mapped_column(Date)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    clearance_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    clearance_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    clearance_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanGoal.id"
    )
    modalities: Mapped[list[PlanModality]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanModality.id"
    )
    therapist = relationship("User", foreign_keys=[therapist_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def planned_visits(self) -> int:
        return self.times_per_week * self.weeks

    @property
    def end_date(self) -> dt.date:
        return plan_end_date(self.start_date, self.weeks)


class PlanGoal(db.Model):
    __tablename__ = "treatment_plan_goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_plans.id"), nullable=False, index=True
    )
    measure: Mapped[str] = mapped_column(String(80), nullable=False)
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float, nullable=False)
    direction: Mapped[str] = mapped_column(String(10), nullable=False, default="below")
    target_date: Mapped[dt.date] = mapped_column(Date, nullable=False)

    plan: Mapped[Plan] = relationship(back_populates="goals")


class PlanModality(db.Model):
    __tablename__ = "treatment_plan_modalities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_plans.id"), nullable=False, index=True
    )
    modality_key: Mapped[str] = mapped_column(String(40), nullable=False)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    heat_override_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Why this was done over a local contraindication (docs/clinical-rules.md).
    local_override_reason: Mapped[str] = mapped_column(
        Text, nullable=False, default="", server_default=""
    )

    plan: Mapped[Plan] = relationship(back_populates="modalities")


class Note(db.Model):
    __tablename__ = "treatment_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("treatment_plans.id"), index=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    nonce: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    session_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    start_time: Mapped[dt.time | None] = mapped_column(Time)
    end_time: Mapped[dt.time | None] = mapped_column(Time)
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    subjective: Mapped[str] = mapped_column(Text, nullable=False, default="")
    objective: Mapped[str] = mapped_column(Text, nullable=False, default="")
    assessment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    plan_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    palpation: Mapped[list[dict[str, str]]] = mapped_column(JSON, nullable=False, default=list)
    home_care: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # What the therapist typed since the last full save (form field -> value), kept by
    # autosave without full validation so a timeout or a closed tab loses nothing.
    draft_form: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    draft_saved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    entries: Mapped[list[NoteEntry]] = relationship(
        back_populates="note", order_by="NoteEntry.id", passive_deletes="all"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="note", order_by="Addendum.id", passive_deletes="all"
    )
    error_marks: Mapped[list[ErrorMark]] = relationship(
        back_populates="note", order_by="ErrorMark.id", passive_deletes="all"
    )
    plan: Mapped[Plan | None] = relationship()
    patient = relationship("Patient")
    therapist = relationship("User", foreign_keys=[therapist_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    @property
    def entered_in_error(self) -> bool:
        return bool(self.error_marks)

    @property
    def total_minutes(self) -> int:
        return sum(e.minutes or 0 for e in self.entries)

    @property
    def session_minutes(self) -> int | None:
        if self.start_time is None or self.end_time is None:
            return None
        start = dt.datetime.combine(self.session_date, self.start_time)
        end = dt.datetime.combine(self.session_date, self.end_time)
        return int((end - start).total_seconds() // 60)


class NoteEntry(db.Model):
    __tablename__ = "treatment_note_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_notes.id"), nullable=False, index=True
    )
    modality_key: Mapped[str] = mapped_column(String(40), nullable=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    minutes: Mapped[int | None] = mapped_column(Integer)
    warnings: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    heat_override_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Why this was done over a local contraindication (docs/clinical-rules.md).
    local_override_reason: Mapped[str] = mapped_column(
        Text, nullable=False, default="", server_default=""
    )

    note: Mapped[Note] = relationship(back_populates="entries")


class Addendum(db.Model):
    """A correction or late entry under a signed note.  Insert-only."""

    __tablename__ = "treatment_addenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_notes.id"), nullable=False, index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    note: Mapped[Note] = relationship(back_populates="addenda")
    author = relationship("User")


class ErrorMark(db.Model):
    """ "Entered in error": the note stays, marked with who, when and why.  Insert-only."""

    __tablename__ = "treatment_error_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(
        ForeignKey("treatment_notes.id"), nullable=False, index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, nullable=False)

    note: Mapped[Note] = relationship(back_populates="error_marks")
    author = relationship("User")

    __table_args__ = (UniqueConstraint("note_id", name="uq_treatment_error_marks_note_id"),)


# -- database-level immutability -------------------------------------------------

SIGNED = "a signed treatment note cannot be changed"
KEPT = "treatment notes are never deleted"
INSERT_ONLY = "addenda and error marks cannot be changed or removed"

_SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS treatment_notes_signed_no_update "
    "BEFORE UPDATE ON treatment_notes WHEN OLD.signed_at IS NOT NULL "
    f"BEGIN SELECT RAISE(ABORT, '{SIGNED}'); END",
    "CREATE TRIGGER IF NOT EXISTS treatment_notes_no_delete BEFORE DELETE ON treatment_notes "
    f"BEGIN SELECT RAISE(ABORT, '{KEPT}'); END",
    "CREATE TRIGGER IF NOT EXISTS treatment_note_entries_signed_no_insert "  # noqa: S608 -- fixed DDL, no input
    "BEFORE INSERT ON treatment_note_entries WHEN (SELECT signed_at FROM treatment_notes "
    "WHERE id = NEW.note_id) IS NOT NULL "
    f"BEGIN SELECT RAISE(ABORT, '{SIGNED}'); END",
    "CREATE TRIGGER IF NOT EXISTS treatment_note_entries_signed_no_update "  # noqa: S608 -- fixed DDL, no input
    "BEFORE UPDATE ON treatment_note_entries WHEN (SELECT signed_at FROM treatment_notes "
    "WHERE id = OLD.note_id) IS NOT NULL OR (SELECT signed_at FROM treatment_notes "
    "WHERE id = NEW.note_id) IS NOT NULL "
    f"BEGIN SELECT RAISE(ABORT, '{SIGNED}'); END",
    "CREATE TRIGGER IF NOT EXISTS treatment_note_entries_signed_no_delete "  # noqa: S608 -- fixed DDL, no input
    "BEFORE DELETE ON treatment_note_entries WHEN (SELECT signed_at FROM treatment_notes "
    "WHERE id = OLD.note_id) IS NOT NULL "
    f"BEGIN SELECT RAISE(ABORT, '{SIGNED}'); END",
)

_PG = (
    "CREATE OR REPLACE FUNCTION treatment_notes_guard() RETURNS trigger AS $$ BEGIN "
    f"IF TG_OP = 'DELETE' THEN RAISE EXCEPTION '{KEPT}'; END IF; "
    f"IF OLD.signed_at IS NOT NULL THEN RAISE EXCEPTION '{SIGNED}'; END IF; "
    "RETURN NEW; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER treatment_notes_guard BEFORE UPDATE OR DELETE ON treatment_notes "
    "FOR EACH ROW EXECUTE FUNCTION treatment_notes_guard()",
    "CREATE OR REPLACE FUNCTION treatment_note_entries_guard() RETURNS trigger AS $$ BEGIN "  # noqa: S608 -- fixed DDL, no input
    "IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM treatment_notes "
    "WHERE id = OLD.note_id AND signed_at IS NOT NULL) THEN "
    f"RAISE EXCEPTION '{SIGNED}'; END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (SELECT 1 FROM treatment_notes "
    "WHERE id = NEW.note_id AND signed_at IS NOT NULL) THEN "
    f"RAISE EXCEPTION '{SIGNED}'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER treatment_note_entries_guard "
    "BEFORE INSERT OR UPDATE OR DELETE ON treatment_note_entries "
    "FOR EACH ROW EXECUTE FUNCTION treatment_note_entries_guard()",
)


INSERT_ONLY_TABLES = ("treatment_addenda", "treatment_error_marks")


def immutability_ddl() -> dict[str, tuple[str, ...]]:
    """Trigger DDL by dialect, used by create_all (below) and by the migration.

    Signed notes and their entries get guards of their own (a draft may still change);
    addenda and error marks are plain append-only tables.
    """
    ddl = {"sqlite": _SQLITE, "postgresql": _PG}
    for table in INSERT_ONLY_TABLES:
        for dialect, statements in append_only_ddl(table, INSERT_ONLY).items():
            ddl[dialect] = ddl[dialect] + statements
    return ddl


# Attached to the metadata, so create_all runs them once every table they name exists.
run_after_create(db.metadata, immutability_ddl())
