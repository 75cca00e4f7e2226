"""Checking a staff password anywhere in the app: sign-in, password change, note signing.

One budget of wrong guesses per account (and one per client address) covers all
three, so a stolen session cannot guess the password on the signing form after the
login form locked.  The wait grows with each counted failure up to a cap
(:mod:`clinic.auth.backoff`); attempts while locked are refused without being
counted, so they cannot keep staff out; a success or an administrator's unlock
starts the account's count afresh.

Unknown and deactivated accounts cost the same as real ones: their password is
checked against a dummy hash, so response time does not reveal which names exist.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from clinic.audit.service import client_address, record
from clinic.auth.backoff import locked_until
from clinic.auth.models import LoginAttempt, User
from clinic.clock import utcnow
from clinic.extensions import db

LOCKED_MESSAGE = "Too many wrong passwords. Wait a few minutes, then try again."
WRONG_MESSAGE = "That password is not right."
UNLOCK = "unlock"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Same method and cost as real account hashes (User.set_password).
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def password_matches(user: User | None, password: str) -> bool:
    """Check ``password``, paying the full hashing cost even when there is no such user."""
    usable = user is not None and user.active
    stored = user.password_hash if usable else _dummy_hash()
    return check_password_hash(stored, password) and usable


def _limits():
    cfg = current_app.config
    base = dt.timedelta(seconds=cfg["CLINIC_LOGIN_LOCK_SECONDS"])
    cap = dt.timedelta(minutes=cfg["CLINIC_LOGIN_LOCK_MAX_MINUTES"])
    # Failures older than the window plus the longest wait no longer matter.
    lookback = dt.timedelta(minutes=cfg["CLINIC_LOGIN_WINDOW_MINUTES"]) + cap
    return base, cap, lookback


def lock_end(username: str, ip: str | None) -> dt.datetime | None:
    """When sign-in for ``username`` from ``ip`` unlocks, or None when it is not locked.

    ``ip`` None asks about the account alone (the admin page).
    """
    cfg = current_app.config
    base, cap, lookback = _limits()
    now = utcnow()
    since = now - lookback
    last_reset = db.session.scalar(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(True)
        )
    )
    account_since = max(since, last_reset) if last_reset else since
    failed = select(LoginAttempt.at).where(LoginAttempt.success.is_(False))
    by_account = db.session.scalars(
        failed.where(LoginAttempt.username == username, LoginAttempt.at > account_since)
    ).all()
    by_address = (
        db.session.scalars(failed.where(LoginAttempt.ip == ip, LoginAttempt.at > since)).all()
        if ip is not None
        else []
    )
    ends = [
        locked_until(by_account, cfg["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"], base, cap),
        locked_until(by_address, cfg["CLINIC_LOGIN_MAX_FAILURES_PER_ADDRESS"], base, cap),
    ]
    end = max((e for e in ends if e is not None), default=None)
    return end if end is not None and end > now else None


def note_attempt(username: str, success: bool, purpose: str) -> None:
    db.session.add(
        LoginAttempt(username=username, ip=client_address()[:64], success=success, purpose=purpose)
    )


def unlock(user: User) -> None:
    """An administrator's unlock: the account's failures so far stop counting."""
    db.session.add(
        LoginAttempt(username=user.username, ip=client_address()[:64], success=True, purpose=UNLOCK)
    )


@dataclass(frozen=True)
class PasswordCheck:
    """The answer of :func:`verify_staff_password`; true when the password was right."""

    ok: bool
    locked: bool = False
    message: str = ""

    def __bool__(self) -> bool:
        return self.ok


def verify_staff_password(user: User, password: str, purpose: str) -> PasswordCheck:
    """Re-check a signed-in staff member's password, rate-limited and audited like sign-in.

    ``purpose`` names the form in the audit log (e.g. ``"note signing"``).  On a
    refusal the current transaction is rolled back (nothing half-done is kept), the
    failure is committed, and ``message`` says what to show on the form; on success
    nothing is committed, the caller carries on and commits its own change.
    """
    username = user.username
    user_id = user.id
    if lock_end(username, client_address()) is not None:
        db.session.rollback()
        record(
            "auth.reauth_failed",
            user=db.session.get(User, user_id),
            outcome="denied",
            detail={"purpose": purpose, "reason": "rate limited"},
        )
        db.session.commit()
        return PasswordCheck(False, locked=True, message=LOCKED_MESSAGE)
    if password_matches(user, password):
        note_attempt(username, True, purpose)
        return PasswordCheck(True)
    db.session.rollback()
    note_attempt(username, False, purpose)
    record(
        "auth.reauth_failed",
        user=db.session.get(User, user_id),
        outcome="failure",
        detail={"purpose": purpose, "reason": "wrong password"},
    )
    db.session.commit()
    return PasswordCheck(False, message=WRONG_MESSAGE)
