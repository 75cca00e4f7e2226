""" "Today's handouts": every patient seen today without a printout, as one PDF.

The web request only writes a :class:`Batch` row and starts a detached process (a
double fork, so the gunicorn sync worker neither waits for it nor keeps a zombie); it
returns at once and the page polls ``/status``.  The detached process builds each
patient's HTML, renders them on ``batch_workers`` processes (both CPU cores by default)
through the core's ``render_many`` (same safe fetcher and time limit), records each
print and joins the PDFs.  Progress lives in the database, so any worker answers the
poll.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from flask import current_app
from sqlalchemy import select

from clinic.api import (
    Patient,
    User,
    asset_roots,
    clinic_today,
    collect,
    db,
    join_pdfs,
    record,
    render_many,
    setting,
    utcnow,
)
from plugins.handouts import services
from plugins.handouts.models import Batch, HandoutPrint


def seen_today(on_date) -> list[tuple[Patient, bool]]:
    """(patient, already printed today) for every patient seen on ``on_date``."""
    ids = sorted({int(i) for i in collect("patients_seen", on_date=on_date)})
    if not ids:
        return []
    printed = set(
        db.session.scalars(
            select(HandoutPrint.patient_id).where(
                HandoutPrint.service_date == on_date, HandoutPrint.patient_id.in_(ids)
            )
        )
    )
    patients = db.session.scalars(select(Patient).where(Patient.id.in_(ids))).all()
    return sorted(((p, p.id in printed) for p in patients), key=lambda r: r[0].display_name)


# How often the running batch writes its progress (prints done, audit events).
PROGRESS_SECONDS = 1.0

# A job still "running" after this long lost its process (e.g. a server restart).
STALE_AFTER = dt.timedelta(minutes=15)


def running() -> Batch | None:
    """Today's unfinished job, so a second click (or a second clerk) joins it instead of
    printing everyone twice."""
    return db.session.scalars(
        select(Batch)
        .where(
            Batch.status.in_(("queued", "running")),
            Batch.created_at > utcnow() - STALE_AFTER,
        )
        .order_by(Batch.id.desc())
        .limit(1)
    ).first()


def start(user) -> int | None:
    """Start today's batch (or join the one running); its id, or None if nobody waits."""
    busy = running()
    if busy is not None:
        return busy.id
    on_date = clinic_today()
    waiting = [p.id for p, done in seen_today(on_date) if not done]
    if not waiting:
        return None
    job = Batch(created_by_id=user.id, service_date=on_date, patient_ids=waiting)
    db.session.add(job)
    db.session.flush()
    record(
        "handouts.batch",
        object_type="handouts_batch",
        object_id=job.id,
        detail={"patients": waiting},
    )
    job_id = job.id
    db.session.commit()
    # Nothing of this request's session is touched after the commit: reading ``job``
    # again would open a new (on SQLite, write-locking) transaction that the batch
    # process would then have to wait for.
    spawn(current_app._get_current_object(), job_id)
    return job_id


def spawn(app, batch_id: int) -> None:
    """Run the batch in a grandchild process that outlives nothing but itself."""
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the middle child exits at once
        return
    try:
        if os.fork():
            os._exit(0)
        os.setsid()
        code = 0
        try:
            run(app, batch_id)
        except BaseException:  # noqa: BLE001 -- never fall back into the web worker's code
            code = 1
        os._exit(code)
    except BaseException:  # noqa: BLE001 -- the middle child must never return either
        os._exit(1)


def run(app, batch_id: int) -> None:
    with app.app_context():
        # Connections inherited from the web worker belong to it: open our own.
        db.engine.dispose(close=False)
        # This process's own session: what it loads (the library's versions, the
        # patients, the job) does not change under it, so a commit need not expire it
        # and reload everything for the next patient.
        db.session().expire_on_commit = False
        job = db.session.get(Batch, batch_id)
        try:
            _run(app, job)
        except Exception as exc:  # noqa: BLE001 -- the page must learn that it failed
            db.session.rollback()
            job = db.session.get(Batch, batch_id)
            job.status = "failed"
            job.message = f"The batch stopped: {exc}"[:500]
            job.finished_at = utcnow()
            db.session.commit()
        finally:
            db.session.remove()


def _run(app, job: Batch) -> None:
    user = db.session.get(User, job.created_by_id)
    job.status = "running"
    db.session.commit()
    work: list[tuple[services.PrintInputs, str, str]] = []
    libraries: dict[str, list] = {}

    def documents():
        # A generator: the pool starts rendering the first patients while the HTML of
        # the next ones is still being built here.
        for patient_id in job.patient_ids:
            patient = db.session.get(Patient, patient_id)
            language = services.language_default(patient)
            if language not in libraries:
                libraries[language] = [(h, h.current) for h in services.library(language)]
            handouts = [h for h, _v in libraries[language]]
            sections = services.sections_for(patient, job.service_date, language, False)
            chosen = services.preselected(handouts, sections)
            inputs = services.PrintInputs(
                patient=patient,
                versions=[v for h, v in libraries[language] if h.id in chosen],
                language=language,
                instructions=next(
                    (
                        s.context.get("instructions")
                        for s in sections
                        if s.context.get("instructions")
                    ),
                    "",
                ),
                on_date=job.service_date,
                printed_by=user.display_name,
            )
            html = services.build_html(inputs)
            work.append((inputs, html, services.cache_key(html)))
            # Release the database between patients (SQLite: the write lock), so staff
            # requests never wait for the whole batch to be prepared.
            db.session.commit()
            yield html

    waiting: list[tuple[int, bytes | Exception]] = []
    last_written = [time.monotonic()]

    def progress(index, result):
        # Written in groups, at most every PROGRESS_SECONDS (and at the end): each
        # commit is short, so staff requests never wait for the batch, and the progress
        # bar still moves about once a second.
        waiting.append((index, result))
        if index + 1 == len(job.patient_ids) or (
            time.monotonic() - last_written[0] >= PROGRESS_SECONDS
        ):
            write_progress()

    def write_progress():
        for index, result in waiting:
            write_one(index, result)
        if waiting:
            job.done = waiting[-1][0] + 1
            db.session.commit()
        waiting.clear()
        last_written[0] = time.monotonic()

    def write_one(index, result):
        inputs, _html, key = work[index]
        if isinstance(result, bytes):
            # The batch file is for paper, so it is rendered untagged (much faster to
            # render and to join); the patient's own copy keeps the tagged key, and
            # reopening it from the chart renders and caches the accessible version.
            given = HandoutPrint(
                patient_id=inputs.patient.id,
                printed_by_id=user.id,
                service_date=job.service_date,
                language=inputs.language,
                version_ids=[v.id for v in inputs.versions],
                options=inputs.options,
                instructions=inputs.instructions,
                cache_key=key,
                batch_id=job.id,
            )
            db.session.add(given)
            db.session.flush()
            record(
                "handouts.print",
                user=user,
                patient_id=inputs.patient.id,
                object_type="handout_print",
                object_id=given.id,
                detail={
                    "handouts": [v.handout.slug for v in inputs.versions],
                    "versions": [[v.handout_id, v.number] for v in inputs.versions],
                    "language": inputs.language,
                    "batch": job.id,
                },
            )
        else:
            job.message = (job.message + f"\n{inputs.patient.display_name}: {result}").strip()

    results = render_many(
        documents(),
        asset_roots(app),
        timeout=app.config["CLINIC_PDF_TIMEOUT_SECONDS"],
        workers=int(setting("handouts.batch_workers")),
        pdf_options=None,
        on_each=progress,
        memory_mb=app.config.get("CLINIC_PDF_MEMORY_MB"),
    )
    write_progress()
    good = [r for r in results if isinstance(r, bytes)]
    job.pdf = join_pdfs(good) if good else None
    job.status = "done" if good else "failed"
    if not good:
        job.message = job.message or "No handout could be rendered."
    job.finished_at = utcnow()
    db.session.commit()
