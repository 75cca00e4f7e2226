"""The handouts plugin's rows of the route-permission table (see tests/test_route_policy.py)."""

from __future__ import annotations

from clinic.api import clinic_today, db
from clinic.testing import LOGIN, OK, RouteRule
from plugins.handouts.library import ensure_library
from plugins.handouts.models import Batch, Handout, HandoutPrint, RenderCache


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def route_args(patient, users):
    ensure_library()
    blank = _blank_pdf()
    handout = db.session.scalars(db.select(Handout).order_by(Handout.id)).first()
    db.session.add(RenderCache(key="0" * 64, pdf=blank))
    given = HandoutPrint(
        patient_id=patient.id,
        printed_by_id=users["therapist"].id,
        service_date=clinic_today(),
        language="en",
        version_ids=[],
        options={},
        cache_key="0" * 64,
    )
    job = Batch(
        created_by_id=users["front-desk"].id,
        service_date=clinic_today(),
        patient_ids=[patient.id],
        status="done",
        done=1,
        pdf=blank,
    )
    db.session.add_all([given, job])
    db.session.commit()
    return {"handout_id": handout.id, "print_id": given.id, "batch_id": job.id}


_VIEW = dict(anon=LOGIN, front_desk=200, therapist=200, billing=403, admin=200)
_EDIT_GET = dict(anon=LOGIN, front_desk=403, therapist=200, billing=403, admin=200)
_EDIT_POST = dict(anon=LOGIN, front_desk=403, therapist=OK, billing=403, admin=OK)
_POST = dict(anon=LOGIN, front_desk=OK, therapist=OK, billing=403, admin=OK)

RULES = [
    RouteRule("handouts.index", "GET", **_VIEW),
    RouteRule("handouts.show", "GET", **_VIEW),
    RouteRule("handouts.new", "GET", **_EDIT_GET),
    RouteRule("handouts.new", "POST", **_EDIT_POST),
    RouteRule("handouts.edit", "GET", **_EDIT_GET),
    RouteRule("handouts.edit", "POST", **_EDIT_POST),
    RouteRule("handouts.prepare", "GET", **_VIEW),
    RouteRule("handouts.prepare", "POST", **_POST),
    RouteRule("handouts.print_pdf", "GET", **_VIEW),
    RouteRule("handouts.today", "GET", **_VIEW),
    RouteRule("handouts.start_batch", "POST", **_POST),
    RouteRule("handouts.batch", "GET", **_VIEW),
    RouteRule("handouts.batch_status", "GET", **_VIEW),
    RouteRule("handouts.batch_pdf", "GET", **_VIEW),
]
