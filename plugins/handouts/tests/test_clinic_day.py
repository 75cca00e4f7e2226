"""Handouts follow the clinic's day: at 22:30 in New York (already the next day in UTC)
"Today's handouts" lists the patients seen today, a printout is dated today, and the
batch list shows New York times."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from clinic.api import db, hookimpl
from clinic.testing import make_patient
from plugins.handouts.models import Batch, Handout, HandoutPrint

EVENING = dt.datetime(2026, 3, 10, 2, 30)  # UTC: 22:30 EDT on 9 March in New York
DAY = dt.date(2026, 3, 9)


class SeenOnTheNinth:
    """Stands in for the treatment plugin: these patients had a session on 9 March."""

    def __init__(self, *patients):
        self.ids = [p.id for p in patients]

    @hookimpl
    def patients_seen(self, on_date):
        return self.ids if on_date == DAY else []


def test_todays_handouts_are_for_the_clinic_day(app, signed_in, frozen_clock):
    frozen_clock(EVENING)
    client, user = signed_in("front-desk")
    patient = make_patient(first_name="Nina", last_name="Ninth")
    app.extensions["clinic"].pm.register(SeenOnTheNinth(patient), name="seen-on-the-ninth")
    page = client.get("/handouts/today").text
    assert "Ninth, Nina" in page and "Not printed yet" in page

    db.session.add(Batch(created_by_id=user.id, service_date=DAY, patient_ids=[patient.id]))
    db.session.commit()
    page = client.get("/handouts/today").text
    assert "2026-03-09 22:30 EDT" in page and "2026-03-10" not in page


def test_a_printout_is_dated_the_clinic_day(app, signed_in, frozen_clock):
    frozen_clock(EVENING)
    client, _ = signed_in("therapist")
    patient = make_patient()
    client.get(f"/handouts/patients/{patient.id}")  # the library is loaded on first use
    heat = db.session.scalars(db.select(Handout.id).where(Handout.slug == "heat-at-home")).first()
    sent = client.post_form(
        f"/handouts/patients/{patient.id}", {"language": "en", "handouts": [str(heat)]}
    )
    assert sent.status_code == 302
    given = db.session.scalars(db.select(HandoutPrint)).one()
    assert given.service_date == DAY
    pdf = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "2026-03-09" in text and "2026-03-10" not in text
