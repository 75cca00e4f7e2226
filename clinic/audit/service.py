"""Writing and checking audit records.

``record()`` adds a row to the current transaction, so an event and the change it
describes commit together.  ``record_and_commit()`` is for outcomes that end the
request without other changes (a denial, a refused form): it discards anything
half-done first so a refusal can never commit a partial write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import select, text

from clinic.audit.models import GENESIS_HASH, AuditEvent
from clinic.clock import utcnow
from clinic.extensions import db

# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
_PG_CHAIN_LOCK = 7_346_001


class UndeclaredAuditEvent(ValueError):
    pass


def declared_event_types() -> dict[str, str]:
    registry = current_app.extensions["clinic"]
    return {t.name: t.description for t in registry.collect("audit_event_types")}


def client_address() -> str:
    if not has_request_context():
        return "cli"
    return request.remote_addr or ""


def record(
    event_type: str,
    *,
    patient_id: int | None = None,
    object_type: str = "",
    object_id: Any = "",
    outcome: str = "success",
    detail: dict | str | None = None,
    user=None,
    username: str | None = None,
) -> AuditEvent:
    if event_type not in declared_event_types():
        raise UndeclaredAuditEvent(f"audit event type {event_type!r} is not declared by any hook")
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_CHAIN_LOCK})
    # On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE).
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    if isinstance(detail, dict):
        detail = json.dumps(detail, sort_keys=True, default=str)
    event = AuditEvent(
        seq=seq,
        at=utcnow(),
        user_id=user.id if user is not None else None,
        username=username if username is not None else (user.username if user else ""),
        event_type=event_type,
        patient_id=patient_id,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else "",
        outcome=outcome,
        ip=client_address(),
        detail=detail or "",
        prev_hash=prev_hash,
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    return event


def record_and_commit(event_type: str, **kwargs) -> None:
    db.session.rollback()
    record(event_type, **kwargs)
    db.session.commit()


def record_denied(permission: str, path: str, view_args: dict) -> None:
    patient_id = view_args.get("patient_id")
    record_and_commit(
        "access.denied",
        patient_id=patient_id if isinstance(patient_id, int) else None,
        outcome="denied",
        detail={"permission": permission, "path": path},
    )


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    rows = db.session.execute(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    ).scalars()
    try:
        return _walk_chain(rows)
    finally:
        rows.close()  # a server-side cursor stays open if the walk stops early


def _walk_chain(rows) -> ChainReport:
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for row in rows:
        if row.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"record {expected_seq} is missing")
        if row.prev_hash != expected_prev:
            return ChainReport(
                checked, row.seq, f"record {row.seq} does not follow record {row.seq - 1}"
            )
        if row.compute_hash() != row.hash:
            return ChainReport(checked, row.seq, f"record {row.seq} was altered")
        expected_prev = row.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked)
