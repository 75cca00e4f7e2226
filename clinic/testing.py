"""Pytest fixtures and factories for the core and for plugin authors.

Load with ``pytest_plugins = ["clinic.testing"]`` in a root ``conftest.py``.

Every test gets a fresh application and a database at the head of all migrations:
on SQLite a copy of a migrated template file; on PostgreSQL (when
``CLINIC_TEST_DATABASE_URL`` is set) the migrated schema, emptied after each test.

One module on purpose (past ~400 lines): a plugin author loads a single pytest plugin and
imports every fixture and helper from one place.  The larger checks it offers live in
:mod:`clinic.routecheck` and :mod:`clinic.plugincheck`.
"""

from __future__ import annotations

import warnings


def dependency_modules(distribution: str = "clinic") -> list[str]:
    """Top-level modules of every distribution ``distribution`` requires (any extra)."""
    from importlib.metadata import packages_distributions, requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    wanted = {canonicalize_name(Requirement(r).name) for r in requires(distribution) or ()}
    return sorted(
        module
        for module, dists in packages_distributions().items()
        if module.isidentifier() and any(canonicalize_name(d) in wanted for d in dists)
    )


def import_quietly(modules) -> list[warnings.WarningMessage]:
    """Import third-party modules, keeping their import-time warnings from failing tests.

    The suite runs with ``filterwarnings = error`` so that our own code cannot warn; a
    library that warns while it is imported (WeasyPrint when ``libharfbuzz-subset0`` is
    missing, say) is the machine's business, reported by ``clinic.syscheck``.  Its
    warnings are re-issued as ordinary warnings, so pytest still lists them.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in modules:
            try:
                __import__(name)
            except ImportError:
                continue  # an optional extra that is not installed
    for message in caught:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.warn_explicit(
                message.message, message.category, message.filename, message.lineno
            )
    return caught


import_quietly(dependency_modules())

import contextvars
import datetime as dt
import itertools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import inspect, text

from clinic import create_app
from clinic.auth.models import FormDraft, StaffSession  # noqa: F401 -- for plugin tests
from clinic.extensions import db

TEST_PASSWORD = "quiet-harbour-lantern-42"  # noqa: S105 -- throwaway test accounts only
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def test_database_url() -> str | None:
    return os.environ.get("CLINIC_TEST_DATABASE_URL") or None


test_database_url.__test__ = False  # a helper that pytest would otherwise collect


def base_config(database_url: str, instance: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": None,
    }
    config.update(extra)
    os.environ["CLINIC_INSTANCE_PATH"] = str(instance)
    return config


def migrate_to_heads(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()  # the core and every enabled plugin


def empty_postgres(url: str) -> None:
    """Empty every table (but keep the migrated schema) of the test database at ``url``."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
        if tables:
            from clinic.database import guarded_tables

            with engine.begin() as conn:
                # The append-only tables refuse TRUNCATE; the owner lifts that guard for
                # this one transaction only, so a failure leaves every guard in place.
                guarded = guarded_tables(conn)
                for table in guarded:
                    conn.execute(text(f'ALTER TABLE "{table}" DISABLE TRIGGER USER'))
                quoted = ", ".join(f'"{t}"' for t in tables)
                conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
                for table in guarded:
                    conn.execute(text(f'ALTER TABLE "{table}" ENABLE TRIGGER USER'))
    finally:
        engine.dispose()


def reset_postgres_schema(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class ClinicClient(FlaskClient):
    """A test client that behaves like a browser talking to a real server.

    Each request runs in its own, empty context, so it gets its own application
    context and database session, exactly as on a server; the test's own session
    (if one is open) is committed first so it holds no lock and sees fresh data after.
    It can also fill in the CSRF token the way a browser form does.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as sess:
            raw = sess.get("csrf_token")
            if raw is None:
                import hashlib

                raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 -- token, not a hash of secrets
                sess["csrf_token"] = raw
        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=payload, **kwargs)


# -- factories ---------------------------------------------------------------


def make_user(
    role: str = "front-desk", username: str | None = None, password: str = TEST_PASSWORD, **fields
):
    """Create and commit a staff user (password hashing is cached for speed)."""
    from werkzeug.security import generate_password_hash

    from clinic.auth.models import User

    n = next(_counter)
    username = username or f"{role.replace('-', '')}{n}"
    user = User(
        username=username,
        display_name=fields.pop("display_name", f"Staff {n}"),
        role=role,
        **fields,
    )
    if password not in _hash_cache:
        _hash_cache[password] = generate_password_hash(password, method="scrypt")
    user.password_hash = _hash_cache[password]
    db.session.add(user)
    db.session.commit()
    return user


def make_patient(**fields):
    from clinic.patients.models import Patient

    n = next(_counter)
    values = {
        "first_name": f"Pat{n}",
        "last_name": f"Testpatient{n}",
        # Wrapped so the 500th patient of a long test session is not born in the future
        # (the patient form would refuse to save them).
        "date_of_birth": dt.date(1970, 1, 1) + dt.timedelta(days=n * 37 % 18_000),
        "phone": f"555-01{n % 100:02d}-{n:04d}",
    }
    values.update(fields)
    patient = Patient(**values)
    db.session.add(patient)
    db.session.commit()
    return patient


def login(client: ClinicClient, user, password: str = TEST_PASSWORD):
    """Sign in through the real login form."""
    response = client.post_form("/auth/login", {"username": user.username, "password": password})
    assert response.status_code == 302, f"login failed for {user.username}"
    return response


def fast_login(client: ClinicClient, user) -> None:
    """Give ``client`` a valid server-side session for ``user`` without the login form."""
    from clinic.auth.models import token_digest

    token = StaffSession.new_token()
    db.session.add(StaffSession(token_hash=token_digest(token), user_id=user.id))
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True


def register_hooks(app: Flask, implementation, name: str):
    """Register an object's ``@hookimpl`` methods on ``app`` for this test, exactly as a
    plugin's hooks module is registered (so a test can stand in for another plugin)."""
    app.extensions["clinic"].pm.register(implementation, name=name)
    return implementation


def enabled_plugins(app: Flask) -> list[str]:
    """Names of the plugins enabled in ``app``, in load order."""
    return [n for n, p in app.extensions["clinic"].plugins.items() if p.status == "enabled"]


def extract_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _hook_calls():
    """Note which hooks the session calls (``clinic.plugincheck.HOOKS_CALLED``)."""
    from clinic.plugincheck import record_hook_calls

    stop = record_hook_calls()
    yield
    stop()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "whole_session: judges the whole test session; runs after every other test"
    )


def pytest_collection_modifyitems(session, config, items):
    # A test that judges what the session did (e.g. every hook was called) goes last.
    items.sort(key=lambda item: item.get_closest_marker("whole_session") is not None)


def whole_suite_ran(config) -> bool:
    """True when pytest was started on its configured test paths with no ``-k`` filter
    (``-m`` may drop the browser tests), so a session-wide judgement is fair."""
    source = getattr(config, "args_source", None)
    return source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory) -> Iterator[str]:
    """Migrate once per session; tests start from a copy (SQLite) or an emptied schema."""
    root = tmp_path_factory.mktemp("clinic-template")
    pg = test_database_url()
    if pg:
        reset_postgres_schema(pg)
        url = pg
    else:
        url = f"sqlite:///{root / 'template.sqlite3'}"
    app = create_app(base_config(url, root / "instance"))
    migrate_to_heads(app)
    with app.app_context():
        db.engine.dispose()
    yield url


@pytest.fixture
def database_url(_template_db, tmp_path) -> str:
    if test_database_url():
        return _template_db
    source = Path(_template_db.removeprefix("sqlite:///"))
    target = tmp_path / "clinic.sqlite3"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new, empty database of its own on the engine under test (for tests that
    migrate, restore into, or change the schema of a database), dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = test_database_url()
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = make_url(base)
    name = f"clinic_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def app_factory(database_url, tmp_path):
    """Build extra apps on the test's database, e.g. with other plugins enabled."""
    made: list[Flask] = []

    def build(**config) -> Flask:
        app = create_app(base_config(database_url, tmp_path / "instance", **config))
        app.test_client_class = ClinicClient
        made.append(app)
        return app

    yield build
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if made and test_database_url():
        # The test's apps wrote to the shared PostgreSQL test database: empty it.
        empty_postgres(database_url)


@pytest.fixture
def app(app_factory, database_url) -> Iterator[Flask]:
    application = app_factory()
    ctx = application.app_context()
    ctx.push()
    yield application
    db.session.remove()
    ctx.pop()


@pytest.fixture
def client(app) -> ClinicClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def signed_in(app):
    """``signed_in("therapist")`` → (client, user) already logged in with that role."""

    def factory(role: str = "front-desk", **fields):
        user = make_user(role, **fields)
        client = app.test_client()
        login(client, user)
        return client, user

    return factory


@pytest.fixture
def frozen_clock():
    """``frozen_clock(dt.datetime(2026, 3, 10, 2, 30))`` stops the application's clock
    (:func:`clinic.clock.utcnow`, naive UTC) at that instant for the rest of the test —
    e.g. an evening in New York that is already tomorrow in UTC."""
    from clinic import clock

    def freeze(at: dt.datetime) -> dt.datetime:
        if at.tzinfo is not None:
            at = at.astimezone(dt.UTC).replace(tzinfo=None)
        clock._frozen_at = at
        return at

    yield freeze
    clock._frozen_at = None


# -- route policy -------------------------------------------------------------

LOGIN = "login"  # anonymous users are sent to the sign-in page
OK = "ok"  # allowed: anything except 401/403/500 or a redirect to sign in
ROLES = ("front-desk", "therapist", "billing", "admin")


class RouteRule:
    """Expected outcome of one route for each kind of user (see :mod:`clinic.routecheck`)."""

    def __init__(
        self, endpoint: str, method: str = "GET", *, anon, front_desk, therapist, billing, admin
    ):
        self.endpoint = endpoint
        self.method = method
        self.expected = {
            "anon": anon,
            "front-desk": front_desk,
            "therapist": therapist,
            "billing": billing,
            "admin": admin,
        }

    def __repr__(self) -> str:
        return f"RouteRule({self.endpoint!r}, {self.method!r})"


def outcome_matches(expected, response) -> bool:
    location = response.headers.get("Location", "")
    to_login = response.status_code in (301, 302, 303) and "/auth/login" in location
    if expected == LOGIN:
        return to_login
    if expected == OK:
        return response.status_code not in (401, 403, 500) and not to_login
    return response.status_code == expected


def private_core_imports(package) -> list[str]:
    """Imports of private ``clinic`` modules in a plugin package (should be ``[]``);
    see :mod:`clinic.plugincheck`."""
    from clinic.plugincheck import private_core_imports as find

    return find(package)


def check_route_policy(app: Flask, **kwargs) -> None:
    """Assert every route is in its table and each role gets what the table says.

    ``check_route_policy(app, plugins=["sticky"])`` judges one plugin's routes against
    the table its manifest names; see :func:`clinic.routecheck.check_route_policy`.
    """
    from clinic.routecheck import check_route_policy as check

    check(app, **kwargs)


# -- browser tests --------------------------------------------------------------

CHROMIUM = os.environ.get("CLINIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class LiveServer:
    def __init__(self, app: Flask, server, thread):
        self.app = app
        self.server = server
        self.thread = thread
        self.url = f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def live_server(app_factory) -> Iterator[LiveServer]:
    """A real threaded HTTP server on 127.0.0.1 serving a fresh, migrated database."""
    import threading

    from werkzeug.serving import make_server

    application = app_factory()
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(application, server, thread)
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="session")
def _browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CLINIC_REQUIRE_BROWSER"):
            pytest.fail(f"CLINIC_REQUIRE_BROWSER is set but {CHROMIUM} does not exist")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser, live_server):
    """A fresh browser tab (own cookies) pointed at the live server."""
    context = _browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"browser reported errors: {errors}"
