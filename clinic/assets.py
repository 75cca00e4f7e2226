"""Static files: fingerprinted URLs and long-lived browser caching.

``url_for("static", filename=...)`` -- and every plugin's ``<name>.static`` -- gains
``?v=`` followed by the start of the file's SHA-256.  A request carrying the file's
current fingerprint is answered with a one-year, immutable ``Cache-Control``, so a
browser asks for the style sheet and scripts once instead of on every page; a new
release changes the fingerprint and so the URL.  A request with an old or no
fingerprint keeps Flask's default (revalidate every time).  Static files are packaged
code and pictures, never patient data, so caching them is safe.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG

from flask import Flask, request

ONE_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=512)
def _digest(path: str, _mtime_ns: int, _size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


@lru_cache(maxsize=512)
def _inside(folder: str, filename: str) -> str | None:
    """``filename`` resolved inside ``folder``, or None if it would leave it.

    Resolving walks every path component on disk; a page links the same few assets on
    every request, so the answer is kept (whether the file exists is checked each time).
    """
    root = Path(folder).resolve()
    path = (root / filename).resolve()
    return str(path) if path.is_relative_to(root) else None


def fingerprint(folder: str | None, filename: str | None) -> str | None:
    """The file's fingerprint, recomputed only when the file changes on disk."""
    if not folder or not filename:
        return None
    path = _inside(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


def _static_folder(app: Flask, endpoint: str | None) -> str | None:
    if endpoint == "static":
        return app.static_folder
    if endpoint and endpoint.endswith(".static"):
        blueprint = app.blueprints.get(endpoint.rsplit(".", 1)[0])
        return blueprint.static_folder if blueprint else None
    return None


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _add_fingerprint(endpoint, values):
        folder = _static_folder(app, endpoint)
        if folder and "v" not in values:
            version = fingerprint(folder, values.get("filename"))
            if version:
                values["v"] = version

    @app.after_request
    def _cache_fingerprinted(response):
        folder = _static_folder(app, request.endpoint)
        if folder and response.status_code in (200, 304):
            version = request.args.get("v")
            filename = (request.view_args or {}).get("filename")
            if version and version == fingerprint(folder, filename):
                response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        return response
