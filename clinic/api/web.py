"""The Flask-bound half of the public plugin API (see :mod:`clinic.api`).

Plugins never import this module by name: :mod:`clinic.api` re-exports all of it,
lazily, so that importing :mod:`clinic.api.pure` from a plain rule module never
loads Flask.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy import update

from clinic.audit.models import AuditEvent
from clinic.audit.refusals import record_refusal, record_refusal_and_commit
from clinic.audit.service import record, record_and_commit
from clinic.auth.lockout import PasswordCheck, verify_staff_password
from clinic.auth.models import StaffSession, User, token_digest
from clinic.auth.sessions import safe_next
from clinic.charts import line_chart_svg
from clinic.clock import utcnow
from clinic.database import append_only_ddl, drop_append_only_ddl, run_after_create
from clinic.extensions import db
from clinic.forms import ClinicForm, choices, take_draft
from clinic.localtime import clinic_day_start, clinic_zone, local_time, to_local
from clinic.memo import peek, per_request
from clinic.patients.lookup import patient_or_404, patient_record_or_404
from clinic.patients.models import Patient
from clinic.pdf import (
    PdfError,
    PdfTimeout,
    asset_roots,
    join_pdfs,
    pdf_bytes_response,
    pdf_response,
    render_html,
    render_many,
    render_pdf,
    render_pdf_html,
)
from clinic.permissions import (
    ADMIN,
    BILLING,
    FRONT_DESK,
    ROLES,
    THERAPIST,
    Permission,
    public,
    require,
    signed_in,
    user_can,
)
from clinic.plugins import PluginManifest, plugin_logger
from clinic.security import csv_cell
from clinic.settings import clinic_details

__all__ = [
    "ADMIN",
    "BILLING",
    "FRONT_DESK",
    "ROLES",
    "THERAPIST",
    "AuditEvent",
    "ClinicForm",
    "Patient",
    "PdfError",
    "PasswordCheck",
    "PdfTimeout",
    "Permission",
    "PluginManifest",
    "User",
    "append_only_ddl",
    "asset_roots",
    "choices",
    "clinic_details",
    "clinic_day_start",
    "clinic_zone",
    "collect",
    "csv_cell",
    "db",
    "drop_append_only_ddl",
    "end_current_staff_session",
    "join_pdfs",
    "line_chart_svg",
    "local_time",
    "logger",
    "patient_or_404",
    "patient_record_or_404",
    "pdf_bytes_response",
    "pdf_response",
    "peek",
    "per_request",
    "public",
    "record",
    "record_and_commit",
    "record_refusal",
    "record_refusal_and_commit",
    "render_html",
    "render_many",
    "render_pdf",
    "render_pdf_html",
    "require",
    "run_after_create",
    "safe_next",
    "setting",
    "signed_in",
    "take_draft",
    "to_local",
    "user_can",
    "verify_staff_password",
]


def _registry():
    return current_app.extensions["clinic"]


def collect(hook_name: str, **kwargs) -> list:
    """Call a hook on every enabled plugin and return the flattened contributions.

    This is how one plugin asks another for something (e.g. the treatment plugin asks
    ``patient_safety_flags``) without importing it: if no plugin answers, the list is
    empty.
    """
    return _registry().collect(hook_name, **kwargs)


def setting(name: str) -> Any:
    """A plugin setting by its dotted name, e.g. ``setting("intake.token_minutes")``.

    The value is the administrator's stored choice, else ``CLINIC_<PLUGIN>_<SETTING>``
    from the environment, else the manifest default.  An unknown name raises
    ``KeyError`` naming it.
    """
    plugin, sep, key = name.partition(".")
    settings = _registry().settings
    if not sep or plugin not in settings or key not in settings[plugin]:
        raise KeyError(f"unknown plugin setting {name!r}")
    return _registry().setting(plugin, key)


def logger(plugin: str) -> logging.Logger:
    """The plugin's own logger, ``clinic.plugins.<name>`` (the core logs its start there)."""
    return plugin_logger(plugin)


def end_current_staff_session(reason: str) -> None:
    """Sign this browser's staff user out server-side (e.g. before handing a tablet over).

    Only this browser's session ends; the user's other devices stay signed in.  The
    logout is audited with ``reason``.  The caller commits.
    """
    token = getattr(current_user, "session_token", None)
    if token:
        db.session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_digest(token))
            .values(revoked_at=utcnow())
        )
    record("auth.logout", detail={"reason": reason})
