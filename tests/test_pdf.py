"""The PDF service: only packaged assets, no embedded files, escaped text, bounded time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.pdf import ASSET_BASE, AssetFetcher, PdfTimeout, html_to_pdf, render_with_timeout
from clinic.testing import make_patient

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    '<link rel="attachment" href="file:///etc/passwd">',
]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def embedded_files(data: bytes) -> list:
    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    found = []
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("catalog")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append("annotation")
    return found


@pytest.fixture
def roots(app):
    return {"core": Path(app.static_folder)}


def test_fetcher_serves_packaged_assets(roots):
    response = AssetFetcher(roots).fetch(ASSET_BASE + "core/pdf/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/anything",
        "https://example.org/style.css",
        ASSET_BASE + "core/../../../../etc/passwd",
        ASSET_BASE + "core/%2e%2e/%2e%2e/clinic/app.py",
        ASSET_BASE + "nosuchplugin/x.css",
        ASSET_BASE + "core/pdf/missing.css",
    ],
)
def test_fetcher_refuses_everything_else(roots, url):
    with pytest.raises(ValueError):
        AssetFetcher(roots).fetch(url)


def test_fetcher_decodes_data_urls(roots):
    response = AssetFetcher(roots).fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_file_and_data_attachments_are_stripped(roots):
    html = (
        '<html><head><link rel="attachment" href="file:///etc/passwd">'
        '<link rel="attachment" href="data:text/plain;base64,c2VjcmV0"></head>'
        '<body><p>Body text</p><a rel="attachment" href="data:text/plain,x">file</a></body></html>'
    )
    pdf = html_to_pdf(html, roots)
    assert embedded_files(pdf) == []
    assert b"/EmbeddedFile" not in pdf
    assert "root:" not in pdf_text(pdf)


def test_local_files_cannot_be_pulled_in_as_images(roots):
    pdf = html_to_pdf('<img src="file:///etc/passwd"><p>ok</p>', roots)
    assert "root:" not in pdf_text(pdf)


def test_a_render_that_runs_too_long_is_stopped(roots):
    huge = "<table>" + "<tr><td>cell</td></tr>" * 200_000 + "</table>"
    with pytest.raises(PdfTimeout):
        render_with_timeout(huge, roots, timeout=0.5)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_face_sheet_prints_hostile_names_as_text(signed_in, name):
    client, _user = signed_in("front-desk")
    patient = make_patient(last_name=name, first_name="Eve")
    response = client.get(f"/patients/{patient.id}/face-sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert embedded_files(response.data) == []
    text = pdf_text(response.data)
    assert name in text.replace("\n", " ")


def test_every_print_is_audited(signed_in, app):
    client, user = signed_in("therapist")
    patient = make_patient()
    client.get(f"/patients/{patient.id}/face-sheet.pdf")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "pdf.print")).one()
    assert event.patient_id == patient.id
    assert event.user_id == user.id
