"""Synthetic intake history for ``flask --app wsgi demo`` (invented answers only)."""

from __future__ import annotations

import datetime as dt

from clinic.extensions import db
from plugins.intake import services
from plugins.intake.instruments import get, validate
from plugins.intake.models import IntakeResponse


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


def add_history(patient, rng) -> None:
    if rng.random() < 0.3:
        return  # some patients have not done an intake yet
    today = dt.date.today()
    start = today - dt.timedelta(days=rng.randint(30, 120))
    level = rng.randint(2, 4)
    first = dt.datetime.combine(start, dt.time(9, rng.randint(0, 59)))
    history = IntakeResponse(
        patient_id=patient.id,
        instrument_id="history",
        instrument_version=get("history").version,
        answers=services.to_json(_history_answers(rng)),
        entered_by_kind="patient",
        entered_at=first,
    )
    db.session.add(history)
    db.session.flush()
    services.add_findings(history, patient, history.answer_dict(), start)
    visits = rng.randint(1, 4)
    for visit in range(visits):
        when = first + dt.timedelta(days=14 * visit)
        for instrument_id in ("nprs", "odi", "peg"):
            answers = _scored_answers(instrument_id, max(0, level - visit), rng)
            response = IntakeResponse(
                patient_id=patient.id,
                instrument_id=instrument_id,
                instrument_version=get(instrument_id).version,
                answers=services.to_json(answers),
                entered_by_kind="patient",
                entered_at=when,
            )
            services.apply_score(response, instrument_id, answers)
            db.session.add(response)
