"""The product's "today" is the clinic's calendar day, not the server's or UTC's.

Every test stands at 2026-03-10 02:30 UTC: 22:30 on 9 March in New York (the default
zone, on daylight time since 8 March), so code that takes the UTC date (or the server's,
which is UTC here) is a day ahead and these tests fail.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from clinic import api
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.testing import make_patient
from tests.test_patients import FORM

EVENING_IN_NEW_YORK = dt.datetime(2026, 3, 10, 2, 30)  # UTC; 22:30 EDT on 9 March
CLINIC_DAY = dt.date(2026, 3, 9)


@pytest.fixture
def evening(frozen_clock):
    return frozen_clock(EVENING_IN_NEW_YORK)


def test_clinic_today_is_the_day_in_the_clinic_zone(app, evening):
    assert api.utcnow().date() == dt.date(2026, 3, 10)
    assert api.clinic_today() == CLINIC_DAY
    app.config["CLINIC_TIME_ZONE"] = "Asia/Tokyo"
    assert api.clinic_today() == dt.date(2026, 3, 10)
    # Pure code without an application passes the zone.
    assert api.clinic_today(ZoneInfo("America/Los_Angeles")) == CLINIC_DAY
    app.config["CLINIC_TIME_ZONE"] = "America/New_York"
    # The clinic's midnight as the stored UTC instant: New York is UTC-4 on 9 March
    # (daylight time from 8 March 2026) and UTC-5 in January.
    assert api.clinic_day_start(CLINIC_DAY) == dt.datetime(2026, 3, 9, 4, 0)
    assert api.clinic_day_start(dt.date(2026, 1, 15)) == dt.datetime(2026, 1, 15, 5, 0)


def test_start_page_says_today_in_clinic_time(app, signed_in, evening):
    client, _ = signed_in("front-desk")
    make_patient(first_name="Evening", last_name="Walkin")  # registered "now"
    page = client.get("/start").text
    assert "Evening" in page
    # 02:30 UTC is 22:30 EDT (New York moved to daylight time on 8 March 2026).
    assert "today 22:30" in page
    assert "today 02:30" not in page  # the old UTC wall clock


def test_a_date_of_birth_of_tomorrow_in_the_clinic_is_refused(app, signed_in, evening):
    client, _ = signed_in("front-desk")
    # 10 March is still tomorrow in New York, although it is already the UTC date.
    refused = client.post_form("/patients/new", {**FORM, "date_of_birth": "2026-03-10"})
    assert refused.status_code == 200 and "between 1900 and today" in refused.text
    assert db.session.query(Patient).count() == 0
    born_today = client.post_form("/patients/new", {**FORM, "date_of_birth": "2026-03-09"})
    assert born_today.status_code == 302


def test_printed_on_is_the_clinic_day(app, signed_in, evening):
    client, _ = signed_in("front-desk")
    patient = make_patient()
    pdf = client.get(f"/patients/{patient.id}/face-sheet.pdf")
    assert pdf.status_code == 200
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Printed 2026-03-09" in text
    assert "2026-03-10" not in text


def test_audit_dates_filter_on_the_clinic_day(app, signed_in, evening):
    admin, _ = signed_in("admin")
    patient = make_patient()
    admin.get(f"/patients/{patient.id}")  # audited at 02:30 UTC, 9 March in the clinic
    url = f"/admin/audit?patient={patient.id}"
    on_the_9th = admin.get(url + "&start=2026-03-09&end=2026-03-09").text
    assert '<td title="patient.view">' in on_the_9th
    assert "2026-03-09 22:30:00 EDT" in on_the_9th
    assert "No records match." in admin.get(url + "&start=2026-03-10").text
