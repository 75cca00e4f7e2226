"""Response headers that every page gets, and the spreadsheet-formula guard for CSV exports."""

from __future__ import annotations

from flask import Flask, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static" and not (
        request.blueprint and request.path.startswith(f"/{request.blueprint}/static/")
    ):
        # Pages may show patient data: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store, private"
        response.headers.setdefault("Pragma", "no-cache")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)


def csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is shown as text.

    Every CSV export (the audit log, a plugin's claim export) writes its cells through
    this, so a value someone typed can never run as a formula when the file is opened.
    """
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
