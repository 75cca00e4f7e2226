"""A stand-in for the plugins the insurance plugin listens to (treatment): it answers
``billable_services`` and ``patient_care_plans`` from plain lists, so these tests do not
depend on another plugin's tables.  The browser test uses the real treatment plugin."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from clinic.api import AuditEvent, BillableService, CarePlan, clinic_today, db, hookimpl


class Source:
    def __init__(self):
        self.services: list[BillableService] = []
        self.plans: list[CarePlan] = []

    def add(self, patient, key, minutes, *, day=None, timed=True, note=1, signed=True, split=1):
        """One signed service; ``split`` > 1 sends it as that many entries (per-entry shape)."""
        day = day or clinic_today()
        for part in range(split):
            share = minutes // split + (1 if part < minutes % split else 0)
            self.services.append(
                BillableService(
                    source="fake",
                    source_id=f"note:{note}:{key}:{part}:{len(self.services)}",
                    patient_id=patient.id,
                    service_date=day,
                    service=key,
                    description=key.split(".")[-1],
                    minutes=share,
                    timed=timed,
                    signed=signed,
                )
            )

    def plan(self, patient, *codes, start=None):
        start = start or clinic_today() - dt.timedelta(days=30)
        self.plans.append(
            CarePlan(
                source="fake",
                plan_id="1",
                diagnoses=tuple(codes),
                start=start,
                end=start + dt.timedelta(days=90),
                goals=("odi: from 42 to 20",),
                problems="Cannot sit longer than 20 minutes.",
            )
        )

    @hookimpl
    def billable_services(self, patient, start, end):
        return [
            s
            for s in self.services
            if s.patient_id == patient.id and start <= s.service_date <= end
        ]

    @hookimpl
    def patient_care_plans(self, patient, on_date):
        return [p for p in self.plans if p.start <= on_date <= (p.end or on_date)]


def install(app) -> Source:
    source = Source()
    app.extensions["clinic"].pm.register(source, name=f"fake-source-{id(source)}")
    return source


def audited(kind):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)).all()
