"""Sealing audit rows into the chain, and the signed checkpoints kept outside the database.

Why a separate step: extending a hash chain needs the previous row's hash, so every
append must wait for the one before it.  When the request itself did that, every
audited request (chart views included) queued behind one lock for the rest of its
transaction.  Now a request only inserts its row (authenticated by ``row_mac``, so it
is protected from the moment it exists) and, right after its commit, runs a short
transaction that seals whatever is pending.  On PostgreSQL that transaction only
*tries* the lock: if another process is sealing, that process will find our row.

On SQLite there is only one writer at a time: a transaction that appends an audit
row already holds the database's write lock until it commits.  There the row is
sealed as it is inserted (:func:`seal_in_place`), in the same transaction, which
saves the second transaction and leaves no window in which the row is unsealed; the
checkpoint line is written once the commit has succeeded.  Rows that were left
pending anyway (written before the upgrade, or by a process stopped mid-way) are
sealed first by the after-commit step, and a transaction that finds any keeps its
own rows pending too, so the chain stays in order of insertion.

On PostgreSQL a request first *tries* the lock inside its own transaction: when it is
free the row is sealed as it is inserted, the same way, and the lock is let go at the
commit; when it is busy the row is left pending and sealed after the commit, as
below.  No request ever waits for the lock.

Why no row is left behind: a sealer that loses the try-lock has already committed
its row; the holder, after committing its own batch (or its own request, when it
sealed in place), looks again and seals until it finds nothing pending (or another
sealer holds the lock, and that one took the lock after our row was committed, so it
sees the row).

A checkpoint line (chain head sequence, hash, legacy prefix length, time, HMAC) is
appended after each seal to ``CLINIC_AUDIT_CHECKPOINT_FILE`` and, when set,
``CLINIC_AUDIT_CHECKPOINT_COPY``; ``audit verify`` holds the database to them.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from clinic.audit.models import GENESIS_HASH, AuditEvent, keyed_mac
from clinic.clock import utcnow

log = logging.getLogger(__name__)

# Arbitrary constant naming the PostgreSQL advisory lock held while sealing.
PG_SEAL_LOCK = 7_346_001
PENDING = "clinic_audit_pending"
_BATCH = 500
_MAX_ROUNDS = 20  # under sustained load the next request's seal picks up the rest

_last_checkpoint: dict[str, float] = {}
_legacy_prefix: dict[str, int] = {}


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    legacy: int
    at: str
    source: str

    @staticmethod
    def message(seq: int, hash_: str, legacy: int, at: str) -> str:
        return f"{seq}|{hash_}|{legacy}|{at}"


def checkpoint_paths(config) -> list[Path]:
    paths = [config.get("CLINIC_AUDIT_CHECKPOINT_FILE"), config.get("CLINIC_AUDIT_CHECKPOINT_COPY")]
    return [Path(p) for p in paths if p]


def legacy_length(session: Session, engine: Engine, head: int) -> int:
    """How many leading rows predate the audit key (they carry no row_mac).

    Fixed once the first authenticated row exists, so it is looked up once per process.
    """
    cache_key = str(engine.url)
    if cache_key in _legacy_prefix:
        return _legacy_prefix[cache_key]
    first = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.row_mac.is_not(None)))
    if first is None:
        return head
    _legacy_prefix[cache_key] = first - 1
    return first - 1


def head_statement():
    """The newest sealed row's seq and hash (the row the next one is chained onto)."""
    return (
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )


def _waiting_statement():
    """Any one row still awaiting sealing."""
    return select(AuditEvent.id).where(AuditEvent.seq.is_(None)).limit(1)


def _try_lock(session: Session) -> bool:
    """PostgreSQL: take the sealing lock for this transaction if nobody holds it."""
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": PG_SEAL_LOCK}))


def _chain(row: AuditEvent, seq: int, prev_hash: str, key: str) -> None:
    """Make ``row`` record ``seq`` of the chain, following the row whose hash is given."""
    row.seq, row.prev_hash = seq, prev_hash
    row.hash = row.compute_hash()
    row.mac = row.compute_mac(key)


def seal_pending(engine: Engine, key: str, paths: list[Path], *, every_seconds: int = 0) -> int:
    """Seal every pending row into the chain; return how many were sealed."""
    total = 0
    for _ in range(_MAX_ROUNDS):
        with Session(engine) as session, session.begin():
            # On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE).
            if engine.dialect.name == "postgresql" and not _try_lock(session):
                return total
            pending = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq.is_(None))
                .order_by(AuditEvent.id)
                .limit(_BATCH)
            ).all()
            if not pending:
                return total
            last = session.execute(head_statement()).first()
            seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
            legacy = legacy_length(session, engine, seq)
            for row in pending:
                seq += 1
                _chain(row, seq, prev_hash, key)
                prev_hash = row.hash
        total += len(pending)
        write_checkpoint(paths, key, seq, prev_hash, legacy, every_seconds=every_seconds)
        # On SQLite every sealer waits for the write lock instead of giving up, so each
        # request's own round finds its row: look again only if the batch was full.
        # (On PostgreSQL a sealer that lost the try-lock counts on us to look again.)
        if engine.dialect.name == "sqlite" and len(pending) < _BATCH:
            return total
    return total


def write_checkpoint(
    paths: list[Path], key: str, seq: int, hash_: str, legacy: int, *, every_seconds: int = 0
) -> None:
    """Append one signed line per path; a failing location is logged, never fatal."""
    now = time.monotonic()
    at = utcnow().isoformat(timespec="seconds") + "Z"
    mac = keyed_mac(key, "checkpoint", Checkpoint.message(seq, hash_, legacy, at))
    line = json.dumps({"seq": seq, "hash": hash_, "legacy": legacy, "at": at, "mac": mac})
    for path in paths:
        if every_seconds and now - _last_checkpoint.get(str(path), -1e9) < every_seconds:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())  # one write: lines never interleave
            finally:
                os.close(fd)
            _last_checkpoint[str(path)] = now
        except OSError as exc:
            log.error("could not write an audit checkpoint to %s: %s", path, exc)


def read_checkpoints(paths: list[Path], key: str) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint in ``paths``, and a description of each line that is not genuine."""
    found: list[Checkpoint] = []
    problems: list[str] = []
    for path in paths:
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                cp = Checkpoint(
                    int(data["seq"]), str(data["hash"]), int(data["legacy"]), str(data["at"]), ""
                )
                expected = keyed_mac(
                    key, "checkpoint", Checkpoint.message(cp.seq, cp.hash, cp.legacy, cp.at)
                )
                genuine = isinstance(data.get("mac"), str) and _equal(expected, data["mac"])
            except (ValueError, KeyError, TypeError):
                genuine = False
            if not genuine:
                problems.append(f"{path} line {number} is not a checkpoint signed with our key")
                continue
            found.append(Checkpoint(cp.seq, cp.hash, cp.legacy, cp.at, f"{path} line {number}"))
    return found, problems


def _equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


SEALED_HEAD = "clinic_audit_sealed_head"


class SealedHead(NamedTuple):
    """What a transaction that sealed rows in place must do once it ends: write this
    checkpoint (``seq`` None: none to write) and, when it held PostgreSQL's sealing
    lock, look for rows others left waiting."""

    seq: int | None
    hash: str | None
    legacy: int | None
    held_pg_lock: bool


def seal_in_place(session: Session, event: AuditEvent, key: str) -> bool:
    """Seal ``event`` (not yet added) into the chain inside the current transaction.

    Only when this transaction alone may extend the chain until it commits: on SQLite
    reading the chain head takes the write lock, which the transaction keeps; on
    PostgreSQL the sealing lock is *tried* (never waited for) and, when free, held
    until the commit.  Returns False, and the caller leaves the row pending for the
    step after the commit, when the lock is busy, when earlier rows wait to be sealed
    (the chain keeps their order), or when this transaction already left one pending.
    """
    engine = session.get_bind()
    postgresql = engine.dialect.name == "postgresql"
    if session.info.get(PENDING):
        return False
    if postgresql and not _try_lock(session):
        return False
    waiting = _waiting_statement()
    # The chain head and whether any row waits, in one statement.
    head = session.execute(
        head_statement().add_columns(waiting.scalar_subquery().label("waiting"))
    ).first()
    if head.waiting if head else session.scalar(waiting):
        return False
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    _chain(event, seq + 1, prev_hash, key)
    legacy = legacy_length(session, engine, seq)
    session.info[SEALED_HEAD] = SealedHead(event.seq, event.hash, legacy, postgresql)
    return True


def _left_waiting(engine: Engine) -> bool:
    """Whether any committed row awaits sealing (one short read)."""
    with engine.connect() as connection:
        return connection.execute(_waiting_statement()).first() is not None


def seal_now() -> int:
    """Seal pending rows from the current app (CLI, tests, after a commit)."""
    from clinic.extensions import db

    config = current_app.config
    return seal_pending(
        db.engine,
        config["CLINIC_AUDIT_KEY"],
        checkpoint_paths(config),
        every_seconds=config.get("CLINIC_AUDIT_CHECKPOINT_SECONDS", 0),
    )


@event.listens_for(Session, "after_commit")
def _seal_after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its rows commit (or not) with the transaction
    sealed_head = session.info.pop(SEALED_HEAD, None)
    pending = session.info.pop(PENDING, False)
    if not has_app_context():
        return
    if sealed_head is not None and sealed_head.seq is not None:
        config = current_app.config
        write_checkpoint(
            checkpoint_paths(config),
            config["CLINIC_AUDIT_KEY"],
            sealed_head.seq,
            sealed_head.hash,
            sealed_head.legacy,
            every_seconds=config.get("CLINIC_AUDIT_CHECKPOINT_SECONDS", 0),
        )
    try:
        # On PostgreSQL another request may have found the lock held by us and left
        # its row pending, counting on the holder to look again once it lets go.
        if sealed_head is not None and sealed_head.held_pg_lock and not pending:
            from clinic.extensions import db

            pending = _left_waiting(db.engine)
        if pending:
            seal_now()
    except Exception:  # noqa: BLE001 -- the event is committed; the next commit seals it
        log.exception("sealing the audit log failed; pending rows will be sealed later")


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    # Rows sealed in place in a transaction that did not commit never existed: no
    # checkpoint may name them.  (A rolled-back savepoint only undoes its own rows:
    # then the chain head of the transaction is read again on the next record.)
    sealed_head = session.info.pop(SEALED_HEAD, None)
    if previous_transaction.nested:
        if sealed_head is not None and sealed_head.held_pg_lock:
            # The transaction goes on and may still hold the lock: it looks for
            # waiting rows when it ends, but names no row in a checkpoint.
            session.info[SEALED_HEAD] = SealedHead(None, None, None, True)
        return
    if sealed_head is None or not sealed_head.held_pg_lock or not has_app_context():
        return
    # We held PostgreSQL's sealing lock: a request that found it busy counts on us
    # to look for its row.
    from clinic.extensions import db

    try:
        if _left_waiting(db.engine):
            seal_now()
    except Exception:  # noqa: BLE001 -- the next audited commit or `audit seal` seals it
        log.exception("sealing the audit log after a rollback failed")
