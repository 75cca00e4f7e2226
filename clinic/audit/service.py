"""Writing and checking audit records.

``record()`` adds a row to the current transaction, so an event and the change it
describes commit together.  The row is authenticated on its own (``row_mac``) and
sealed into the chain: on PostgreSQL just after the commit, without a lock in the
request; on SQLite, whose single writer already holds the lock, as it is inserted
(``clinic.audit.sealing``).

``record_and_commit()`` is for outcomes that end the
request without other changes (a denial, a refused form): it discards anything
half-done first so a refusal can never commit a partial write.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import select

from clinic.audit.models import GENESIS_HASH, AuditEvent
from clinic.audit.sealing import (
    PENDING,
    Checkpoint,
    checkpoint_paths,
    head_statement,
    legacy_length,
    read_checkpoints,
    seal_in_place,
)
from clinic.clock import utcnow
from clinic.extensions import db


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
    if isinstance(detail, dict):
        detail = json.dumps(detail, sort_keys=True, default=str)
    event = AuditEvent(
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
        nonce=secrets.token_hex(16),
    )
    key = current_app.config["CLINIC_AUDIT_KEY"]
    event.row_mac = event.compute_row_mac(key)
    sealed = seal_in_place(db.session, event, key)  # SQLite: sealed as it is written
    db.session.add(event)
    db.session.flush()
    if not sealed:
        db.session.info[PENDING] = True  # sealed into the chain right after the commit
    return event


def last_sealed() -> tuple[int, str, int] | None:
    """(seq, hash, legacy prefix length) of the newest sealed row, or None."""
    row = db.session.execute(head_statement()).first()
    if row is None:
        return None
    return row.seq, row.hash, legacy_length(db.session, db.engine, row.seq)


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
    sealed: int = 0
    unsealed: int = 0
    newest_checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return not self.reason


def verify_chain() -> ChainReport:
    """Check the log against its hash chain, its keyed MACs and the checkpoints on disk.

    Checkpoints are read first: one written while we walk the table can only name a
    row the walk will also see.
    """
    key = current_app.config["CLINIC_AUDIT_KEY"]
    paths = checkpoint_paths(current_app.config)
    checkpoints, forged = read_checkpoints(paths, key)
    if forged:
        return ChainReport(0, None, forged[0])
    sealed = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    ).scalars()
    try:
        report = _walk_chain(sealed, key, checkpoints)
    finally:
        sealed.close()  # a server-side cursor stays open if the walk stops early
    if not report.ok:
        return report
    unsealed = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.seq.is_(None))
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    ).scalars()
    try:
        for row in unsealed:
            if row.row_mac is None or row.compute_row_mac(key) != row.row_mac:
                report.reason = f"a record awaiting sealing (id {row.id}) was altered or forged"
                return report
            report.unsealed += 1
            report.checked += 1
    finally:
        unsealed.close()
    return report


def _walk_chain(rows, key: str, checkpoints: list[Checkpoint]) -> ChainReport:
    by_seq: dict[int, Checkpoint] = {}
    for cp in checkpoints:
        by_seq.setdefault(cp.seq, cp)
    newest = max(checkpoints, key=lambda cp: cp.seq, default=None)
    # Rows past the legacy prefix must carry MACs; the prefix length is signed.
    legacy = min((cp.legacy for cp in checkpoints), default=None)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    authenticated_seen = False

    def broken(seq: int, reason: str) -> ChainReport:
        return ChainReport(checked, seq, reason, sealed=checked, newest_checkpoint=newest)

    for row in rows:
        if row.seq != expected_seq:
            return broken(expected_seq, f"record {expected_seq} is missing")
        if row.prev_hash != expected_prev:
            return broken(row.seq, f"record {row.seq} does not follow record {row.seq - 1}")
        if row.compute_hash() != row.hash:
            return broken(row.seq, f"record {row.seq} was altered")
        if row.row_mac is None:
            if authenticated_seen or (legacy is not None and row.seq > legacy):
                return broken(
                    row.seq, f"record {row.seq} lacks the authentication every record has now"
                )
        else:
            authenticated_seen = True
            if row.compute_row_mac(key) != row.row_mac or row.compute_mac(key) != row.mac:
                return broken(
                    row.seq,
                    f"record {row.seq} was altered or re-chained (its keyed MAC does not match)",
                )
        cp = by_seq.get(row.seq)
        if cp is not None and cp.hash != row.hash:
            return broken(
                row.seq, f"record {row.seq} differs from the checkpoint written at {cp.at}"
            )
        expected_prev = row.hash
        expected_seq += 1
        checked += 1
    head = expected_seq - 1
    if newest is not None and newest.seq > head:
        return broken(
            head + 1,
            f"records {head + 1} to {newest.seq} are missing: the checkpoint written at "
            f"{newest.at} ({newest.source}) saw the log reach record {newest.seq}",
        )
    if newest is None and authenticated_seen:
        return broken(
            head,
            "no checkpoint found (looked in "
            + ", ".join(str(p) for p in checkpoint_paths(current_app.config))
            + "): removal of the newest records cannot be ruled out",
        )
    return ChainReport(checked, sealed=checked, newest_checkpoint=newest)
