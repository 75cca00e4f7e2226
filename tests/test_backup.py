"""Backup while the clinic keeps working, restore into an empty database (issue 12, point 11)."""

from __future__ import annotations

import os
import stat
import threading

from sqlalchemy import text

from clinic import create_app
from clinic.audit.service import record
from clinic.extensions import db
from clinic.testing import base_config, make_patient, make_user


def _populate():
    make_user("admin", username="keeper")
    for n in range(5):
        patient = make_patient(first_name=f"Kept{n}")
        record("patient.view", patient_id=patient.id)
    db.session.commit()


def test_backup_during_writes_restores_into_an_empty_database(
    app, runner, tmp_path, empty_database_url
):
    _populate()
    stop = threading.Event()

    def keep_writing():
        with app.app_context():
            while not stop.is_set():
                record("patient.search", detail={"during": "backup"})
                db.session.commit()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "nightly")])
    finally:
        stop.set()
        writer.join(30)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "nightly"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in folder.iterdir())
    assert (folder / "audit_key").read_text().strip() == app.config["CLINIC_AUDIT_KEY"]

    # A new machine: new instance folder (no key yet), new empty database.
    fresh = create_app(base_config(empty_database_url, tmp_path / "new-instance"))
    with fresh.app_context():
        restored = fresh.test_cli_runner().invoke(args=["restore", str(folder)])
        assert restored.exit_code == 0, restored.output
        assert "row counts match" in restored.output
        assert "Audit log intact" in restored.output
        verify = fresh.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        names = db.session.execute(text("SELECT first_name FROM patients")).scalars().all()
        assert sorted(names) == [f"Kept{n}" for n in range(5)]
        db.session.remove()
        db.engine.dispose()
    # The original instance folder is as it was: restore wrote into its own.
    os.environ["CLINIC_INSTANCE_PATH"] = str(tmp_path / "instance")


def test_restore_refuses_a_database_that_is_not_empty(app, runner, tmp_path):
    _populate()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    before = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    result = runner.invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code != 0 and "not empty" in result.output
    db.session.rollback()
    after = db.session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    assert after == before


def test_backup_refuses_a_folder_that_is_not_empty(app, runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code != 0 and "not empty" in result.output


def test_other_key_and_checkpoint_files_of_the_instance_folder_travel_with_the_backup(
    app, runner, tmp_path, empty_database_url
):
    instance = tmp_path / "instance"
    (instance / "checkpoint_signing.key").write_text("second key\n")
    (instance / "notes.txt").write_text("not a key\n")
    _populate()
    assert runner.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    saved = tmp_path / "b" / "instance"
    assert sorted(p.name for p in saved.iterdir()) == ["checkpoint_signing.key"]
    assert stat.S_IMODE(os.stat(saved / "checkpoint_signing.key").st_mode) == 0o600
    assert not (tmp_path / "b" / "secret_key").exists()

    fresh = create_app(base_config(empty_database_url, tmp_path / "new-instance"))
    with fresh.app_context():
        restored = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
        assert restored.exit_code == 0, restored.output
        db.session.remove()
        db.engine.dispose()
    copied = tmp_path / "new-instance" / "checkpoint_signing.key"
    assert copied.read_text() == "second key\n"
    os.environ["CLINIC_INSTANCE_PATH"] = str(instance)
