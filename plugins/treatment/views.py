"""The treatment blueprint.  Routes live in views_plans, views_notes, views_signing
and views_progress."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("treatment", __name__, template_folder="templates", static_folder="static")

from plugins.treatment import views_notes, views_plans, views_progress, views_signing  # noqa: E402, F401 -- registers routes
