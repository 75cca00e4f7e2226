"""Without a licensed wording pack the patient never sees a placeholder form: the
tablet leaves the questionnaire out, the desk is told why, and staff can still enter
the answers from the clinic's licensed paper form."""

from __future__ import annotations

import re

from sqlalchemy import select

from clinic.api import db
from clinic.testing import make_patient
from plugins.intake import services
from plugins.intake.instruments import get as get_definition
from plugins.intake.models import IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import fill_run
from plugins.intake.tests.test_web_packs_exports import upload
from plugins.intake.wording import placeholder_pack


def _start_on_tablet(client, patient, packet="followup"):
    started = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": packet, "mode": "other"}
    )
    assert started.status_code == 302
    return client.get(started.headers["Location"]).text


def test_tablet_packet_leaves_out_questionnaires_without_licensed_wording(signed_in):
    desk, _ = signed_in("front-desk")
    patient = make_patient()
    handover = _start_on_tablet(desk, patient)
    run = db.session.scalars(select(IntakeRun)).one()
    assert run.step_ids == ["nprs"]
    notice = re.sub(r"\s+", " ", handover)
    assert "Left out on the tablet: Oswestry Disability Index" in notice
    assert "licensed paper form" in notice and "administrator can load" in notice
    for n, page in enumerate(services.run_pages(run)):
        assert (
            "Validated wording not loaded"
            not in desk.get(f"/intake/patients/{patient.id}/runs/{run.id}/page/{n}").text
        ), page
    intake_page = desk.get(f"/intake/patients/{patient.id}/").text
    assert "Left out on the tablet (no licensed wording loaded)" in intake_page


def test_a_loaded_pack_puts_the_questionnaire_back_on_the_tablet(signed_in):
    admin, _ = signed_in("admin", username="boss")
    assert upload(admin, "odi", placeholder_pack("odi", version="clinic-9")).status_code == 302
    patient = make_patient()
    handover = _start_on_tablet(admin, patient)
    run = db.session.scalars(select(IntakeRun)).one()
    assert run.step_ids == ["nprs", "odi"]
    peg = get_definition("peg").title
    assert f"Left out on the tablet: {peg}." in re.sub(r"\s+", " ", handover)
    # An administrator is pointed at the wording-pack page itself.
    assert 'href="/intake/admin/wording"' in handover


def test_staff_enter_an_unlicensed_questionnaire_from_the_paper_form(signed_in):
    desk, _ = signed_in("front-desk")
    patient = make_patient()
    intake_page = desk.get(f"/intake/patients/{patient.id}/").text
    assert "Oswestry Disability Index (from your licensed paper form)" in intake_page
    started = desk.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": "paper_odi", "mode": "staff"}
    )
    assert started.status_code == 302
    run = db.session.scalars(select(IntakeRun)).one()
    base = f"/intake/patients/{patient.id}/runs/{run.id}"
    fill_run(
        desk, run.id, lambda n: f"{base}/page/{n}", {"odi": {f"odi.{i}": "2" for i in range(1, 11)}}
    )
    assert desk.post_form(f"{base}/submit").status_code == 302
    stored = db.session.scalars(select(IntakeResponse)).one()
    assert stored.instrument_id == "odi" and stored.total is not None


def test_a_paper_form_is_never_sent_to_a_tablet(signed_in):
    desk, _ = signed_in("front-desk")
    patient = make_patient()
    refused = desk.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": "paper_odi", "mode": "other"}
    )
    assert refused.status_code == 302
    assert db.session.scalars(select(IntakeRun)).first() is None
