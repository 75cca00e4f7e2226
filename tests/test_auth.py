"""Sign-in, sessions and accounts: the behaviours a security reviewer checks first."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clinic.audit.models import AuditEvent
from clinic.auth.models import FormDraft, StaffSession, User
from clinic.auth.passwords import password_problem
from clinic.auth.sessions import safe_next
from clinic.extensions import db
from clinic.testing import TEST_PASSWORD, login, make_patient, make_user


def events(kind: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)))


# -- first run -------------------------------------------------------------------


def test_first_start_offers_setup_and_setup_disappears_afterwards(client):
    assert client.get("/").headers["Location"].endswith("/auth/setup")
    response = client.post_form(
        "/auth/setup",
        {
            "display_name": "Owner",
            "username": "owner",
            "password": "tidal-saffron-beacon-9",
            "confirm": "tidal-saffron-beacon-9",
        },
    )
    assert response.status_code == 302
    owner = db.session.scalars(select(User)).one()
    assert owner.role == "admin"
    assert client.get("/auth/setup").status_code == 404
    assert (
        client.post_form(
            "/auth/setup",
            {
                "display_name": "X",
                "username": "intruder",
                "password": "tidal-saffron-beacon-9",
                "confirm": "tidal-saffron-beacon-9",
            },
        ).status_code
        == 404
    )
    assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_setup_refuses_a_weak_password_and_creates_nothing(client):
    response = client.post_form(
        "/auth/setup",
        {
            "display_name": "Owner",
            "username": "owner",
            "password": "password1234",
            "confirm": "password1234",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.text
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_cli_creates_a_user_reading_the_password_from_stdin(runner):
    result = runner.invoke(
        args=["user", "create", "dana", "--role", "front-desk"], input="harbour-violet-kettle-3\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User).where(User.username == "dana")).one()
    assert user.role == "front-desk" and user.check_password("harbour-violet-kettle-3")


def test_cli_refuses_short_passwords_and_unknown_roles(runner):
    assert (
        runner.invoke(
            args=["user", "create", "a1", "--role", "front-desk"], input="short\n"
        ).exit_code
        != 0
    )
    assert (
        runner.invoke(
            args=["user", "create", "a2", "--role", "janitor"], input="harbour-violet-kettle-3\n"
        ).exit_code
        != 0
    )
    assert db.session.scalar(select(db.func.count(User.id))) == 0


@pytest.mark.parametrize(
    "password, ok",
    [
        ("elevenchars", False),
        ("Password123!", False),
        ("qwertyuiop12", False),
        ("aaaaaaaaaaaaaaa", False),
        ("dana-is-my-name-ok", False),
        ("harbour-violet-kettle-3", True),
    ],
)
def test_password_policy(password, ok):
    assert (password_problem(password, "dana") is None) is ok


# -- signing in ------------------------------------------------------------------


def test_wrong_password_and_unknown_user_get_the_same_generic_message(client, app):
    make_user("front-desk", username="dana")
    wrong = client.post_form("/auth/login", {"username": "dana", "password": "nope-nope-nope"})
    unknown = client.post_form("/auth/login", {"username": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Sign-in failed" in wrong.text and "Sign-in failed" in unknown.text
    assert len(events("auth.login_failed")) == 2


def test_login_is_rate_limited_per_account(client, app):
    user = make_user("front-desk", username="dana")
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post_form("/auth/login", {"username": "dana", "password": "wrong-wrong-wrong"})
    response = client.post_form("/auth/login", {"username": "dana", "password": TEST_PASSWORD})
    assert response.status_code == 401, "the right password is refused while locked"
    assert "Sign-in failed" in response.text
    assert user.id  # the account itself is untouched
    reasons = [e.detail for e in events("auth.login_failed")]
    assert any("rate limited" in r for r in reasons)


def test_login_is_rate_limited_per_address(app):
    app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    make_user("front-desk", username="victim")
    client = app.test_client()
    for n in range(3):
        client.post_form("/auth/login", {"username": f"guess{n}", "password": "x" * 12})
    response = client.post_form("/auth/login", {"username": "victim", "password": TEST_PASSWORD})
    assert response.status_code == 401


def test_login_issues_a_new_session_id(client):
    user = make_user("front-desk")
    with client.session_transaction() as sess:
        sess["_user_id"] = "attacker-chosen-value"
    login(client, user)
    with client.session_transaction() as sess:
        token = sess["_user_id"]
    assert token != "attacker-chosen-value"
    assert db.session.scalar(select(db.func.count(StaffSession.id))) == 1


def test_logout_kills_the_session_on_the_server(client, app):
    user = make_user("front-desk")
    login(client, user)
    stolen = client.get_cookie("clinic_session").value
    client.post_form("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("clinic_session", stolen)
    assert thief.get("/patients/").status_code == 302


def test_password_change_ends_other_sessions_but_keeps_this_one(app):
    user = make_user("therapist")
    desk, laptop = app.test_client(), app.test_client()
    login(desk, user)
    login(laptop, user)
    response = desk.post_form(
        "/auth/account/password",
        {
            "current": TEST_PASSWORD,
            "password": "copper-lagoon-thistle-8",
            "confirm": "copper-lagoon-thistle-8",
        },
    )
    assert response.status_code == 302
    assert desk.get("/patients/").status_code == 200
    assert laptop.get("/patients/").status_code == 302


def test_deactivation_ends_sessions_at_once(app):
    admin = make_user("admin")
    desk_user = make_user("front-desk")
    admin_client, desk = app.test_client(), app.test_client()
    login(admin_client, admin)
    login(desk, desk_user)
    assert desk.get("/patients/").status_code == 200
    admin_client.post_form(f"/admin/users/{desk_user.id}/active")
    assert desk.get("/patients/").status_code == 302
    assert (
        desk.post_form(
            "/auth/login", {"username": desk_user.username, "password": TEST_PASSWORD}
        ).status_code
        == 401
    )


def test_role_change_takes_effect_immediately(app):
    admin = make_user("admin")
    user = make_user("front-desk")
    admin_client, client = app.test_client(), app.test_client()
    login(admin_client, admin)
    login(client, user)
    admin_client.post_form(
        f"/admin/users/{user.id}",
        {
            "display_name": user.display_name,
            "username": user.username,
            "credentials": "",
            "role": "billing",
        },
    )
    assert client.get("/patients/new").status_code == 302  # signed out, must sign in again


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/patients/12", "/patients/12"),
        ("/patients/?q=ann", "/patients/?q=ann"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/\\evil.example", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_next_redirect_is_only_ever_local(target, expected):
    assert safe_next(target) == expected


def test_login_follows_a_local_next_but_not_an_external_one(app):
    user = make_user("front-desk")
    client = app.test_client()
    ok = client.post_form(
        "/auth/login?next=/patients/new", {"username": user.username, "password": TEST_PASSWORD}
    )
    assert ok.headers["Location"] == "/patients/new"
    other = app.test_client()
    bad = other.post_form(
        "/auth/login?next=https://evil.example/",
        {"username": user.username, "password": TEST_PASSWORD},
    )
    assert "evil" not in bad.headers["Location"]


# -- idle timeout ---------------------------------------------------------------


def _age_sessions(minutes: int) -> None:
    for row in db.session.scalars(select(StaffSession)):
        row.last_seen -= dt.timedelta(minutes=minutes)
    db.session.commit()


def test_idle_session_expires(signed_in, app):
    client, _user = signed_in("front-desk")
    assert client.get("/patients/").status_code == 200
    _age_sessions(app.config["CLINIC_IDLE_TIMEOUT_MINUTES"] + 1)
    assert "/auth/login" in client.get("/patients/").headers["Location"]


def test_form_typed_when_the_session_timed_out_is_kept_and_restored(signed_in, app):
    client, user = signed_in("front-desk")
    patient = make_patient(first_name="Ada", last_name="Stone")
    client.get(f"/patients/{patient.id}/edit")
    _age_sessions(app.config["CLINIC_IDLE_TIMEOUT_MINUTES"] + 5)
    response = client.post_form(
        f"/patients/{patient.id}/edit",
        {
            "first_name": "Ada",
            "last_name": "Stone-Carter",
            "date_of_birth": "1970-01-01",
            "sex": "female",
            "phone": "555 010 2000",
            "version": str(patient.version),
        },
    )
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert db.session.scalar(select(db.func.count(FormDraft.id))) == 1
    db.session.refresh(patient)
    assert patient.last_name == "Stone", "nothing is saved without a live session"

    login(client, user)
    page = client.get(f"/patients/{patient.id}/edit")
    assert 'value="Stone-Carter"' in page.text
    assert "put back" in page.text
    assert db.session.scalar(select(db.func.count(FormDraft.id))) == 0


def test_passwords_are_never_kept_in_a_draft(signed_in, app):
    client, _user = signed_in("therapist")
    patient = make_patient()
    _age_sessions(app.config["CLINIC_IDLE_TIMEOUT_MINUTES"] + 5)
    client.post_form(
        f"/patients/{patient.id}/edit",
        {
            "last_name": "Kept",
            "password": "my-secret-passphrase",
            "signing_password": "x" * 12,
            "api_token": "t",
        },
    )
    draft = db.session.scalars(select(FormDraft)).one()
    assert "Kept" in draft.data
    assert "passphrase" not in draft.data and "x" * 12 not in draft.data
    assert "csrf" not in draft.data and "api_token" not in draft.data


def test_a_forged_post_is_not_kept_as_a_draft(signed_in, app):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    _age_sessions(app.config["CLINIC_IDLE_TIMEOUT_MINUTES"] + 5)
    client.post(
        f"/patients/{patient.id}/edit", data={"last_name": "Planted", "csrf_token": "forged"}
    )
    assert db.session.scalar(select(db.func.count(FormDraft.id))) == 0


# -- headers and cookies ------------------------------------------------------------


def test_security_headers_on_pages(signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    response = client.get(f"/patients/{patient.id}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in response.headers["Cache-Control"]


def test_session_cookie_flags(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user("front-desk")
    client = app.test_client()
    response = client.post_form(
        "/auth/login",
        {"username": user.username, "password": TEST_PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_post_without_csrf_is_refused_and_audited(signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    response = client.post(f"/patients/{patient.id}/archive")
    assert response.status_code == 400
    db.session.refresh(patient)
    assert patient.archived_at is None
    assert any("csrf" in e.detail for e in events("access.denied"))


def test_access_denied_is_audited(signed_in):
    client, user = signed_in("billing")
    assert client.get("/admin/users").status_code == 403
    denied = events("access.denied")
    assert denied and denied[-1].user_id == user.id and denied[-1].outcome == "denied"
