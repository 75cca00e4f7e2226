"""Staff entry of a paper packet: same validation as the tablet, scored on submit."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from clinic.api import AuditEvent, db
from clinic.testing import make_patient
from plugins.intake.models import IntakeFinding, IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import fill_run


def start_staff_run(client, patient, packet="new_back_pain"):
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": packet, "mode": "staff"}
    )
    assert response.status_code == 302, response.text[:2000]
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    return run


def staff_page_url(patient, run):
    return lambda n: f"/intake/patients/{patient.id}/runs/{run.id}/page/{n}"


def test_front_desk_enters_a_paper_packet_and_it_is_scored(signed_in):
    client, user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    fill_run(
        client,
        run.id,
        staff_page_url(patient, run),
        {
            "odi": {f"odi.{n}": "2" for n in range(1, 11)},
            "history": {"history.saddle_numbness": "true"},
        },
    )
    review = client.get(f"/intake/patients/{patient.id}/runs/{run.id}/review")
    assert review.status_code == 200
    assert "Check your answers" in review.text
    done = client.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/submit")
    assert done.status_code == 302, done.text[:3000]

    db.session.expire_all()
    run = db.session.get(IntakeRun, run.id)
    assert run.status == "complete"
    responses = {
        r.instrument_id: r
        for r in db.session.scalars(select(IntakeResponse).where(IntakeResponse.run_id == run.id))
    }
    assert set(responses) == {"history", "consent", "pain_diagram", "nprs", "odi", "sbst", "peg"}
    odi = responses["odi"]
    assert odi.total == 40.0 and odi.band == "moderate"
    assert odi.entered_by_kind == "staff" and odi.entered_by_id == user.id
    assert odi.instrument_version == "2.1a"
    assert json.loads(responses["pain_diagram"].answers) == {"lower_back_l": 6, "lower_back_r": 5}
    findings = db.session.scalars(
        select(IntakeFinding).where(IntakeFinding.patient_id == patient.id)
    ).all()
    assert any(f.emergency for f in findings)
    types = set(db.session.scalars(select(AuditEvent.event_type)))
    assert {"intake.run_start", "intake.page_save", "intake.submit"} <= types


def test_out_of_range_answer_is_refused_with_a_message_and_nothing_saved(signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient, packet="followup")
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs/{run.id}/page/0", {"q-nprs__now": "11"}
    )
    assert response.status_code == 422
    assert 'class="error"' in response.text
    db.session.expire_all()
    assert db.session.get(IntakeRun, run.id).answers() == {}
    refused = db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.answer_refused")
    ).all()
    assert len(refused) == 1


def test_packet_with_missing_required_answers_is_not_completed(signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient()
    run = start_staff_run(client, patient, packet="followup")
    response = client.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/submit")
    assert response.status_code == 422
    assert "still needed" in response.text
    assert "how bad is your pain right now?" in response.text  # the question, not its id
    db.session.expire_all()
    assert db.session.get(IntakeRun, run.id).status == "open"
    assert db.session.scalars(select(IntakeResponse)).all() == []


def test_a_run_started_on_an_older_version_moves_onto_the_current_one(signed_in):
    """A packet started before the clinic upgraded a definition stays completable: the
    run moves onto the current version when it is resumed (test_run_upgrade.py has the
    whole path), so its answers are never stored under a mix of versions."""
    from plugins.intake.instruments import get as get_definition

    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient, packet="followup")
    run.versions = json.dumps({"nprs": "0.9", "odi": "2.1a", "peg": "1.0"})
    db.session.commit()
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs/{run.id}/page/0", {"q-nprs__now": "4"}
    )
    assert response.status_code == 302, response.text[:2000]
    db.session.expire_all()
    saved = db.session.get(IntakeRun, run.id)
    assert saved.answers()["nprs"]["nprs.now"] == 4
    assert saved.version_map()["nprs"] == get_definition("nprs").version


def test_a_submitted_packet_cannot_be_submitted_again(signed_in):
    from plugins.intake.tests.helpers import complete_packet

    client, _user = signed_in("front-desk")
    patient = make_patient()
    run_id = complete_packet(client, patient, "followup")
    again = client.post_form(f"/intake/patients/{patient.id}/runs/{run_id}/submit")
    assert again.status_code == 404
    count = db.session.scalars(select(IntakeResponse).where(IntakeResponse.run_id == run_id))
    assert len(count.all()) == 3


def test_packet_is_not_complete_while_the_consent_is_unsigned(signed_in):
    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    from plugins.intake import services
    from plugins.intake.tests.helpers import default_answers, page_form

    url = staff_page_url(patient, run)
    for page in services.run_pages(run):
        answers = default_answers(page.step)
        if page.step == "consent":
            answers.update({"consent.agree": None, "consent.signature": None})
            # The consent page itself refuses to move on while unsigned ...
            stay = client.post_form(url(page.number), page_form(page, answers))
            assert stay.status_code == 422
            assert "Type your full name to sign." in stay.text
            continue
        assert client.post_form(url(page.number), page_form(page, answers)).status_code == 302
    # ... and a jump straight to submitting is refused too.
    response = client.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/submit")
    assert response.status_code == 422
    assert "Consent to treatment" in response.text
    # Each problem links to the page where it is answered.
    consent_page = next(p.number for p in services.run_pages(run) if p.step == "consent")
    assert f'href="{url(consent_page)}#q-consent__agree-q"' in response.text
    db.session.expire_all()
    assert db.session.get(IntakeRun, run.id).status == "open"
    assert db.session.scalars(select(IntakeResponse)).all() == []
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.event_type == "intake.submit_refused")
    ).all()


def test_submitted_responses_cannot_be_changed_or_deleted_in_the_database(signed_in):
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DatabaseError

    from plugins.intake.tests.helpers import complete_packet

    client, _user = signed_in("front-desk")
    patient = make_patient()
    complete_packet(client, patient, "followup")
    with pytest.raises(DatabaseError):
        db.session.execute(update(IntakeResponse).values(total=0))
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(delete(IntakeResponse))
    db.session.rollback()
    assert len(db.session.scalars(select(IntakeResponse)).all()) == 3


def test_answers_typed_before_a_session_timeout_come_back_once(signed_in):
    from clinic.testing import FormDraft

    client, user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient, packet="followup")
    path = f"/intake/patients/{patient.id}/runs/{run.id}/page/0"
    db.session.add(FormDraft(user_id=user.id, path=path, data=json.dumps([["q-nprs__now", "8"]])))
    db.session.commit()
    first = client.get(path)
    assert 'value="8" checked' in first.text
    assert "put back" in first.text
    assert 'value="8" checked' not in client.get(path).text


def test_pain_diagram_page_works_without_scripts_every_region_has_a_labelled_input(signed_in):
    from clinic.api import BODY_REGIONS

    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    pain_page = next(
        n
        for n in range(12)
        if "Where does it hurt?" in client.get(staff_page_url(patient, run)(n)).text
    )
    html = client.get(staff_page_url(patient, run)(pain_page)).text
    for region in BODY_REGIONS:
        assert f'<label for="pain-{region.code}">{region.label}</label>' in html
        assert f'href="#pain-{region.code}"' in html  # the outline jumps to the input
    refused = client.post_form(staff_page_url(patient, run)(pain_page), {"pain-neck_l": "12"})
    assert refused.status_code == 422
    assert "0 to 10" in refused.text


def test_one_bad_pain_rating_keeps_every_other_mark_on_the_page(signed_in):
    from clinic.api import db
    from plugins.intake import services
    from plugins.intake.models import IntakeRun

    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    page = next(p for p in services.run_pages(db.session.get(IntakeRun, run.id)) if not p.items)
    url = staff_page_url(patient, run)(page.number)
    refused = client.post_form(
        url, {"pain-neck_l": "12", "pain-lower_back_l": "6", "pain-calf_r": "3"}
    )
    assert refused.status_code == 422
    # The bad value is shown back with its error; the good ones are kept and saved.
    assert 'id="pain-neck_l" name="pain-neck_l" value="12"' in refused.text
    db.session.expire_all()
    saved = db.session.get(IntakeRun, run.id).answers()["pain_diagram"]
    assert saved == {"lower_back_l": 6, "calf_r": 3}
    again = client.get(url).text
    assert 'name="pain-lower_back_l" value="6"' in again and 'name="pain-calf_r" value="3"' in again


@pytest.mark.parametrize("junk", ["999", "-1", "<b>x</b>", "x" * 5000, "true", "2.5", " "])
def test_junk_on_any_page_is_refused_or_stored_never_a_server_error(signed_in, junk):
    from plugins.intake import services
    from plugins.intake.runner import field_name, pain_field

    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient)
    for page in services.run_pages(run):
        if page.items:
            data = {field_name(item.id): junk for item in page.items}
        else:
            data = {pain_field("neck_l"): junk, pain_field("calf_r"): junk}
        response = client.post_form(staff_page_url(patient, run)(page.number), data)
        assert response.status_code in (302, 422), (page, response.status_code)
        assert "<b>x</b>" not in response.text
    assert client.post_form(f"/intake/patients/{patient.id}/runs/{run.id}/submit").status_code in (
        302,
        422,
    )


def test_a_page_with_a_required_question_unanswered_keeps_answers_and_stays(signed_in):
    from plugins.intake import services

    client, _user = signed_in("front-desk")
    patient = make_patient()
    run = start_staff_run(client, patient, packet="followup")
    first = services.run_pages(run)[0]
    required = [item for item in first.items if item.required and not item.show_if]
    assert required, first
    stay = client.post_form(staff_page_url(patient, run)(0), {"go": "next"})
    assert stay.status_code == 422
    assert stay.text.count("Please answer this question.") == len(required)
    # Going back is always allowed (nothing to finish first).
    assert client.post_form(staff_page_url(patient, run)(1), {"go": "back"}).status_code == 302
