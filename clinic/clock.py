"""The one clock the application reads.

Timestamps are stored as naive UTC (SQLite has no time zones, and PostgreSQL columns
are ``timestamp without time zone``), so every module takes "now" from here.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now in UTC, without tzinfo, as every timestamp column stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
