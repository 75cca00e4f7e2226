"""A stored script typed into every free-text field comes back inert everywhere (issue 12,
point 13).

Generated, not listed: the test walks every GET page of a seeded clinic as each role,
finds every ``<form method="post">`` and types a script sentinel (carrying an id unique
to the field) into each free-text field, then walks every page, export and PDF again as
every role and checks each response:

* HTML: no ``<script>`` element and no ``on*`` attribute carries a sentinel (the page
  was parsed as a browser would), and the raw markup never appears;
* CSV: a cell holding a sentinel never starts with ``= + - @`` (formula injection);
* JSON: served as JSON, never as a page;
* PDF: the sentinel is literal text, and the file has no JavaScript, launch action or
  embedded file.

Coverage is asserted: every POST route of the URL map was either given the sentinel in
a form a user can reach, or has no free-text field, or is exempted below with a reason.
"""

from __future__ import annotations

import csv
import io
import itertools
import re

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject
from werkzeug.datastructures import MultiDict

from tests.security_forms import (
    crawl,
    endpoint_of,
    fill,
    parse,
    post_rules,
    seed,
)

MARK = "zq"  # every sentinel id starts with it; it appears nowhere else in the product
SENTINEL = '=HYPERLINK("x")<script>alert("{id}")</script><img src=x onerror=alert(\'{id}\')>"\''
ID = re.compile(rf"{MARK}\d+{MARK}")

# POST routes that take no free text from a form a user sees, and why (the test fails if
# one of these turns out to have a free-text field, or a form for it is found).
EXEMPT = {
    "auth.setup": "only answers while there is no user at all (404 in a seeded clinic)",
    "auth.keepalive": "a script's ping to keep the session alive; no fields",
    "treatment.note_autosave": "the note page's script posts the same fields as note_save, "
    "which the form itself exercises",
    "admin.unlock_user": "a button without fields, shown only while an account is locked",
    "handouts.start_batch": "a button without fields, shown when patients were seen today",
    "intake.staff_submit": "the review page's confirm button; the answers are typed on the "
    "packet pages (intake.staff_page)",
}
# Forms that end something (a session, an account, a patient's active state): posted
# last, and only the one built from the seeded objects, so the walk keeps its users.
LAST = {
    "admin.toggle_active",
    "admin.reset_password",
    "patients.archive",
    "insurance.payer_delete",
    "insurance.claim_status",
    "intake.cancel",
    "treatment.plan_status",
}
# Forms never posted: they end or renew the session the walk goes on with.  They have no
# free-text field (the coverage check fails if one appears: it would never be typed in).
NEVER_POSTED = {"auth.logout", "auth.change_password"}
ROLES_THAT_FILL = ("anon", "admin", "therapist", "front-desk", "billing")
ROLES_THAT_READ = ("admin", "therapist", "front-desk", "billing", "anon")
PER_ENDPOINT = 3  # distinct forms (by fields and target) submitted per POST route

# Values to try, in order, in a free-text field that refuses the sentinel (by name).
GUESSES = [
    (r"pain", ["4"]),
    (r"baseline|target", ["5"]),
    (r"member_id", ["ABC1234"]),
    (r"group_number", ["G100"]),
    (r"slug", ["fuzz-handout"]),
    (r"service_key", ["fuzz.service"]),
    (r"^number$", ["AUTH-1234"]),
    (r"postal|zip", ["62701"]),
    (r"state", ["IL"]),
    (r"npi", ["1234567893"]),
    (r"icd|diagnos", ["M54.50"]),
    (r"cpt|hcpcs|code", ["97124", "fuzz-{n}"]),
    (r"modifier", ["59", ""]),
    (r"ein|tax", ["12-3456789"]),
    (r"phone|fax", ["555-0100"]),
    (r"email", ["fuzz@example.org"]),
    (r"username", ["fuzzuser{n}"]),
    (r"units|minutes|seconds|amount|fee|price|count|score|order", ["1"]),
]
_unique = itertools.count(1)


def _candidates(field) -> list[str]:
    found = [
        v for pattern, values in GUESSES if re.search(pattern, field.name.lower()) for v in values
    ]
    return [v.format(n=next(_unique)) for v in found] + [field.value, "5", "Plain words"]


class Submitter:
    def __init__(self, clinic):
        self.clinic = clinic
        self.counter = itertools.count(1)
        self.done: dict[str, int] = {}
        self.signatures: set = set()
        self.stored: dict[str, list[str]] = {}  # endpoint → sentinel ids it accepted
        self.tried: dict[str, int] = {}  # endpoint → last status of a sentinel POST
        self.seen_text: dict[str, bool] = {}  # endpoint → a form had a free-text field
        self.problems: list[str] = []
        self.later: list = []
        self.landings: list[str] = []  # where the app sent the user after a save

    def sentinel(self, field) -> str:
        return SENTINEL.format(id=f"{MARK}{next(self.counter)}{MARK}")

    def offer(self, role, form):
        path = form.action.removeprefix("http://localhost")
        endpoint = endpoint_of(self.clinic.app, path, "POST")
        if endpoint is None:
            self.problems.append(f"a form on {form.page} posts to an unknown route {path}")
            return
        self.seen_text[endpoint] = self.seen_text.get(endpoint, False) or bool(form.text_fields())
        if endpoint in NEVER_POSTED:
            return
        if endpoint in LAST:
            rule = next(r for r in post_rules(self.clinic.app) if r.endpoint == endpoint)
            if path == self.clinic.url(rule) and endpoint not in {e for _r, _f, e in self.later}:
                self.later.append((role, form, endpoint))
            return
        self.submit(role, form, endpoint)

    def submit(self, role, form, endpoint):
        signature = form.signature()
        if signature in self.signatures or self.done.get(endpoint, 0) >= PER_ENDPOINT:
            return
        self.signatures.add(signature)
        self.done[endpoint] = self.done.get(endpoint, 0) + 1
        client = self.clinic.clients[role]
        path = form.action.removeprefix("http://localhost")
        tries: dict[str, int] = {}  # refused the sentinel: index of the value tried
        tick: set[str] = set()  # checkboxes the page asked for
        values: dict[str, str] = {}

        def text_for(f):
            if f.name in tries:
                options = _candidates(f)
                return options[min(tries[f.name], len(options) - 1)]
            return values.setdefault(f.name, self.sentinel(f))

        accepted = False
        for _attempt in range(6):
            data = fill(form, text_for) + [
                (f.name, f.value or "y") for f in form.fields if f.name in tick and not f.checked
            ]
            response = client.post(path, data=MultiDict(data))
            if values:
                self.tried[endpoint] = response.status_code
            if response.status_code >= 500:
                self.problems.append(f"POST {path} as {role}: {response.status_code}")
                return
            if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
                accepted = response.status_code < 400
                if response.location:
                    self.landings.append(response.location)
                break
            page = parse(response.get_data(as_text=True), f"http://localhost{path}")
            if not page.invalid:
                break  # shown again without a marked field: not saved (e.g. a warning)
            for name in page.invalid:
                if any(f.name == name and f.kind == "checkbox" for f in form.fields):
                    tick.add(name)
                else:
                    tries[name] = tries.get(name, -1) + 1
        if accepted:
            kept = [ID.search(v).group() for k, v in values.items() if k not in tries]
            if not kept:
                return
            self.stored.setdefault(endpoint, []).extend(kept)


def _by(form, name):
    return next(f for f in form.fields if f.name == name)


def _submit_everything(clinic) -> Submitter:
    submitter = Submitter(clinic)
    # Second round: forms that only appear once something ended (a restored patient).
    for roles in (ROLES_THAT_FILL, ("admin",)):
        for role in roles:
            for visit in crawl(clinic, role, pages_only=True):
                if visit.mimetype != "text/html" or visit.status != 200:
                    continue
                page = parse(visit.body.decode(), f"http://localhost{visit.url}")
                for form in page.forms:
                    submitter.offer(role, form)
        for role, form, endpoint in submitter.later:
            submitter.submit(role, form, endpoint)
    return submitter


def _seed_signed_history(clinic):
    """A signed note (addenda, coding) and a second alert (bulk review) for the patient."""
    from clinic.extensions import db
    from plugins.intake.models import IntakeFinding
    from plugins.treatment.tests.factories import make_note

    make_note(clinic.patient, clinic.users["therapist"], signed=True)
    first = db.session.get(IntakeFinding, clinic.args["finding_id"])
    db.session.add(
        IntakeFinding(
            response_id=first.response_id,
            patient_id=first.patient_id,
            code="recent_surgery",
            kind="pressure",
            title="Had surgery recently",
            message="The patient said they had an operation in the last months.",
            advice="Avoid the operated area.",
        )
    )
    db.session.commit()


# -- what each kind of response must look like --------------------------------------


def _html_problems(visit) -> list[str]:
    body = visit.body.decode()
    problems = []
    if re.search(rf"<script>alert\(\"{MARK}|<img src=x onerror", body):
        problems.append(f"{visit.url} ({visit.role}): raw sentinel markup in the page")
    page = parse(body, f"http://localhost{visit.url}")
    for script in page.scripts:
        if re.search(rf"alert\(\"{MARK}", script):
            problems.append(f"{visit.url} ({visit.role}): a <script> element runs a sentinel")
    for tag, attr, value in page.handlers:
        if "alert(" in value or MARK in value:
            problems.append(f"{visit.url} ({visit.role}): <{tag} {attr}> carries a sentinel")
    return problems


def _csv_problems(visit, cells: list[str]) -> list[str]:
    problems = []
    rows = csv.reader(io.StringIO(visit.body.decode("utf-8-sig")))
    for row in rows:
        for cell in row:
            if MARK in cell:
                cells.append(cell)
            if MARK in cell and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                problems.append(f"{visit.url}: CSV cell starts a formula: {cell[:40]!r}")
    return problems


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _pdf_active_content(reader: PdfReader) -> list[str]:
    found = []
    root = _resolved(reader.trailer["/Root"])
    names = _resolved(root.get("/Names")) or DictionaryObject()
    for key in ("/JavaScript", "/EmbeddedFiles"):
        if key in names:
            found.append(f"catalog names {key}")
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        if key in root:
            found.append(f"catalog {key}")
    for page in reader.pages:
        if "/AA" in page:
            found.append("page action")
        for annot in _resolved(page.get("/Annots")) or []:
            action = _resolved(_resolved(annot).get("/A")) or {}
            kind = action.get("/S")
            if kind in ("/JavaScript", "/Launch", "/ImportData", "/SubmitForm"):
                found.append(f"link action {kind}")
            if kind == "/URI" and str(action.get("/URI", "")).lower().startswith("javascript"):
                found.append("javascript: link")
    return found


def _pdf_problems(visit, texts: list[str]) -> list[str]:
    problems = []
    raw = visit.body
    for marker in (b"/JavaScript", b"/JS ", b"/Launch", b"/EmbeddedFile"):
        if marker in raw:
            problems.append(f"{visit.url}: PDF contains {marker.decode()}")
    reader = PdfReader(io.BytesIO(raw))
    problems += [f"{visit.url}: PDF has {what}" for what in _pdf_active_content(reader)]
    texts.append(re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in reader.pages)))
    return problems


def test_a_script_typed_into_every_free_text_field_comes_back_inert_everywhere(app):
    clinic = seed(app)
    _seed_signed_history(clinic)
    submitter = _submit_everything(clinic)
    assert submitter.problems == []

    # Coverage: every POST route got the sentinel, has no free text, or is exempt.
    missing, empty_exemptions = [], []
    for rule in post_rules(app):
        endpoint = rule.endpoint
        if endpoint in EXEMPT:
            if submitter.seen_text.get(endpoint):
                empty_exemptions.append(f"{endpoint} is exempt but a form types text into it")
            continue
        if endpoint in submitter.tried:
            continue
        if endpoint in submitter.seen_text and not submitter.seen_text[endpoint]:
            continue  # forms for it exist and none has a free-text field
        missing.append(endpoint)
    assert empty_exemptions == []
    assert missing == [], f"POST routes whose free text never got the sentinel {submitter.tried}"
    refused = sorted(set(submitter.tried) - set(submitter.stored) - set(REFUSES_SENTINEL))
    assert refused == [], (
        f"routes that refused the sentinel in every field: {refused} {submitter.tried}"
    )

    problems: list[str] = []
    shown: set[str] = set()
    pdf_texts: list[str] = []
    csv_cells: list[str] = []
    kinds: dict[str, int] = {}
    for role in ROLES_THAT_READ:
        pdfs = 2 if role == "admin" else 0
        for visit in crawl(clinic, role, pdfs=pdfs, extra=tuple(submitter.landings)):
            assert visit.status < 500, f"GET {visit.url} as {role}: {visit.status}"
            if visit.status != 200:
                continue
            kinds[visit.mimetype] = kinds.get(visit.mimetype, 0) + 1
            if visit.mimetype == "application/pdf":
                problems += _pdf_problems(visit, pdf_texts)
                continue
            body = visit.body.decode("utf-8", "replace")
            shown |= set(ID.findall(body))
            if visit.mimetype == "text/html":
                problems += _html_problems(visit)
            elif visit.mimetype == "text/csv":
                problems += _csv_problems(visit, csv_cells)
            elif MARK in body and visit.mimetype not in ("application/json", "text/plain"):
                problems.append(f"{visit.url}: sentinel served as {visit.mimetype}")
    assert problems == []

    # The walk really saw stored sentinels, in pages, exports and PDFs alike.
    assert {"text/html", "text/csv", "application/json", "application/pdf"} <= set(kinds)
    stored = {i for ids in submitter.stored.values() for i in ids}
    assert len(shown & stored) > 20
    # Most routes' text is seen again.  Not all: a later form of the walk edits the same
    # record (patients.edit after patients.create, necessity_save after necessity_new)
    # and replaces the text, which is as it should be.
    storing = [e for e, ids in submitter.stored.items() if ids]
    seen_again = [e for e in storing if set(submitter.stored[e]) & shown]
    assert len(seen_again) >= 0.7 * len(storing), sorted(set(storing) - set(seen_again))
    assert csv_cells, "no CSV export carried a sentinel, so formula injection went untested"
    literal = [t for t in pdf_texts if f'<script>alert("{MARK}' in t]
    assert literal, "no PDF shows a sentinel as literal text"


# Routes whose free text has a format of its own, so the sentinel is refused (the
# refusal page is still checked like every other page).
REFUSES_SENTINEL = {
    "intake.upload_pack": "the pasted text must be a wording table of the questionnaire",
    "auth.login": "a refused sign-in (the username is kept only in the audit detail)",
    "intake.tablet_code": "a tablet code is digits only",
    "insurance.authorization_new": "its only free text, the number, is letters/digits/dashes",
    "insurance.claim_line": "its only free text, the modifiers, are two-character codes",
    "insurance.mapping": "service keys and CPT codes are codes, not prose",
    "insurance.provider_edit": "NPI and taxonomy are codes, not prose",
    "intake.review_findings": "needs ticked alerts the walk does not choose; the same note "
    "is stored through intake.review_finding",
    "intake.save_packet": "a packet needs a code and instruments the walk does not choose",
}
