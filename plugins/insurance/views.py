"""The insurance blueprint.  Routes live in views_coverage, views_claims, views_exports and
views_necessity."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("insurance", __name__, template_folder="templates", static_folder="static")

from plugins.insurance import (  # noqa: E402, F401 -- registers routes
    views_claims,
    views_coverage,
    views_exports,
    views_necessity,
)
