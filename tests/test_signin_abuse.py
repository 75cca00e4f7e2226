"""Sign-in under attack (issue 12, points 3-7).

Lockouts that cannot be stretched, proxies trusted only when configured, unknown names
that cost a full hash, re-entered passwords limited like sign-in, sessions with an
absolute lifetime, HSTS over HTTPS, and refusals that cannot flood the audit log.
Waiting is simulated by moving stored timestamps back, never by sleeping.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from clinic.audit.models import AuditEvent, RefusalCount
from clinic.audit.refusals import ALL_SOURCES, is_milestone
from clinic.auth import lockout
from clinic.auth.backoff import wait_after
from clinic.auth.models import LoginAttempt, StaffSession, User
from clinic.extensions import db
from clinic.testing import TEST_PASSWORD, login, make_user

WRONG = "definitely-not-it-123"
NEW_PASSWORD = "copper-lagoon-thistle-8"


def events(kind: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.event_type == kind).order_by(AuditEvent.id)
        )
    )


def attempts() -> int:
    return db.session.scalar(select(func.count(LoginAttempt.id)))


def wait(seconds: float) -> None:
    """Let time pass for the lockout: every stored attempt moves into the past."""
    for row in db.session.scalars(select(LoginAttempt)):
        row.at -= dt.timedelta(seconds=seconds)
    db.session.commit()


def age_sessions(by: dt.timedelta) -> None:
    for row in db.session.scalars(select(StaffSession)):
        row.created_at -= by
    db.session.commit()


def sign_in(client, username, password, address="127.0.0.1", **kwargs):
    return client.post_form(
        "/auth/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        **kwargs,
    )


# -- point 4: a lockout that cannot be used to keep staff out -----------------------------


def test_the_wait_doubles_per_counted_failure_and_stops_at_the_cap():
    base, cap = dt.timedelta(seconds=30), dt.timedelta(minutes=15)
    waits = [wait_after(n, 5, base, cap).total_seconds() for n in range(4, 13)]
    assert waits == [0, 30, 60, 120, 240, 480, 900, 900, 900]


def test_attempts_while_locked_do_not_extend_the_lock(app):
    make_user("therapist", username="dana")
    attacker, dana = app.test_client(), app.test_client()
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert sign_in(attacker, "dana", WRONG, "198.51.100.7").status_code == 401
    counted = attempts()
    for _ in range(30):  # the attacker keeps hammering, sometimes even with the password
        assert sign_in(attacker, "dana", WRONG, "198.51.100.7").status_code == 401
    assert sign_in(dana, "dana", TEST_PASSWORD, "192.0.2.10").status_code == 401  # still locked
    assert attempts() == counted, "refused attempts must not count towards the lock"
    wait(app.config["CLINIC_LOGIN_LOCK_SECONDS"] + 1)
    response = sign_in(dana, "dana", TEST_PASSWORD, "192.0.2.10")
    assert response.status_code == 302, "after the wait the right password works"


def test_each_counted_failure_after_a_lock_doubles_the_next_wait(app):
    make_user("therapist", username="dana")
    client = app.test_client()
    base = app.config["CLINIC_LOGIN_LOCK_SECONDS"]
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        sign_in(client, "dana", WRONG)
    wait(base + 1)
    sign_in(client, "dana", WRONG)  # counted: the first lock was over
    wait(base + 1)
    assert sign_in(client, "dana", TEST_PASSWORD).status_code == 401  # now 2 × base
    wait(base)
    assert sign_in(client, "dana", TEST_PASSWORD).status_code == 302


def test_an_admin_sees_the_lock_and_lifts_it(app, signed_in):
    user = make_user("therapist", username="dana")
    client = app.test_client()
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        sign_in(client, "dana", WRONG, "198.51.100.7")
    admin, _ = signed_in("admin")
    page = admin.get(f"/admin/users/{user.id}")
    assert "Sign-in locked" in page.text
    response = admin.post_form(f"/admin/users/{user.id}/unlock")
    assert response.status_code == 302
    assert "Sign-in locked" not in admin.get(f"/admin/users/{user.id}").text
    assert sign_in(client, "dana", TEST_PASSWORD, "192.0.2.10").status_code == 302
    unlocked = events("auth.unlock")
    assert len(unlocked) == 1 and unlocked[0].object_id == str(user.id)


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(app, app_factory):
    make_user("admin")
    client = app.test_client()
    sign_in(client, "ghost", WRONG, headers={"X-Forwarded-For": "203.0.113.5"})
    assert db.session.scalars(select(LoginAttempt.ip)).all() == ["127.0.0.1"]
    behind_proxy = app_factory(CLINIC_TRUSTED_PROXIES=["127.0.0.0/8"]).test_client()
    sign_in(behind_proxy, "ghost", WRONG, headers={"X-Forwarded-For": "203.0.113.5"})
    sign_in(behind_proxy, "ghost", WRONG, "192.0.2.50", headers={"X-Forwarded-For": "10.9.9.9"})
    ips = db.session.scalars(select(LoginAttempt.ip).order_by(LoginAttempt.id)).all()
    assert ips == ["127.0.0.1", "203.0.113.5", "192.0.2.50"]


def test_one_address_behind_the_proxy_cannot_lock_out_the_others(app_factory):
    app = app_factory(CLINIC_TRUSTED_PROXIES=["127.0.0.1"], CLINIC_LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    with app.app_context():
        make_user("front-desk", username="erin")
        client = app.test_client()
        for n in range(5):
            sign_in(client, f"guess{n}", WRONG, headers={"X-Forwarded-For": "203.0.113.9"})
        ok = sign_in(client, "erin", TEST_PASSWORD, headers={"X-Forwarded-For": "192.0.2.1"})
        assert ok.status_code == 302
        db.session.remove()


# -- point 5: unknown names cost a full hash ---------------------------------------------


def test_unknown_and_real_names_cost_the_same_hashing(app, monkeypatch):
    make_user("front-desk", username="dana")
    make_user("front-desk", username="gone", active=False)
    calls: list[str] = []
    real = lockout.check_password_hash

    def counting(stored, password):
        calls.append(stored.split("$", 1)[0])
        return real(stored, password)

    monkeypatch.setattr(lockout, "check_password_hash", counting)
    client = app.test_client()
    per_name = {}
    for name in ("dana", "ghost", "gone"):
        before = len(calls)
        assert sign_in(client, name, WRONG).status_code == 401
        per_name[name] = calls[before:]
    assert [len(c) for c in per_name.values()] == [1, 1, 1]
    assert per_name["dana"] == per_name["ghost"] == per_name["gone"]  # same method and cost


# -- point 6: re-entered passwords are limited and audited like sign-in ------------------


def test_change_password_is_rate_limited_and_audited(app):
    user = make_user("therapist")
    client = app.test_client()
    login(client, user)
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        response = client.post_form("/auth/account/password", {"current": WRONG, **form})
        assert "That password is not right" in response.text
    response = client.post_form("/auth/account/password", {"current": TEST_PASSWORD, **form})
    assert "Too many wrong passwords" in response.text
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)
    failed = events("auth.reauth_failed")
    assert len(failed) == 6 and all("password change" in e.detail for e in failed)
    assert "rate limited" in failed[-1].detail
    assert all(e.user_id == user.id for e in failed)


def test_reentered_password_failures_lock_the_sign_in_too(app):
    user = make_user("therapist")
    client = app.test_client()
    login(client, user)
    form = {"current": WRONG, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    for _ in range(app.config["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        client.post_form("/auth/account/password", form)
    assert sign_in(app.test_client(), user.username, TEST_PASSWORD).status_code == 401


# -- point 7: absolute session lifetime, HSTS --------------------------------------------


@pytest.mark.parametrize(("age_hours", "allowed"), [(11, True), (13, False), (72, False)])
def test_sessions_end_after_their_absolute_lifetime(app, age_hours, allowed):
    user = make_user("front-desk")
    client = app.test_client()
    login(client, user)
    age_sessions(dt.timedelta(hours=age_hours))
    response = client.get("/patients/")  # last_seen is fresh: only the age can refuse it
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert "/auth/login" in response.headers["Location"]


def test_the_absolute_lifetime_is_a_setting(app):
    app.config["CLINIC_SESSION_MAX_HOURS"] = 1
    user = make_user("front-desk")
    client = app.test_client()
    login(client, user)
    age_sessions(dt.timedelta(hours=2))
    assert client.get("/patients/").status_code == 302


def test_hsts_is_sent_over_https_only(app, app_factory):
    make_user("admin")
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    secure = client.get("/auth/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    proxied = app_factory(CLINIC_TRUSTED_PROXIES=["127.0.0.1"]).test_client()
    behind_tls = proxied.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in behind_tls.headers


# -- point 3: refusals cannot flood the audit log, yet every one is counted ---------------


def test_milestones():
    assert [n for n in range(1, 100_001) if is_milestone(n)] == [100, 1000, 10_000, 100_000]


def _count(event_type: str, source: str) -> int:
    return db.session.scalar(
        select(func.sum(RefusalCount.count)).where(
            RefusalCount.event_type == event_type, RefusalCount.source == source
        )
    )


def test_a_flood_of_forged_posts_is_counted_but_logged_sparingly(app):
    make_user("admin")
    app.config["CLINIC_REFUSALS_LOGGED_PER_ADDRESS"] = 3
    client = app.test_client()
    for _ in range(120):
        assert client.post("/auth/login", data={"username": "x"}).status_code == 400
    logged = [e for e in events("access.denied") if "csrf" in e.detail]
    assert len(logged) == 4  # the first three, then the 100th
    assert '"attempts_from_address_this_hour": 100' in logged[-1].detail
    assert "sampled" in logged[-1].detail
    assert _count("access.denied", "127.0.0.1") == _count("access.denied", ALL_SOURCES) == 120


def test_many_addresses_share_one_hourly_logging_budget(app):
    make_user("admin")
    app.config["CLINIC_REFUSALS_LOGGED_PER_HOUR"] = 5
    client = app.test_client()
    for n in range(12):
        sign_in(client, f"ghost{n}", WRONG, f"198.51.100.{n + 1}")
    assert len(events("auth.login_failed")) == 5
    assert _count("auth.login_failed", ALL_SOURCES) == 12
    assert attempts() == 12  # the lockout still sees every counted failure


def test_a_signed_in_users_refusal_is_always_logged(app, signed_in):
    app.config["CLINIC_REFUSALS_LOGGED_PER_ADDRESS"] = 1
    client, user = signed_in("front-desk")
    for _ in range(3):
        client.post("/auth/logout")  # no CSRF token
    denied = [e for e in events("access.denied") if e.user_id == user.id]
    assert len(denied) == 3
