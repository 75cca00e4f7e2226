"""Factories for the treatment plugin's web tests."""

from __future__ import annotations

import datetime as dt
import itertools

from clinic.api import clinic_today, db
from plugins.treatment.models import Note, NoteEntry, Plan, PlanGoal, PlanModality

_nonce = itertools.count(1)

ENTRY_VALUES = {
    "nmt": {
        "muscle": "quadratus_lumborum",
        "side": "left",
        "regions": ["lower_back_l"],
        "trigger_point": "active",
        "referral_seen": True,
        "pressure": 7,
        "hold_seconds": 60,
        "twitch_response": False,
        "tenderness_before": 6,
        "tenderness_after": 3,
        "minutes": 15,
    },
    "prt": {
        "tender_point": "pl5",
        "side": "right",
        "regions": ["buttock_r"],
        "tenderness_scale": "rating",
        "tenderness_before": 7,
        "flexion_extension": "extension",
        "side_bending": "left",
        "rotation": "none",
        "hold_seconds": 90,
        "percent_reduction": 80,
        "tenderness_after": 2,
        "minutes": 10,
    },
    "hot_pack": {
        "region": "lower_back_l",
        "tank_temp_c": 72,
        "towel_layers": 7,
        "minutes": 15,
        "skin_checks": [{"minute": 5, "finding": "even pink"}, {"minute": 10, "finding": "pink"}],
        "skin_response": "normal_redness",
        "screen_confirmed": True,
    },
}


def make_plan(patient, therapist, *, status="active", keys=("nmt", "prt", "hot_pack"), **fields):
    values = {
        "patient_id": patient.id,
        "therapist_id": therapist.id,
        "status": status,
        "diagnoses": ["M54.50"],
        "times_per_week": 1,
        "weeks": 6,
        "start_date": clinic_today() - dt.timedelta(days=7),
    }
    values.update(fields)
    plan = Plan(**values)
    plan.goals = [
        PlanGoal(
            measure="odi",
            baseline=42,
            target=20,
            direction="below",
            target_date=clinic_today() + dt.timedelta(days=40),
        )
    ]
    plan.modalities = [PlanModality(modality_key=k, parameters={"minutes": 15}) for k in keys]
    db.session.add(plan)
    db.session.commit()
    return plan


def make_note(
    patient,
    therapist,
    *,
    plan=None,
    signed=False,
    keys=("nmt", "prt", "hot_pack"),
    pain_before=6,
    pain_after=3,
    day=None,
    **fields,
):
    values = {
        "patient_id": patient.id,
        "therapist_id": therapist.id,
        "plan_id": plan.id if plan else None,
        "nonce": f"test-nonce-{next(_nonce)}",
        "session_date": day or clinic_today(),
        "start_time": dt.time(10, 0),
        "end_time": dt.time(10, 50),
        "pain_before": pain_before,
        "pain_after": pain_after,
        "subjective": "Low back ache after gardening.",
        "objective": "Tight left quadratus lumborum.",
        "assessment": "Responding to soft-tissue work.",
        "plan_text": "Continue weekly.",
    }
    values.update(fields)
    note = Note(**values)
    for key in keys:
        entry_values = dict(ENTRY_VALUES[key])
        note.entries.append(
            NoteEntry(modality_key=key, values=entry_values, minutes=entry_values["minutes"])
        )
    db.session.add(note)
    db.session.commit()
    if signed:
        sign(note, therapist.id)
    return note


def sign(note, user_id):
    """Sign as the app does: one UPDATE while signed_at is still NULL."""
    from plugins.treatment.domain.hashing import content_hash
    from plugins.treatment.notes import content

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with db.session.no_autoflush:
        body = content(note)
        body.update(signed_by_id=user_id, signed_at=now.isoformat())
        note.status = "signed"
        note.signed_at = now
        note.signed_by_id = user_id
        note.content_hash = content_hash(body)
    db.session.commit()
    return note


def note_form_data(note, **overrides) -> dict:
    """A complete, valid save of ``note`` as a browser would post it."""
    data = {
        "version": str(note.version),
        "session_date": note.session_date.isoformat(),
        "start_time": "10:00",
        "end_time": "10:50",
        "pain_before": "6",
        "pain_after": "3",
        "subjective": "Low back ache after gardening.",
        "objective": "Tight left quadratus lumborum.",
        "assessment": "Responding to soft-tissue work.",
        "plan_text": "Continue weekly.",
        "palp1_region": "lower_back_l",
        "palp1_finding": "Taut band, tender",
    }
    for entry in note.entries:
        for name, value in ENTRY_VALUES[entry.modality_key].items():
            key = f"e{entry.id}-{name}"
            if value is True:
                data[key] = "y"
            elif value is False:
                continue
            elif isinstance(value, list) and name != "skin_checks":
                data[key] = list(value)
            elif name == "skin_checks":
                data[key] = "\n".join(f"{c['minute']}: {c['finding']}" for c in value)
            else:
                data[key] = str(value)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
