"""The core's local-time helper: stored naive UTC shown in the clinic's zone."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import render_template_string

from clinic import api


def test_local_time_follows_the_zone_and_daylight_saving(app):
    with app.test_request_context():
        assert app.config["CLINIC_TIME_ZONE"] == "America/New_York"
        winter = dt.datetime(2026, 1, 15, 17, 30)
        summer = dt.datetime(2026, 7, 15, 17, 30)
        assert api.local_time(winter) == "2026-01-15 12:30 EST"
        assert api.local_time(summer) == "2026-07-15 13:30 EDT"
        assert api.local_time(summer, "%H:%M", zone=False) == "13:30"
        assert api.local_time(None) == ""
        # A timestamp after local midnight but before UTC midnight stays on its local day.
        assert api.to_local(dt.datetime(2026, 3, 2, 3, 0)).date() == dt.date(2026, 3, 1)
        assert render_template_string("{{ t|local_time }}", t=winter) == "2026-01-15 12:30 EST"
        app.config["CLINIC_TIME_ZONE"] = "America/Los_Angeles"
        assert api.local_time(winter) == "2026-01-15 09:30 PST"


def test_a_misspelt_zone_is_refused_at_start_up(app):
    from clinic.localtime import zone_or_error

    with pytest.raises(RuntimeError, match="CLINIC_TIME_ZONE"):
        zone_or_error("Mars/Olympus_Mons")


def test_audit_page_shows_clinic_time_not_utc(app, signed_in):
    import re

    admin, _ = signed_in("admin")
    admin.get("/patients/")
    app.config["CLINIC_TIME_ZONE"] = "Asia/Tokyo"  # no daylight saving: always JST
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    assert "When (UTC)" not in page.text
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST</td>", page.text)
