"""Security suite generated from ``app.url_map`` (issue 12, point 13).

Every POST route refuses a missing or foreign CSRF token and changes nothing; every
route that takes an object id refuses another patient's object under this patient's URL
(404) and changes nothing.  The routes come from the URL map and their callers and
arguments from the route-policy tables, so a new route cannot escape: one without a
table row already fails the route-policy test.
"""

from __future__ import annotations

from flask import url_for
from sqlalchemy import inspect, text

from clinic.extensions import db
from clinic.routecheck import (
    IGNORED_METHODS,
    collect_rules,
    plugin_policy_modules,
    seed_route_world,
)
from clinic.testing import fast_login, make_patient, make_user
from tests import route_policy_core

# Written by the refusal itself (the audit trail of the attempt), never patient data.
BOOKKEEPING_PREFIXES = ("audit_", "alembic_")
PREFERRED = ("admin", "therapist", "front-desk", "billing", "anon")


def _snapshot() -> dict[str, list[tuple]]:
    db.session.rollback()
    tables = [
        t for t in inspect(db.engine).get_table_names() if not t.startswith(BOOKKEEPING_PREFIXES)
    ]
    quote = db.engine.dialect.identifier_preparer.quote
    snap = {}
    for t in tables:
        select_all = f"SELECT * FROM {quote(t)}"  # noqa: S608 -- catalog names, quoted
        snap[t] = sorted(tuple(map(repr, row)) for row in db.session.execute(text(select_all)))
    db.session.rollback()
    return snap


def _allowed_caller(rule) -> str:
    """A caller the table lets through, so a refusal can only be the CSRF check."""
    for who in PREFERRED:
        if rule.expected.get(who) not in (403, "login"):
            return who
    return "admin"


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token_and_changes_nothing(app):
    modules = [route_policy_core, *plugin_policy_modules(app)]
    rules = collect_rules(modules)
    patient, _users, args, clients = seed_route_world(app, modules)
    stranger = app.test_client()
    fast_login(stranger, make_user("admin"))
    foreign_token = stranger.csrf_token()  # valid, but for someone else's session

    post_rules = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods - IGNORED_METHODS) and not r.endpoint.endswith("static")
    ]
    assert len(post_rules) > 30
    before = _snapshot()
    failures = []
    for url_rule in post_rules:
        rule = rules[(url_rule.endpoint, "POST")]
        with app.test_request_context():
            url = url_for(url_rule.endpoint, **{k: args[k] for k in url_rule.arguments})
        who = _allowed_caller(rule)
        client = clients[who]
        for label, data in (
            ("missing", {"reason": "x", "text": "x", "password": "x"}),
            ("foreign", {"csrf_token": foreign_token, "reason": "x", "text": "x"}),
        ):
            response = client.post(url, data=data)
            if response.status_code != 400:
                failures.append(f"POST {url} as {who}, {label} token: {response.status_code}")
    after = _snapshot()
    changed = [t for t in before if before[t] != after.get(t)]
    assert failures == []
    assert changed == [], f"tables changed by refused posts: {changed}"
    # The clients were still signed in: the refusals were the CSRF check, not a log-out.
    assert clients["admin"].get(f"/patients/{patient.id}").status_code == 200


def test_every_object_route_refuses_another_patients_object_and_changes_nothing(app):
    modules = [route_policy_core, *plugin_policy_modules(app)]
    rules = collect_rules(modules)
    owner, _users, args, clients = seed_route_world(app, modules, first_name="Owner")
    intruder = make_patient(first_name="Other")

    object_rules = [
        r
        for r in app.url_map.iter_rules()
        if "patient_id" in r.arguments
        and any(a != "patient_id" and a.endswith("_id") for a in r.arguments)
    ]
    assert len(object_rules) > 15
    before = _snapshot()
    failures = []
    for url_rule in object_rules:
        values = {k: args[k] for k in url_rule.arguments}
        values["patient_id"] = intruder.id  # this patient's URL, the owner's object
        with app.test_request_context():
            url = url_for(url_rule.endpoint, **values)
        for method in sorted(url_rule.methods - IGNORED_METHODS):
            rule = rules[(url_rule.endpoint, method)]
            who = _allowed_caller(rule)
            if who == "anon":
                continue
            client = clients[who]
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(
                    url, method=method, data={"csrf_token": client.csrf_token(), "reason": "x"}
                )
            if response.status_code != 404:
                failures.append(f"{method} {url} as {who}: {response.status_code}")
    after = _snapshot()
    assert failures == []
    assert [t for t in before if before[t] != after.get(t)] == []
