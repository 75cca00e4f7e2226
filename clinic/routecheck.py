"""The route-policy harness: every route in a permission table, every role probed.

A table is a module with ``RULES`` (a list of :class:`clinic.testing.RouteRule`) and
``route_args(patient, users)`` (values for the URL arguments its routes need).  The
core keeps its table in ``tests/route_policy_core.py``; each plugin ships its own and
names it in its manifest (``PluginManifest.route_policy``, default
``<package>.tests.route_policy``), so the harness finds the table of a plugin installed
from anywhere.  Plugin authors reach this through :mod:`clinic.testing`
(``check_route_policy``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module
from types import ModuleType

from flask import Flask, url_for

IGNORED_METHODS = {"HEAD", "OPTIONS"}
HOSTILE_FIRST = "<img src=x onerror=alert(1)>"
HOSTILE_LAST = '<link rel="attachment" href="file:///etc/passwd">'


def policy_module_name(loaded) -> str:
    """Where a loaded plugin keeps its route table: its manifest says, else the convention."""
    declared = getattr(loaded.manifest, "route_policy", None)
    return declared or f"{loaded.package}.tests.route_policy"


def plugin_policy_modules(app: Flask, only: Iterable[str] | None = None) -> list[ModuleType]:
    """The route tables of the enabled plugins (or of the ``only`` ones)."""
    wanted = set(only) if only is not None else None
    modules = []
    for loaded in app.extensions["clinic"].plugins.values():
        if loaded.status != "enabled" or (wanted is not None and loaded.name not in wanted):
            continue
        name = policy_module_name(loaded)
        try:
            modules.append(import_module(name))
        except ModuleNotFoundError as exc:
            raise AssertionError(
                f"plugin {loaded.name!r} has no route-policy table {name!r} ({exc}); "
                "ship one and name it in the manifest (route_policy=...)"
            ) from exc
    return modules


def collect_rules(modules: Iterable[ModuleType]) -> dict:
    rules = {}
    for module in modules:
        for rule in module.RULES:
            key = (rule.endpoint, rule.method)
            assert key not in rules, f"{key} appears twice in the route-policy tables"
            rules[key] = rule
    return rules


def _is_static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def _in_scope(endpoint: str, prefixes: tuple[str, ...] | None) -> bool:
    return prefixes is None or endpoint.startswith(prefixes)


def table_problems(app: Flask, rules: dict, prefixes: tuple[str, ...] | None = None) -> list[str]:
    """Routes missing from the table, rows for routes that do not exist, and views that
    declare no permission (``@require``/``@public``/``@signed_in``)."""
    problems = []
    for url_rule in app.url_map.iter_rules():
        if _is_static(url_rule.endpoint) or not _in_scope(url_rule.endpoint, prefixes):
            continue
        for method in sorted(url_rule.methods - IGNORED_METHODS):
            if (url_rule.endpoint, method) not in rules:
                problems.append(
                    f"missing from the table: {method} {url_rule.rule} ({url_rule.endpoint})"
                )
    known = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods}
    problems += [
        f"table row for a route that does not exist: {key}" for key in rules if key not in known
    ]
    problems += [
        f"view without @require/@public/@signed_in: {endpoint}"
        for endpoint, view in app.view_functions.items()
        if not _is_static(endpoint)
        and _in_scope(endpoint, prefixes)
        and not hasattr(view, "required_permission")
    ]
    return problems


def _escaping_problem(response, where: str) -> str | None:
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        if HOSTILE_FIRST in body or HOSTILE_LAST in body:
            return f"{where}: the patient's name was written into the page unescaped"
    elif response.mimetype == "application/pdf" and b"/EmbeddedFile" in response.data:
        return f"{where}: the PDF carries an embedded file"
    return None


def seed_route_world(app: Flask, modules: Iterable[ModuleType], **patient_fields):
    """A patient, a user per role, the URL arguments the tables give for them, and a
    signed-in test client per role (``anon`` too): ``(patient, users, args, clients)``.

    Runs in an app context.
    """
    from clinic.testing import ROLES, fast_login, make_patient, make_user

    patient = make_patient(**patient_fields)
    users = {role: make_user(role) for role in ROLES}
    args = {"patient_id": patient.id}
    for module in modules:
        args.update(module.route_args(patient, users) or {})
    clients = {"anon": app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        fast_login(clients[role], user)
    return patient, users, args, clients


def probe_every_route(
    app: Flask,
    modules: list[ModuleType],
    *,
    extra_check: Callable[[object, str], str | None] | None = None,
) -> list[str]:
    """Request every route in the tables as every role; return what differed.

    Runs in an app context.  The patient has a hostile name, so each page and PDF is also
    checked for showing it inertly.
    """
    from clinic.testing import outcome_matches

    rules = collect_rules(modules)
    _patient, _users, args, clients = seed_route_world(
        app, modules, first_name=HOSTILE_FIRST, last_name=HOSTILE_LAST
    )

    url_rules = {r.endpoint: r for r in app.url_map.iter_rules()}
    failures = []
    # Logging out ends the probing client's session, so it goes last.
    ordered = sorted(rules.values(), key=lambda r: r.endpoint == "auth.logout")
    for rule in ordered:
        if rule.endpoint not in url_rules:
            failures.append(f"table row for a route that does not exist: {rule.endpoint}")
            continue
        needed = url_rules[rule.endpoint].arguments
        absent = needed - args.keys()
        if absent:
            failures.append(f"route_args gives no value for {absent} ({rule.endpoint})")
            continue
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
            where = f"{rule.method} {url} as {who}"
            for check in (_escaping_problem, extra_check):
                problem = check(response, where) if check else None
                if problem:
                    failures.append(problem)
            if not outcome_matches(expected, response):
                failures.append(
                    f"{where}: expected {expected}, "
                    f"got {response.status_code} {response.headers.get('Location', '')}"
                )
    return failures


def check_route_policy(
    app: Flask,
    *,
    core_tables: Iterable[ModuleType] = (),
    plugins: Iterable[str] | None = None,
    extra_check: Callable[[object, str], str | None] | None = None,
) -> None:
    """Assert that ``app``'s routes and its route tables agree, probing every role.

    With ``plugins`` (names), only those plugins' routes are judged, against the tables
    their manifests name: what a plugin's own test suite calls.  With ``core_tables``
    as well, the whole application is judged.
    """
    plugins = list(plugins) if plugins is not None else None
    modules = [*core_tables, *plugin_policy_modules(app, plugins)]
    rules = collect_rules(modules)
    prefixes = tuple(f"{name}." for name in plugins) if plugins is not None else None
    problems = table_problems(app, rules, prefixes)
    assert not problems, "route-policy table problems:\n" + "\n".join(problems)
    failures = probe_every_route(app, modules, extra_check=extra_check)
    assert not failures, "\n".join(failures)
