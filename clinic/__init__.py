"""Clinic: the core of the practice-management system.

The core knows about staff, patients, permissions, the audit log and PDF rendering.
Everything clinical or financial lives in plugins that the core finds through the
``clinic.plugins`` entry-point group and talks to only through the hooks in
:mod:`clinic.hookspecs`.
"""

from __future__ import annotations

__version__ = "0.1.0"


def create_app(test_config: dict | None = None):
    """Application factory used by ``wsgi.py``, the CLI and the tests."""
    from clinic.app import build_app

    return build_app(test_config)
