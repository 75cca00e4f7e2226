"""A packet left open across the health history's upgrade (1.0 -> 1.1) stays
completable: on resume the new questions are asked, the answers given before are kept,
and the submitted response is a whole 1.1 response (never a mix)."""

from __future__ import annotations

import json

from sqlalchemy import select

from clinic.api import db
from clinic.testing import make_patient
from plugins.intake.models import IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import default_answers, fill_run, page_form


def _start(client, patient) -> IntakeRun:
    started = client.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": "new_back_pain", "mode": "staff"}
    )
    assert started.status_code == 302
    return db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()


def test_a_run_started_on_history_1_0_asks_the_new_question_and_submits(app, signed_in):
    client, _user = signed_in("therapist")
    patient = make_patient()
    run = _start(client, patient)
    base = f"/intake/patients/{patient.id}/runs/{run.id}"
    fill_run(client, run.id, lambda n: f"{base}/page/{n}")
    # As if the run had been started before the upgrade: version 1.0, and no answer to
    # the question 1.1 added.
    db.session.expire_all()
    run = db.session.get(IntakeRun, run.id)
    versions = run.version_map()
    versions["history"] = "1.0"
    run.versions = json.dumps(versions)
    progress = run.answers()
    progress["history"].pop("history.thoracic_pain")
    progress["history"]["history.gone_in_1_1"] = "an answer to a question 1.1 removed"
    run.set_answers(progress)
    db.session.commit()

    # The review page asks for the new question (not a version error) ...
    review = client.get(f"{base}/review")
    assert review.status_code == 200
    assert "cannot be mixed" not in review.text
    refused = client.post_form(f"{base}/submit")
    assert refused.status_code != 302
    assert "Please answer" in refused.text or "still needed" in refused.text
    assert db.session.scalars(select(IntakeResponse)).all() == []

    # ... which is answered on its page; the earlier answers were kept.
    from plugins.intake import services

    db.session.expire_all()
    run = db.session.get(IntakeRun, run.id)
    page = next(
        p
        for p in services.run_pages(run)
        if any(item.id == "history.thoracic_pain" for item in p.items)
    )
    answers = {**default_answers("history"), "history.thoracic_pain": "false"}
    saved = client.post_form(f"{base}/page/{page.number}", page_form(page, answers))
    assert saved.status_code == 302, saved.text[:2000]
    done = client.post_form(f"{base}/submit")
    assert done.status_code == 302, done.text[:3000]
    history = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.instrument_id == "history")
    ).one()
    assert history.instrument_version == "1.1"
    stored = json.loads(history.answers)
    assert stored["history.thoracic_pain"] is False
    assert "history.gone_in_1_1" not in stored
