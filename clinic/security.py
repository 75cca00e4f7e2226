"""Response headers that every page gets, which proxy headers to believe, and the
spreadsheet-formula guard for CSV exports."""

from __future__ import annotations

import ipaddress

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Browsers keep using HTTPS for a year once they have seen this over HTTPS.
HSTS = "max-age=31536000; includeSubDomains"

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
    if request.is_secure:  # sent over plain HTTP it would be ignored (and could mislead)
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static" and not (
        request.blueprint and request.path.startswith(f"/{request.blueprint}/static/")
    ):
        # Pages may show patient data: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store, private"
        response.headers.setdefault("Pragma", "no-cache")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_headers)


class TrustedProxyFix:
    """Believe ``X-Forwarded-For``/``-Proto`` only when the request comes from our proxy.

    Werkzeug's ProxyFix trusts the headers of whoever connects; behind a proxy that is
    right, but a client that reaches the app directly could then pick its own address
    and dodge the per-address sign-in limit.  ``CLINIC_TRUSTED_PROXIES`` lists the
    proxies' addresses or networks; with none listed, the headers are ignored.
    """

    def __init__(self, wsgi_app, proxies: list[str]):
        self.direct = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=1, x_proto=1, x_host=0, x_port=0, x_prefix=0)
        self.networks = [ipaddress.ip_network(p, strict=False) for p in proxies]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.networks and self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.direct(environ, start_response)


def trust_proxies(app: Flask) -> None:
    proxies = app.config.get("CLINIC_TRUSTED_PROXIES") or []
    try:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, proxies)
    except ValueError as exc:
        raise RuntimeError(f"CLINIC_TRUSTED_PROXIES: {exc}") from exc


def csv_cell(value) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is shown as text.

    Every CSV export (the audit log, a plugin's claim export) writes its cells through
    this, so a value someone typed can never run as a formula when the file is opened.
    """
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
