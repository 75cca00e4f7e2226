"""The one clock the application reads.

Timestamps are stored as naive UTC (SQLite has no time zones, and PostgreSQL columns
are ``timestamp without time zone``), so every module takes "now" from here — and
"today" from :func:`clinic_today`, the clinic's own calendar day, never the server's.
"""

from __future__ import annotations

import datetime as dt

# Set only by tests (``clinic.testing``'s ``frozen_clock`` fixture): a fixed "now", so a
# test can stand at 21:30 in New York, which is already the next day in UTC.
_frozen_at: dt.datetime | None = None


def utcnow() -> dt.datetime:
    """Now in UTC, without tzinfo, as every timestamp column stores it."""
    if _frozen_at is not None:
        return _frozen_at
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def clinic_today(zone: dt.tzinfo | None = None) -> dt.date:
    """Today's date where the clinic is: "seen today", a session's default date, a
    consent date, "printed on".  The server's own date (``date.today()``) or the UTC
    date would already be tomorrow on a US clinic's evening.

    ``zone`` defaults to the clinic's zone (``clinic.time_zone`` setting, else
    ``CLINIC_TIME_ZONE``), which needs an application context; pure code without one
    passes a ``zoneinfo.ZoneInfo`` — or, better, takes ``today`` as a parameter.
    """
    if zone is None:
        # Imported here so this module (and ``clinic.api.pure``) stays free of Flask.
        from clinic.localtime import clinic_zone

        zone = clinic_zone()
    return utcnow().replace(tzinfo=dt.UTC).astimezone(zone).date()
