"""Treatment plans: create, edit while draft, view, change status, record clearance."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from clinic.api import (
    clinic_today,
    collect,
    db,
    icd10,
    patient_or_404,
    record,
    record_and_commit,
    require,
    utcnow,
)
from plugins.treatment import assembly, services
from plugins.treatment.domain.plans import (
    GoalError,
    PlanTransitionError,
    baseline_suggestions,
    check_transition,
    is_untouched_suggestion,
    parse_goal,
    plan_date_errors,
)
from plugins.treatment.domain.rules import plan_activation_blockers
from plugins.treatment.forms import (
    GOAL_ROWS,
    ClearanceForm,
    StatusForm,
    plan_form_class,
    prefix_for_plan,
)
from plugins.treatment.models import Plan, PlanGoal, PlanModality
from plugins.treatment.views import bp


def _collect(form, patient) -> tuple[dict, list[tuple[str, str]]]:
    """Validate everything a plan form carries; return parsed parts and audit notes.

    Errors are attached to the form's fields; the caller checks ``form_has_errors``.
    """
    specs = services.modalities()
    parsed: dict = {"goals": [], "modalities": []}
    overrides: list[tuple[str, str]] = []

    codes = [c for c in form.diagnoses.data.replace(",", " ").split() if c]
    try:
        parsed["diagnoses"] = [d.code for d in icd10.validate_codes(codes)]
    except ValueError as exc:
        form.diagnoses.errors.append(str(exc))

    goal_fields = {
        "measure": "measure",
        "baseline": "baseline",
        "target": "target",
        "direction": "direction",
        "target_date": "date",
    }
    offered = _suggestions(patient)
    for i in range(1, GOAL_ROWS + 1):
        if not (form[f"goal{i}_measure"].data or "").strip():
            continue
        row = {name: form[f"goal{i}_{field}"].data for name, field in goal_fields.items()}
        if is_untouched_suggestion(row, offered):
            continue
        try:
            goal = parse_goal(
                measure=form[f"goal{i}_measure"].data,
                baseline=form[f"goal{i}_baseline"].data,
                target=form[f"goal{i}_target"].data,
                target_date=form[f"goal{i}_date"].data,
                direction=form[f"goal{i}_direction"].data or "below",
                plan_start=form.start_date.data,
            )
        except GoalError as exc:
            for name, message in exc.errors.items():
                form[f"goal{i}_{goal_fields.get(name, 'measure')}"].errors.append(message)
            continue
        parsed["goals"].append(
            {
                "measure": goal.measure,
                "baseline": goal.baseline,
                "target": goal.target,
                "direction": goal.direction,
                "target_date": goal.target_date,
            }
        )
    for name, message in plan_date_errors(
        start=form.start_date.data, weeks=form.weeks.data, reeval_date=form.reeval_date.data
    ).items():
        form[name].errors.append(message)

    flags = services.safety_flags(patient)
    for key, spec in specs.items():
        prefix = prefix_for_plan(key)
        if not form[f"{prefix}use"].data:
            continue
        checked = assembly.check_plan_modality(form, prefix, spec, flags)
        if checked is not None:
            values, heat_reason, local_reason, audit = checked
            parsed["modalities"].append((key, values, heat_reason, local_reason))
            overrides.extend(audit)
    if not parsed["modalities"] and not any(form[f"{prefix_for_plan(k)}use"].errors for k in specs):
        first = form[f"{prefix_for_plan(next(iter(specs)))}use"] if specs else form.problems
        first.errors.append("Choose at least one modality.")
    return parsed, overrides


def _suggestions(patient, skip=()):
    # Scores come from whichever plugin records them (intake), through the core hook.
    measures = collect("patient_outcome_measures", patient=patient)
    return baseline_suggestions(measures, skip=skip)


def _offer_baselines(form, patient) -> None:
    """Fill empty goal rows with the latest score of each measure not yet a goal: the
    therapist adds a target and date, or leaves the row, which is then not saved."""
    used = [form[f"goal{i}_measure"].data or "" for i in range(1, GOAL_ROWS + 1)]
    offers = iter(_suggestions(patient, skip=[u for u in used if u.strip()]))
    for i in range(1, GOAL_ROWS + 1):
        if (form[f"goal{i}_measure"].data or "").strip():
            continue
        offer = next(offers, None)
        if offer is None:
            return
        form[f"goal{i}_measure"].data = offer.measure
        form[f"goal{i}_baseline"].data = offer.baseline_text
        form[f"goal{i}_direction"].data = "below"


def _goal_hints(patient) -> dict[str, str]:
    """Per measure, where its latest score came from, shown under the baseline."""
    hints = {}
    for s in _suggestions(patient):
        unit = f" {s.unit}" if s.unit and s.unit != "%" else s.unit
        band = f", {s.band}" if s.band else ""
        hints[s.measure] = (
            f"Latest {s.label}: {s.baseline_text}{unit} on {s.taken_on.isoformat()}{band}."
        )
    return hints


def form_has_errors(form) -> bool:
    return any(field.errors for field in form)


def _apply(plan: Plan, form, parsed: dict) -> None:
    plan.diagnoses = parsed["diagnoses"]
    plan.problems = (form.problems.data or "").strip()
    plan.times_per_week = form.times_per_week.data
    plan.weeks = form.weeks.data
    plan.start_date = form.start_date.data
    plan.reeval_date = form.reeval_date.data
    plan.goals = [PlanGoal(**g) for g in parsed["goals"]]
    plan.modalities = [
        PlanModality(
            modality_key=k,
            parameters=_jsonable(v),
            heat_override_reason=heat,
            local_override_reason=local,
        )
        for k, v, heat, local in parsed["modalities"]
    ]


def _jsonable(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, dt.date | dt.time):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


def _fill(form, plan: Plan) -> None:
    form.diagnoses.data = ", ".join(plan.diagnoses)
    form.problems.data = plan.problems
    form.times_per_week.data = plan.times_per_week
    form.weeks.data = plan.weeks
    form.start_date.data = plan.start_date
    form.reeval_date.data = plan.reeval_date
    form.version.data = str(plan.version)
    for i, goal in enumerate(plan.goals[:GOAL_ROWS], start=1):
        form[f"goal{i}_measure"].data = goal.measure
        form[f"goal{i}_baseline"].data = "" if goal.baseline is None else f"{goal.baseline:g}"
        form[f"goal{i}_target"].data = f"{goal.target:g}"
        form[f"goal{i}_direction"].data = goal.direction
        form[f"goal{i}_date"].data = goal.target_date
    specs = services.modalities()
    for pm in plan.modalities:
        spec = specs.get(pm.modality_key)
        if spec is None:
            continue
        prefix = prefix_for_plan(pm.modality_key)
        form[f"{prefix}use"].data = True
        for f in spec.plan_fields:
            if f.name in pm.parameters:
                form[prefix + f.name].data = pm.parameters[f.name]
        if spec.applies_heat:
            form[f"{prefix}heat_override"].data = pm.heat_override_reason
        form[f"{prefix}local_override"].data = pm.local_override_reason


def _fill_defaults(form) -> None:
    specs = services.modalities()
    form.start_date.data = clinic_today()
    form.times_per_week.data = 1
    form.weeks.data = 6
    for key, spec in specs.items():
        prefix = prefix_for_plan(key)
        for name, value in services.default_values(spec, plan=True).items():
            form[prefix + name].data = value


def _render_form(form, patient, plan, status=200):
    specs = services.modalities()
    flags = services.safety_flags(patient)
    return render_template(
        "treatment/plan_form.html",
        form=form,
        patient=patient,
        plan=plan,
        specs=specs,
        show_local_override=assembly.has_local_findings(flags),
        modality_flags=assembly.modality_flags(flags),
        diagnosis_notes=assembly.diagnosis_notes(form.diagnoses.data),
        prefix_for_plan=prefix_for_plan,
        goal_rows=range(1, GOAL_ROWS + 1),
        goal_hints=_goal_hints(patient),
    ), status


def _activate_if_clear(patient, plan: Plan) -> str | None:
    """For "Save and activate": activate the just-saved draft through the same gate as
    the status form.  Returns why it stays a draft, or None once it is active.

    The plan's contents are saved either way, so a blocked activation costs the
    therapist nothing but a second click after the review.
    """
    blockers = plan_activation_blockers(services.safety_flags(patient))
    try:
        check_transition(plan.status, "active", blockers=blockers)
    except PlanTransitionError as exc:
        record(
            "treatment.plan.refused",
            patient_id=patient.id,
            object_type="plan",
            object_id=plan.id,
            outcome="refused",
            detail={"from": plan.status, "to": "active", "why": str(exc)},
        )
        return str(exc)
    previous = plan.status
    plan.status = "active"
    record(
        "treatment.plan.status",
        patient_id=patient.id,
        object_type="plan",
        object_id=plan.id,
        detail={"from": previous, "to": "active", "reason": "saved and activated"},
    )
    return None


def _saved_message(patient, plan: Plan, saved: str) -> None:
    """Flash the outcome of a save, activating first when the therapist asked to."""
    if request.form.get("action") != "activate":
        flash(saved, "success")
        return
    why = _activate_if_clear(patient, plan)
    if why is None:
        flash("Treatment plan saved and active.", "success")
    else:
        flash(f"Saved as a draft, not activated. {why}", "error")


@bp.route("/patients/<int:patient_id>/plans/new", methods=["GET", "POST"])
@require("treatment.plans.write")
def plan_new(patient_id: int):
    patient = patient_or_404(patient_id)
    form = plan_form_class(services.modalities())()
    if request.method == "GET" and not form.restored_from_draft:
        _fill_defaults(form)
        _offer_baselines(form, patient)
    if form.validate_on_submit():
        parsed, overrides = _collect(form, patient)
        if not form_has_errors(form):
            plan = Plan(patient_id=patient.id, therapist_id=current_user.id, status="draft")
            _apply(plan, form, parsed)
            db.session.add(plan)
            db.session.flush()
            record(
                "treatment.plan.create",
                patient_id=patient.id,
                object_type="plan",
                object_id=plan.id,
            )
            assembly.record_overrides(patient, "plan", plan.id, overrides)
            _saved_message(patient, plan, "Treatment plan saved as a draft.")
            db.session.commit()
            return redirect(url_for("treatment.plan_view", patient_id=patient.id, plan_id=plan.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(form, patient, None, status)


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@require("treatment.plans.write")
def plan_edit(patient_id: int, plan_id: int):
    patient = patient_or_404(patient_id)
    plan = services.plan_or_404(patient, plan_id)
    if plan.status != "draft":
        record_and_commit(
            "treatment.plan.refused",
            patient_id=patient.id,
            object_type="plan",
            object_id=plan.id,
            outcome="refused",
            detail="edit of non-draft plan",
        )
        flash("Only a draft plan can be edited.", "error")
        return redirect(url_for("treatment.plan_view", patient_id=patient.id, plan_id=plan.id))
    form = plan_form_class(services.modalities())()
    if request.method == "GET":
        record(
            "treatment.plan.view",
            patient_id=patient.id,
            object_type="plan",
            object_id=plan.id,
            detail="edit form",
        )
        db.session.commit()
    if request.method == "GET" and not form.restored_from_draft:
        _fill(form, plan)
        _offer_baselines(form, patient)
    if form.validate_on_submit():
        if form.version.data != str(plan.version):
            record_and_commit(
                "treatment.plan.refused",
                patient_id=patient.id,
                object_type="plan",
                object_id=plan.id,
                outcome="refused",
                detail="stale version",
            )
            form.version.errors.append("stale")
            flash(
                "Someone else changed this plan since you opened it. Nothing was saved; "
                "reopen the plan to see their version.",
                "error",
            )
            return _render_form(form, patient, plan, 409)
        parsed, overrides = _collect(form, patient)
        if not form_has_errors(form):
            _apply(plan, form, parsed)
            try:
                db.session.flush()
            except StaleDataError:
                db.session.rollback()
                flash("Someone else saved this plan first. Nothing was saved.", "error")
                return redirect(
                    url_for("treatment.plan_view", patient_id=patient.id, plan_id=plan_id)
                )
            record(
                "treatment.plan.update",
                patient_id=patient.id,
                object_type="plan",
                object_id=plan.id,
            )
            assembly.record_overrides(patient, "plan", plan.id, overrides)
            _saved_message(patient, plan, "Plan saved.")
            db.session.commit()
            return redirect(url_for("treatment.plan_view", patient_id=patient.id, plan_id=plan.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(form, patient, plan, status)


def _render_plan(patient, plan, status_form=None, clearance_form=None, status=200):
    specs = services.modalities()
    diagnoses = [icd10.lookup(code) for code in plan.diagnoses]
    return render_template(
        "treatment/plan.html",
        patient=patient,
        plan=plan,
        specs=specs,
        diagnoses=[d for d in diagnoses if d is not None],
        blockers=assembly.blockers(patient) if plan.status == "draft" else [],
        diagnosis_notes=assembly.diagnosis_notes(", ".join(plan.diagnoses)),
        status_form=status_form or StatusForm(formdata=None),
        clearance_form=clearance_form or ClearanceForm(formdata=None),
        notes=services.patient_notes(patient.id, plan_id=plan.id),
    ), status


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>")
@require("treatment.plans.view")
def plan_view(patient_id: int, plan_id: int):
    patient = patient_or_404(patient_id)
    plan = services.plan_or_404(patient, plan_id)
    record("treatment.plan.view", patient_id=patient.id, object_type="plan", object_id=plan.id)
    db.session.commit()
    return _render_plan(patient, plan)


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/status", methods=["POST"])
@require("treatment.plans.write")
def plan_status(patient_id: int, plan_id: int):
    patient = patient_or_404(patient_id)
    plan = services.plan_or_404(patient, plan_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_plan(patient, plan, status_form=form, status=400)
    target = form.target.data
    reason = (form.reason.data or "").strip()
    # Only each finding's own review or clearance lifts it; the plan's clearance note
    # is kept for the record and lifts nothing (docs/clinical-rules.md).
    flags = services.safety_flags(patient) if target == "active" else []
    blockers = plan_activation_blockers(flags)
    try:
        check_transition(plan.status, target, reason=reason, blockers=blockers)
    except PlanTransitionError as exc:
        record_and_commit(
            "treatment.plan.refused",
            patient_id=patient.id,
            object_type="plan",
            object_id=plan.id,
            outcome="refused",
            detail={"from": plan.status, "to": target, "why": str(exc)},
        )
        form.target.errors.append(str(exc))
        return _render_plan(patient, plan, status_form=form, status=409)
    previous = plan.status
    plan.status = target
    if target == "discontinued":
        plan.status_reason = reason
    if not services.flushed():
        flash("Someone else changed this plan at the same moment. Nothing was saved.", "error")
        return redirect(url_for("treatment.plan_view", patient_id=patient_id, plan_id=plan_id))
    record(
        "treatment.plan.status",
        patient_id=patient.id,
        object_type="plan",
        object_id=plan.id,
        detail={"from": previous, "to": target, "reason": reason},
    )
    db.session.commit()
    flash(f"The plan is now {target}.", "success")
    return redirect(url_for("treatment.plan_view", patient_id=patient.id, plan_id=plan.id))


@bp.route("/patients/<int:patient_id>/plans/<int:plan_id>/clearance", methods=["POST"])
@require("treatment.plans.write")
def plan_clearance(patient_id: int, plan_id: int):
    patient = patient_or_404(patient_id)
    plan = services.plan_or_404(patient, plan_id)
    form = ClearanceForm()
    if plan.status != "draft":
        form.clearance.errors = ["Clearance is recorded before a plan becomes active."]
        return _render_plan(patient, plan, clearance_form=form, status=409)
    if not form.validate_on_submit():
        return _render_plan(patient, plan, clearance_form=form, status=400)
    plan.clearance_note = form.clearance.data.strip()
    plan.clearance_by_id = current_user.id
    plan.clearance_at = utcnow()
    if not services.flushed():
        flash("Someone else changed this plan at the same moment. Nothing was saved.", "error")
        return redirect(url_for("treatment.plan_view", patient_id=patient_id, plan_id=plan_id))
    record(
        "treatment.plan.clearance",
        patient_id=patient.id,
        object_type="plan",
        object_id=plan.id,
        detail=plan.clearance_note,
    )
    db.session.commit()
    flash(
        "Clearance note recorded. Each finding is still reviewed or cleared on its own page.",
        "success",
    )
    return redirect(url_for("treatment.plan_view", patient_id=patient.id, plan_id=plan.id))


@bp.route("/icd10")
@require("treatment.plans.view")
def icd10_search():
    query = (request.args.get("q") or "").strip()
    results = icd10.search(query) if query else []
    if request.accept_mimetypes.best == "application/json":
        return {
            "results": [{"code": d.code, "title": d.title, "notes": list(d.notes)} for d in results]
        }
    return render_template("treatment/icd10.html", query=query, results=results)
