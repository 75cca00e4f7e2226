"""The plugin's one table.  Its name starts with ``sticky_``: the core checks that every
table a plugin defines carries the plugin's name as prefix."""

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic.api import db, utcnow


class StickyNote(db.Model):
    __tablename__ = "sticky_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    # The column is wide enough for the largest limit an administrator may set.
    text: Mapped[str] = mapped_column(String(500), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
