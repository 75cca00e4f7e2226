"""The plugin's own tests, written with the clinic's fixtures (``clinic.testing``).

Run them with the plugin installed and enabled::

    CLINIC_PLUGINS=sticky pytest -p clinic.testing clinic_sticky/tests
"""

from sqlalchemy import select

from clinic.api import AuditEvent, db
from clinic.testing import check_route_policy, make_patient, private_core_imports
from clinic_sticky.models import StickyNote


def test_front_desk_pins_a_note_and_the_chart_shows_it(signed_in):
    desk, user = signed_in("front-desk")
    patient = make_patient()
    form = desk.get(f"/sticky/patients/{patient.id}/add")
    assert form.status_code == 200 and "Pin a sticky note" in form.text
    saved = desk.post_form(f"/sticky/patients/{patient.id}/add", {"text": " Prefers mornings "})
    assert saved.status_code == 302
    chart = desk.get(f"/patients/{patient.id}").text
    assert "Sticky notes" in chart and "Prefers mornings" in chart
    note = db.session.scalars(select(StickyNote)).one()
    assert (note.text, note.author_id) == ("Prefers mornings", user.id)
    events = db.session.scalars(select(AuditEvent.event_type)).all()
    assert "sticky.form_view" in events and "sticky.add" in events


def test_a_note_over_the_limit_is_refused_on_the_form_and_nothing_is_saved(app, signed_in):
    desk, _ = signed_in("front-desk")
    patient = make_patient()
    refused = desk.post_form(f"/sticky/patients/{patient.id}/add", {"text": "x" * 201})
    assert refused.status_code == 422
    assert "Keep it to 200 characters (this one has 201)." in refused.text
    assert db.session.scalars(select(StickyNote)).all() == []


def test_a_therapist_reads_notes_but_cannot_pin_one(signed_in):
    therapist, _ = signed_in("therapist")
    patient = make_patient()
    chart = therapist.get(f"/patients/{patient.id}").text
    assert "No sticky notes." in chart and "Pin a sticky note" not in chart
    assert therapist.get(f"/sticky/patients/{patient.id}/add").status_code == 403


def test_every_route_matches_the_route_policy_table(app):
    check_route_policy(app, plugins=["sticky"])


def test_the_plugin_imports_only_the_public_api():
    assert private_core_imports("clinic_sticky") == []
