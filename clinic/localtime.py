"""Showing stored times in the clinic's own time zone.

Timestamps stay naive UTC in the database (:mod:`clinic.clock`); people read them in
the clinic's zone.  The zone is the ``clinic.time_zone`` setting (an administrator's
stored value) or else ``CLINIC_TIME_ZONE`` from the environment, default
``America/New_York`` — the product is built for US clinics, and the eastern zone is
where most of them are; a clinic elsewhere sets its own IANA name once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

DEFAULT_TIME_ZONE = "America/New_York"


def zone_or_error(name: str) -> ZoneInfo:
    """The zone called ``name``, or a RuntimeError naming the bad setting."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(
            f"CLINIC_TIME_ZONE must be an IANA time zone such as 'America/Chicago', got {name!r}"
        ) from exc


def clinic_zone() -> ZoneInfo:
    from clinic.settings import get_setting

    name = get_setting("clinic.time_zone", None) or current_app.config.get(
        "CLINIC_TIME_ZONE", DEFAULT_TIME_ZONE
    )
    return zone_or_error(name)


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored naive-UTC timestamp as an aware datetime in the clinic's zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(clinic_zone())


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M", zone: bool = True) -> str:
    """Format a stored timestamp for people: clinic time, with the zone's abbreviation
    (EST/EDT) so nobody mistakes it for another clock.  ``None`` gives an empty string.

    Also the Jinja filter ``local_time``: ``{{ note.signed_at|local_time }}``.
    """
    if value is None:
        return ""
    local = to_local(value)
    text = local.strftime(fmt)
    return f"{text} {local.tzname()}" if zone else text


def clinic_day_start(day: dt.date) -> dt.datetime:
    """The stored (naive-UTC) instant at which the clinic's calendar day ``day`` begins —
    its local midnight — so "finished today" is ``finished_at >= clinic_day_start(today)``
    rather than UTC midnight, which is 7 or 8 pm the evening before in New York."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=clinic_zone())
    return midnight.astimezone(dt.UTC).replace(tzinfo=None)
