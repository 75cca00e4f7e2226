"""Progress per plan: pain before/after each session, scores against goals, visits, PDF."""

from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from clinic.api import (
    clinic_today,
    collect,
    db,
    icd10,
    line_chart_svg,
    patient_or_404,
    pdf_response,
    record,
    require,
)
from plugins.treatment import services
from plugins.treatment.domain.plans import Goal, goal_met, plan_end_near, reeval_due
from plugins.treatment.domain.progress import SessionPoint, pain_drop, visits_summary
from plugins.treatment.views import bp


def _chart(points) -> Markup:
    series = [
        ("Pain before", [(p.date, p.pain_before) for p in points if p.pain_before is not None]),
        ("Pain after", [(p.date, p.pain_after) for p in points if p.pain_after is not None]),
    ]
    svg = line_chart_svg(series, y_min=0, y_max=10, y_label="Pain (0-10)", width=480, height=180)
    # The core chart escapes every text it draws; the rest is numbers.
    return Markup(svg)  # noqa: S704 -- escaped by clinic.charts


def progress_context(patient, plan) -> dict:
    today = clinic_today()
    notes = sorted(
        services.counted_notes(services.patient_notes(patient.id, plan_id=plan.id)),
        key=lambda n: (n.session_date, n.id),
    )
    points = [SessionPoint(n.session_date, n.pain_before, n.pain_after) for n in notes]
    measures = collect("patient_outcome_measures", patient=patient)
    goals = []
    for g in plan.goals:
        matching = [
            m
            for m in measures
            if g.measure.strip().lower() in (m.instrument.lower(), m.label.lower())
        ]
        latest = matching[-1] if matching else None
        goal = Goal(g.measure, g.baseline, g.target, g.target_date, g.direction)
        goals.append(
            {
                "goal": g,
                "scores": matching,
                "latest": latest,
                "met": goal_met(goal, latest.value) if latest is not None else None,
            }
        )
    auths = collect("authorization_status", patient=patient, on_date=today)
    authorized = auths[0].visits_authorized if auths else None
    visits = visits_summary(done=len(notes), planned=plan.planned_visits, authorized=authorized)
    return {
        "patient": patient,
        "plan": plan,
        "notes": notes,
        "points": points,
        "drop": pain_drop(points),
        "chart": _chart(points),
        "goals": goals,
        "visits": visits,
        "authorization": auths[0] if auths else None,
        "reeval": reeval_due(
            today=today,
            reeval_date=plan.reeval_date,
            visits_done=len(notes),
            every_visits=int(services.setting("reeval_every_visits")),
        ),
        "end_near": plan_end_near(
            today=today,
            start=plan.start_date,
            weeks=plan.weeks,
            warn_days=int(services.setting("plan_end_warning_days")),
        ),
        "diagnoses": [d for d in (icd10.lookup(c) for c in plan.diagnoses) if d is not None],
        "specs": services.modalities(),
        "today": today,
    }


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/progress")
@require("treatment.plans.view")
def progress(patient_id: int, plan_id: int):
    patient = patient_or_404(patient_id)
    plan = services.plan_or_404(patient, plan_id)
    context = progress_context(patient, plan)
    record("treatment.progress.view", patient_id=patient.id, object_type="plan", object_id=plan.id)
    db.session.commit()
    return render_template("treatment/progress.html", **context)


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/progress.pdf")
@require("treatment.plans.view")
def progress_pdf(patient_id: int, plan_id: int):
    patient = patient_or_404(patient_id)
    plan = services.plan_or_404(patient, plan_id)
    context = progress_context(patient, plan)
    record(
        "treatment.progress.view",
        patient_id=patient.id,
        object_type="plan",
        object_id=plan.id,
        detail="pdf",
    )
    return pdf_response(
        "treatment/progress_pdf.html",
        filename=f"progress-plan-{plan.id}.pdf",
        patient_id=patient.id,
        object_type="treatment_plan",
        object_id=plan.id,
        **context,
    )
