"""Anonymous refusals: every attempt counted, only a bounded number written to the log.

A script can send thousands of bad tablet codes, forged forms or wrong passwords an
hour.  Writing an audit row for each would let it bury the real events (and fill the
disk), so each refusal increments a counter per event type, client address and hour
(``audit_refusal_counts``) and a row is written only:

* for the first ``CLINIC_REFUSALS_LOGGED_PER_ADDRESS`` refusals from one address in
  the hour, while the hour's total is within ``CLINIC_REFUSALS_LOGGED_PER_HOUR``; then
* when a count reaches a milestone (100, 1,000, 10,000 … from one address, or in
  total), so the log still shows the size of a flood.

Each row carries both counts, so the log says how many attempts it summarises.
Refusals by a signed-in user are not anonymous and are always logged in full.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_request_context
from flask_login import current_user

from clinic.audit.models import RefusalCount
from clinic.audit.service import client_address, record
from clinic.clock import utcnow
from clinic.extensions import db

ALL_SOURCES = "*"


def is_milestone(count: int) -> bool:
    """100, 1,000, 10,000, …"""
    if count < 100:
        return False
    while count % 10 == 0:
        count //= 10
    return count == 1


def _increment(event_type: str, source: str, hour: dt.datetime) -> int:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RefusalCount.__table__
    stmt = (
        insert(table)
        .values(event_type=event_type, source=source, hour=hour, count=1)
        .on_conflict_do_update(
            index_elements=["event_type", "source", "hour"],
            set_={"count": table.c.count + 1},
        )
        .returning(table.c.count)
    )
    return db.session.execute(stmt).scalar_one()


def record_refusal(event_type: str, **kwargs) -> bool:
    """Count a refusal and log it when the limits allow; return whether a row was written."""
    if has_request_context() and current_user.is_authenticated:
        record(event_type, **kwargs)
        return True
    now = utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    address = client_address()[:64]
    from_address = _increment(event_type, address, hour)
    total = _increment(event_type, ALL_SOURCES, hour)
    config = current_app.config
    in_full = (
        from_address <= config["CLINIC_REFUSALS_LOGGED_PER_ADDRESS"]
        and total <= config["CLINIC_REFUSALS_LOGGED_PER_HOUR"]
    )
    if not (in_full or is_milestone(from_address) or is_milestone(total)):
        return False
    detail = kwargs.pop("detail", None)
    detail = dict(detail) if isinstance(detail, dict) else {"detail": detail} if detail else {}
    detail.update(attempts_from_address_this_hour=from_address, attempts_this_hour=total)
    if not in_full:
        detail["logging"] = "sampled: every attempt is counted, milestones are logged"
    record(event_type, detail=detail, **kwargs)
    return True


def record_refusal_and_commit(event_type: str, **kwargs) -> None:
    """Discard anything half-done, count (and maybe log) the refusal, commit."""
    db.session.rollback()
    record_refusal(event_type, **kwargs)
    db.session.commit()
