"""The database itself refuses to change signed notes, entries, addenda and error marks."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from clinic.api import db
from clinic.testing import make_patient, make_user
from plugins.treatment.models import Addendum, ErrorMark, Note, NoteEntry
from plugins.treatment.tests.factories import make_note


@pytest.fixture
def signed_note(app):
    therapist = make_user("therapist")
    return make_note(make_patient(), therapist, signed=True, subjective="as signed")


def _refused(statement_or_callable):
    with pytest.raises(DBAPIError):
        if callable(statement_or_callable):
            statement_or_callable()
        else:
            db.session.execute(statement_or_callable)
        db.session.flush()
    db.session.rollback()


def test_orm_update_of_signed_note_raises_and_leaves_row_unchanged(signed_note):
    note_id = signed_note.id
    signed_note.subjective = "rewritten"
    with pytest.raises(DBAPIError, match="signed treatment note cannot be changed"):
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Note, note_id).subjective == "as signed"


def test_sql_update_and_delete_of_signed_note_are_refused(signed_note):
    _refused(update(Note).where(Note.id == signed_note.id).values(pain_after=0))
    _refused(delete(Note).where(Note.id == signed_note.id))
    _refused(
        text("UPDATE treatment_notes SET signed_at = NULL WHERE id = :i").bindparams(
            i=signed_note.id
        )
    )
    assert db.session.get(Note, signed_note.id).pain_after == 3


def test_entries_of_signed_note_cannot_be_added_changed_or_removed(signed_note):
    entry_id = signed_note.entries[0].id
    _refused(update(NoteEntry).where(NoteEntry.id == entry_id).values(minutes=60))
    _refused(delete(NoteEntry).where(NoteEntry.id == entry_id))

    def add_entry():
        db.session.add(NoteEntry(note_id=signed_note.id, modality_key="nmt", values={}))

    _refused(add_entry)
    assert len(db.session.scalars(select(NoteEntry)).all()) == 3


def test_draft_notes_can_change_but_are_never_deleted(app):
    note = make_note(make_patient(), make_user("therapist"))
    note.subjective = "still a draft"
    db.session.commit()
    _refused(delete(Note).where(Note.id == note.id))


def test_addenda_and_error_marks_are_insert_only(signed_note):
    author_id = signed_note.therapist_id
    db.session.add(Addendum(note_id=signed_note.id, author_id=author_id, reason="r", text="t"))
    db.session.add(ErrorMark(note_id=signed_note.id, author_id=author_id, reason="r"))
    db.session.commit()
    _refused(update(Addendum).values(text="changed"))
    _refused(delete(Addendum))
    _refused(update(ErrorMark).values(reason="changed"))
    _refused(delete(ErrorMark))
    assert db.session.scalars(select(Addendum)).one().text == "t"


def test_concurrent_change_is_reported_not_raised(app):
    from plugins.treatment import services

    note = make_note(make_patient(), make_user("therapist"))
    assert note.version == 1  # this session now holds version 1
    db.session.execute(text("UPDATE treatment_notes SET version = version + 1"))
    note.subjective = "based on an old version"
    assert services.flushed() is False
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective != "based on an old version"
