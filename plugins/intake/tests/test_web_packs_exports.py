"""Wording packs (upload, refusal, use on forms), FHIR downloads, printed packets and
packet configuration."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from clinic.api import AuditEvent, db
from clinic.testing import make_patient
from plugins.intake.models import IntakePacket, IntakeResponse, IntakeWordingPack
from plugins.intake.tests.helpers import complete_packet
from plugins.intake.wording import placeholder_pack


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def upload(client, instrument, raw: bytes, filename="pack.json"):
    """Post the upload form; the body is built here so large files stay in memory."""
    boundary = "intake-test-boundary"
    fields = {"csrf_token": client.csrf_token(), "instrument": instrument, "activate": "y"}
    body = io.BytesIO()
    for name, value in fields.items():
        body.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="pack"; filename="{filename}"'
        f"\r\nContent-Type: application/json\r\n\r\n".encode()
    )
    body.write(raw + f"\r\n--{boundary}--\r\n".encode())
    return client.post(
        "/intake/admin/wording",
        data=body.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def start_odi_page(client, patient):
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": "followup", "mode": "staff"}
    )
    base = response.headers["Location"].rsplit("/page/", 1)[0]
    return base


def test_without_a_pack_the_form_shows_construct_labels_and_a_notice(signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    base = start_odi_page(client, patient)
    odi_page = client.get(f"{base}/page/1")
    assert "Validated wording not loaded" in odi_page.text
    assert "ODI section 1" in odi_page.text or "section 1" in odi_page.text.lower()


def test_admin_loads_a_pack_and_forms_use_its_wording(signed_in, app):
    admin, _admin = signed_in("admin")
    response = upload(admin, "odi", placeholder_pack("odi", version="clinic-test-7"))
    assert response.status_code == 302, response.text[:2000]
    row = db.session.scalars(select(IntakeWordingPack)).one()
    assert row.active and row.pack_version == "2.1a+clinic-test-7" and row.instrument_id == "odi"

    client, _user = signed_in("therapist")
    patient = make_patient()
    base = start_odi_page(client, patient)
    odi_page = client.get(f"{base}/page/1")
    assert "Made-up wording for odi.1" in odi_page.text
    assert "Validated wording not loaded" not in odi_page.text

    complete_packet(client, patient, "followup")
    odi = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.instrument_id == "odi")
    ).first()
    assert odi.wording_pack_version == "2.1a+clinic-test-7"
    exported = client.get(f"/intake/patients/{patient.id}/responses/{odi.id}/fhir.json")
    items = exported.get_json(force=True)["item"]
    assert items[0]["text"] == "Made-up wording for odi.1"
    assert "2.1a+clinic-test-7" in exported.text


def test_pack_with_unknown_link_ids_is_refused_with_the_list(signed_in):
    admin, _admin = signed_in("admin")
    pack = json.loads(placeholder_pack("odi"))
    pack["item"].append({"linkId": "odi.99", "text": "Not a real item"})
    pack["item"].append({"linkId": "rmdq.1", "text": "Wrong questionnaire"})
    response = upload(admin, "odi", json.dumps(pack).encode())
    assert response.status_code == 422
    assert "odi.99" in response.text and "rmdq.1" in response.text
    assert db.session.scalars(select(IntakeWordingPack)).all() == []
    refused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.wording_refused")
    ).all()
    assert len(refused) == 1


def test_malformed_and_oversized_packs_are_refused(signed_in):
    admin, _admin = signed_in("admin")
    malformed = upload(admin, "odi", b"{not json")
    assert malformed.status_code == 422 and "not valid JSON" in malformed.text
    big = b'{"resourceType": "Questionnaire", "pad": "' + b"x" * (600 * 1024) + b'"}'
    response = upload(admin, "odi", big)
    assert response.status_code == 422
    assert "largest allowed" in response.text
    assert db.session.scalars(select(IntakeWordingPack)).all() == []


def test_instrument_exports_as_fhir_questionnaire(signed_in):
    client, _user = signed_in("front-desk")
    response = client.get("/intake/instruments/odi/fhir.json")
    assert response.status_code == 200
    data = response.get_json(force=True)
    assert data["resourceType"] == "Questionnaire" and data["version"] == "2.1a"
    assert [i["linkId"] for i in data["item"]][:2] == ["odi.1", "odi.2"]
    assert client.get("/intake/instruments/nope/fhir.json").status_code == 404


def test_response_exports_as_fhir_with_score_and_is_audited(signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(client, patient, "followup", {"odi": {f"odi.{n}": "2" for n in range(1, 11)}})
    odi = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.instrument_id == "odi")
    ).one()
    response = client.get(f"/intake/patients/{patient.id}/responses/{odi.id}/fhir.json")
    assert response.status_code == 200
    data = response.get_json(force=True)
    assert data["resourceType"] == "QuestionnaireResponse" and data["status"] == "completed"
    assert data["subject"]["reference"] == f"Patient/{patient.id}"
    assert "40" in json.dumps(data.get("extension", []))
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.response_export")
    ).all()


def test_blank_and_filled_packets_print_as_pdf(signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient()
    blank = client.get(f"/intake/patients/{patient.id}/packets/new_back_pain/blank.pdf")
    assert blank.status_code == 200 and blank.data.startswith(b"%PDF")
    text = pdf_text(blank.data)
    assert "New back-pain patient" in text and patient.full_name in text
    assert "Validated wording not loaded" in text
    run_id = complete_packet(client, patient, "new_back_pain")
    filled = client.get(f"/intake/patients/{patient.id}/completed/{run_id}/print.pdf")
    assert filled.status_code == 200 and filled.data.startswith(b"%PDF")
    assert "Lower back, left" in pdf_text(filled.data)
    prints = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "pdf.print")
    ).all()
    assert len(prints) == 2


def test_filled_packet_puts_findings_and_scores_on_page_one_and_marks_each_yes(signed_in):
    import datetime as dt

    from pypdf import PdfReader

    client, _user = signed_in("therapist")
    born = dt.date.today().replace(day=1) - dt.timedelta(days=35 * 365)
    patient = make_patient(date_of_birth=born)
    run_id = complete_packet(
        client,
        patient,
        "new_back_pain",
        {"history": {"history.saddle_numbness": "true", "history.fever": "true"}},
    )
    data = client.get(f"/intake/patients/{patient.id}/completed/{run_id}/print.pdf").data
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]
    first = pages[0]
    # Page 1: the safety findings, then every score, then how many answers were "Yes".
    assert "Safety alerts" in first and "possible cauda equina signs" in first
    assert "Scores" in first and "Oswestry Disability Index" in first
    assert "Keele STarT Back Screening Tool" in first
    assert '2 health questions answered "Yes"' in first.replace("“", '"').replace("”", '"')
    whole = " ".join(pages)
    # Each health "Yes" carries a mark a reader (and a search) finds in black and white;
    # a "No" does not, and agreeing to the consent text is not a health answer.
    assert whole.count("● Yes") == 3  # the two answers and the legend's example
    assert "bicycle seat)? ● Yes" in whole and "last few days? ● Yes" in whole
    assert "● No" not in whole
    assert "I have read the consent text above and I agree to treatment. Yes" in whole


def test_admin_configures_a_packet_and_staff_can_start_it(signed_in):
    admin, _admin = signed_in("admin")
    refused = admin.post_form(
        "/intake/admin/packets", {"code": "Bad Code", "title": "", "steps": ["nope"]}
    )
    assert refused.status_code == 422
    saved = admin.post_form(
        "/intake/admin/packets",
        {
            "code": "pain_check",
            "title": "Pain check",
            "steps": ["nprs", "pain_diagram"],
            "order": "pain_diagram, nprs",
            "active": "y",
        },
    )
    assert saved.status_code == 302, saved.text[:2000]
    row = db.session.scalars(select(IntakePacket)).one()
    assert row.step_ids == ["pain_diagram", "nprs"]
    client, _user = signed_in("front-desk")
    patient = make_patient()
    complete_packet(client, patient, "pain_check")
    kinds = set(db.session.scalars(select(IntakeResponse.instrument_id)))
    assert kinds == {"pain_diagram", "nprs"}


def test_upload_for_an_instrument_without_packs_is_refused(signed_in):
    admin, _admin = signed_in("admin")
    response = upload(admin, "history", placeholder_pack("odi"))
    assert response.status_code == 422
    assert db.session.scalars(select(IntakeWordingPack)).all() == []


def test_bad_review_input_is_refused_with_messages(signed_in):
    from plugins.intake.models import IntakeFinding

    therapist, _user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        therapist, patient, answers_by_step={"history": {"history.medications": ["anticoagulant"]}}
    )
    finding = db.session.scalars(select(IntakeFinding)).first()
    prefix = f"f{finding.id}-"
    url = f"/intake/patients/{patient.id}/findings/{finding.id}/review"
    for data in (
        {prefix + "action": "nonsense"},
        {
            prefix + "action": "clearance",
            prefix + "clearance_date": "not-a-date",
            prefix + "cleared_by": "Dr X",
        },
        {
            prefix + "action": "clearance",
            prefix + "clearance_date": "2999-01-01",
            prefix + "cleared_by": "Dr X",
        },
        {prefix + "action": "reviewed", prefix + "note": "n" * 3000},
    ):
        response = therapist.post_form(url, data)
        assert response.status_code == 422, data
    assert finding.reviews == []


def test_pack_for_another_version_or_with_unworded_options_is_refused_with_every_problem(
    signed_in, app
):
    admin, _admin = signed_in("admin")
    odi = json.loads(placeholder_pack("odi"))
    odi["version"] = "1.0+old-paper-form"
    del odi["item"][0]["answerOption"][2]["valueCoding"]["display"]  # an ODI statement
    refused = upload(admin, "odi", json.dumps(odi).encode())
    assert refused.status_code == 422
    text = refused.text.replace("&#39;", "'")
    assert "does not match ODI version 2.1a" in text
    assert "linkId 'odi.1': answer options 2 have no text" in text
    sbst = json.loads(placeholder_pack("sbst"))
    for entry in sbst["item"]:
        if entry["linkId"] == "sbst.9":
            del entry["answerOption"]  # item 9's five answers shown as bare codes
    refused = upload(admin, "sbst", json.dumps(sbst).encode())
    assert refused.status_code == 422
    assert "linkId 'sbst.9': the answer options have no text" in refused.text.replace("&#39;", "'")
    assert db.session.scalars(select(IntakeWordingPack)).all() == []
