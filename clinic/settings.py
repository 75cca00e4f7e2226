"""Clinic-wide settings an administrator can change in the app.

The environment gives defaults; a row in ``clinic_settings`` overrides them.  Values
are stored as JSON so numbers and booleans keep their type.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from clinic.extensions import db

CLINIC_DETAILS = {
    "clinic.name": ("CLINIC_NAME", "Clinic name"),
    "clinic.address": ("CLINIC_ADDRESS", "Address"),
    "clinic.phone": ("CLINIC_PHONE", "Phone"),
    "clinic.npi": ("CLINIC_NPI", "Group NPI"),
}


class Setting(db.Model):
    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


def _stored() -> dict[str, str]:
    """Every stored setting, read once per request (the table holds a few dozen rows).

    A page asks for many settings, most of them never stored; reading them one key at
    a time cost a query each.  The copy lives on the request object only, so a change
    is seen by the very next request.
    """
    if not has_request_context():
        return {s.key: s.value for s in db.session.scalars(select(Setting))}
    stored = request.__dict__.get("_clinic_settings")
    if stored is None:
        stored = {s.key: s.value for s in db.session.scalars(select(Setting))}
        request.__dict__["_clinic_settings"] = stored
    return stored


def get_setting(key: str, default: Any = None) -> Any:
    value = _stored().get(key)
    if value is None:
        return default
    return json.loads(value)


def set_setting(key: str, value: Any) -> None:
    row = db.session.get(Setting, key)
    encoded = json.dumps(value)
    if row is None:
        db.session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded
    if has_request_context() and "_clinic_settings" in request.__dict__:
        request.__dict__["_clinic_settings"][key] = encoded


def clinic_details() -> dict[str, str]:
    """Name, address, phone and NPI for printed documents."""
    stored = {
        s.key: json.loads(s.value)
        for s in db.session.scalars(select(Setting).where(Setting.key.in_(CLINIC_DETAILS)))
    }
    return {
        key.split(".", 1)[1]: stored.get(key, current_app.config.get(env_key, ""))
        for key, (env_key, _label) in CLINIC_DETAILS.items()
    }
