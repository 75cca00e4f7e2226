"""Patients: demographics only.  Clinical data belongs to plugins."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import Date, DateTime, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from clinic.clock import utcnow as _utcnow
from clinic.extensions import db


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Zoë' and 'ZOE' match 'zoe'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")


SEX_CHOICES = [
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("unknown", "Prefer not to say"),
]

DEMOGRAPHIC_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address_line",
    "city",
    "state",
    "postal_code",
    "preferred_language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "referring_physician",
)


_FOLDED = String(80).with_variant(String(80, collation="C"), "postgresql")


class Patient(db.Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80), nullable=False)
    last_name: Mapped[str] = mapped_column(String(80), nullable=False)
    date_of_birth: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    sex: Mapped[str] = mapped_column(String(20), nullable=False, default="unknown")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address_line: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    city: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    postal_code: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    preferred_language: Mapped[str] = mapped_column(String(60), nullable=False, default="English")
    emergency_contact_name: Mapped[str] = mapped_column(String(160), nullable=False, default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    referring_physician: Mapped[str] = mapped_column(String(160), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")

    # Folded copies for indexed, case- and accent-insensitive prefix search.  On
    # PostgreSQL they compare byte by byte (collation "C", as SQLite always does): then
    # one plain B-tree index serves both the prefix range and the ORDER BY of a
    # search page, and both engines list patients in the same order.
    first_name_folded: Mapped[str] = mapped_column(_FOLDED, nullable=False, default="")
    last_name_folded: Mapped[str] = mapped_column(_FOLDED, nullable=False, default="")
    phone_digits: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    # The digits backwards: "ends with 1234" becomes the indexed prefix "4321".
    phone_digits_reversed: Mapped[str] = mapped_column(String(40), nullable=False, default="")

    archived_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, nullable=False, default=_utcnow, onupdate=_utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    # SQLAlchemy bumps ``version`` on every UPDATE and refuses an UPDATE whose
    # version no longer matches the row: the database-level half of optimistic locking.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # A search page reads one of these in order and stops after a page (search.py).
        Index("ix_patients_last_first", "last_name_folded", "first_name_folded", "id"),
        Index("ix_patients_first_last", "first_name_folded", "last_name_folded", "id"),
        Index(
            "ix_patients_phone_digits",
            "phone_digits",
            postgresql_ops={"phone_digits": "text_pattern_ops"},
        ),
        Index(
            "ix_patients_phone_digits_reversed",
            "phone_digits_reversed",
            postgresql_ops={"phone_digits_reversed": "text_pattern_ops"},
        ),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def sex_label(self) -> str:
        return dict(SEX_CHOICES).get(self.sex, self.sex)

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def snapshot(self) -> dict[str, str]:
        return {f: str(getattr(self, f) or "") for f in DEMOGRAPHIC_FIELDS}


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _refresh_search_columns(_mapper, _connection, patient: Patient) -> None:
    patient.first_name_folded = fold(patient.first_name)
    patient.last_name_folded = fold(patient.last_name)
    patient.phone_digits = digits(patient.phone)
    patient.phone_digits_reversed = patient.phone_digits[::-1]
