"""The audit log resists someone who can write to the database but lacks the audit key.

Each test plays one attack from the security review (issue 12, point 1) against a log
written through the app, then runs ``flask --app wsgi audit verify``.
"""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from clinic.audit.models import GENESIS_HASH, AuditEvent
from clinic.audit.sealing import PENDING, PG_SEAL_LOCK, checkpoint_paths, seal_now
from clinic.audit.service import record, verify_chain
from clinic.clock import utcnow
from clinic.extensions import db
from clinic.testing import make_patient


def _write(n: int, event_type: str = "patient.search") -> None:
    for i in range(n):
        record(event_type, detail={"n": i})
        db.session.commit()  # each commit seals its row and writes a checkpoint


def _record_left_pending(monkeypatch, event_type: str, **kwargs) -> None:
    """An authenticated row that was never sealed, as a process stopped between its
    commit and the seal leaves it (PostgreSQL seals after the commit; SQLite seals in
    the same transaction, so there it can only come from before the upgrade)."""
    monkeypatch.setattr("clinic.audit.service.seal_in_place", lambda *_args: False)
    record(event_type, **kwargs)
    monkeypatch.undo()
    db.session.info.pop(PENDING)


def _drop_guards() -> None:
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    db.session.commit()


def _restore_guards() -> None:
    from clinic.audit.models import append_only_ddl

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    for statement in append_only_ddl()[db.engine.dialect.name]:
        db.session.execute(text(statement))
    db.session.commit()


@pytest.fixture
def tamper(app):
    _drop_guards()
    yield
    db.session.rollback()
    _restore_guards()


def _verify(runner):
    db.session.commit()
    return runner.invoke(args=["audit", "verify"])


def _rechain(rows: list[AuditEvent]) -> None:
    """What an attacker without the key can do: renumber and recompute every SHA-256."""
    prev, seq = GENESIS_HASH, 0
    for row in rows:
        seq += 1
        row.seq, row.prev_hash = seq, prev
        row.hash = row.compute_hash()
        prev = row.hash
        db.session.execute(
            text("UPDATE audit_events SET seq = :s, prev_hash = :p, hash = :h WHERE id = :i"),
            {"s": -row.id, "p": row.prev_hash, "h": row.hash, "i": row.id},
        )
    for row in rows:  # two passes, so the unique seq never collides midway
        db.session.execute(
            text("UPDATE audit_events SET seq = :s WHERE id = :i"), {"s": row.seq, "i": row.id}
        )


def test_an_untouched_log_verifies_with_its_checkpoints(app, runner):
    _write(4)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "intact: 4 records checked (4 sealed, 0 awaiting sealing)" in result.output
    assert "Newest checkpoint: record 4" in result.output


def test_deleting_the_newest_records_is_detected(app, runner, tamper):
    _write(5)
    db.session.execute(text("DELETE FROM audit_events WHERE seq > 3"))
    result = _verify(runner)
    assert result.exit_code == 1
    assert "records 4 to 5 are missing" in result.output


def test_deleting_every_record_is_detected(app, runner, tamper):
    _write(3)
    db.session.execute(text("DELETE FROM audit_events"))
    result = _verify(runner)
    assert result.exit_code == 1
    assert "records 1 to 3 are missing" in result.output


def test_an_edit_with_every_later_hash_recomputed_is_detected(app, runner, tamper):
    _write(5)
    rows = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    db.session.execute(
        text("UPDATE audit_events SET detail = :d WHERE id = :i"),
        {"d": '{"n": 99}', "i": rows[1].id},
    )
    db.session.commit()
    rows = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    _rechain(rows)
    result = _verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at record 2" in result.output and "keyed MAC does not match" in result.output


def test_removing_a_class_of_records_and_rechaining_the_rest_is_detected(app, runner, tamper):
    patient = make_patient()
    for _ in range(3):
        record("patient.search")
        record("patient.view", patient_id=patient.id)
        db.session.commit()
    db.session.execute(text("DELETE FROM audit_events WHERE event_type = 'patient.view'"))
    db.session.commit()
    _rechain(list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))))
    result = _verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at record 2" in result.output


def test_stripping_the_macs_to_pass_as_old_records_is_detected(app, runner, tamper):
    _write(3)
    db.session.execute(text("UPDATE audit_events SET row_mac = NULL, mac = NULL"))
    db.session.commit()
    _rechain(list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))))
    result = _verify(runner)
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_a_forged_checkpoint_is_detected(app, runner):
    _write(2)
    path = checkpoint_paths(app.config)[0]
    line = json.loads(path.read_text().splitlines()[-1])
    line.update(seq=50)
    with path.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    result = _verify(runner)
    assert result.exit_code == 1 and "not a checkpoint signed with our key" in result.output


def test_a_record_awaiting_sealing_is_authenticated_too(app, runner, tamper, monkeypatch):
    _record_left_pending(monkeypatch, "patient.search", detail={"n": 1})
    db.session.commit()
    assert db.session.scalar(select(AuditEvent.seq)) is None
    result = _verify(runner)
    assert result.exit_code == 0 and "1 awaiting sealing" in result.output
    db.session.execute(text("UPDATE audit_events SET detail = 'nothing happened'"))
    result = _verify(runner)
    assert result.exit_code == 1 and "awaiting sealing" in result.output
    assert "altered or forged" in result.output


def test_the_next_commit_seals_what_an_earlier_one_left_pending(app, runner, monkeypatch):
    _record_left_pending(monkeypatch, "patient.search")
    db.session.commit()
    _write(1)
    seqs = sorted(db.session.scalars(select(AuditEvent.seq)))
    assert seqs == [1, 2]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_audit_seal_seals_what_was_left_pending_and_writes_a_checkpoint(app, runner, monkeypatch):
    _write(1)
    _record_left_pending(monkeypatch, "patient.search")
    db.session.commit()
    result = runner.invoke(args=["audit", "seal"])
    assert result.exit_code == 0, result.output
    assert "Sealed 1 records; the chain ends at record 2." in result.output
    lines = checkpoint_paths(app.config)[0].read_text().splitlines()
    assert json.loads(lines[-1])["seq"] == 2
    assert _verify(runner).exit_code == 0


def test_a_chart_view_is_sealed_after_its_request(app, signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    assert client.get(f"/patients/{patient.id}").status_code == 200
    view = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "patient.view")
    ).one()
    assert view.seq is not None and view.mac == view.compute_mac(app.config["CLINIC_AUDIT_KEY"])
    assert verify_chain().ok


def test_the_database_lets_sealing_fill_the_chain_columns_once_and_nothing_else(app, monkeypatch):
    _record_left_pending(monkeypatch, "patient.search")
    db.session.commit()
    with pytest.raises(DatabaseError):  # sealing may not touch the event itself
        db.session.execute(text("UPDATE audit_events SET seq = 1, detail = 'other'"))
    db.session.rollback()
    seal_now()
    with pytest.raises(DatabaseError):  # and a sealed row is final
        db.session.execute(text("UPDATE audit_events SET seq = 7"))
    db.session.rollback()
    assert verify_chain().ok


def test_a_rolled_back_record_leaves_no_trace_in_the_chain_or_the_checkpoints(app, runner):
    record("patient.search")
    db.session.flush()
    db.session.rollback()  # sealed in place on SQLite, then never committed
    db.session.commit()  # the next commit must not write a checkpoint naming it
    _write(1)
    assert list(db.session.scalars(select(AuditEvent.seq))) == [1]
    lines = checkpoint_paths(app.config)[0].read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1]
    assert _verify(runner).exit_code == 0


def test_a_released_savepoint_writes_no_checkpoint_before_its_transaction_commits(app, runner):
    record("patient.search")
    savepoint = db.session.begin_nested()
    record("patient.view")
    savepoint.commit()  # released, but the transaction it belongs to goes on
    db.session.rollback()
    _write(1)
    lines = checkpoint_paths(app.config)[0].read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1]
    assert _verify(runner).exit_code == 0


def test_keys_and_checkpoints_are_private_files_separate_from_the_session_key(app):
    _write(1)
    instance = app.instance_path
    key_file = os.path.join(instance, "audit_key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(checkpoint_paths(app.config)[0]).st_mode) == 0o600
    assert app.config["CLINIC_AUDIT_KEY"] != app.config["SECRET_KEY"]


def test_a_second_checkpoint_location_is_written_and_read(app_factory, tmp_path):
    copy = tmp_path / "elsewhere" / "checkpoints.log"
    app = app_factory(CLINIC_AUDIT_CHECKPOINT_COPY=str(copy))
    with app.app_context():
        _write(2)
        assert len(copy.read_text().splitlines()) == 2
        checkpoint_paths(app.config)[0].unlink()  # the copy alone still holds the head
        _drop_guards()
        db.session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
        db.session.commit()
        report = verify_chain()
        _restore_guards()
    assert not report.ok and "records 2 to 2 are missing" in report.reason


@pytest.mark.skipif(
    not os.environ.get("CLINIC_TEST_DATABASE_URL"), reason="PostgreSQL advisory locks"
)
def test_recording_does_not_wait_for_the_sealing_lock(app):
    """Old code took the chain lock inside every audited request; now nothing waits on it."""
    holder = db.engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_SEAL_LOCK})
    holder.commit()
    try:
        db.session.execute(text("SET lock_timeout = '2s'"))
        record("patient.search")
        db.session.commit()  # the seal after the commit sees the lock busy and leaves
        assert db.session.scalar(select(AuditEvent.seq)) is None
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_SEAL_LOCK})
        holder.commit()
        holder.close()
    assert seal_now() == 1
    assert verify_chain().ok


@pytest.mark.skipif(
    not os.environ.get("CLINIC_TEST_DATABASE_URL"), reason="PostgreSQL advisory locks"
)
@pytest.mark.parametrize("holder_ends", ["commit", "rollback"])
def test_a_row_left_pending_behind_a_busy_lock_is_sealed_when_the_holder_lets_go(app, holder_ends):
    from sqlalchemy.orm import Session

    from clinic.audit.sealing import seal_in_place

    key = app.config["CLINIC_AUDIT_KEY"]
    holder = Session(db.engine)
    held = AuditEvent(
        at=utcnow(),
        username="",
        event_type="patient.search",
        object_type="",
        object_id="",
        outcome="success",
        ip="",
        detail="",
        nonce="h" * 32,
    )
    held.row_mac = held.compute_row_mac(key)
    assert seal_in_place(holder, held, key)  # takes the lock, sealed in its transaction
    holder.add(held)
    holder.flush()
    record("patient.view")  # this request finds the lock busy: its row waits
    db.session.commit()
    assert db.session.scalar(select(AuditEvent.seq).where(AuditEvent.nonce != "h" * 32)) is None
    getattr(holder, holder_ends)()  # letting go, the holder looks for waiting rows
    holder.close()
    db.session.expire_all()
    assert None not in db.session.scalars(select(AuditEvent.seq)).all()
    assert verify_chain().ok


@pytest.mark.skipif(
    not os.environ.get("CLINIC_TEST_DATABASE_URL"), reason="PostgreSQL advisory locks"
)
def test_a_database_lost_just_after_the_commit_does_not_fail_what_was_committed(app, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def lost(_engine):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr("clinic.audit.sealing._left_waiting", lost)
    record("patient.search")
    db.session.commit()  # the look for waiting rows fails; the commit stands
    monkeypatch.undo()
    assert db.session.scalar(select(AuditEvent.seq)) == 1
    assert verify_chain().ok


def test_records_from_before_the_audit_key_stay_verifiable_after_the_upgrade(app_factory, tmp_path):
    import datetime as dt
    import hashlib

    from flask_migrate import upgrade

    from clinic.testing import test_database_url

    if test_database_url():
        pytest.skip("the migration tests cover PostgreSQL upgrades; SQLite shows the rows")
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="core_0001")
        prev = GENESIS_HASH
        for seq in (1, 2, 3):  # written by the previous release: plain SHA-256 chain
            at = dt.datetime(2026, 11, 1, 9, 0, seq)
            fields = [seq, at.strftime("%Y-%m-%dT%H:%M:%S.%f"), None, "", "patient.search"]
            fields += [None, "", "", "success", "cli", "", prev]
            digest = hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode())
            db.session.execute(
                text(
                    "INSERT INTO audit_events (seq, at, username, event_type, object_type, "
                    "object_id, outcome, ip, detail, prev_hash, hash) VALUES (:seq, :at, '', "
                    "'patient.search', '', '', 'success', 'cli', '', :prev, :hash)"
                ),
                {"seq": seq, "at": at, "prev": prev, "hash": digest.hexdigest()},
            )
            prev = digest.hexdigest()
        db.session.commit()
        upgrade()
        _write(2)
        report = verify_chain()
        assert report.ok, report.reason
        assert report.checked == 5
        line = json.loads(checkpoint_paths(app.config)[0].read_text().splitlines()[-1])
        assert (line["seq"], line["legacy"]) == (5, 3)
        db.session.remove()
        db.engine.dispose()
