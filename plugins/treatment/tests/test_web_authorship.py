"""A note belongs to its author (issue 12, point 8).

Only the author saves over a draft or marks a note entered in error; an administrator
(who holds ``treatment.notes.correct_others``) may withdraw a colleague's note with a
reason; any therapist may add an addendum to a colleague's signed note.
"""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import AuditEvent, db
from clinic.testing import make_patient, make_user
from plugins.treatment.models import Addendum, ErrorMark, Note
from plugins.treatment.tests.factories import make_note, note_form_data


def url(note, suffix=""):
    return f"/treatment/patients/{note.patient_id}/notes/{note.id}{suffix}"


def refusals():
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.event_type == "treatment.note.refused", AuditEvent.outcome == "refused"
        )
    ).all()


def _colleague_note(signed):
    author = make_user("therapist", display_name="Dana Author")
    return make_note(make_patient(), author, signed=signed, subjective="the author's words")


def test_a_colleague_cannot_save_over_a_draft(app, signed_in):
    note = _colleague_note(signed=False)
    client, _colleague = signed_in("therapist")
    page = client.get(url(note))
    assert page.status_code == 200
    assert 'id="note-form"' not in page.text  # read-only for a colleague
    assert "only they can change or sign it" in page.text
    response = client.post_form(url(note), note_form_data(note, subjective="overwritten"))
    assert response.status_code == 403
    assert "Dana Author" in response.text
    autosave = client.post_form(url(note, "/autosave"), {"subjective": "overwritten too"})
    assert autosave.status_code == 403
    add = client.post_form(url(note), {"action": "add", "add_modality": "nmt"})
    assert add.status_code == 403
    db.session.expire_all()
    stored = db.session.get(Note, note.id)
    assert stored.subjective == "the author's words"
    assert stored.draft_form is None and len(stored.entries) == 3
    assert len(refusals()) == 3


def test_the_author_still_saves_their_draft(app, signed_in):
    client, author = signed_in("therapist")
    note = make_note(make_patient(), author)
    response = client.post_form(url(note), note_form_data(note, subjective="my update"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective == "my update"


def test_a_colleague_cannot_mark_a_signed_note_entered_in_error_but_can_add_an_addendum(
    app, signed_in
):
    note = _colleague_note(signed=True)
    client, _colleague = signed_in("therapist")
    page = client.get(url(note))
    assert "Mark entered in error" not in page.text
    assert "Add addendum" in page.text
    refused = client.post_form(url(note, "/error"), {"reason": "I think this is wrong"})
    assert refused.status_code == 403
    assert "Add an addendum" in refused.text
    assert db.session.scalars(select(ErrorMark)).all() == []
    assert len(refusals()) == 1
    added = client.post_form(
        url(note, "/addenda"), {"reason": "Second opinion", "text": "Seen by a colleague."}
    )
    assert added.status_code == 302
    assert [a.text for a in db.session.scalars(select(Addendum))] == ["Seen by a colleague."]


def test_a_colleague_cannot_withdraw_a_draft_either(app, signed_in):
    note = _colleague_note(signed=False)
    client, _colleague = signed_in("therapist")
    assert client.post_form(url(note, "/error"), {"reason": "duplicate"}).status_code == 403
    assert db.session.scalars(select(ErrorMark)).all() == []


def test_the_author_marks_their_own_note_entered_in_error(app, signed_in):
    client, author = signed_in("therapist")
    note = make_note(make_patient(), author, signed=True)
    assert "Mark entered in error" in client.get(url(note)).text
    response = client.post_form(url(note, "/error"), {"reason": "Wrong patient"})
    assert response.status_code == 302
    assert [m.reason for m in db.session.scalars(select(ErrorMark))] == ["Wrong patient"]


def test_an_administrator_withdraws_a_colleagues_note_only_with_a_reason(app, signed_in):
    note = _colleague_note(signed=True)
    client, admin = signed_in("admin")
    assert "Mark entered in error" in client.get(url(note)).text
    no_reason = client.post_form(url(note, "/error"), {"reason": "  "})
    assert no_reason.status_code == 400
    assert db.session.scalars(select(ErrorMark)).all() == []
    response = client.post_form(url(note, "/error"), {"reason": "Charted on the wrong patient"})
    assert response.status_code == 302
    mark = db.session.scalars(select(ErrorMark)).one()
    assert (mark.author_id, mark.reason) == (admin.id, "Charted on the wrong patient")


def test_an_administrator_cannot_save_over_a_therapists_draft(app, signed_in):
    note = _colleague_note(signed=False)
    client, _admin = signed_in("admin")
    response = client.post_form(url(note), note_form_data(note, subjective="admin edit"))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective == "the author's words"


def test_front_desk_and_billing_cannot_mark_or_save(app, signed_in):
    note = _colleague_note(signed=True)
    for role in ("front-desk", "billing"):
        client, _user = signed_in(role)
        assert client.post_form(url(note, "/error"), {"reason": "x"}).status_code == 403
    assert db.session.scalars(select(ErrorMark)).all() == []
