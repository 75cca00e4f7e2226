"""Issue #8 point 8 through the staff-entry pages (the tablet shares the same runner):
contradictory pain ratings are shown back to confirm, and the Roland-Morris form is tick
boxes where an untouched form is refused."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import db
from clinic.testing import make_patient
from plugins.intake.models import IntakeResponse, IntakeRun
from plugins.intake.runner import field_name


def start(client, patient, packet="followup_rmdq"):
    response = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": packet, "mode": "staff"}
    )
    assert response.status_code == 302
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    return run, f"/intake/patients/{patient.id}/runs/{run.id}"


def nprs_form(now, best, worst, **extra):
    return {
        field_name("nprs.now"): str(now),
        field_name("nprs.best"): str(best),
        field_name("nprs.worst"): str(worst),
        **extra,
    }


def saved(run, step):
    db.session.expire_all()
    return db.session.get(IntakeRun, run.id).answers().get(step)


def test_best_above_worst_is_shown_back_and_saved_only_once_confirmed(signed_in):
    client, _user = signed_in("therapist")
    run, base = start(client, make_patient())
    shown = client.post_form(f"{base}/page/0", nprs_form(3, 8, 5))
    assert shown.status_code == 200
    assert "Please check these numbers" in shown.text
    assert "lowest pain in the last 24 hours (8) is higher than your highest" in shown.text
    assert 'name="confirmed"' in shown.text
    assert saved(run, "nprs") is None
    kept = client.post_form(f"{base}/page/0", nprs_form(3, 8, 5, confirmed="yes"))
    assert kept.status_code == 302
    assert saved(run, "nprs") == {"nprs.now": 3, "nprs.best": 8, "nprs.worst": 5}


def test_now_above_worst_is_shown_back_and_a_correction_saves_without_asking(signed_in):
    client, _user = signed_in("therapist")
    run, base = start(client, make_patient())
    shown = client.post_form(f"{base}/page/0", nprs_form(9, 2, 6))
    assert shown.status_code == 200
    assert "pain right now (9) is higher than your highest" in shown.text
    assert saved(run, "nprs") is None
    corrected = client.post_form(f"{base}/page/0", nprs_form(6, 2, 9))
    assert corrected.status_code == 302
    assert saved(run, "nprs")["nprs.worst"] == 9


def rmdq_page(run):
    from plugins.intake import services

    return next(p for p in services.run_pages(run) if p.step == "rmdq")


def test_rmdq_is_tick_boxes_and_an_untouched_form_is_refused(signed_in):
    client, _user = signed_in("therapist")
    run, base = start(client, make_patient())
    page = rmdq_page(run)
    form = client.get(f"{base}/page/{page.number}").text
    assert f'type="checkbox" id="{field_name("rmdq.1")}"' in form
    assert f'type="radio" id="{field_name("rmdq.1")}' not in form
    assert "None of these apply to me today" in form

    untouched = client.post_form(f"{base}/page/{page.number}", {})
    assert untouched.status_code == 422
    assert "Tick each statement that applies to you today" in untouched.text
    assert saved(run, "rmdq") is None
    both = client.post_form(
        f"{base}/page/{page.number}", {field_name("rmdq.2"): "1", "none_apply": "yes"}
    )
    assert both.status_code == 422 and saved(run, "rmdq") is None

    ticked = client.post_form(
        f"{base}/page/{page.number}", {field_name("rmdq.2"): "1", field_name("rmdq.7"): "1"}
    )
    assert ticked.status_code == 302
    answers = saved(run, "rmdq")
    assert len(answers) == 24 and sum(answers.values()) == 2 and answers["rmdq.3"] == 0


def test_none_apply_scores_zero_and_a_never_answered_rmdq_cannot_be_submitted(signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient()
    run, base = start(client, patient)
    client.post_form(f"{base}/page/0", nprs_form(3, 2, 5))
    page = rmdq_page(run)
    refused = client.post_form(f"{base}/submit")
    assert refused.status_code == 422
    assert "Not answered: tick the statements that apply today" in refused.text.replace(
        "&#34;", '"'
    )
    assert client.post_form(f"{base}/page/{page.number}", {"none_apply": "yes"}).status_code == 302
    again = client.get(f"{base}/page/{page.number}").text
    assert 'id="none_apply" name="none_apply" value="yes" checked' in again
    for n in range(page.number + 1, page.number + 4):
        form = client.get(f"{base}/page/{n}")
        if form.status_code != 200:
            break
        client.post_form(f"{base}/page/{n}", {field_name(f"peg.{i}"): "4" for i in range(1, 4)})
    done = client.post_form(f"{base}/submit")
    assert done.status_code == 302, done.text[:2000]
    rmdq = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.instrument_id == "rmdq")
    ).one()
    assert rmdq.total == 0
