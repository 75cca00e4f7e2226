"""A downgrade never silently drops signed notes (issue 12, point 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from clinic.api import db
from clinic.testing import make_patient, make_user
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note


@pytest.fixture
def clinic(app_factory, empty_database_url):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    with app.app_context():
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        therapist = make_user("therapist")
        note = make_note(make_patient(), therapist, signed=True, subjective="kept")
        note_id = note.id
        db.session.commit()
        yield app, runner, note_id
        db.session.remove()
        db.engine.dispose()


def _state(note_id):
    db.session.rollback()
    tables = set(inspect(db.engine).get_table_names())
    heads = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    note = db.session.get(Note, note_id) if "treatment_notes" in tables else None
    kept = (note.signed, note.subjective) if note is not None else None
    db.session.rollback()  # no read transaction left open while the CLI migrates (SQLite)
    return tables, heads, kept


@pytest.mark.parametrize("target", ["treatment@base", "treatment@-1"])
def test_a_downgrade_that_would_drop_rows_is_refused_and_changes_nothing(clinic, target):
    app, runner, note_id = clinic
    tables, heads, _ = _state(note_id)
    result = runner.invoke(args=["db", "downgrade", target])
    assert result.exit_code != 0
    assert "Refused" in result.output and "--drop-data" in result.output
    after_tables, after_heads, note = _state(note_id)
    assert (after_tables, after_heads) == (tables, heads)
    assert note == (True, "kept")
    columns = {c["name"] for c in inspect(db.engine).get_columns("treatment_note_entries")}
    assert "local_override_reason" in columns
    # The immutability triggers came back with the rollback too.
    with pytest.raises(DBAPIError):
        db.session.execute(
            text("UPDATE treatment_notes SET subjective = 'x' WHERE id = :i"), {"i": note_id}
        )
        db.session.flush()
    db.session.rollback()


def test_drop_data_needs_a_backup(clinic):
    _app, runner, note_id = clinic
    result = runner.invoke(args=["db", "downgrade", "--drop-data", "treatment@base"])
    assert result.exit_code != 0 and "--backup" in result.output
    assert _state(note_id)[2] is not None


def test_an_x_argument_cannot_allow_dropping_data(clinic, tmp_path):
    _app, runner, note_id = clinic
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    result = runner.invoke(
        args=[
            "db",
            "downgrade",
            "-x",
            "drop_data=yes",
            "-x",
            f"backup={tmp_path / 'b'}",
            "treatment@base",
        ]
    )
    assert result.exit_code != 0 and "Refused" in result.output
    assert _state(note_id)[2] is not None


def test_a_stale_backup_is_refused(clinic, tmp_path):
    _app, runner, note_id = clinic
    assert runner.invoke(args=["backup", str(tmp_path / "old")]).exit_code == 0
    make_note(make_patient(), make_user("therapist"), signed=True)  # written after the backup
    db.session.commit()
    result = runner.invoke(
        args=["db", "downgrade", "--drop-data", "--backup", str(tmp_path / "old"), "treatment@base"]
    )
    assert result.exit_code != 0 and "fresh backup" in result.output
    assert db.session.scalar(select(func.count(Note.id))) == 2


def test_with_drop_data_and_a_fresh_backup_the_downgrade_runs(clinic, tmp_path):
    _app, runner, note_id = clinic
    assert runner.invoke(args=["backup", str(tmp_path / "now")]).exit_code == 0
    result = runner.invoke(
        args=["db", "downgrade", "--drop-data", "--backup", str(tmp_path / "now"), "treatment@base"]
    )
    assert result.exit_code == 0, result.output
    tables, _heads, _ = _state(note_id)
    assert not [t for t in tables if t.startswith("treatment_")]
