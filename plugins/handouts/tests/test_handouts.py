"""Handouts: library, versions, personalised PDFs, cache, audit and bad input."""

from __future__ import annotations

import io
import re
import time

import pytest
from pypdf import PdfReader

from clinic.api import AuditEvent, HandoutSection, clinic_today, db, hookimpl
from clinic.testing import make_patient
from plugins.handouts.library import LIBRARY, bundled
from plugins.handouts.models import Handout, HandoutPrint, HandoutVersion, RenderCache


class FakeSession:
    """Stands in for the treatment and intake plugins' answers."""

    @hookimpl
    def handout_sections(self, patient, context):
        if context.get("purpose") != "print":
            return []
        return [
            HandoutSection(
                "fake.session",
                "Your session today",
                "handouts/tests_section.html",
                context={"modalities_keys": ["hot_pack"], "therapist": "Dana Therapist"},
                order=5,
            )
        ]

    @hookimpl
    def patients_seen(self, on_date):
        return [p.id for p in db.session.scalars(db.select(_patient_model()))]


def _patient_model():
    from clinic.api import Patient

    return Patient


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def no_embedded_files(data: bytes) -> bool:
    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    return not (names and "/EmbeddedFiles" in names.get_object())


def _print(client, patient, **data):
    page = client.get(f"/handouts/patients/{patient.id}")
    assert page.status_code == 200
    return client.post_form(f"/handouts/patients/{patient.id}", data)


def _last_print(patient) -> HandoutPrint:
    db.session.expire_all()
    return db.session.scalars(
        db.select(HandoutPrint)
        .where(HandoutPrint.patient_id == patient.id)
        .order_by(HandoutPrint.id.desc())
    ).first()


def _ids(*slugs, language="en"):
    rows = db.session.scalars(
        db.select(Handout).where(Handout.slug.in_(slugs), Handout.language == language)
    ).all()
    return [str(h.id) for h in rows]


FORBIDDEN = re.compile(r"toxin|t[oó]xic|lactic|l[aá]ctico|flush|detox|desintox", re.I)


def test_no_bundled_handout_makes_a_forbidden_claim():
    items = bundled()
    assert {b.language for b in items} == {"en", "es"}
    assert len(items) == 2 * len(list((LIBRARY / "en").glob("*.md")))
    for b in items:
        assert b.title and len(b.body) > 300, b.slug
        assert not FORBIDDEN.search(b.title + b.body), f"{b.language}/{b.slug}"


def test_print_from_chart_has_personal_content_handouts_tags_and_no_attachments(app, signed_in):
    app.extensions["clinic"].pm.register(FakeSession(), name="fake-session")
    client, user = signed_in("therapist")
    patient = make_patient(first_name="Rosa", last_name="Quintero")
    page = client.get(f"/handouts/patients/{patient.id}")
    # The hot-pack session preselects the heat handout (learned through the hook).
    heat = _ids("heat-at-home")[0]
    assert re.search(rf'value="{heat}"[^>]*checked|checked[^>]*value="{heat}"', page.text)
    response = client.post_form(
        f"/handouts/patients/{patient.id}",
        {
            "language": "en",
            "handouts": _ids("heat-at-home", "when-to-call"),
            "instructions": "Walk 10 minutes twice a day.",
            "next_visit": "Tuesday 10:30",
        },
    )
    assert response.status_code == 302
    given = _last_print(patient)
    pdf = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    for expected in (
        "Rosa Quintero",
        "Walk 10 minutes twice a day.",
        "Tuesday 10:30",
        "Using heat at home safely",
        "When to call your doctor",
        "Dana Therapist",
        "When to get help",
    ):
        assert expected in text, expected
    assert "Finding a qualified" not in text
    reader = PdfReader(io.BytesIO(pdf.data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "en"
    assert "Your aftercare" in reader.metadata.title
    assert no_embedded_files(pdf.data)
    # The exact versions given are recorded and audited, and listed on the chart.
    versions = db.session.scalars(
        db.select(HandoutVersion).where(HandoutVersion.id.in_(given.version_ids))
    ).all()
    assert {v.handout.slug for v in versions} == {"heat-at-home", "when-to-call"}
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event_type == "handouts.print")
    ).one()
    assert event.patient_id == patient.id and event.user_id == user.id
    assert "heat-at-home" in event.detail and "versions" in event.detail
    chart = client.get(f"/patients/{patient.id}").text
    assert "Handouts given" in chart and "Using heat at home safely (v1)" in chart


def test_reprint_of_unchanged_inputs_comes_from_the_cache(app, signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    data = {"language": "en", "handouts": _ids("staying-active")} if _ids("staying-active") else {}
    client.get(f"/handouts/patients/{patient.id}")
    data = {"language": "en", "handouts": _ids("staying-active")}
    assert client.post_form(f"/handouts/patients/{patient.id}", data).status_code == 302
    assert client.post_form(f"/handouts/patients/{patient.id}", data).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(RenderCache)) == 1
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.event_type == "handouts.print")
    ).all()
    assert ['"cached": false' in e.detail for e in events] == [True, False]
    assert '"cached": true' in events[1].detail


def test_spanish_preference_prints_spanish_handouts_and_frame(app, signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient(preferred_language="Spanish")
    page = client.get(f"/handouts/patients/{patient.id}")
    assert "Cómo usar el calor en casa" in page.text
    response = client.post_form(
        f"/handouts/patients/{patient.id}",
        {"language": "es", "handouts": _ids("heat-at-home", language="es")},
    )
    assert response.status_code == 302
    given = _last_print(patient)
    data = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data
    text = pdf_text(data)
    assert "Cómo usar el calor en casa sin riesgos" in text
    assert "Cuándo buscar ayuda" in text and "Página 1 de" in text
    assert PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"] == "es"


def test_large_print_uses_at_least_16_point_body_text(app, signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    client.get(f"/handouts/patients/{patient.id}")
    data = {"language": "en", "handouts": _ids("staying-active"), "large_print": "y"}
    assert client.post_form(f"/handouts/patients/{patient.id}", data).status_code == 302
    given = _last_print(patient)
    assert given.options["large_print"] is True
    pdf = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data
    sizes = []

    def visit(text, cm, tm, font_dict, font_size):
        if "Bed rest tends" in text:
            sizes.append(font_size * tm[0] * cm[0] if tm[0] else font_size)

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    assert sizes and min(sizes) >= 15.99  # 16 pt, less float rounding in the matrix


def test_script_html_and_urls_are_inert_in_markdown_and_instructions(app, signed_in):
    client, _user = signed_in("therapist")
    client.get("/handouts/new")
    body = (
        "## Care\n\n<script>alert(1)</script> <style>body{display:none}</style>\n\n"
        "![x](file:///etc/passwd) ![y](http://example.com/x.png) "
        "[local](file:///etc/hosts) [js](javascript:alert(1))\n\n"
        '<link rel="attachment" href="file:///etc/passwd">\n'
    )
    response = client.post_form(
        "/handouts/new", {"title": "Test <b>sheet</b>", "language": "en", "body": body}
    )
    assert response.status_code == 302
    handout = db.session.scalars(db.select(Handout).order_by(Handout.id.desc())).first()
    shown = client.get(f"/handouts/{handout.id}").text
    assert "<script>alert(1)" not in shown and "&lt;script&gt;" in shown
    assert 'href="file:' not in shown and 'href="javascript:' not in shown
    assert "<img" not in shown
    patient = make_patient(first_name="<b>Eve</b>")
    client.get(f"/handouts/patients/{patient.id}")
    response = client.post_form(
        f"/handouts/patients/{patient.id}",
        {
            "language": "en",
            "handouts": [str(handout.id)],
            "instructions": '<img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/passwd">x</a>',
        },
    )
    assert response.status_code == 302
    given = _last_print(patient)
    data = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data
    text = pdf_text(data)
    assert "<script>alert(1)</script>" in text  # printed as text, never run
    assert "<b>Eve</b>" in text and '<img src="file:///etc/passwd">' in text
    assert no_embedded_files(data) and b"/EmbeddedFile" not in data


def test_unknown_handout_id_is_refused_and_nothing_is_printed(app, signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    client.get(f"/handouts/patients/{patient.id}")
    response = client.post_form(
        f"/handouts/patients/{patient.id}", {"language": "en", "handouts": ["99999"]}
    )
    assert response.status_code == 200
    assert "does not exist in this clinic" in response.text
    assert _last_print(patient) is None


def test_oversized_instructions_are_refused_without_a_500(app, signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    client.get(f"/handouts/patients/{patient.id}")
    huge = client.post_form(
        f"/handouts/patients/{patient.id}",
        {"language": "en", "handouts": _ids("staying-active"), "instructions": "x" * 5_000_000},
    )
    assert huge.status_code == 413 and "larger than allowed" in huge.text
    long = client.post_form(
        f"/handouts/patients/{patient.id}",
        {"language": "en", "handouts": _ids("staying-active"), "instructions": "x" * 5_000},
    )
    assert long.status_code == 200 and "longer than 4,000 characters" in long.text
    assert _last_print(patient) is None


def test_failed_render_gives_a_clear_message_and_records_nothing(app, signed_in):
    app.config["CLINIC_PDF_TIMEOUT_SECONDS"] = 0.01
    client, _user = signed_in("front-desk")
    patient = make_patient()
    client.get(f"/handouts/patients/{patient.id}")
    response = client.post_form(
        f"/handouts/patients/{patient.id}", {"language": "en", "handouts": _ids("staying-active")}
    )
    assert response.status_code == 422
    assert "could not be made, so nothing was printed" in response.text
    assert _last_print(patient) is None
    assert db.session.scalar(db.select(db.func.count()).select_from(RenderCache)) == 0


def test_every_save_is_a_new_version_and_old_versions_stay_readable(app, signed_in):
    client, _user = signed_in("therapist")
    client.get("/handouts/")
    handout = db.session.scalars(db.select(Handout).where(Handout.slug == "after-prt")).first()
    edit = f"/handouts/{handout.id}/edit"
    client.get(edit)
    preview = client.post_form(edit, {"title": "After PRT", "body": "New **text**", "preview": "1"})
    assert "<strong>text</strong>" in preview.text
    assert len(handout.versions) == 1  # a preview saves nothing
    assert client.post_form(edit, {"title": "After PRT", "body": "New **text**"}).status_code == 302
    db.session.expire_all()
    assert [v.number for v in db.session.get(Handout, handout.id).versions] == [1, 2]
    old = client.get(f"/handouts/{handout.id}?version=1").text
    assert "positional release" in old and "an earlier version" in old


def test_front_desk_cannot_edit_the_library(app, signed_in):
    client, _user = signed_in("front-desk")
    assert client.get("/handouts/new").status_code == 403


def test_todays_handouts_batch_renders_everyone_not_yet_printed(app, signed_in):
    app.extensions["clinic"].pm.register(FakeSession(), name="fake-session")
    client, _user = signed_in("front-desk")
    first, second = make_patient(first_name="Ana"), make_patient(first_name="Ben")
    today = client.get("/handouts/today")
    assert "Print all 2 not yet printed" in today.text
    response = client.post_form("/handouts/today/batch", {})
    assert response.status_code == 302
    status_url = response.headers["Location"] + "/status"
    for _ in range(600):  # the background job is polled exactly as the page does
        status = client.get(status_url).get_json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.2)
    assert status["status"] == "done", status
    assert status["done"] == status["total"] == 2
    text = pdf_text(client.get(status["download"]).data)
    assert "Ana" in text and "Ben" in text
    db.session.expire_all()
    assert {_last_print(p).batch_id is not None for p in (first, second)} == {True}
    # The batch file is for paper; reopening one patient's copy gives the tagged PDF.
    own = client.get(f"/handouts/patients/{first.id}/prints/{_last_print(first).id}.pdf")
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(own.data)).trailer["/Root"]
    assert "Print all" not in client.get("/handouts/today").text


def test_prints_with_generic_content_when_treatment_is_disabled(app_factory):
    from clinic.testing import login, make_user

    alone = app_factory(CLINIC_PLUGINS=["handouts"])
    with alone.app_context():
        user = make_user("therapist")
        patient = make_patient(first_name="Solo")
        client = alone.test_client()
        login(client, user)
        page = client.get(f"/handouts/patients/{patient.id}")
        assert page.status_code == 200 and "No session today" in page.text
        response = client.post_form(
            f"/handouts/patients/{patient.id}",
            {"language": "en", "handouts": _ids("what-to-expect")},
        )
        assert response.status_code == 302
        given = _last_print(patient)
        text = pdf_text(client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data)
        assert "Solo" in text and "What to expect from a course of massage" in text
        db.session.remove()


@pytest.mark.parametrize(
    "payload",
    [
        b"<html><script>alert(1)</script></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\x89PNG\r\n\x1a\n" + b"not really a png",
    ],
)
def test_logo_that_is_not_a_real_png_or_jpeg_is_refused(app, signed_in, payload):
    client, _user = signed_in("admin")
    client.get("/admin/clinic")
    response = client.post_form(
        "/admin/clinic",
        {"name": "Calm Clinic", "paper": "Letter", "logo": (io.BytesIO(payload), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "PNG or JPEG" in response.text or "could not be read" in response.text
    from clinic.api import clinic_details

    assert clinic_details()["logo"] == ""


def test_a_second_click_joins_the_running_batch_instead_of_printing_twice(app, signed_in):
    from plugins.handouts.models import Batch

    app.extensions["clinic"].pm.register(FakeSession(), name="fake-session")
    client, user = signed_in("front-desk")
    make_patient()

    running = Batch(created_by_id=user.id, service_date=clinic_today(), patient_ids=[1])
    db.session.add(running)
    db.session.commit()
    client.get("/handouts/today")
    response = client.post_form("/handouts/today/batch", {})
    assert response.headers["Location"].endswith(f"/handouts/batches/{running.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == 1
