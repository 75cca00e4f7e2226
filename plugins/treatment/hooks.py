"""The treatment plugin's hook implementations.

The built-in modalities are registered through ``treatment_modalities`` exactly as
another plugin would register its own.
"""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from clinic.api import (
    AuditEventType,
    BillableService,
    CarePlan,
    ChartPanel,
    HandoutSection,
    NavItem,
    PatientAlert,
    SummaryFact,
    clinic_today,
    hookimpl,
    user_can,
)
from plugins.treatment.domain.builtin import BUILTIN

EVENTS = (
    ("treatment.plan.create", "Created a treatment plan"),
    ("treatment.plan.view", "Opened a treatment plan"),
    ("treatment.plan.update", "Changed a draft treatment plan"),
    ("treatment.plan.status", "Changed a treatment plan's status"),
    ("treatment.plan.refused", "Treatment plan change refused"),
    ("treatment.plan.clearance", "Recorded physician clearance for a treatment plan"),
    ("treatment.heat_override", "Applied heat over a contraindicated region, with a reason"),
    ("treatment.local_override", "Treated over a local contraindication, with a reason"),
    ("treatment.progress.view", "Opened a treatment plan's progress view"),
    ("treatment.sessions.view", "Listed a patient's treatment sessions"),
    ("treatment.note.create", "Started a session note"),
    ("treatment.note.view", "Opened a session note"),
    ("treatment.note.update", "Saved a draft session note"),
    ("treatment.note.autosave", "Autosaved a draft session note"),
    ("treatment.note.entry_add", "Added a modality entry to a draft note"),
    ("treatment.note.entry_remove", "Removed a modality entry from a draft note"),
    ("treatment.note.conflict", "Save refused: someone else saved the note first"),
    ("treatment.note.refused", "Change to a session note refused"),
    ("treatment.note.sign", "Signed a session note"),
    ("treatment.note.sign_refused", "Signing a session note refused"),
    ("treatment.note.addendum", "Added an addendum to a signed note"),
    ("treatment.note.error", "Marked a session note entered in error"),
    ("treatment.todo.view", "Opened the unsigned-notes to-do list"),
)


@hookimpl
def treatment_modalities():
    return list(BUILTIN)


@hookimpl
def audit_event_types():
    return [AuditEventType(name, description) for name, description in EVENTS]


@hookimpl
def nav_items():
    return [NavItem("Unsigned notes", "treatment.todo", "treatment.notes.write", order=40)]


@hookimpl
def patient_chart_panels(patient):
    from plugins.treatment import services

    def render_plans():
        from sqlalchemy import select

        from clinic.api import db
        from plugins.treatment.models import Plan

        plans = db.session.scalars(
            select(Plan).where(Plan.patient_id == patient.id).order_by(Plan.id.desc())
        ).all()
        return render_template("treatment/_plans_panel.html", patient=patient, plans=plans)

    def render_sessions():
        notes = services.patient_notes(patient.id)[:10]
        return render_template(
            "treatment/_sessions_panel.html",
            patient=patient,
            notes=notes,
            show_services=user_can(current_user, "treatment.services.view"),
            show_notes=user_can(current_user, "treatment.notes.view"),
        )

    return [
        ChartPanel("treatment-plans", "Treatment plans", "treatment.plans.view", render_plans, 30),
        ChartPanel(
            "treatment-sessions",
            "Treatment sessions",
            "treatment.sessions.view",
            render_sessions,
            31,
        ),
    ]


@hookimpl
def patient_summary_facts(patient):
    from plugins.treatment import services

    done = len(services.counted_notes(services.patient_notes(patient.id)))
    if not done:
        return []
    label = "session" if done == 1 else "sessions"
    return [SummaryFact("Treatment", f"{done} signed {label}", "treatment.sessions.view", 30)]


@hookimpl
def billable_services(patient, start, end):
    """One service per modality of each signed, not-entered-in-error note in the range,
    its minutes the total of that modality's entries (``service_minutes``)."""
    from plugins.treatment import services
    from plugins.treatment.domain.rules import service_minutes

    specs = services.modalities()
    found = []
    for note in services.counted_notes(services.patient_notes(patient.id)):
        if not start <= note.session_date <= end:
            continue
        entries = [
            (specs[e.modality_key], {"minutes": e.minutes})
            for e in note.entries
            if e.modality_key in specs
        ]
        for total in service_minutes(entries):
            found.append(
                BillableService(
                    source="treatment",
                    source_id=f"note:{note.id}:{total.service}",
                    patient_id=patient.id,
                    service_date=note.session_date,
                    service=total.service,
                    description=total.label,
                    minutes=total.minutes,
                    timed=total.timed,
                    provider_id=note.signed_by_id or note.therapist_id,
                    signed=True,
                )
            )
    return found


@hookimpl
def patient_care_plans(patient, on_date):
    """Plans (active or since completed) whose dates cover ``on_date``."""
    from sqlalchemy import select

    from clinic.api import db
    from plugins.treatment.models import Plan

    plans = db.session.scalars(
        select(Plan)
        .where(Plan.patient_id == patient.id, Plan.status.in_(("active", "completed")))
        .order_by(Plan.id)
    ).all()
    return [
        CarePlan(
            source="treatment",
            plan_id=str(plan.id),
            diagnoses=tuple(plan.diagnoses),
            start=plan.start_date,
            end=plan.end_date,
            goals=tuple(
                f"{g.measure}: from {g.baseline:g} to {g.target:g} by {g.target_date.isoformat()}"
                if g.baseline is not None
                else f"{g.measure}: {g.target:g} by {g.target_date.isoformat()}"
                for g in plan.goals
            ),
            problems=plan.problems,
            link_endpoint="treatment.plan_view",
            link_values={"patient_id": patient.id, "plan_id": plan.id},
        )
        for plan in plans
        if plan.start_date <= on_date <= plan.end_date
    ]


@hookimpl
def demo_patient_history(patient, rng):
    from plugins.treatment.demo import add_history

    add_history(patient, rng)


@hookimpl
def patient_alerts(patient):
    return [alert for _id, alert in patient_alerts_many([patient])]


@hookimpl
def patient_alerts_many(patients):
    """Re-evaluation due and plan of care ending, for each active plan: two queries
    for any number of patients."""
    from sqlalchemy import select

    from clinic.api import db
    from plugins.treatment import services
    from plugins.treatment.domain.plans import plan_end_near, reeval_due
    from plugins.treatment.models import Plan

    alerts = []
    today = clinic_today()
    ids = {p.id for p in patients}
    plans = db.session.scalars(
        select(Plan)
        .where(Plan.patient_id.in_(ids), Plan.status == "active")
        .order_by(Plan.patient_id, Plan.id)
    ).all()
    if not plans:
        return []
    visits = services.counted_visits_by_plan([plan.id for plan in plans])
    every_visits = int(services.setting("reeval_every_visits"))
    warn_days = int(services.setting("plan_end_warning_days"))
    for plan in plans:
        done = visits.get((plan.patient_id, plan.id), 0)
        link = {"patient_id": plan.patient_id, "plan_id": plan.id}
        due = reeval_due(
            today=today,
            reeval_date=plan.reeval_date,
            visits_done=done,
            every_visits=every_visits,
        )
        if due:
            alerts.append(
                (
                    plan.patient_id,
                    PatientAlert(
                        level="warning",
                        title=f"Re-evaluation due (plan #{plan.id})",
                        detail=due,
                        permission="treatment.plans.view",
                        source="treatment",
                        link_endpoint="treatment.progress",
                        link_values=link,
                    ),
                )
            )
        if plan_end_near(
            today=today,
            start=plan.start_date,
            weeks=plan.weeks,
            warn_days=warn_days,
        ):
            alerts.append(
                (
                    plan.patient_id,
                    PatientAlert(
                        level="info",
                        title=f"Plan of care #{plan.id} ends {plan.end_date.isoformat()}",
                        detail="Re-evaluate, then extend or complete the plan.",
                        permission="treatment.plans.view",
                        source="treatment",
                        link_endpoint="treatment.plan_view",
                        link_values=link,
                    ),
                )
            )
    return alerts


@hookimpl
def worklist_items(user, today):
    from plugins.treatment import worklist

    rows = worklist.seen_recently(user, today)
    if user_can(user, "treatment.notes.write"):
        rows += worklist.unsigned_notes(user)
    if user_can(user, "treatment.plans.view"):
        rows += worklist.plans_due(user, today)
    return rows


@hookimpl
def patients_seen(on_date):
    """Patients with a session note (signed or not, not in error) on ``on_date``."""
    from sqlalchemy import select

    from clinic.api import db
    from plugins.treatment.models import Note

    notes = db.session.scalars(select(Note).where(Note.session_date == on_date)).all()
    return sorted({n.patient_id for n in notes if not n.entered_in_error})


@hookimpl
def handout_sections(patient, context):
    """While handouts are printed: today's session (modalities with regions and minutes,
    pain before/after, the plan's home-care text, next re-evaluation)."""
    if context.get("purpose") != "print":
        return []
    from clinic.api import region_label
    from plugins.treatment import services

    on_date = context.get("on_date")
    notes = [
        n
        for n in services.patient_notes(patient.id)
        if n.session_date == on_date and not n.entered_in_error
    ]
    if not notes:
        return []
    note = notes[0]
    specs = services.modalities()
    language = context.get("language") or "en"

    both_sides = "ambos lados" if language == "es" else "both sides"

    def regions(values: dict) -> list[str]:
        # Most modalities record "regions"; a hot pack records its one "region".
        codes = list(values.get("regions") or [])
        if values.get("region"):
            codes.append(values["region"])
        words = []
        for code in codes:
            # A patient reads "Lower back, both sides" rather than the two halves.
            base, side = code[:-2], code[-2:]
            other = {"_l": base + "_r", "_r": base + "_l"}.get(side)
            if other not in codes:
                words.append(region_label(code, language))
            elif side == "_l":
                name = region_label(code, language).rsplit(", ", 1)[0]
                words.append(f"{name}, {both_sides}")
        return words

    # Names in the handout's language: the patient reads them (the printout's other
    # words are chosen by language in the template).
    done = [
        {
            "key": e.modality_key,
            "label": (
                specs[e.modality_key].patient_label(language)
                if e.modality_key in specs
                else e.modality_key
            ),
            "regions": regions(e.values or {}),
            "minutes": e.minutes,
        }
        for e in note.entries
    ]
    plan = note.plan
    spanish = language == "es"
    diagnoses = []
    if plan is not None and not context.get("no_diagnosis"):
        from clinic.api import icd10

        for code in plan.diagnoses or []:
            found = icd10.lookup(code)
            # The bundled code titles are English only: a Spanish handout gives the
            # code alone rather than an English phrase the patient may not read.
            diagnoses.append(f"{code} {found.title}" if found and not spanish else code)
    return [
        HandoutSection(
            "treatment.session",
            "Su sesión de hoy" if spanish else "Your session today",
            "treatment/handout_session.html",
            context={
                "modalities": done,
                "modalities_keys": [e.modality_key for e in note.entries],
                "home_care": list(note.home_care or []),
                "pain_before": note.pain_before,
                "pain_after": note.pain_after,
                "instructions": note.plan_text,
                "therapist": note.therapist.display_name if note.therapist else "",
                "diagnoses": diagnoses,
                "reeval": plan.reeval_date.isoformat() if plan and plan.reeval_date else "",
            },
            order=5,
        )
    ]
