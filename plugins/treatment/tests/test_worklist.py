"""The treatment plugin's rows on the start page: what waits for a therapist."""

from __future__ import annotations

import datetime as dt

from clinic.api import clinic_today
from clinic.testing import make_patient, make_user
from plugins.treatment.tests.factories import make_note, make_plan


def _section(page: str, title: str) -> str:
    assert title in page, title
    return page.split(title, 1)[1].split("</section>", 1)[0]


def test_therapist_start_page_lists_unsigned_notes_and_plans_due(app, signed_in):
    client, me = signed_in("therapist")
    other = make_user("therapist", username="other-therapist")
    ann = make_patient(first_name="Ann", last_name="Unsigned")
    ben = make_patient(first_name="Ben", last_name="Reeval")
    cat = make_patient(first_name="Cat", last_name="Ending")
    far = make_patient(first_name="Fay", last_name="Later")
    theirs = make_patient(first_name="Theo", last_name="Theirs")
    note = make_note(ann, me)
    make_note(theirs, other)  # another therapist's draft is not on my list
    today = clinic_today()
    make_plan(ben, me, reeval_date=today + dt.timedelta(days=2))
    make_plan(cat, me, start_date=today - dt.timedelta(days=40), weeks=6)
    make_plan(far, me, reeval_date=today + dt.timedelta(days=30))

    page = client.get("/start").text
    unsigned = _section(page, "Your unsigned notes")
    assert "Unsigned, Ann" in unsigned and "Theirs, Theo" not in unsigned
    assert f"/treatment/patients/{ann.id}/notes/{note.id}" in unsigned
    due = _section(page, "Re-evaluations and plans ending")
    assert "Reeval, Ben" in due and "Re-evaluation due" in due
    assert "Ending, Cat" in due and "Plan of care ends" in due
    assert "Later, Fay" not in due
    # Sections come in the order of what needs attention first.
    assert page.index("Your unsigned notes") < page.index("Re-evaluations and plans ending")


def test_front_desk_sees_who_was_seen_not_the_notes(app, signed_in):
    therapist = make_user("therapist", username="tess")
    patient = make_patient(first_name="Sid", last_name="Seen")
    make_note(patient, therapist, signed=True)
    desk, _ = signed_in("front-desk")
    page = desk.get("/start").text
    seen = _section(page, "Patients seen recently")
    assert "Seen, Sid" in seen
    assert "Your unsigned notes" not in page and "Low back ache" not in page
