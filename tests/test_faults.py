"""Faults while serving (issue 12, point 12), against real gunicorn masters.

* A worker killed (SIGKILL) in the middle of a multi-row write leaves nothing of it, and
  the next request (on the worker gunicorn starts in its place) works.
* PostgreSQL restarted between requests, or in the middle of a request's transaction,
  or down for a while: the next request works (or, while it is down, gets a clear 503
  page); the interrupted request gets the 503 page and left nothing behind.  The
  server restarted is a private cluster the test creates, so the shared one (and
  everyone else's sessions on it) is never touched.
* Two app servers on one database behave as one: a sign-in made on one works on the
  other, signing out on either ends it on both, and failed sign-ins add up.

The multi-row write is starting a session note from a plan: the note and one entry per
planned modality are flushed together, then the audit row, then the commit.  The test
app (``tests/fault_wsgi.py``) pauses that request right after the note's rows are
flushed, which is how the tests hit "the middle" every time.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass

import pytest
from flask import current_app
from sqlalchemy import func, select

from clinic import create_app
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.testing import (
    TEST_PASSWORD,
    base_config,
    make_patient,
    make_user,
    migrate_to_heads,
    test_database_url,
)
from plugins.treatment.models import Note, NoteEntry
from plugins.treatment.tests.factories import make_plan
from tests.faultserver import (
    REQUEST_TIMEOUT,
    Browser,
    Gunicorn,
    PrivateCluster,
    form_fields,
)

NEW_NOTE = r"/treatment/patients/\d+/notes/new"


@pytest.fixture
def serve(tmp_path):
    """``serve("a", "b", pause=NEW_NOTE, **env)`` starts one gunicorn per name on the
    database (and instance folder: same audit key and checkpoints) of the app the test
    is using, and waits until each answers; all are stopped when the test ends, pass or
    fail."""
    servers: list[Gunicorn] = []

    def start(*names: str, pause: str = "", **env) -> list[Gunicorn]:
        started = [
            Gunicorn(
                tmp_path / f"server-{name}",
                {
                    "CLINIC_DATABASE_URL": current_app.config["SQLALCHEMY_DATABASE_URI"],
                    "CLINIC_INSTANCE_PATH": current_app.instance_path,
                    "CLINIC_SECURE_COOKIES": "0",  # plain HTTP on 127.0.0.1
                    "CLINIC_FAULT_PAUSE_PATH": pause,
                    **env,
                },
            )
            for name in names or ("a",)
        ]
        servers.extend(started)
        for server in started:  # they boot side by side
            server.wait_ready()
        return started

    yield start
    for server in servers:
        server.stop()
        print(f"--- gunicorn {server.folder.name} ---\n{server.output()}")  # shown on failure


@dataclass(frozen=True)
class Clinic:
    username: str
    patient_id: int
    last_name: str


@pytest.fixture
def clinic(app) -> Clinic:
    return _make_clinic()


def _make_clinic() -> Clinic:
    """A therapist and a patient with an active plan of three modalities.

    Plain values, and no transaction left open: on SQLite the test's own session would
    otherwise hold the write lock the servers need.
    """
    therapist = make_user("therapist")
    patient = make_patient()
    make_plan(patient, therapist)
    made = Clinic(therapist.username, patient.id, patient.last_name)
    db.session.commit()
    return made


def _in_background(call, *args) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["page"] = call(*args)
        except OSError as exc:  # the connection closed without an answer
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _stored_notes(patient_id: int) -> tuple[int, int, int]:
    """Notes, note entries and note-creation audit rows the database holds (fresh read)."""
    db.session.rollback()
    notes = db.session.scalar(select(func.count(Note.id)).where(Note.patient_id == patient_id))
    entries = db.session.scalar(
        select(func.count(NoteEntry.id)).join(Note).where(Note.patient_id == patient_id)
    )
    audited = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.event_type == "treatment.note.create")
    )
    db.session.rollback()
    return notes, entries, audited


def _audit_verifies(app) -> None:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_worker_killed_mid_write_leaves_nothing_and_the_next_request_works(app, clinic, serve):
    (server,) = serve(pause=NEW_NOTE)
    browser = Browser(server.url)
    assert browser.login(clinic.username, TEST_PASSWORD).status == 302
    url = f"/treatment/patients/{clinic.patient_id}/notes/new"
    fields = form_fields(browser.get(url).text)

    thread, outcome = _in_background(browser.post, url, fields)
    worker = server.paused_worker()  # the note and its entries are flushed, not committed
    os.kill(worker, signal.SIGKILL)
    thread.join(REQUEST_TIMEOUT)
    assert not thread.is_alive()
    assert "error" in outcome, f"the killed request was answered: {outcome}"

    assert _stored_notes(clinic.patient_id) == (0, 0, 0)
    # gunicorn replaces the worker; the same sign-in and the same form work on it.
    page = browser.post(url, fields)
    assert page.status == 302, page.text
    assert _stored_notes(clinic.patient_id) == (1, 3, 1)
    assert "/notes/" in page.location
    assert browser.get(page.location.removeprefix(server.url)).status == 200
    _audit_verifies(app)


def _is_unavailable_page(status: int, text: str, headers) -> None:
    assert status == 503, text
    assert "The database is not available right now" in text
    assert "Nothing was saved" in text
    assert "Traceback" not in text and "psycopg" not in text and "sqlite" not in text.lower()
    assert headers.get("retry-after")


def test_a_database_that_cannot_be_reached_gives_a_clear_503(app_factory):
    # Nothing listens on port 1: every connection attempt is refused at once.  (Needs
    # no PostgreSQL server, so this runs on every CI pass.)
    down = app_factory(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://clinic:x@127.0.0.1:1/none")
    client = down.test_client()
    sign_in = {"username": "someone", "password": TEST_PASSWORD}
    for response in (
        client.get("/"),
        client.get("/auth/login"),
        client.post_form("/auth/login", sign_in),
    ):
        _is_unavailable_page(
            response.status_code, response.get_data(as_text=True), response.headers
        )
    assert client.get("/healthz").status_code == 503
    # A browser that was signed in: the page must not try to load its user again.
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-token"
    response = client.get("/patients/")
    _is_unavailable_page(response.status_code, response.get_data(as_text=True), response.headers)


def test_an_error_page_that_needs_the_lost_database_becomes_the_503_page(app_factory):
    # A form whose CSRF token has expired: its error page records the refusal, which
    # fails too.  As on a server, the exception is not passed up to the caller.
    down = app_factory(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://clinic:x@127.0.0.1:1/none",
        PROPAGATE_EXCEPTIONS=False,
    )
    client = down.test_client()
    response = client.post("/auth/login", data={"username": "someone", "password": "x"})
    _is_unavailable_page(response.status_code, response.get_data(as_text=True), response.headers)


def test_two_servers_on_one_database_behave_as_one(app, clinic, serve):
    desk = make_user("front-desk").username
    db.session.commit()  # no open transaction while the servers work (SQLite's lock)
    limit = {"CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT": "4"}
    a, b = serve("a", "b", **limit)

    # Signed in on A, the same cookie works on B.
    on_a = Browser(a.url)
    assert on_a.login(clinic.username, TEST_PASSWORD).status == 302
    on_b = Browser(b.url, cookies=dict(on_a.cookies))  # the same browser, routed to B
    chart = f"/patients/{clinic.patient_id}"
    page = on_b.get(chart)
    assert page.status == 200 and clinic.last_name in page.text

    # Signed out on B: A refuses the cookie it still holds (as it would a copied one).
    signed_out = on_b.post("/auth/logout", {"csrf_token": form_fields(page.text)["csrf_token"]})
    assert signed_out.status == 302
    refused = on_a.get(chart)
    assert refused.status == 302 and "/auth/login" in refused.location

    # Failed sign-ins add up across servers: two on each, though neither alone saw four.
    for server in (a, b, a, b):
        assert Browser(server.url).login(desk, "not-the-password").status == 401
    locked = Browser(b.url).login(desk, TEST_PASSWORD)
    assert locked.status == 401, "the right password got in during the lockout"
    db.session.rollback()
    reasons = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.event_type == "auth.login_failed", AuditEvent.username == desk
        )
    ).all()
    db.session.rollback()
    assert sum("rate limited" in r for r in reasons) == 1
    assert sum("wrong password" in r for r in reasons) == 4


@pytest.fixture
def restartable(tmp_path):
    """An app on a private PostgreSQL cluster that the test may stop and restart."""
    if not test_database_url():
        pytest.skip(
            "restarts a PostgreSQL server of its own: runs on the PostgreSQL pass "
            "(CLINIC_TEST_DATABASE_URL); SQLite has no server to restart"
        )
    why_not = PrivateCluster.unavailable()
    if why_not:
        pytest.skip(why_not)
    cluster = PrivateCluster(PrivateCluster.find_bindir())
    try:
        application = create_app(base_config(cluster.url, tmp_path / "instance"))
        migrate_to_heads(application)
        with application.app_context():
            yield application, cluster
            db.session.remove()
            db.engine.dispose()
    finally:
        cluster.remove()


def test_postgresql_restarted_while_serving(restartable, serve):
    app, cluster = restartable
    clinic = _make_clinic()
    (server,) = serve(pause=NEW_NOTE)
    browser = Browser(server.url)
    assert browser.login(clinic.username, TEST_PASSWORD).status == 302
    chart = f"/patients/{clinic.patient_id}"
    assert browser.get(chart).status == 200

    # Restarted between requests: the pool notices (pool_pre_ping) and reconnects.
    cluster.restart()
    page = browser.get(chart)
    assert page.status == 200 and clinic.last_name in page.text

    # Down: a clear 503, and back to normal as soon as it is up again.
    cluster.pg_ctl("stop", "-m", "fast")
    down = browser.get(chart)
    _is_unavailable_page(down.status, down.text, down.headers)
    cluster.pg_ctl("start")
    assert browser.get(chart).status == 200

    # Restarted in the middle of a request's transaction: that request gets the 503
    # page, the server rolled its rows back, and the form sent again is stored once.
    url = f"/treatment/patients/{clinic.patient_id}/notes/new"
    fields = form_fields(browser.get(url).text)
    thread, outcome = _in_background(browser.post, url, fields)
    server.paused_worker()  # the note and its entries are flushed, not committed
    cluster.restart()
    server.release()
    thread.join(REQUEST_TIMEOUT)
    assert not thread.is_alive()
    page = outcome["page"]
    _is_unavailable_page(page.status, page.text, page.headers)
    assert _stored_notes(clinic.patient_id) == (0, 0, 0)
    assert browser.get(chart).status == 200
    again = browser.post(url, fields)
    assert again.status == 302, again.text
    assert _stored_notes(clinic.patient_id) == (1, 3, 1)
    _audit_verifies(app)
