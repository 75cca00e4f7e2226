"""Property-based fuzzing of every form POST (issue 12, point 13).

For every POST route of the URL map, Hypothesis builds submissions from the real form a
user sees (found by walking the seeded clinic's pages, see :mod:`tests.security_forms`):
each field keeps a sensible value, is dropped, repeated, or replaced by something
hostile (NUL bytes, huge strings, unicode, ids beyond 2^63, numbers out of range,
malformed dates).  Every response must be an answer, never a 500; and when the app
refuses the submission, the database is exactly as it was (:func:`db_state` says what
"exactly" means: every data row, and no audit row other than refusals and reads).

CI runs a small, derandomized number of examples per route; ``HYPOTHESIS_PROFILE=deep``
runs many more, randomly, for a local hunt.  ``FUZZ_ONLY=<endpoint>`` fuzzes one route
and ``FUZZ_TRACE=1`` prints each crash's traceback.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from clinic.testing import fast_login, make_user
from tests.security_forms import (
    crawl,
    db_state,
    endpoint_of,
    fill,
    parse,
    post_rules,
    seed,
    state_diff,
)

PROFILES = {
    "ci": settings(
        max_examples=10,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    ),
    "deep": settings(
        max_examples=200, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    ),
}
PROFILE = PROFILES[os.environ.get("HYPOTHESIS_PROFILE", "ci")]

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 70_000,
    "9" * 40,
    str(2**63),
    str(2**31),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "1.5",
    "0x1f",
    "2026-02-30",
    "0000-00-00",
    "99999-12-31",
    "0001-01-01",
    "9999-12-31",
    "1900-01-01",
    "25:61",
    "\u202eevil",
    "😀" * 500,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "\r\n\t",
]
# Posted only after every other route (they end a session, an account or a record's
# active state, which would make the rest refuse for that reason alone).
ENDING = {
    "auth.logout",
    "auth.change_password",
    "admin.toggle_active",
    "admin.reset_password",
    "patients.archive",
    "insurance.payer_delete",
    "intake.cancel",
}
# A route whose fields are those of another route's form (the page's script posts them).
FORM_OF = {"treatment.note_autosave": "treatment.note_save"}
SPARE_NAMES = ["reason", "text", "note", "password", "version", "finding_ids", "code", "id"]


def _value():
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


@st.composite
def _submission(draw, base: list[tuple[str, str]]):
    """The form's own values, each kept, dropped, replaced, or repeated; plus extras."""
    out = []
    for name, value in base:
        if name == "csrf_token":
            out.append((name, value))
            continue
        choice = draw(st.sampled_from(["keep", "keep", "drop", "hostile", "hostile", "twice"]))
        if choice == "keep":
            out.append((name, value))
        elif choice == "hostile":
            out.append((name, draw(_value())))
        elif choice == "twice":
            out += [(name, value), (name, draw(_value()))]
    for name in draw(st.lists(st.sampled_from(SPARE_NAMES), max_size=2)):
        out.append((name, draw(_value())))
    return out


def _forms_by_endpoint(clinic) -> dict:
    """The first form a user sees for each POST route (admin first, then the therapist,
    who writes notes), with the role that saw it."""
    found: dict[str, tuple] = {}
    for role in ("admin", "therapist", "anon"):
        for visit in crawl(clinic, role, pages_only=True):
            if visit.mimetype != "text/html" or visit.status != 200:
                continue
            for form in parse(visit.body.decode(), f"http://localhost{visit.url}").forms:
                path = form.action.removeprefix("http://localhost")
                endpoint = endpoint_of(clinic.app, path, "POST")
                if endpoint and endpoint not in found:
                    found[endpoint] = (role, form)
    return found


def _refused(response) -> bool:
    """A refusal: an error status, or the form shown again (a success redirects, or
    answers a script with JSON)."""
    return response.status_code >= 400 or (
        response.status_code == 200 and response.mimetype == "text/html"
    )


def _fuzz_route(client, path: str, endpoint: str, base: list[tuple[str, str]]) -> None:
    @PROFILE
    @given(_submission(base))
    def post_once(payload):
        before = db_state()
        response = client.post(path, data=MultiDict(payload))
        assert response.status_code < 500, f"{endpoint}: {response.status_code} {payload!r}"
        if _refused(response):
            changed = state_diff(before, db_state())
            assert changed == [], f"{endpoint} refused ({response.status_code}), changed {changed}"

    post_once()


def test_every_form_post_survives_hostile_values_and_a_refusal_changes_nothing(app):
    clinic = seed(app)
    forms = _forms_by_endpoint(clinic)
    rules = sorted(post_rules(app), key=lambda r: (r.endpoint in ENDING, r.endpoint))
    assert len(rules) > 30
    # Nearly every route is fuzzed from its real form (the rest, e.g. keepalive, from
    # spare field names).
    with_form = [r for r in rules if FORM_OF.get(r.endpoint, r.endpoint) in forms]
    assert len(with_form) >= 0.8 * len(rules), sorted(
        r.endpoint for r in rules if r not in with_form
    )
    failures: list[str] = []
    fuzzed = []
    only = os.environ.get("FUZZ_ONLY")
    for rule in rules:
        endpoint = rule.endpoint
        if only and endpoint != only:
            continue
        role, form = forms.get(FORM_OF.get(endpoint, endpoint), ("admin", None))
        if role == "anon":
            client = app.test_client()
        else:
            # A fresh account per route: failed passwords on one route (the back-off)
            # must not refuse the next route for that reason.
            # The seeded note and plan belong to the seeded therapist.
            user = clinic.users["therapist"] if role == "therapist" else make_user(role)
            client = app.test_client()
            fast_login(client, user)
        path = clinic.url(rule)
        if path is None:
            failures.append(f"{endpoint}: no seeded object for {rule.rule}")
            continue
        token = client.csrf_token()
        base = fill(form, lambda f: f.value) if form else []
        base = [(k, token if k.endswith("csrf_token") else v) for k, v in base]
        if not any(k.endswith("csrf_token") for k, _v in base):
            base.insert(0, ("csrf_token", token))

        try:
            _fuzz_route(client, path, endpoint, base)
        except Exception as exc:  # noqa: BLE001 -- a crash is reported per route, all at once
            failures.append(f"{endpoint}: {type(exc).__name__}: {str(exc).splitlines()[0][:400]}")
            if os.environ.get("FUZZ_TRACE"):
                import traceback

                traceback.print_exc()
        fuzzed.append(endpoint)
    assert failures == []
    assert only or len(fuzzed) == len(rules)
