"""Each staff member's start page: the patient search, then what is waiting for them.

The core draws the page; the rows come from the ``worklist_items`` hook, which the
core answers too (recently registered patients, the charts this user opened
lately) in the same way a plugin does.  The core knows no plugin.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from clinic.audit.models import AuditEvent
from clinic.audit.service import record
from clinic.clock import clinic_today
from clinic.contributions import WorklistItem
from clinic.extensions import db
from clinic.localtime import clinic_day_start, to_local
from clinic.patients.forms import SearchForm
from clinic.patients.models import Patient
from clinic.permissions import require

bp = Blueprint("home", __name__)

RECENT_DAYS = 14
ROWS_PER_LIST = 8


@bp.route("/start", endpoint="start")
@require("patients.view")
def start():
    today = clinic_today()
    lists = current_app.extensions["clinic"].worklist(current_user, today)
    shown = {row.link_values.get("patient_id") for _section, rows in lists for row in rows}
    shown.discard(None)
    record("worklist.view", detail={"rows": sum(len(rows) for _s, rows in lists)})
    db.session.commit()
    return render_template(
        "home.html",
        form=SearchForm(formdata=None),
        lists=lists,
        when_label=lambda when: when_label(when, today),
        patients=len(shown),
    )


def when_label(when: dt.datetime | dt.date, today: dt.date) -> str:
    """A row's ``when`` for the start page, in the clinic's time: "today 20:15",
    "Mar 09, 14:30"; a plain date (a session day) shows without a time."""
    if not isinstance(when, dt.datetime):
        return "today" if when == today else when.strftime("%b %d")
    local = to_local(when)
    if local.date() == today:
        return f"today {local:%H:%M}"
    return local.strftime("%b %d, %H:%M")


def core_rows(user, today: dt.date) -> list[WorklistItem]:
    """The core's own start-page rows (``clinic.core_hooks`` hands them to the hook)."""
    return _recently_registered(today) + _recently_opened(user)


def _recently_registered(today: dt.date) -> list[WorklistItem]:
    since = clinic_day_start(today - dt.timedelta(days=RECENT_DAYS))
    # Newest ids are the newest registrations; the primary key keeps this an index walk.
    patients = db.session.scalars(
        select(Patient)
        .where(Patient.archived_at.is_(None), Patient.created_at >= since)
        .order_by(Patient.id.desc())
        .limit(ROWS_PER_LIST)
    )
    return [
        WorklistItem(
            section="Registered recently",
            section_order=80,
            title=p.display_name,
            detail=f"#{p.id} · born {p.date_of_birth.isoformat()}",
            permission="patients.view",
            link_endpoint="patients.chart",
            link_values={"patient_id": p.id},
            when=p.created_at,
        )
        for p in patients
    ]


def _recently_opened(user) -> list[WorklistItem]:
    events = db.session.execute(
        select(AuditEvent.patient_id, AuditEvent.at)
        .where(AuditEvent.user_id == user.id, AuditEvent.event_type == "patient.view")
        .order_by(AuditEvent.id.desc())
        .limit(ROWS_PER_LIST * 6)
    ).all()
    last_seen: dict[int, dt.datetime] = {}
    for patient_id, at in events:
        if patient_id is not None and patient_id not in last_seen:
            last_seen[patient_id] = at
    ids = list(last_seen)[:ROWS_PER_LIST]
    patients = {
        p.id: p
        for p in db.session.scalars(
            select(Patient).where(Patient.id.in_(ids), Patient.archived_at.is_(None))
        )
    }
    return [
        WorklistItem(
            section="Charts you opened recently",
            section_order=90,
            title=patients[pid].display_name,
            detail=f"#{pid} · born {patients[pid].date_of_birth.isoformat()}",
            permission="patients.view",
            link_endpoint="patients.chart",
            link_values={"patient_id": pid},
            when=last_seen[pid],
        )
        for pid in ids
        if pid in patients
    ]
