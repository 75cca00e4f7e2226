"""Shared machinery of the generated security suites (issue 12, point 13).

The suites do not keep a list of forms: they seed a small clinic with one object of
every kind the route tables need, walk every GET page of the URL map (and every link
those pages show) as each role, and read the ``<form method="post">`` elements they
find.  A new route or form therefore joins the suites by existing.

* :func:`seed` builds the clinic and the signed-in clients;
* :func:`parse` reads a page into forms, links, script texts and event attributes;
* :func:`crawl` walks pages and returns what it saw;
* :func:`fill` gives a form's fields values (the caller chooses the free text);
* :func:`db_state` is the precise "nothing changed" used after a refused POST.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from flask import Flask, url_for
from sqlalchemy import inspect, text
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from clinic.clock import clinic_today, utcnow
from clinic.extensions import db
from clinic.localtime import to_local
from clinic.routecheck import (
    IGNORED_METHODS,
    collect_rules,
    plugin_policy_modules,
    seed_route_world,
)
from clinic.testing import TEST_PASSWORD
from tests import route_policy_core

TEXT_TYPES = {"text", "search", "", "url"}  # free text a user types (``<textarea>`` too)


# -- parsing -----------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)

    @property
    def free_text(self) -> bool:
        editable = "readonly" not in self.attrs and "disabled" not in self.attrs
        return editable and (self.kind == "textarea" or self.kind in TEXT_TYPES)


@dataclass
class Form:
    action: str  # absolute path (with query) the form posts to
    fields: list[Field]
    page: str  # where it was found

    def signature(self) -> tuple:
        return (
            urlsplit(self.action).path,
            tuple(sorted({(f.name, f.kind) for f in self.fields})),
        )

    def text_fields(self) -> list[Field]:
        return [f for f in self.fields if f.free_text]


@dataclass
class Page:
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # text of every <script> element
    handlers: list[tuple[str, str, str]] = field(default_factory=list)  # tag, attr, value
    invalid: set[str] = field(default_factory=set)  # names of fields marked invalid


class _Parser(HTMLParser):
    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.page = Page()
        self.form: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: dict | None = None
        self.script: list[str] | None = None
        self.error_ids: set[str] = set()
        self.ids: dict[str, str] = {}

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        for name, value in attrs.items():
            if name.startswith("on"):
                self.page.handlers.append((tag, name, value))
        if attrs.get("aria-invalid") == "true" and attrs.get("name"):
            self.page.invalid.add(attrs["name"])
        if attrs.get("id", "").endswith("-error"):
            self.error_ids.add(attrs["id"].removesuffix("-error"))
        if attrs.get("id") and attrs.get("name"):
            self.ids[attrs["id"]] = attrs["name"]
        if tag == "script":
            self.script = []
        elif tag == "a" and attrs.get("href"):
            self.page.links.append(urljoin(self.url, attrs["href"]))
        elif tag == "form":
            if attrs.get("method", "get").lower() == "post":
                action = urljoin(self.url, attrs.get("action") or self.url)
                self.form = Form(action=action, fields=[], page=self.url)
                self.page.forms.append(self.form)
            else:
                self.form = None
        elif self.form is None:
            return
        elif tag in ("input", "button") and attrs.get("name"):
            kind = attrs.get("type", "text" if tag == "input" else "submit").lower()
            self.form.fields.append(
                Field(
                    attrs["name"],
                    kind,
                    value=attrs.get("value", ""),
                    checked="checked" in attrs,
                    attrs=attrs,
                )
            )
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = Field(attrs["name"], "textarea", attrs=attrs)
            self.form.fields.append(self.textarea)
        elif tag == "select" and attrs.get("name"):
            self.select = Field(attrs["name"], "select", attrs=attrs)
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self._finish_option()
            self.option = {"value": attrs.get("value"), "text": ""}
            if "selected" in attrs:
                self.option["selected"] = True

    def _finish_option(self):
        if self.option is not None and self.select is not None:
            value = self.option["value"]
            value = value if value is not None else self.option["text"].strip()
            self.select.options.append(value)
            if self.option.get("selected"):
                self.select.selected.append(value)
        self.option = None

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            self.page.scripts.append("".join(self.script))
            self.script = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "option":
            self._finish_option()
        elif tag == "select":
            self._finish_option()
            self.select = None
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.script is not None:
            self.script.append(data)
        elif self.textarea is not None:
            self.textarea.value += data
        elif self.option is not None:
            self.option["text"] += data


def parse(html: str, url: str) -> Page:
    parser = _Parser(url)
    parser.feed(html)
    parser.close()
    page = parser.page
    page.invalid |= {parser.ids.get(i, i) for i in parser.error_ids}
    return page


# -- the seeded clinic ---------------------------------------------------------------


@dataclass
class Clinic:
    app: Flask
    patient: object
    users: dict
    args: dict
    clients: dict
    rules: dict

    def url(self, url_rule, **override) -> str | None:
        values = {**self.args, **override}
        if any(a not in values for a in url_rule.arguments):
            return None
        with self.app.test_request_context():
            return url_for(url_rule.endpoint, **{k: values[k] for k in url_rule.arguments})


def seed(app: Flask, **patient_fields) -> Clinic:
    """One patient with one object of each kind the route tables name, a user per role,
    and a signed-in client for each (``anon`` too)."""
    modules = [route_policy_core, *plugin_policy_modules(app)]
    rules = collect_rules(modules)
    patient, users, args, clients = seed_route_world(app, modules, **patient_fields)
    return Clinic(app, patient, users, args, clients, rules)


def endpoint_of(app: Flask, url: str, method: str = "GET") -> str | None:
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(parts.path, method=method)
    except (NotFound, MethodNotAllowed, RequestRedirect):
        return None
    return endpoint


def post_rules(app: Flask) -> list:
    return [
        r
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods - IGNORED_METHODS) and not r.endpoint.endswith("static")
    ]


def get_rules(app: Flask) -> list:
    return [
        r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and not r.endpoint.endswith("static")
    ]


# -- crawling --------------------------------------------------------------------

# Pages a crawl must not open by following a link: they end the session or are the
# static files (checked by their own suite).
NEVER_FOLLOW = ("/auth/logout", "/static/", "/handouts/static/", "/intake/static/")
PER_ENDPOINT = 6  # distinct URLs (e.g. query strings) opened per endpoint and role


@dataclass
class Visit:
    url: str
    role: str
    status: int
    mimetype: str
    body: bytes
    endpoint: str | None


DOCUMENT = re.compile(r"(\.pdf|/pdf|\.csv|\.json)$")
PDF = re.compile(r"(\.pdf|/pdf)$")


def crawl(
    clinic: Clinic,
    role: str,
    *,
    pages_only: bool = False,
    pdfs: int = PER_ENDPOINT,
    extra: tuple[str, ...] = (),
):
    """Open every GET route (built from the seeded objects) and every link shown, as
    ``role``.  Yields a :class:`Visit` per response.  ``pages_only`` skips documents
    (PDF, CSV, JSON); ``pdfs`` caps the PDFs opened per route (rendering is slow);
    ``extra`` URLs are opened first."""
    client = clinic.clients[role]
    queue = [*extra, *(u for r in get_rules(clinic.app) if (u := clinic.url(r)))]
    opened: set[str] = set()
    per_endpoint: dict[str, int] = {}
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or url in opened:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path.startswith(NEVER_FOLLOW):
            continue
        endpoint = endpoint_of(clinic.app, path)
        if endpoint is None:
            continue
        if pages_only and DOCUMENT.search(parts.path):
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        limit = pdfs if PDF.search(parts.path) else PER_ENDPOINT
        if per_endpoint[endpoint] > limit:
            continue
        opened.add(url)
        response = client.get(path)
        visit = Visit(path, role, response.status_code, response.mimetype, response.data, endpoint)
        yield visit
        if response.mimetype == "text/html" and response.status_code == 200:
            page = parse(response.get_data(as_text=True), f"http://localhost{path}")
            queue.extend(link.split("#")[0] for link in page.links)


# -- filling a form --------------------------------------------------------------


def sensible(f: Field) -> str:
    """A value a careful user would type into a non-free-text field."""
    kind = f.kind
    name = f.name.lower()
    if kind == "date" or name.endswith("date") or "date_" in name or name == "dob":
        later = re.search(r"reeval|end|until|follow|expire", name)
        # The clinic's day, not the server's: in a US evening UTC is already tomorrow,
        # and a date in the clinic's future is (rightly) refused.
        today = clinic_today()
        return f.value or (today + dt.timedelta(days=28 if later else 0)).isoformat()
    if kind == "time":
        return f.value or ("10:50" if "end" in name else "10:00")
    if kind == "datetime-local":
        return f.value or to_local(utcnow()).strftime("%Y-%m-%dT%H:%M")
    if kind == "number" or kind == "range":
        if f.value:
            return f.value
        low = f.attrs.get("min")
        return low if low not in (None, "") else "1"
    if kind == "email" or "email" in name:
        return "fuzz@example.org"
    if kind == "tel" or "phone" in name:
        return "555-0100"
    if kind == "password":
        return TEST_PASSWORD
    return f.value


def fill(form: Form, text_for, *, keep: set[str] = frozenset()) -> list[tuple[str, str]]:
    """Field values for ``form``: ``text_for(field)`` for free text (unless in ``keep``),
    the page's own or a sensible value for the rest.  Returns (name, value) pairs in
    page order (a list, so repeated names survive)."""
    data: list[tuple[str, str]] = []
    radios_done: set[str] = set()
    for f in form.fields:
        if f.kind in ("submit", "button", "reset", "image", "file"):
            continue
        if f.kind == "checkbox":
            if f.checked:
                data.append((f.name, f.value or "y"))
        elif f.kind == "radio":
            group = [g for g in form.fields if g.kind == "radio" and g.name == f.name]
            if f.name in radios_done:
                continue
            radios_done.add(f.name)
            chosen = next((g for g in group if g.checked), group[0])
            data.append((f.name, chosen.value))
        elif f.kind == "select":
            if f.attrs.get("multiple") is not None and "multiple" in f.attrs:
                data.extend((f.name, v) for v in f.selected)
            else:
                non_empty = [o for o in f.options if o]
                value = (f.selected or non_empty or [""])[0]
                data.append((f.name, value))
        elif f.kind == "hidden":
            data.append((f.name, f.value))
        elif f.free_text and f.name not in keep:
            data.append((f.name, text_for(f)))
        else:
            data.append((f.name, sensible(f) if not f.free_text else f.value))
    return data


# -- "nothing changed" -----------------------------------------------------------

# Tables a refused request may write to by design, and why:
#   audit_events        the refusal itself is audited (judged separately below);
#   audit_refusal_counts every anonymous refusal is counted;
#   staff_sessions      each request touches the session's last-seen time;
#   login_attempts      a refused password is counted towards the back-off;
#   alembic_version     never written, but not data.
REFUSAL_BOOKKEEPING = {
    "audit_events",
    "audit_refusal_counts",
    "staff_sessions",
    "login_attempts",
    "alembic_version",
}
# Audit rows a refused request may add: refusals (an outcome other than success, or
# an event type that names the refusal), and reads (a re-rendered form shows the
# record again, and reading patient data is audited).  Any other row is the trace of
# a change and must not appear.
READ_EVENT = re.compile(r"[._](view|search|print|export|refused|conflict|failed|denied)$")


def db_state() -> dict:
    """Every row of every data table, plus the audit rows that record a change.

    Two equal states mean a request changed nothing: no row added, removed or edited
    in any data table, and no audit row other than refusals and reads.
    """
    db.session.rollback()
    quote = db.engine.dialect.identifier_preparer.quote
    state = {}
    for table in inspect(db.engine).get_table_names():
        if table in REFUSAL_BOOKKEEPING:
            continue
        select_all = f"SELECT * FROM {quote(table)}"  # noqa: S608 -- catalog names, quoted
        rows = db.session.execute(text(select_all))
        state[table] = sorted(tuple(map(repr, row)) for row in rows)
    audit = db.session.execute(
        text("SELECT id, event_type FROM audit_events WHERE outcome = 'success'")
    )
    state["audit_events (changes)"] = sorted(
        (row.id, row.event_type) for row in audit if not READ_EVENT.search(row.event_type)
    )
    db.session.rollback()
    return state


def state_diff(before: dict, after: dict) -> list[str]:
    return [t for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)]
