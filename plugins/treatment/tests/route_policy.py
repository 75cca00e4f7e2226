"""Who may reach each treatment route (see tests/test_route_policy.py)."""

from clinic.testing import LOGIN, OK, RouteRule
from plugins.treatment.tests.factories import make_note, make_plan


def route_args(patient, users):
    therapist = users["therapist"]
    plan = make_plan(patient, therapist, status="draft")
    note = make_note(patient, therapist, plan=plan)
    return {"plan_id": plan.id, "note_id": note.id, "entry_id": note.entries[0].id}


def _therapist_only(endpoint, method="GET"):
    allowed = 200 if method == "GET" else OK
    if method == "GET_REDIRECT":
        method, allowed = "GET", 302
    return RouteRule(
        endpoint,
        method,
        anon=LOGIN,
        front_desk=403,
        therapist=allowed,
        billing=403,
        admin=allowed,
    )


def _author_only(endpoint, method):
    # The note belongs to the therapist who wrote it: an administrator holds the
    # permission but is refused on a colleague's draft (issue 12, point 8).
    return RouteRule(
        endpoint, method, anon=LOGIN, front_desk=403, therapist=OK, billing=403, admin=403
    )


RULES = [
    _therapist_only("treatment.plan_new"),
    _therapist_only("treatment.plan_new", "POST"),
    _therapist_only("treatment.plan_edit"),
    _therapist_only("treatment.plan_edit", "POST"),
    _therapist_only("treatment.plan_view"),
    _therapist_only("treatment.plan_status", "POST"),
    _therapist_only("treatment.plan_clearance", "POST"),
    _therapist_only("treatment.icd10_search"),
    _therapist_only("treatment.progress"),
    _therapist_only("treatment.progress_pdf"),
    _therapist_only("treatment.note_new"),
    _therapist_only("treatment.note_new", "POST"),
    _therapist_only("treatment.note_view"),
    _author_only("treatment.note_save", "POST"),
    _author_only("treatment.note_autosave", "POST"),
    _therapist_only("treatment.note_sign", "POST"),
    _therapist_only("treatment.note_addendum", "POST"),
    _therapist_only("treatment.note_error", "POST"),
    # GET only redirects to the note (the sign-in page's "next" after a timeout).
    _therapist_only("treatment.note_sign", "GET_REDIRECT"),
    _therapist_only("treatment.note_addendum", "GET_REDIRECT"),
    _therapist_only("treatment.note_error", "GET_REDIRECT"),
    _therapist_only("treatment.todo"),
    # Front desk and billing see that sessions happened (billing also sees minutes).
    RouteRule(
        "treatment.sessions",
        anon=LOGIN,
        front_desk=200,
        therapist=200,
        billing=200,
        admin=200,
    ),
]
