from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clinic.api import db


class StickyNote(db.Model):
    __tablename__ = "sticky_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(String(200), nullable=False)
