"""Build (or reuse) the synthetic clinic the benchmark runs against.

Patients are bulk-inserted through the ``patients`` table (tens of thousands per
second); a share of them get a full history -- intake packets with scored
questionnaires and a screened health history, a treatment plan with signed
session notes -- through the plugins' own ``demo_patient_history`` hooks, so the
rows are exactly what the app writes.  A handful of named patients carry the
histories the figures need: 20 signed sessions (the chart under load), 5 and 500
(the statement counts).

A database is reused when its parameters (size, seed, this file, the migration
heads) match what it was built with; the parameters live in a small sidecar file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import secrets
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, inspect, select, text

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / ".data"
ROOT = BENCH_DIR.parent

# Patients whose histories the figures rely on; their ids are stored in the sidecar.
NAMED = {"chart20": 20, "sessions5": 5, "sessions500": 500}


# Bump when the data this module builds changes shape; a new value forces a rebuild.
BUILD_VERSION = "3"  # 2: reversed phone digits filled in; 3: named patients alike


def fingerprint() -> str:
    """Changes with BUILD_VERSION and with any migration."""
    digest = hashlib.sha256(BUILD_VERSION.encode())
    for path in sorted(ROOT.glob("**/migrations/versions/*.py")):
        if ".venv" not in path.parts:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def sidecar(url: str) -> Path:
    name = hashlib.sha256(url.encode()).hexdigest()[:12]
    return DATA_DIR / f"meta-{name}.json"


def make_app(url: str):
    import os

    os.environ.setdefault("CLINIC_SECRET_KEY", "bench-" + "0" * 40)
    from clinic import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SESSION_COOKIE_SECURE": False})


def _reset(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def ensure(url: str, patients: int, seed: int = 2026, log=print) -> dict:
    """Return the sidecar (named patient ids, staff ids); build the database if needed."""
    DATA_DIR.mkdir(exist_ok=True)
    wanted = {"patients": patients, "seed": seed, "fingerprint": fingerprint()}
    meta_path = sidecar(url)
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("params") == wanted and _still_there(url, patients):
            log(f"  reusing the {patients:,}-patient clinic at {_short(url)}")
            return meta
    log(f"  building a {patients:,}-patient clinic at {_short(url)} ...")
    started = time.monotonic()
    _reset(url)
    meta = _build(url, patients, seed, log)
    meta["params"] = wanted
    meta["build_seconds"] = round(time.monotonic() - started, 1)
    meta_path.write_text(json.dumps(meta, indent=1))
    log(f"  built in {meta['build_seconds']} s")
    return meta


def _short(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def _still_there(url: str, patients: int) -> bool:
    engine = create_engine(url)
    try:
        if "patients" not in inspect(engine).get_table_names():
            return False
        with engine.connect() as conn:
            return conn.scalar(text("SELECT count(*) FROM patients")) >= patients
    except Exception:  # noqa: BLE001 -- anything wrong means "build again"
        return False
    finally:
        engine.dispose()


def _build(url: str, patients: int, seed: int, log) -> dict:
    from clinic.auth.models import User
    from clinic.demo import make_patient
    from clinic.extensions import db
    from clinic.patients.models import Patient, digits, fold
    from clinic.testing import migrate_to_heads

    app = make_app(url)
    migrate_to_heads(app)
    rng = random.Random(seed)
    with app.app_context():
        staff = {}
        for username, role in (
            ("bench-admin", "admin"),
            ("bench-desk", "front-desk"),
            ("bench-therapist", "therapist"),
        ):
            user = User(username=username, display_name=username, role=role, credentials="LMT")
            user.set_password(secrets.token_urlsafe(16))
            db.session.add(user)
            db.session.flush()
            staff[role] = user.id
        db.session.commit()

        # Demographics in bulk: the ORM's before_insert (folded search columns) is not
        # run for Core inserts, so the same folding is applied here.
        columns = [c.name for c in Patient.__table__.columns]
        batch = []
        for _ in range(patients):
            p = make_patient(rng)
            row = {c: getattr(p, c) for c in columns if getattr(p, c, None) is not None}
            row.update(
                first_name_folded=fold(p.first_name),
                last_name_folded=fold(p.last_name),
                phone_digits=digits(p.phone),
                phone_digits_reversed=digits(p.phone)[::-1],
                notes="",
                archived_at=None,
                version=1,
                created_at=dt.datetime(2026, 1, 1),
                updated_at=dt.datetime(2026, 1, 1),
            )
            row.pop("id", None)
            batch.append(row)
            if len(batch) == 5000:
                db.session.execute(insert(Patient.__table__), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Patient.__table__), batch)
        db.session.commit()
        log(f"    {patients:,} patients inserted")

        # Full histories for one patient in twenty (at most 500): the hooks write
        # through the ORM, 30-300 ms a patient depending on how busy the machine is,
        # and the whole of ``make bench`` has ten minutes.
        registry = app.extensions["clinic"]
        with_history = min(patients // 20, 500)
        ids = db.session.scalars(select(Patient.id).order_by(Patient.id).limit(with_history)).all()
        for n, patient_id in enumerate(ids, 1):
            patient = db.session.get(Patient, patient_id)
            registry.pm.hook.demo_patient_history(patient=patient, rng=rng)
            if n % 50 == 0:
                db.session.commit()
                db.session.expunge_all()
        db.session.commit()
        log(f"    {with_history:,} patients given intake and treatment histories")

        named = {}
        for key, sessions in NAMED.items():
            patient = make_patient(rng)
            patient.first_name, patient.last_name = "Bench", key.capitalize()
            # Alike but for their histories: an age-based red flag on one of them only
            # would add a query to its pages and spoil the 5-vs-500 statement comparison.
            patient.date_of_birth, patient.sex = dt.date(1962, 3, 14), "female"
            db.session.add(patient)
            db.session.flush()
            intake_history(patient)
            plan_id, note_id = add_sessions(patient, staff["therapist"], sessions, rng)
            db.session.commit()
            named[key] = {"patient": patient.id, "plan": plan_id, "note": note_id}
        log("    named patients with 5, 20 and 500 signed sessions added")

        count = db.session.scalar(select(func.count(Patient.id)))
        db.session.remove()
        db.engine.dispose()
    return {"named": named, "staff": staff, "patients": count}


def intake_history(patient, seed: int = 42) -> None:
    """Intake packets for a named patient, the same for every seed-mate.

    The demo skips some patients at random, so seeds are tried in order until one
    gives a history: two patients built with the same seed get identical histories.
    """
    from clinic.extensions import db
    from plugins.intake import demo
    from plugins.intake.models import IntakeRun

    for offset in range(50):
        demo.add_history(patient, random.Random(seed + offset))
        db.session.flush()
        runs = select(func.count(IntakeRun.id)).where(IntakeRun.patient_id == patient.id)
        if db.session.scalar(runs):
            return


def add_sessions(patient, therapist_id: int, count: int, rng) -> tuple[int, int]:
    """An active plan with ``count`` signed session notes (the shape the app writes)."""
    from clinic.extensions import db
    from plugins.treatment.domain.hashing import content_hash
    from plugins.treatment.models import Note, NoteEntry, Plan, PlanGoal, PlanModality, utcnow
    from plugins.treatment.notes import content

    today = dt.date.today()
    start = today - dt.timedelta(days=count * 3 + 7)
    plan = Plan(
        patient_id=patient.id,
        therapist_id=therapist_id,
        status="active",
        diagnoses=["M54.50"],
        problems="Low back pain limits sitting and lifting.",
        times_per_week=2,
        weeks=max(6, count // 2 + 1),
        start_date=start,
        reeval_date=start + dt.timedelta(weeks=4),
    )
    plan.goals = [
        PlanGoal(measure="odi", baseline=44, target=20, direction="below", target_date=today)
    ]
    plan.modalities = [
        PlanModality(modality_key="nmt", parameters={"regions": ["lower_back_l"]}),
        PlanModality(modality_key="prt", parameters={"hold_seconds": 90}),
    ]
    db.session.add(plan)
    db.session.flush()
    last_id = 0
    pain = 8
    for visit in range(count):
        note = Note(
            patient_id=patient.id,
            plan_id=plan.id,
            therapist_id=therapist_id,
            nonce=secrets.token_urlsafe(16),
            session_date=start + dt.timedelta(days=3 * visit),
            start_time=dt.time(9 + visit % 8, 0),
            end_time=dt.time(9 + visit % 8, 50),
            pain_before=pain,
            pain_after=max(0, pain - 2),
            subjective="Stiffness after sitting; sleeping better than last week.",
            objective="Taut band in the low back muscles on palpation.",
            assessment="Tenderness eases with pressure release.",
            plan_text="Continue; review home heat.",
            palpation=[{"region": "lower_back_l", "finding": "Taut, tender band"}],
        )
        note.entries = [
            NoteEntry(
                modality_key="nmt",
                minutes=15,
                values={
                    "muscle": "quadratus_lumborum",
                    "side": "left",
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
                    "tender_point": "pl5",
                    "side": "left",
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
        ]
        db.session.add(note)
        db.session.flush()
        now = utcnow()
        digest = content_hash(content(note, signed_by_id=therapist_id, signed_at=now))
        with db.session.no_autoflush:
            note.status = "signed"
            note.signed_at = now
            note.signed_by_id = therapist_id
            note.content_hash = digest
        db.session.flush()
        last_id = note.id
        pain = max(2, pain - rng.randrange(0, 2))
    return plan.id, last_id


def submit_runs(staff_id: int, count: int, rng) -> list[list[int]]:
    """Open staff-entry follow-up packets with every answer given: each POST to its
    submit URL stores three scored responses and closes the packet."""
    from clinic.extensions import db
    from clinic.patients.models import Patient
    from plugins.intake import painmap
    from plugins.intake.demo import _scored_answers
    from plugins.intake.instruments import get
    from plugins.intake.models import IntakeRun
    from plugins.intake.packets import BUNDLED_PACKETS, PAIN_DIAGRAM
    from plugins.intake.services import to_json

    packet = {p.code: p for p in BUNDLED_PACKETS}["followup"]
    versions = json.dumps(
        {s: (painmap.VERSION if s == PAIN_DIAGRAM else get(s).version) for s in packet.steps},
        sort_keys=True,
    )
    patient_ids = db.session.scalars(
        select(Patient.id).order_by(Patient.id.desc()).limit(count)
    ).all()
    rows = []
    for patient_id in patient_ids:
        progress = {s: json.loads(to_json(_scored_answers(s, 3, rng))) for s in packet.steps}
        rows.append(
            {
                "patient_id": patient_id,
                "packet_code": packet.code,
                "packet_title": packet.title,
                "steps": json.dumps(list(packet.steps)),
                "versions": versions,
                "mode": "staff",
                "status": "open",
                "progress": json.dumps(progress),
                "started_by_id": staff_id,
                "started_at": dt.datetime(2026, 1, 1),
            }
        )
    before = db.session.scalar(select(func.coalesce(func.max(IntakeRun.id), 0)))
    db.session.execute(insert(IntakeRun.__table__), rows)
    made = db.session.execute(
        select(IntakeRun.patient_id, IntakeRun.id).where(
            IntakeRun.id > before, IntakeRun.status == "open", IntakeRun.mode == "staff"
        )
    ).all()
    db.session.commit()
    return [[p, r] for p, r in made]
