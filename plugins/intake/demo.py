"""Synthetic intake history for ``flask --app wsgi demo`` (invented answers only)."""

from __future__ import annotations

import datetime as dt
import json

from clinic.api import clinic_day_start, clinic_today, db, to_local
from plugins.intake import painmap, services
from plugins.intake.instruments import get, validate
from plugins.intake.models import IntakeResponse, IntakeRun
from plugins.intake.packets import BUNDLED_PACKETS, PAIN_DIAGRAM


def _history_answers(rng) -> dict:
    defn = get("history")
    answers = {}
    for item in defn.items:
        if item.type == "boolean" and not item.show_if:
            answers[item.id] = False
    if rng.random() < 0.2:
        answers["history.medications"] = ["anticoagulant"]
    return validate("history", answers, partial=False)


def _scored_answers(instrument_id: str, level: int, rng) -> dict:
    """Answers around ``level`` (0-5 scale of badness) for one scored instrument."""
    defn = get(instrument_id)
    answers = {}
    for item in defn.items:
        values = [o.value for o in item.options]
        if not values:
            continue
        position = min(len(values) - 1, max(0, round(level / 5 * (len(values) - 1))))
        position = min(len(values) - 1, max(0, position + rng.choice((-1, 0, 0, 1))))
        answers[item.id] = values[position]
    return validate(instrument_id, answers, partial=False)


PAIN_PATTERNS = (
    {"lower_back_l": 6, "lower_back_r": 5},
    {"lower_back_r": 7, "buttock_r": 5, "thigh_r": 3},
    {"mid_back_l": 4, "lower_back_l": 6, "hip_l": 3},
    {"neck_l": 4, "neck_r": 4, "upper_back_l": 3, "upper_back_r": 3},
)


def _staff():
    from sqlalchemy import select

    from clinic.api import User

    return db.session.scalars(
        select(User).where(User.role.in_(("front-desk", "admin"))).order_by(User.id)
    ).first()


def _run(patient, packet, when, staff) -> IntakeRun:
    """A completed packet run, as if a patient had filled it in on the tablet."""
    run = IntakeRun(
        patient_id=patient.id,
        packet_code=packet.code,
        packet_title=packet.title,
        steps=json.dumps(list(packet.steps)),
        versions=json.dumps(
            {s: (painmap.VERSION if s == PAIN_DIAGRAM else get(s).version) for s in packet.steps},
            sort_keys=True,
        ),
        mode="tablet",
        status="complete",
        progress="{}",
        started_by_id=staff.id,
        started_at=when,
        opened_at=when,
        finished_at=when + dt.timedelta(minutes=12),
    )
    db.session.add(run)
    db.session.flush()
    return run


def _response(patient, run, instrument_id, version, answers, when) -> IntakeResponse:
    response = IntakeResponse(
        patient_id=patient.id,
        run_id=run.id,
        instrument_id=instrument_id,
        instrument_version=version,
        answers=services.to_json(answers),
        entered_by_kind="patient",
        entered_at=when,
    )
    if instrument_id not in (PAIN_DIAGRAM, "history", "consent"):
        services.apply_score(response, instrument_id, answers)
    db.session.add(response)
    db.session.flush()
    return response


def add_history(patient, rng) -> None:
    staff = _staff()
    if staff is None or rng.random() < 0.3:
        return  # some patients have not done an intake yet
    packets = {p.code: p for p in BUNDLED_PACKETS}
    today = clinic_today()
    start = today - dt.timedelta(days=rng.randint(30, 120))
    level = rng.randint(2, 4)
    # A morning visit in the clinic's time, stored as UTC like every timestamp.
    first = clinic_day_start(start) + dt.timedelta(hours=9, minutes=rng.randint(0, 59))

    run = _run(patient, packets["new_back_pain"], first, staff)
    history = _response(
        patient, run, "history", get("history").version, _history_answers(rng), first
    )
    services.add_findings(history, patient, history.answer_dict(), start)
    consent = validate(
        "consent",
        {
            "consent.agree": True,
            "consent.signature": patient.full_name,
            "consent.date": start.isoformat(),
        },
        partial=False,
    )
    _response(patient, run, "consent", get("consent").version, consent, first)
    pain = painmap.clean_ratings(rng.choice(PAIN_PATTERNS))
    _response(patient, run, PAIN_DIAGRAM, painmap.VERSION, pain, first)
    for instrument_id in ("nprs", "odi", "sbst", "peg"):
        _response(
            patient,
            run,
            instrument_id,
            get(instrument_id).version,
            _scored_answers(instrument_id, level, rng),
            first,
        )

    for visit in range(1, rng.randint(1, 4)):
        when = first + dt.timedelta(days=14 * visit)
        if to_local(when).date() > today:
            break
        follow = _run(patient, packets["followup"], when, staff)
        for instrument_id in ("nprs", "odi", "peg"):
            answers = _scored_answers(instrument_id, max(0, level - visit), rng)
            _response(patient, follow, instrument_id, get(instrument_id).version, answers, when)
