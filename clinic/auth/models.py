"""Staff accounts and their server-side sessions.

The signed cookie only carries a random session token.  The token's SHA-256 is kept
in ``staff_sessions``; logging out, changing a password or deactivating an account
revokes the rows, so a copied cookie stops working at once on every worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from clinic.clock import utcnow as _utcnow
from clinic.extensions import db


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(120), nullable=False)
    credentials: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_utcnow)

    sessions: Mapped[list[StaffSession]] = relationship(back_populates="user")

    # Set by the user loader: the token of the session this request belongs to.
    session_token = None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str | None:
        return self.session_token

    def can(self, permission: str) -> bool:
        from clinic.permissions import user_can

        return user_can(self, permission)

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class StaffSession(db.Model):
    __tablename__ = "staff_sessions"
    data_version_neutral = True  # sign-in bookkeeping, not shown on a chart

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    user: Mapped[User] = relationship(back_populates="sessions")

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class LoginAttempt(db.Model):
    """Password checks (sign-in, password change, note signing) for rate limiting.

    Shared by all workers.  A success (or an administrator's unlock, ``purpose``
    ``unlock``) starts the account's failure count afresh.  Attempts refused because
    the account or address was already locked are not stored here, so they cannot
    stretch the lock; they are counted in ``audit_refusal_counts``.
    """

    __tablename__ = "login_attempts"
    data_version_neutral = True  # rate-limit bookkeeping, not shown on a chart

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    ip: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_utcnow, index=True)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False, default="login")


class FormDraft(db.Model):
    """What a user had typed into a form when their session timed out.

    Kept per user and page, handed back once after they sign in again, then deleted.
    """

    __tablename__ = "form_drafts"
    data_version_neutral = True  # typed text kept over a time-out, not shown on a chart

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    path: Mapped[str] = mapped_column(String(400), nullable=False)
    data: Mapped[str] = mapped_column(Text, nullable=False)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_utcnow)
