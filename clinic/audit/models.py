"""The audit log: append-only, authenticated with a key the database does not hold.

A request adds its row *unsealed*: the event itself, a random nonce and ``row_mac``,
an HMAC over both under the audit key (``instance/audit_key`` or ``CLINIC_AUDIT_KEY``).
A short, separate step (:mod:`clinic.audit.sealing`) then seals pending rows into one
chain: it gives each the next ``seq``, the previous row's ``hash``, its own ``hash``
(SHA-256 over the event, ``row_mac`` and the previous hash) and ``mac`` (an HMAC of
that hash), and appends a signed checkpoint of the chain head to a file outside the
database.  ``flask --app wsgi audit verify`` checks all of it; ``docs/audit.md`` says
what someone with access to the database can and cannot hide.

The database refuses DELETE, TRUNCATE and every UPDATE except that one-time sealing,
which may fill in only the chain columns of a row that has none yet.

Rows written before the key existed (``row_mac`` empty) keep their plain SHA-256
chain; they form a prefix of the log whose length every checkpoint records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clinic.database import append_only_ddl as database_append_only_ddl
from clinic.database import run_after_create
from clinic.extensions import db

GENESIS_HASH = "0" * 64

# The columns sealing fills in; every other column is fixed once the row is inserted.
SEAL_COLUMNS = ("seq", "prev_hash", "hash", "mac")
CONTENT_COLUMNS = (
    "id",
    "at",
    "user_id",
    "username",
    "event_type",
    "patient_id",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "detail",
    "nonce",
    "row_mac",
)


def keyed_mac(key: str | bytes, purpose: str, message: str) -> str:
    """HMAC-SHA256 of ``message``; ``purpose`` keeps a MAC of one kind from passing as another."""
    raw = key.encode() if isinstance(key, str) else key
    return hmac.new(raw, f"{purpose}\0{message}".encode(), hashlib.sha256).hexdigest()


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    # Writing the log (every view writes a row) changes nothing a kept chart shows.
    data_version_neutral = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Empty until sealed (for a few milliseconds after the request commits).
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
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
    # Random per row, so a copied row cannot pass as a second genuine one.
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    row_mac: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    mac: Mapped[str | None] = mapped_column(String(64))

    def _fields(self) -> list:
        return [
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
        ]

    def compute_row_mac(self, key: str | bytes) -> str:
        payload = json.dumps([self.nonce, *self._fields()], separators=(",", ":"))
        return keyed_mac(key, "row", payload)

    def compute_hash(self) -> str:
        fields = [self.seq, *self._fields(), self.prev_hash]
        if self.row_mac is not None:  # rows from before the audit key keep their old hash
            fields.append(self.row_mac)
        payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def compute_mac(self, key: str | bytes) -> str:
        return keyed_mac(key, "chain", self.hash or "")


class RefusalCount(db.Model):
    """How many anonymous refusals of one kind came from one source in one hour.

    Every attempt increments its counter; only the first few (and then milestones) are
    written to the audit log, so a script cannot flood it (``clinic.audit.refusals``).
    ``source`` is the client address, or ``*`` for the total over all addresses.
    """

    __tablename__ = "audit_refusal_counts"
    data_version_neutral = True  # counting refusals, not shown on a chart

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(80), nullable=False)
    source: Mapped[str] = mapped_column(String(64), nullable=False)
    hour: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, index=True)
    count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("event_type", "source", "hour", name="uq_audit_refusal_counts_key"),
    )


def append_only_ddl() -> dict[str, tuple[str, ...]]:
    """Trigger DDL by dialect; used by the model (create_all) and the migrations.

    The shared append-only guard, except that an UPDATE which only seals an unsealed
    row (fills the chain columns, changes nothing else) is let through.
    """
    message = "audit events are append-only"
    unchanged = [f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT_COLUMNS]
    sqlite_refuse = " OR ".join(["OLD.seq IS NOT NULL", "NEW.seq IS NULL", *unchanged])
    pg_same = (
        f"({', '.join('NEW.' + c for c in CONTENT_COLUMNS)}) IS NOT DISTINCT FROM "
        f"({', '.join('OLD.' + c for c in CONTENT_COLUMNS)})"
    )
    ddl = database_append_only_ddl("audit_events", message)
    return {
        "sqlite": (
            f"CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
            f"WHEN {sqlite_refuse} BEGIN SELECT RAISE(ABORT, '{message}'); END",
            *[s for s in ddl["sqlite"] if "_no_update" not in s],
        ),
        "postgresql": (
            "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            "BEGIN IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL "
            f"AND {pg_same} THEN RETURN NEW; END IF; "
            f"RAISE EXCEPTION '{message}'; END; $$ LANGUAGE plpgsql",
            *ddl["postgresql"][1:],
        ),
    }


run_after_create(AuditEvent.__table__, append_only_ddl())
