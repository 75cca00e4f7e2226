"""Intake in the clinic's time: dates are the clinic's day and every timestamp on a page
shows in the clinic's zone (default America/New_York), never UTC.

The instants chosen fall on different calendar days in UTC and in New York, so a page
that prints the UTC wall clock or the UTC date fails here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clinic.api import db
from clinic.testing import make_patient
from plugins.intake import services
from plugins.intake.models import IntakeFinding, IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import complete_packet
from plugins.intake.tests.test_tablet import claim, hand_over
from plugins.intake.tests.test_web_packs_exports import pdf_text, upload
from plugins.intake.wording import placeholder_pack

EVENING = dt.datetime(2026, 3, 10, 2, 30)  # UTC: 22:30 EDT on 9 March in New York
WINTER_NIGHT = dt.datetime(2026, 1, 16, 3, 30)  # UTC: 22:30 EST on 15 January
RED_FLAG = {"history": {"history.thoracic_pain": "true"}}


def _born_35_years_ago():
    return dt.date(1991, 1, 1)  # fixed: the age red flag stays out of these tests


def test_tablet_consent_date_is_prefilled_with_the_clinic_day(app, signed_in, frozen_clock):
    frozen_clock(EVENING)
    desk, _ = signed_in("front-desk")
    patient = make_patient(date_of_birth=_born_35_years_ago())
    start_url, _token = hand_over(desk, patient, packet="new_back_pain")
    claim(desk, start_url)
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    consent = next(p for p in services.run_pages(run) if p.step == "consent")
    page = desk.get(f"{start_url}page/{consent.number}").text
    assert 'type="date"' in page and 'value="2026-03-09"' in page
    assert "2026-03-10" not in page


def test_completed_today_means_since_the_clinic_midnight(app, signed_in, frozen_clock):
    desk, _ = signed_in("front-desk")
    tonight = make_patient(first_name="Tina", last_name="Tonight")
    last_night = make_patient(first_name="Lars", last_name="Lastnight")
    frozen_clock(dt.datetime(2026, 3, 10, 1, 0))  # 21:00 EDT on 9 March
    complete_packet(desk, tonight)
    frozen_clock(dt.datetime(2026, 3, 9, 2, 0))  # 22:00 EDT on 8 March: yesterday
    complete_packet(desk, last_night)
    frozen_clock(EVENING)
    page = desk.get("/start").text
    completed = page.split("Intake packets completed today", 1)[1].split("</section>", 1)[0]
    assert "Tonight, Tina" in completed and "today 21:00" in completed
    assert "Lastnight, Lars" not in completed


def test_clearance_dated_tomorrow_in_the_clinic_is_refused(app, signed_in, frozen_clock):
    frozen_clock(EVENING)
    therapist, _ = signed_in("therapist")
    patient = make_patient(date_of_birth=_born_35_years_ago())
    complete_packet(therapist, patient, answers_by_step={"history": {"history.fever": "true"}})
    fever = db.session.scalars(select(IntakeFinding).where(IntakeFinding.code == "fever")).one()
    prefix = f"f{fever.id}-"
    form = {
        prefix + "action": "clearance",
        prefix + "cleared_by": "Dr Rivera",
        prefix + "note": "Fever gone for a week, GP letter.",
    }
    url = f"/intake/patients/{patient.id}/findings/{fever.id}/review"
    tomorrow = therapist.post_form(url, {**form, prefix + "clearance_date": "2026-03-10"})
    assert "The clearance date cannot be in the future." in tomorrow.text
    today = therapist.post_form(url, {**form, prefix + "clearance_date": "2026-03-09"})
    assert today.status_code == 302


def test_every_intake_page_shows_times_in_the_clinic_zone(app, signed_in, frozen_clock):
    frozen_clock(WINTER_NIGHT)
    local, local_day, utc_day = "2026-01-15 22:30 EST", "2026-01-15", "2026-01-16"
    therapist, _ = signed_in("therapist")
    patient = make_patient(date_of_birth=_born_35_years_ago())
    run_id = complete_packet(therapist, patient, answers_by_step=RED_FLAG)
    base = f"/intake/patients/{patient.id}"
    open_run = therapist.post_form(f"{base}/runs", {"packet": "followup", "mode": "staff"})
    paper_page = therapist.get(open_run.headers["Location"]).text
    needs_review = therapist.get("/intake/needs-review").text
    flag = db.session.scalars(select(IntakeFinding).order_by(IntakeFinding.id)).first()
    reviewed = therapist.post_form(
        f"{base}/findings/{flag.id}/review",
        {f"f{flag.id}-action": "reviewed", f"f{flag.id}-note": "Asked about it; no trauma."},
    )
    assert reviewed.status_code == 302
    response = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.run_id == run_id)
    ).first()
    pages = {
        "paper entry (started)": paper_page,
        "needs review (raised)": needs_review,
        "patient intake (started, entered)": therapist.get(f"{base}/").text,
        "response (entered)": therapist.get(f"{base}/responses/{response.id}").text,
        "findings (reviewed at)": therapist.get(f"{base}/findings").text,
        "intake index (started)": therapist.get("/intake/").text,
        "filled packet PDF (submitted)": pdf_text(
            therapist.get(f"{base}/completed/{run_id}/print.pdf").data
        ),
    }
    for name, html in pages.items():
        assert local in html, name
        assert utc_day not in html, name
    chart = therapist.get(f"/patients/{patient.id}").text  # intake panels: dates only
    assert local_day in chart and utc_day not in chart

    admin, _ = signed_in("admin")
    assert upload(admin, "odi", placeholder_pack("odi", version="tz-1")).status_code == 302
    wording = admin.get("/intake/admin/wording").text
    assert local in wording and utc_day not in wording
