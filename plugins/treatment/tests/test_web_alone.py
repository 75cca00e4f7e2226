"""The plugin works with every other plugin disabled, and uses their hooks when present."""

from __future__ import annotations

from clinic.api import HandoutSection, db, hookimpl
from clinic.testing import enabled_plugins, login, make_patient, make_user, register_hooks
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note, make_plan, note_form_data


def test_works_with_only_the_treatment_plugin_enabled(app_factory):
    alone = app_factory(CLINIC_PLUGINS=["treatment"])
    assert enabled_plugins(alone) == ["treatment"]
    with alone.app_context():
        user = make_user("therapist")
        patient = make_patient()
        plan = make_plan(patient, user)
        note = make_note(patient, user, plan=plan, signed=True)
        client = alone.test_client()
        login(client, user)
        base = f"/treatment/patients/{patient.id}"
        assert client.get(f"{base}/notes/{note.id}").status_code == 200
        progress = client.get(f"{base}/plans/{plan.id}/progress")
        assert progress.status_code == 200 and "not known" in progress.text  # no authorization
        assert client.get(f"/patients/{patient.id}").status_code == 200
        db.session.remove()


class Handouts:
    @hookimpl
    def handout_sections(self, patient, context):
        if "hot_pack" in context.get("modalities", ()):
            return [HandoutSection("home-heat", "Using heat at home", "unused.html")]
        return []


def test_home_care_advice_offered_by_handouts_hook_is_recorded(app, signed_in):
    register_hooks(app, Handouts(), "handouts-test")
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    url = f"/treatment/patients/{note.patient_id}/notes/{note.id}"
    assert "Using heat at home" in client.get(url).text
    response = client.post_form(url, note_form_data(note, home_care="home-heat"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Note, note.id).home_care == ["home-heat"]


def test_blister_is_shown_as_adverse_event_needing_follow_up(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    hot = next(e for e in note.entries if e.modality_key == "hot_pack")
    data = note_form_data(note, **{f"e{hot.id}-skin_response": "blister"})
    response = client.post_form(f"/treatment/patients/{note.patient_id}/notes/{note.id}", data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "adverse event" in page
    db.session.expire_all()
    saved = db.session.get(Note, note.id).entries[2].values
    assert saved["adverse_event"] is True


def test_double_click_on_addendum_stores_one(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user, signed=True)
    url = f"/treatment/patients/{note.patient_id}/notes/{note.id}/addenda"
    data = {"reason": "Late entry", "text": "Same text"}
    assert client.post_form(url, data).status_code == 302
    assert client.post_form(url, data).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Note, note.id).addenda) == 1
