"""Every route belongs to a permission, and each role gets exactly what the table says.

The table is the union of tests/route_policy_core.py and each enabled plugin's
``<package>.tests.route_policy``.  A route missing from the table fails the suite.
"""

from __future__ import annotations

import importlib

import pytest
from flask import url_for

from clinic.extensions import db
from clinic.plugins import bundled_plugin_names
from clinic.testing import ROLES, fast_login, make_patient, make_user, outcome_matches
from tests import route_policy_core

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _policy_modules(app):
    modules = [route_policy_core]
    for loaded in app.extensions["clinic"].plugins.values():
        if loaded.status != "enabled" or not loaded.package:
            continue
        try:
            modules.append(importlib.import_module(f"{loaded.package}.tests.route_policy"))
        except ModuleNotFoundError as exc:
            pytest.fail(f"plugin {loaded.name!r} has no tests/route_policy.py ({exc})")
    return modules


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def _collect(app):
    modules = _policy_modules(app)
    rules = {}
    for module in modules:
        for rule in module.RULES:
            key = (rule.endpoint, rule.method)
            assert key not in rules, f"{key} appears twice in the route-policy tables"
            rules[key] = rule
    return modules, rules


@pytest.fixture
def policy(app):
    return _collect(app)


BUNDLED = bundled_plugin_names()
# The full product, then the product with each bundled plugin disabled in turn: every
# remaining route must still behave exactly as its table says.
PLUGIN_SETS = [pytest.param(None, id="all-plugins")] + [
    pytest.param([p for p in BUNDLED if p != off], id=f"without-{off}") for off in BUNDLED
]


def test_every_route_is_in_the_permission_table(app, policy):
    _modules, rules = policy
    missing = []
    for url_rule in app.url_map.iter_rules():
        if _is_static(url_rule.endpoint):
            continue
        for method in sorted(url_rule.methods - IGNORED_METHODS):
            if (url_rule.endpoint, method) not in rules:
                missing.append(f"{method} {url_rule.rule} ({url_rule.endpoint})")
    assert not missing, "routes missing from the route-policy table:\n" + "\n".join(missing)
    known = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods}
    stale = [key for key in rules if key not in known]
    assert not stale, f"table rows for routes that do not exist: {stale}"


def test_every_view_declares_its_permission(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if not _is_static(endpoint) and not hasattr(view, "required_permission")
    ]
    assert not undeclared, f"views without @require/@public/@signed_in: {undeclared}"


@pytest.mark.parametrize("enabled", PLUGIN_SETS)
def test_each_role_gets_the_expected_status(app_factory, enabled):
    app = app_factory(CLINIC_PLUGINS=enabled) if enabled is not None else app_factory()
    with app.app_context():
        _probe_every_route(app)
        db.session.remove()


HOSTILE_FIRST = "<img src=x onerror=alert(1)>"
HOSTILE_LAST = '<link rel="attachment" href="file:///etc/passwd">'


def _check_escaping(response, where: str) -> str | None:
    """Every page and PDF that may show the hostile patient must show it inertly."""
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        if HOSTILE_FIRST in body or HOSTILE_LAST in body:
            return f"{where}: the patient's name was written into the page unescaped"
    elif response.mimetype == "application/pdf":
        from tests.test_pdf import embedded_files

        if embedded_files(response.data) or b"/EmbeddedFile" in response.data:
            return f"{where}: the PDF carries an embedded file"
    return None


def _probe_every_route(app):
    modules, rules = _collect(app)
    patient = make_patient(first_name=HOSTILE_FIRST, last_name=HOSTILE_LAST)
    users = {role: make_user(role) for role in ROLES}
    args = {"patient_id": patient.id}
    for module in modules:
        args.update(module.route_args(patient, users) or {})

    clients = {"anon": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        fast_login(clients[role], user)

    url_rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    failures = []
    # Logging out ends the probing client's session, so it goes last.
    ordered = sorted(rules.values(), key=lambda r: r.endpoint == "auth.logout")
    for rule in ordered:
        needed = url_rules[rule.endpoint].arguments
        absent = needed - args.keys()
        assert not absent, f"route_args gives no value for {absent} ({rule.endpoint})"
        with app.test_request_context():
            url = url_for(rule.endpoint, **{k: args[k] for k in needed})
        for who, expected in rule.expected.items():
            client = clients[who]
            if rule.method == "GET":
                response = client.get(url)
            else:
                response = client.open(
                    url, method=rule.method, data={"csrf_token": client.csrf_token()}
                )
            leak = _check_escaping(response, f"{rule.method} {url} as {who}")
            if leak:
                failures.append(leak)
            if not outcome_matches(expected, response):
                failures.append(
                    f"{rule.method} {url} as {who}: expected {expected}, "
                    f"got {response.status_code} {response.headers.get('Location', '')}"
                )
    assert not failures, "\n".join(failures)
