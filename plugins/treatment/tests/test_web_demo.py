"""The demo command adds signed, verifiable treatment history for some patients."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import db
from plugins.treatment.domain.hashing import content_hash
from plugins.treatment.models import Note, Plan
from plugins.treatment.notes import content


def test_demo_history_is_signed_and_hashes_verify(app, runner):
    result = runner.invoke(args=["demo", "--patients", "12", "--seed", "11"])
    assert result.exit_code == 0, result.output
    notes = db.session.scalars(select(Note)).all()
    assert notes and db.session.scalars(select(Plan)).all()
    assert all(n.signed and content_hash(content(n)) == n.content_hash for n in notes)
