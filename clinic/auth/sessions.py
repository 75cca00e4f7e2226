"""Server-side staff sessions: loading, idle timeout, revocation, safe redirects."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_login import login_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from clinic.audit.service import record
from clinic.auth.models import FormDraft, StaffSession, User, token_digest
from clinic.clock import utcnow
from clinic.extensions import db, login_manager

# Fields never kept in a draft: secrets must not be stored, and re-typing them is cheap.
_SECRET_FIELD = re.compile(r"pass|pwd|secret|token|otp|pin$", re.IGNORECASE)

# last_seen is written at most this often, so a page full of requests costs one write.
_TOUCH_EVERY = dt.timedelta(seconds=20)


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["CLINIC_IDLE_TIMEOUT_MINUTES"])


def absolute_limit() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["CLINIC_SESSION_MAX_HOURS"])


def find_session(token: str | None) -> tuple[StaffSession | None, str]:
    """Return the session row and one of ``ok``, ``expired``, ``revoked``, ``unknown``."""
    if not token:
        return None, "unknown"
    # The user comes in the same query: every signed-in request needs both.
    row = db.session.scalars(
        select(StaffSession)
        .where(StaffSession.token_hash == token_digest(token))
        .options(joinedload(StaffSession.user))
    ).first()
    if row is None:
        return None, "unknown"
    if row.revoked_at is not None or not row.user.active:
        return row, "revoked"
    now = utcnow()
    # However active, a session ends after the absolute lifetime (a shift, by default).
    if now - row.last_seen > idle_limit() or now - row.created_at > absolute_limit():
        return row, "expired"
    return row, "ok"


@login_manager.user_loader
def load_user(token: str) -> User | None:
    row, status = find_session(token)
    g.session_status = status
    if status != "ok":
        return None
    now = utcnow()
    if now - row.last_seen > _TOUCH_EVERY:
        row.last_seen = now
        db.session.commit()
    user = row.user
    user.session_token = token
    return user


def start_session(user: User) -> None:
    """Sign ``user`` in with a brand-new session id (never reuse the old cookie's)."""
    session.clear()
    token = StaffSession.new_token()
    db.session.add(
        StaffSession(token_hash=token_digest(token), user_id=user.id, ip=request.remote_addr or "")
    )
    user.session_token = token
    login_user(user)
    session.permanent = True


def revoke_sessions(user_id: int, *, except_token: str | None = None) -> None:
    stmt = update(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)
    )
    if except_token:
        stmt = stmt.where(StaffSession.token_hash != token_digest(except_token))
    db.session.execute(stmt.values(revoked_at=utcnow()))


def safe_next(target: str | None) -> str | None:
    """Accept only a path on this site: no scheme, no host, no backslash tricks."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


def _keep_timed_out_post():
    """A POST arriving after the idle timeout: keep what was typed, ask to sign in again.

    Only a POST carrying a valid CSRF token for this browser session is kept, so
    another site cannot plant a draft.
    """
    if request.method != "POST" or request.blueprint == "auth" or request.is_json:
        return None
    token = session.get("_user_id")
    if not token:
        return None
    row, status = find_session(token)
    if status != "expired":
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except CSRFError:
        return None
    except Exception:  # noqa: BLE001 -- any invalid token simply means "do not keep"
        return None
    data = [(k, v) for k, v in request.form.items(multi=True) if not _SECRET_FIELD.search(k)]
    db.session.add(FormDraft(user_id=row.user_id, path=request.path, data=json.dumps(data)))
    row.revoked_at = utcnow()
    record("form.draft_saved", user=row.user, object_type="page", object_id=request.path)
    record("auth.timeout", user=row.user)
    db.session.commit()
    session.clear()
    flash(
        "You were signed out after a period of inactivity. What you typed has been kept: "
        "sign in to continue.",
        "warning",
    )
    return redirect(url_for("auth.login", next=request.path))


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # our server-side tokens do this job
    # Must run before CSRFProtect's own check so a timed-out POST is kept, not refused.
    app.before_request(_keep_timed_out_post)
