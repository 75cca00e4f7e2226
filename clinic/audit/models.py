"""The audit log: append-only and hash-chained.

Each row stores the hash of the row before it and a SHA-256 over its own fields and
that previous hash.  Altering or removing any row breaks the chain from that point,
which ``flask --app wsgi audit verify`` reports.  The database also refuses UPDATE
and DELETE on the table (triggers below), so breaking the chain takes someone who
can drop triggers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic.database import append_only_ddl as database_append_only_ddl
from clinic.database import run_after_create
from clinic.extensions import db

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    event_type: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    object_type: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    object_id: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    outcome: Mapped[str] = mapped_column(String(20), nullable=False)
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)

    def compute_hash(self) -> str:
        payload = json.dumps(
            [
                self.seq,
                self.at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                self.user_id,
                self.username,
                self.event_type,
                self.patient_id,
                self.object_type,
                self.object_id,
                self.outcome,
                self.ip,
                self.detail,
                self.prev_hash,
            ],
            separators=(",", ":"),
            ensure_ascii=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def append_only_ddl() -> dict[str, tuple[str, ...]]:
    """Trigger DDL by dialect; used by the model (create_all) and the migration."""
    return database_append_only_ddl("audit_events", "audit events are append-only")


run_after_create(AuditEvent.__table__, append_only_ddl())
