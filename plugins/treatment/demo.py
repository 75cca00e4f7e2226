"""Synthetic treatment history for ``flask --app wsgi demo`` (everything invented)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select

from clinic.api import clinic_today, db
from plugins.treatment.domain.hashing import content_hash
from plugins.treatment.models import Note, NoteEntry, Plan, PlanGoal, PlanModality, utcnow

MUSCLES = ("quadratus_lumborum", "multifidus", "gluteus_medius", "piriformis", "psoas_major")
POINTS = ("pl5", "pl4", "lower_pole_l5", "quadratus_lumborum", "piriformis")


def add_history(patient, rng) -> None:
    """About one patient in three gets an active plan with a few signed sessions."""
    from clinic.api import User
    from plugins.treatment.notes import content

    if rng.random() > 0.35:
        return
    therapist = db.session.scalars(select(User).where(User.role == "therapist")).first()
    if therapist is None:
        return
    today = clinic_today()
    visits = rng.randrange(2, 6)
    start = today - dt.timedelta(days=7 * visits + rng.randrange(0, 5))
    side = rng.choice(("l", "r"))
    plan = Plan(
        patient_id=patient.id,
        therapist_id=therapist.id,
        status="active",
        diagnoses=[rng.choice(("M54.50", "M62.830", "M54.59"))],
        problems="Low back pain limits sitting and lifting.",
        times_per_week=1,
        weeks=rng.choice((6, 8)),
        start_date=start,
        reeval_date=start + dt.timedelta(weeks=4),
    )
    baseline = rng.randrange(30, 55)
    plan.goals = [
        PlanGoal(
            measure="odi",
            baseline=baseline,
            target=20,
            direction="below",
            target_date=start + dt.timedelta(weeks=plan.weeks),
        )
    ]
    plan.modalities = [
        PlanModality(modality_key="nmt", parameters={"regions": [f"lower_back_{side}"]}),
        PlanModality(modality_key="prt", parameters={"hold_seconds": 90}),
        PlanModality(modality_key="hot_pack", parameters={"regions": [f"lower_back_{side}"]}),
    ]
    db.session.add(plan)
    db.session.flush()
    pain = rng.randrange(6, 9)
    for visit in range(visits):
        day = start + dt.timedelta(weeks=visit)
        after = max(0, pain - rng.randrange(2, 4))
        note = Note(
            patient_id=patient.id,
            plan_id=plan.id,
            therapist_id=therapist.id,
            nonce=secrets.token_urlsafe(16),
            session_date=day,
            start_time=dt.time(9 + visit % 6, 0),
            end_time=dt.time(9 + visit % 6, 50),
            pain_before=pain,
            pain_after=after,
            subjective="Stiffness after sitting; sleeping better than last week.",
            objective="Taut band in the low back muscles on palpation.",
            assessment="Tenderness eases with pressure release.",
            plan_text="Continue weekly; review home heat.",
            palpation=[{"region": f"lower_back_{side}", "finding": "Taut, tender band"}],
        )
        note.entries = [
            NoteEntry(
                modality_key="nmt",
                minutes=15,
                values={
                    "muscle": rng.choice(MUSCLES),
                    "side": "left" if side == "l" else "right",
                    "regions": [f"lower_back_{side}"],
                    "trigger_point": "active",
                    "referral_seen": False,
                    "pressure": 7,
                    "hold_seconds": 60,
                    "twitch_response": False,
                    "tenderness_before": 6,
                    "tenderness_after": 3,
                    "minutes": 15,
                },
            ),
            NoteEntry(
                modality_key="prt",
                minutes=10,
                values={
                    "tender_point": rng.choice(POINTS),
                    "side": "left" if side == "l" else "right",
                    "regions": [f"lower_back_{side}"],
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
            ),
            NoteEntry(
                modality_key="hot_pack",
                minutes=15,
                values={
                    "region": f"lower_back_{side}",
                    "tank_temp_c": 72,
                    "towel_layers": 7,
                    "minutes": 15,
                    "skin_checks": [{"minute": 5, "finding": "even pink"}],
                    "skin_response": "normal_redness",
                    "screen_confirmed": True,
                    "follow_up": "",
                },
            ),
        ]
        db.session.add(note)
        db.session.flush()
        # Signed in one UPDATE after the entries exist (the database refuses later edits).
        now = utcnow()
        digest = content_hash(content(note, signed_by_id=therapist.id, signed_at=now))
        with db.session.no_autoflush:
            note.status = "signed"
            note.signed_at = now
            note.signed_by_id = therapist.id
            note.content_hash = digest
        db.session.flush()
        pain = max(1, pain - rng.randrange(0, 2))
