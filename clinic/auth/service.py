"""Creating staff accounts, shared by the admin pages, first-run setup and the CLI."""

from __future__ import annotations

from sqlalchemy import select

from clinic.audit.service import record
from clinic.auth.models import User
from clinic.extensions import db


def username_taken(username: str) -> bool:
    return db.session.scalars(select(User).where(User.username == username)).first() is not None


def create_user(
    username: str,
    *,
    display_name: str,
    role: str,
    password: str,
    credentials: str = "",
    via: str = "admin page",
) -> User:
    """Add a staff account and its audit record to the current transaction.

    The caller has already checked the password policy and that the name is free,
    and commits.
    """
    user = User(username=username, display_name=display_name, role=role, credentials=credentials)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(
        "user.create",
        object_type="user",
        object_id=user.id,
        username="cli" if via == "cli" else None,
        detail={"username": username, "role": role, "via": via},
    )
    return user
