"""Tablet hand-over: one patient, one packet, one device, once; every refusal audited."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from clinic.api import AuditEvent, db
from clinic.testing import make_patient
from plugins.intake.models import IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import fill_run


def refusals() -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.tablet_refused")
    ).all()


def hand_over(client, patient, packet="followup"):
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": packet, "mode": "handover"}
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    match = re.search(r"/intake/tablet/p(\d+)/([^/]+)/$", location)
    assert match, location
    return location, match.group(2)


def claim(client, url):
    """Open the hand-over link and press "Start", as the patient does on the tablet."""
    welcome = client.get(url)
    assert welcome.status_code == 200, welcome.status_code
    started = client.post_form(url)
    assert started.status_code == 302, started.status_code
    return welcome


def start_other(client, patient, packet="followup"):
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": packet, "mode": "other"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    url = re.search(r"<code>https?://[^/]+(/intake/tablet/p\d+/[^<]+/)</code>", page.text)
    code = re.search(r'class="handover-code"[^>]*>([A-Z0-9]{4})-([A-Z0-9]{4})<', page.text)
    assert url and code, page.text
    return url.group(1), code.group(1) + code.group(2)


def test_hand_over_signs_staff_out_and_tablet_completes_packet_once(signed_in, app):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    start_url, token = hand_over(client, patient)

    # The staff session on this browser is over.
    assert "/auth/login" in client.get("/patients/").headers.get("Location", "")

    start = claim(client, start_url)
    assert patient.first_name in start.text
    assert patient.last_name not in start.text
    assert "<nav" not in start.text.replace('<nav class="steps"', "")
    assert 'href="/patients' not in start.text

    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    fill_run(client, run.id, lambda n: f"{start_url}page/{n}")
    review = client.get(f"{start_url}review")
    assert review.status_code == 200
    # No way out: every link and form on tablet pages stays inside this packet.
    for html in (start.text, review.text, client.get(f"{start_url}page/0").text):
        for target in re.findall(r'(?:href|action)="([^"]+)"', html):
            assert target.startswith((start_url, "#", "/static/", "/intake/static/", "data:")), (
                target
            )
    done = client.post_form(f"{start_url}submit")
    assert done.status_code == 302
    thanks = client.get(done.headers["Location"])
    assert "Thank you — please return the tablet to the front desk" in thanks.text

    stored = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.patient_id == patient.id)
    ).all()
    # ODI and PEG have no licensed wording loaded here: the tablet left them out.
    assert {r.instrument_id for r in stored} == {"nprs"}
    assert all(r.entered_by_kind == "patient" and r.entered_by_id is None for r in stored)

    # The token died on submission.
    assert client.get(start_url).status_code == 403
    assert client.post_form(f"{start_url}submit").status_code == 403
    assert refusals()[-1].detail.count("complete") == 1


def test_second_device_is_refused_and_audited(app, signed_in):
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    url, _code = start_other(staff, patient)
    tablet = app.test_client()
    claim(tablet, url)
    assert tablet.get(url + "page/0").status_code == 200
    intruder = app.test_client()
    assert intruder.get(url).status_code == 403
    assert intruder.get(url + "page/0").status_code == 403
    assert "another device" in refusals()[-1].detail


def test_short_code_opens_packet_once_and_binds_the_tablet(app, signed_in):
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    _url, code = start_other(staff, patient)
    tablet = app.test_client()
    opened = tablet.post_form("/intake/tablet/", {"code": code.lower()})
    assert opened.status_code == 302
    claim(tablet, opened.headers["Location"])
    again = app.test_client().post_form("/intake/tablet/", {"code": code})
    assert again.status_code == 422
    assert "does not work" in again.text
    assert refusals()


def test_expired_token_is_refused(app, signed_in):
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    url, _code = start_other(staff, patient)
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    run.expires_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)
    db.session.commit()
    assert app.test_client().get(url).status_code == 403
    assert "expired" in refusals()[-1].detail


def test_token_for_another_patient_and_tampered_token_are_refused(app, signed_in):
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    other = make_patient()
    url, _code = start_other(staff, patient)
    foreign = url.replace(f"/p{patient.id}/", f"/p{other.id}/")
    assert app.test_client().get(foreign).status_code == 403
    assert "another patient" in refusals()[-1].detail
    assert refusals()[-1].patient_id == patient.id
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]
    assert app.test_client().get(tampered).status_code == 404
    assert "unknown token" in refusals()[-1].detail


def test_progress_is_saved_per_page_and_survives_a_new_request(app, signed_in):
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    url, _code = start_other(staff, patient)
    tablet = app.test_client()
    claim(tablet, url)
    saved = tablet.post_form(url + "page/0", {"q-nprs__now": "7"})
    assert saved.status_code == 302
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    db.session.refresh(run)
    assert run.answers()["nprs"] == {"nprs.now": 7}
    again = tablet.get(url + "page/0")
    assert re.search(r'value="7" checked', again.text)


def test_script_in_free_text_is_stored_as_text_and_shown_escaped(signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient()
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": "new_back_pain", "mode": "staff"}
    )
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    payload = "<script>alert('x')</script>"
    fill_run(
        client,
        run.id,
        lambda n: f"/intake/patients/{patient.id}/runs/{run.id}/page/{n}",
        {"history": {"history.medication_list": payload}},
    )
    response = client.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/submit")
    assert response.status_code == 302
    history = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.instrument_id == "history")
    ).one()
    page = client.get(f"/intake/patients/{patient.id}/responses/{history.id}")
    assert page.status_code == 200
    assert payload not in page.text
    assert "&lt;script&gt;" in page.text


def test_open_packet_continues_on_a_new_tablet_keeping_answers(app, signed_in):
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    url, _code = start_other(staff, patient)
    first_tablet = app.test_client()
    claim(first_tablet, url)
    assert first_tablet.post_form(url + "page/0", {"q-nprs__now": "3"}).status_code == 302
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    moved = staff.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/tablet")
    assert moved.status_code == 302
    page = staff.get(moved.headers["Location"]).text
    new_url = re.search(r"<code>https?://[^/]+(/intake/tablet/p\d+/[^<]+/)</code>", page).group(1)
    assert new_url != url
    assert first_tablet.get(url).status_code == 404  # the old token is gone
    second_tablet = app.test_client()
    claim(second_tablet, new_url)
    assert 'value="3" checked' in second_tablet.get(new_url + "page/0").text


def test_token_lifetime_is_a_setting(app_factory, monkeypatch):
    from clinic.testing import make_user
    from plugins.intake import services
    from plugins.intake.packets import BUNDLED_PACKETS

    monkeypatch.setenv("CLINIC_INTAKE_TOKEN_MINUTES", "5")
    short = app_factory()
    with short.app_context():
        patient = make_patient()
        user = make_user("front-desk")
        run = services.start_run(patient, BUNDLED_PACKETS[1], "tablet", user)
        services.arm_tablet(run, with_code=False)
        lifetime = run.expires_at - run.started_at
        assert dt.timedelta(minutes=4) < lifetime <= dt.timedelta(minutes=5, seconds=5)
        db.session.rollback()


def test_loading_the_link_does_not_claim_the_token(app, signed_in):
    """A link preview or prefetch must not lock the real tablet out: only "Start" claims."""
    staff, _user = signed_in("front-desk")
    patient = make_patient()
    url, _code = start_other(staff, patient)
    preview = app.test_client()
    assert preview.get(url).status_code == 200
    assert preview.get(url + "page/0").headers["Location"].endswith(url)
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    assert run.device_hash is None
    tablet = app.test_client()
    claim(tablet, url)
    assert tablet.get(url + "page/0").status_code == 200
    assert preview.get(url).status_code == 403  # now someone else's packet
