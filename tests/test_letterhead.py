"""The core's one letterhead and page frame for every printed document."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader

from clinic.extensions import db
from clinic.settings import LOGO_KEY, get_setting
from clinic.testing import make_patient


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 40), (31, 111, 100)).save(buf, "PNG")
    return buf.getvalue()


def _save_details(client, **extra):
    client.get("/admin/clinic")
    data = {"name": "Harbour Clinic", "address": "12 Quay St", "phone": "207-555-0142"}
    data.update(extra)
    return client.post_form("/admin/clinic", data, content_type="multipart/form-data")


def test_logo_upload_a4_paper_and_frame_on_the_face_sheet(app, signed_in):
    client, admin = signed_in("admin")
    response = _save_details(client, paper="A4", logo=(io.BytesIO(_png()), "logo.png"))
    assert response.status_code == 302
    assert get_setting(LOGO_KEY)["mime"] == "image/png"
    patient = make_patient(first_name="Ines", last_name="Ferreira")
    pdf = client.get(f"/patients/{patient.id}/face-sheet.pdf").data
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    assert round(float(page.mediabox.width)) == 595  # A4 (Letter is 612)
    assert page.images, "the uploaded logo is printed on the letterhead"
    text = page.extract_text()
    for expected in (
        "Harbour Clinic",
        "12 Quay St",
        "207-555-0142",
        f"Ines Ferreira · Born {patient.date_of_birth.isoformat()} · Chart #{patient.id}",
        "Page 1 of 1",
        f"by {admin.display_name}",
    ):
        assert expected in text, expected


def test_letter_is_the_default_and_the_logo_can_be_removed(app, signed_in):
    client, _admin = signed_in("admin")
    _save_details(client, paper="Letter", logo=(io.BytesIO(_png()), "logo.png"))
    assert _save_details(client, paper="Letter", remove_logo="y").status_code == 302
    db.session.expire_all()
    assert not get_setting(LOGO_KEY)
    patient = make_patient()
    pdf = client.get(f"/patients/{patient.id}/face-sheet.pdf").data
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert round(float(page.mediabox.width)) == 612 and not page.images


def test_oversized_logo_is_refused_with_a_message(app, signed_in):
    client, _admin = signed_in("admin")
    big = _png() + b"\0" * (300 * 1024)
    response = _save_details(client, paper="Letter", logo=(io.BytesIO(big), "logo.png"))
    assert response.status_code == 200 and "larger than 256 KB" in response.text
    assert not get_setting(LOGO_KEY)


def test_every_page_of_a_long_document_carries_the_patient_and_page_count(app, signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient(first_name="Long", last_name="Packet")
    pdf = client.get(f"/intake/patients/{patient.id}/packets/new_back_pain/blank.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    total = len(reader.pages)
    assert total >= 2
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"Long Packet · Born {patient.date_of_birth.isoformat()}" in text
        assert f"Page {number} of {total}" in text


def test_filled_intake_packet_puts_findings_and_scores_on_page_one(app, signed_in):
    from plugins.intake.tests.route_policy import route_args as intake_records

    client, user = signed_in("therapist")
    patient = make_patient(first_name="Page", last_name="One")
    args = intake_records(patient, {"front-desk": user, "therapist": user, "admin": user})
    url = f"/intake/patients/{patient.id}/completed/{args['completed_run_id']}/print.pdf"
    reader = PdfReader(io.BytesIO(client.get(url).data))
    first = reader.pages[0].extract_text()
    assert "Safety alerts (for clinician review, not a diagnosis)" in first
    assert "Takes a blood thinner" in first
    assert "Scores" in first and "Numeric Pain Rating Scale" in first


def test_the_uploaded_logo_shows_in_the_top_bar_and_reaches_the_tablet(app, signed_in):
    client, _admin = signed_in("admin")
    assert 'class="brand-logo"' not in client.get("/patients/").text
    assert app.test_client().get("/clinic-logo").status_code == 404
    logo = _png()
    _save_details(client, logo=(io.BytesIO(logo), "logo.png"))
    page = client.get("/patients/").text
    assert '<img class="brand-logo" src="/clinic-logo" alt="">' in page
    # The tablet shows it before anyone signs in, so the image itself is public.
    served = app.test_client().get("/clinic-logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == logo and served.headers["X-Content-Type-Options"] == "nosniff"
