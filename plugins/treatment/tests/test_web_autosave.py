"""Autosave keeps what was typed; a stale version is refused with both versions shown."""

from __future__ import annotations

from clinic.api import db, utcnow
from clinic.testing import make_patient
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note, note_form_data


def url(note, suffix=""):
    return f"/treatment/patients/{note.patient_id}/notes/{note.id}{suffix}"


def test_autosave_keeps_partial_input_and_bumps_version(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user, subjective="first")
    version = note.version
    response = client.post(
        url(note, "/autosave"),
        data={"version": str(version), "subjective": "typed so far", "pain_before": "eleven"},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 200
    assert response.json["version"] == version + 1
    db.session.expire_all()
    note = db.session.get(Note, note.id)
    assert note.subjective == "first"  # the validated record is untouched
    assert note.draft_form["subjective"] == ["typed so far"]
    page = client.get(url(note))
    assert "typed so far" in page.text  # reopening the note brings the typing back
    assert 'value="eleven"' in page.text


def test_autosave_without_csrf_is_refused(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    response = client.post(url(note, "/autosave"), data={"version": str(note.version)})
    assert response.status_code == 400
    db.session.refresh(note)
    assert note.draft_form is None


def test_a_later_save_from_a_second_device_is_refused_with_both_versions(app, signed_in):
    # Only the author may save a draft (issue 12, point 8); the same author on a second
    # device (or tab) opened before the first save still gets the conflict page.
    from clinic.testing import login

    first, author = signed_in("therapist")
    second = app.test_client()
    login(second, author)
    note = make_note(make_patient(), author)
    opened_version = note.version
    ok = first.post_form(url(note), note_form_data(note, subjective="Mine, saved first"))
    assert ok.status_code == 302
    late = second.post_form(
        url(note),
        note_form_data(note, version=str(opened_version), subjective="Theirs, saved later"),
    )
    assert late.status_code == 409
    assert "Mine, saved first" in late.text and "Theirs, saved later" in late.text
    auto = second.post(
        url(note, "/autosave"),
        data={"version": str(opened_version), "subjective": "Theirs again"},
        headers={"X-CSRFToken": second.csrf_token()},
    )
    assert auto.status_code == 409
    rows = {r["field"]: (r["saved"], r["yours"]) for r in auto.json["rows"]}
    assert rows["Subjective"] == ("Mine, saved first", "Theirs again")
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective == "Mine, saved first"


def test_sign_refused_while_autosaved_changes_are_unsaved(app, signed_in):
    from clinic.testing import TEST_PASSWORD

    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    client.post(
        url(note, "/autosave"),
        data={"version": str(note.version), "subjective": "more"},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    response = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert response.status_code == 409
    assert "not saved yet" in response.text
    db.session.refresh(note)
    assert not note.signed


def test_add_and_remove_entries_keep_typed_text(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user, keys=("nmt",))
    data = note_form_data(
        note, subjective="typed before adding", add_modality="hot_pack", action="add"
    )
    assert client.post_form(url(note), data).status_code == 302
    db.session.expire_all()
    note = db.session.get(Note, note.id)
    assert [e.modality_key for e in note.entries] == ["nmt", "hot_pack"]
    assert note.draft_form["subjective"] == ["typed before adding"]
    first = note.entries[0]
    data = {"version": str(note.version), "action": f"remove:{first.id}"}
    assert client.post_form(url(note), data).status_code == 302
    db.session.expire_all()
    assert [e.modality_key for e in db.session.get(Note, note.id).entries] == ["hot_pack"]


def test_double_click_on_save_is_not_a_conflict(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    data = note_form_data(note, subjective="clicked twice")
    assert client.post_form(url(note), data).status_code == 302
    again = client.post_form(url(note), data)
    assert again.status_code == 302  # same values: already stored, nothing to compare


def test_removing_another_notes_entry_is_404(app, signed_in):
    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    other = make_note(make_patient(), user)
    data = {"version": str(note.version), "action": f"remove:{other.entries[0].id}"}
    assert client.post_form(url(note), data).status_code == 404
    db.session.expire_all()
    assert len(db.session.get(Note, other.id).entries) == 3


def test_save_after_idle_timeout_is_given_back_after_signing_in(app, signed_in):
    import datetime as dt

    from sqlalchemy import update

    from clinic.testing import StaffSession, login

    client, user = signed_in("therapist")
    note = make_note(make_patient(), user, subjective="before")
    db.session.execute(update(StaffSession).values(last_seen=utcnow() - dt.timedelta(hours=5)))
    db.session.commit()
    response = client.post_form(url(note), note_form_data(note, subjective="typed at timeout"))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(client, user)
    page = client.get(url(note))
    assert "typed at timeout" in page.text
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective == "before"


def test_timed_out_sign_does_not_keep_the_password(app, signed_in):
    import datetime as dt

    from sqlalchemy import select, update

    from clinic.testing import TEST_PASSWORD, FormDraft, StaffSession, login

    client, user = signed_in("therapist")
    note = make_note(make_patient(), user)
    db.session.execute(update(StaffSession).values(last_seen=utcnow() - dt.timedelta(hours=5)))
    db.session.commit()
    response = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert "/auth/login" in response.headers["Location"]
    assert len(db.session.scalars(select(FormDraft)).all()) == 1  # kept by the core
    login(client, user)
    assert client.get(url(note, "/sign")).status_code == 302  # the login's "next"
    assert db.session.scalars(select(FormDraft)).all() == []
    db.session.refresh(note)
    assert not note.signed
