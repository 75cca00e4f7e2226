"""Handout tables: handouts and their versions, each print (what exactly was given),
the cache of rendered PDFs, and batch jobs for "Today's handouts".

Versions are never changed once written: an edit adds a row with the next number, so a
print can always point at the exact text the patient took home.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.api import db, utcnow


class Handout(db.Model):
    __tablename__ = "handouts_handouts"
    __table_args__ = (UniqueConstraint("slug", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), nullable=False)
    language: Mapped[str] = mapped_column(String(8), nullable=False, default="en")
    bundled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    versions: Mapped[list[HandoutVersion]] = relationship(
        back_populates="handout", order_by="HandoutVersion.number"
    )

    @property
    def current(self) -> HandoutVersion:
        cached = self.__dict__.get("_current")
        if cached is not None:
            return cached
        return db.session.scalars(
            select(HandoutVersion)
            .where(HandoutVersion.handout_id == self.id)
            .order_by(HandoutVersion.number.desc())
            .limit(1)
        ).one()


class HandoutVersion(db.Model):
    __tablename__ = "handouts_versions"
    __table_args__ = (UniqueConstraint("handout_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handout_id: Mapped[int] = mapped_column(
        ForeignKey("handouts_handouts.id"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Modality keys (e.g. "hot_pack") whose sessions preselect this handout; "*" = any.
    tags: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    handout: Mapped[Handout] = relationship(back_populates="versions")


class HandoutPrint(db.Model):
    """One personalised PDF given to a patient: who printed it and exactly what it held."""

    __tablename__ = "handouts_prints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False, index=True)
    printed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    printed_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    service_date: Mapped[dt.date] = mapped_column(Date, nullable=False, index=True)
    language: Mapped[str] = mapped_column(String(8), nullable=False)
    version_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_visit: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    cache_key: Mapped[str] = mapped_column(String(64), nullable=False)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("handouts_batches.id"))

    printed_by = relationship("User", foreign_keys=[printed_by_id])


class RenderCache(db.Model):
    """Rendered bytes keyed by the SHA-256 of the exact final HTML and PDF options."""

    __tablename__ = "handouts_render_cache"
    data_version_neutral = True  # bytes of PDFs already rendered, not shown on a chart

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Batch(db.Model):
    """A "Today's handouts" job: rendered by a background process, polled by the page."""

    __tablename__ = "handouts_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    service_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    patient_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


def load_current(handouts: list[Handout]) -> list[Handout]:
    """Attach each handout's latest version in one query (``handout.current``)."""
    if not handouts:
        return handouts
    from sqlalchemy import func

    latest = (
        select(HandoutVersion.handout_id, func.max(HandoutVersion.number).label("n"))
        .where(HandoutVersion.handout_id.in_([h.id for h in handouts]))
        .group_by(HandoutVersion.handout_id)
        .subquery()
    )
    rows = db.session.scalars(
        select(HandoutVersion).join(
            latest,
            (HandoutVersion.handout_id == latest.c.handout_id)
            & (HandoutVersion.number == latest.c.n),
        )
    ).all()
    by_id = {v.handout_id: v for v in rows}
    for h in handouts:
        h.__dict__["_current"] = by_id[h.id]
    return handouts
