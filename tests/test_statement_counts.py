"""No N+1: every page and chart panel runs as many SQL statements for a patient with
500 signed sessions as for one with 5.

The counts come from the same code ``make bench`` prints (bench/inproc.py), on two
patients whose histories differ only in the number of signed sessions.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from bench.build import add_sessions, intake_history
from bench.inproc import make_cookies, pages_for, statement_counts
from clinic.extensions import db
from clinic.testing import make_patient, make_user
from plugins.intake.models import IntakeResponse


@pytest.fixture
def two_histories(app):
    desk = make_user("front-desk")  # the intake demo records packets as started by the desk
    therapist_id = make_user("therapist").id
    named = {}
    for key, sessions in (("small", 5), ("large", 500)):
        patient = make_patient()
        intake_history(patient)
        if key == "small":
            # One form typed in by the desk: the intake page names who entered it,
            # and that must not cost a statement of its own.
            first = db.session.scalars(
                select(IntakeResponse).where(
                    IntakeResponse.patient_id == patient.id,
                    IntakeResponse.instrument_id == "consent",
                )
            ).first()
            db.session.add(
                IntakeResponse(
                    patient_id=patient.id,
                    run_id=first.run_id,
                    instrument_id=first.instrument_id,
                    instrument_version=first.instrument_version,
                    answers=first.answers,
                    entered_by_kind="staff",
                    entered_by_id=desk.id,
                    entered_at=first.entered_at,
                )
            )
        plan_id, note_id = add_sessions(patient, therapist_id, sessions, random.Random(1))
        named[key] = {"patient": patient.id, "plan": plan_id, "note": note_id}
        db.session.commit()
    # The helpers below open sessions of their own: leave no transaction open here.
    return named, therapist_id


def test_statement_counts_do_not_grow_with_the_history(app, two_histories):
    named, therapist_id = two_histories
    cookie = make_cookies(app, therapist_id, 1)[0][0]
    rows = statement_counts(app, cookie, named["small"], named["large"], therapist_id)
    measured = {r["page"] for r in rows}
    # Every page and every bundled plugin's panel was measured, not just some.
    assert set(pages_for(named["small"])) <= measured
    assert {
        "panel: intake",
        "panel: intake-scores",
        "panel: intake-pain",
        "panel: treatment-plans",
        "panel: treatment-sessions",
    } <= measured
    by_page = {r["page"]: r for r in rows}
    # A chart kept from an earlier view is shown without drawing it again.
    kept = by_page["chart, kept from an earlier view"]
    assert kept["small"] < by_page["chart"]["small"] / 2, (kept, by_page["chart"])
    growing = [r for r in rows if r["small"] != r["large"]]
    assert not growing, growing
