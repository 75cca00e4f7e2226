"""Coding signed visits into claim lines, tracking claims, exports and superbills."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from clinic.api import (
    clinic_today,
    db,
    patient_or_404,
    record,
    require,
    setting,
)
from plugins.insurance import services
from plugins.insurance.catalog import cpt_codes
from plugins.insurance.coding import money, pointer_letters
from plugins.insurance.forms import AcceptForm, ClaimStatusForm, LineForm
from plugins.insurance.models import (
    CLAIM_STATUSES,
    CLAIM_TRANSITIONS,
    Claim,
    ClaimLine,
)
from plugins.insurance.units import UNIT_MINUTES
from plugins.insurance.views import bp


def claim_or_404(patient, claim_id: int) -> Claim:
    claim = db.session.get(Claim, claim_id)
    if claim is None or claim.patient_id != patient.id:
        abort(404)
    return claim


def _day_or_404(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        abort(404)


def _accept_form(proposal, patient, formdata=None) -> AcceptForm:
    plans = services.care_plans(patient, proposal.service_date)
    codes: list[str] = []
    for plan in plans:
        codes += [c for c in plan.diagnoses if c not in codes]
    form = AcceptForm(formdata=formdata, diagnoses=", ".join(codes))
    form.choose.choices = [(c, c) for c in proposal.ties] or [("", "—")]
    return form


@bp.route("/patients/<int:patient_id>/coding")
@require("insurance.billing")
def coding(patient_id: int):
    patient = patient_or_404(patient_id)
    proposals = services.open_visits(patient)
    forms = {p.service_date: _accept_form(p, patient, formdata=None) for p in proposals}
    claims = sorted(services.claims(patient.id).values(), key=lambda c: c.service_date)
    record("insurance.coding.view", patient_id=patient.id, object_type="patient")
    db.session.commit()
    return render_template(
        "insurance/coding.html",
        patient=patient,
        proposals=proposals,
        forms=forms,
        claims=claims,
        statuses=CLAIM_STATUSES,
        policy_on=lambda day: services.policy_on(patient.id, day),
    )


@bp.route("/patients/<int:patient_id>/visits/<service_date>/accept", methods=["POST"])
@require("insurance.billing")
def accept(patient_id: int, service_date: str):
    patient = patient_or_404(patient_id)
    day = _day_or_404(service_date)
    found = services.signed_services(patient, day, day).get(day)
    if not found:
        abort(404)

    def refuse(message: str):
        record(
            "insurance.claim.refused",
            patient_id=patient.id,
            object_type="visit",
            object_id=day.isoformat(),
            detail={"reason": message},
        )
        db.session.commit()
        flash(message, "error")
        return redirect(url_for("insurance.coding", patient_id=patient.id))

    if day in services.claims(patient.id):
        return refuse(f"The visit of {day.isoformat()} is already a claim.")
    proposal = services.proposal_for(patient, day, found)
    form = _accept_form(proposal, patient, formdata=request.form)
    if not form.validate_on_submit():
        problems = " ".join(e for f in form for e in f.errors)
        return refuse(f"Not accepted: {problems}")
    if proposal.unmapped:
        keys = ", ".join(sorted({s.service for s in proposal.unmapped}))
        return refuse(f"Not accepted: map these services to a CPT code first: {keys}.")
    if not form.codes:
        return refuse("Not accepted: add at least one diagnosis code (item 21).")
    if proposal.ties:
        proposal = services.proposal_for(patient, day, found, choose=form.choose.data)
    if not proposal.billable_lines:
        return refuse("Not accepted: nothing on this visit reaches a billable unit.")
    policy = services.policy_on(patient.id, day)
    auth_number = ""
    for usage in services.usage(patient, services.authorizations(patient.id), on=day):
        auth = usage.authorization
        if auth.start_date <= day <= auth.end_date and (
            policy is None or auth.payer_id == policy.payer_id
        ):
            auth_number = auth.number
            break
    pointers = pointer_letters(form.codes)
    claim = Claim(
        patient_id=patient.id,
        service_date=day,
        payer_id=policy.payer_id if policy else None,
        policy_id=policy.id if policy else None,
        authorization_number=auth_number,
        diagnoses=form.codes,
        place_of_service=str(setting("insurance.place_of_service")),
        unit_rule=proposal.unit_rule,
        provider_id=proposal.provider_id,
        source_ids=proposal.source_ids,
        accepted_by_id=current_user.id,
        lines=[
            ClaimLine(
                position=i,
                cpt_code=line.code,
                modifiers=line.modifiers,
                units=line.units,
                minutes=line.minutes,
                pointers=pointers,
                charge=line.charge,
                bundled=line.bundled,
                note=line.note[:200],
            )
            for i, line in enumerate(proposal.billable_lines, start=1)
        ],
    )
    db.session.add(claim)
    db.session.flush()
    record(
        "insurance.claim.accept",
        patient_id=patient.id,
        object_type="claim",
        object_id=claim.id,
        detail={
            "lines": [
                f"{ln.cpt_code} x{ln.units} {' '.join(ln.modifiers)}".strip() for ln in claim.lines
            ],
            "total": str(claim.total_charge),
        },
    )
    db.session.commit()
    flash(f"Visit of {day.isoformat()} accepted as a draft claim.", "success")
    return redirect(url_for("insurance.claim_view", patient_id=patient.id, claim_id=claim.id))


def _render_claim(patient, claim, *, status_form=None, line_forms=None, status=200):
    status_form = status_form or ClaimStatusForm(
        status=(CLAIM_TRANSITIONS[claim.status] or ("",))[0]
    )
    status_form.status.choices = [(s, CLAIM_STATUSES[s]) for s in CLAIM_TRANSITIONS[claim.status]]
    line_forms = line_forms or {}
    for line in claim.lines:
        line_forms.setdefault(
            line.id,
            LineForm(
                formdata=None,
                prefix=f"l{line.id}",
                units=line.units,
                minutes=line.minutes,
                modifiers=", ".join(line.modifiers),
            ),
        )
    return (
        render_template(
            "insurance/claim.html",
            patient=patient,
            claim=claim,
            status_form=status_form,
            line_forms=line_forms,
            statuses=CLAIM_STATUSES,
            deadline=claim.filing_deadline(),
            codes=cpt_codes(),
        ),
        status,
    )


@bp.route("/patients/<int:patient_id>/claims/<int:claim_id>")
@require("insurance.billing")
def claim_view(patient_id: int, claim_id: int):
    patient = patient_or_404(patient_id)
    claim = claim_or_404(patient, claim_id)
    record("insurance.claim.view", patient_id=patient.id, object_type="claim", object_id=claim.id)
    db.session.commit()
    return _render_claim(patient, claim)


@bp.route("/patients/<int:patient_id>/claims/<int:claim_id>/status", methods=["POST"])
@require("insurance.billing")
def claim_status(patient_id: int, claim_id: int):
    patient = patient_or_404(patient_id)
    claim = claim_or_404(patient, claim_id)
    form = ClaimStatusForm()
    allowed = CLAIM_TRANSITIONS[claim.status]
    form.status.choices = [(s, CLAIM_STATUSES[s]) for s in allowed] or [("", "—")]
    if not form.validate_on_submit() or form.status.data not in allowed:
        if form.status.data not in allowed and not form.status.errors:
            form.status.errors.append(
                f"A {CLAIM_STATUSES[claim.status].lower()} claim cannot become that."
            )
        db.session.rollback()
        return _render_claim(patient, claim, status_form=form, status=400)
    old = claim.status
    claim.status = form.status.data
    if claim.status == "submitted":
        claim.submitted_on = form.submitted_on.data or clinic_today()
    if claim.status == "paid" and form.amount_paid.data is not None:
        claim.amount_paid = form.amount_paid.data
    if claim.status in ("denied", "appealed") and (form.denial_reason.data or "").strip():
        claim.denial_reason = form.denial_reason.data.strip()
    claim.follow_up_on = form.follow_up_on.data
    record(
        "insurance.claim.status",
        patient_id=patient.id,
        object_type="claim",
        object_id=claim.id,
        detail={"from": old, "to": claim.status},
    )
    db.session.commit()
    flash(f"Claim is now {CLAIM_STATUSES[claim.status].lower()}.", "success")
    return redirect(url_for("insurance.claim_view", patient_id=patient.id, claim_id=claim.id))


@bp.route("/patients/<int:patient_id>/claims/<int:claim_id>/lines/<int:line_id>", methods=["POST"])
@require("insurance.billing")
def claim_line(patient_id: int, claim_id: int, line_id: int):
    patient = patient_or_404(patient_id)
    claim = claim_or_404(patient, claim_id)
    line = next((ln for ln in claim.lines if ln.id == line_id), None)
    if line is None:
        # A line id from another claim (or another patient's claim) changes nothing.
        abort(404)
    form = LineForm(prefix=f"l{line.id}")
    if claim.status != "draft":
        form.units.errors = ["Only a draft claim's lines can change."]
        return _render_claim(patient, claim, line_forms={line.id: form}, status=409)
    if not form.validate_on_submit():
        db.session.rollback()
        return _render_claim(patient, claim, line_forms={line.id: form}, status=400)
    per_unit = _per_unit_charge(claim, line)
    line.units = form.units.data
    line.minutes = form.minutes.data
    line.modifiers = [
        m.strip().upper() for m in (form.modifiers.data or "").split(",") if m.strip()
    ]
    line.charge = money(per_unit * line.units) if not line.bundled else money(0)
    record(
        "insurance.claim.line",
        patient_id=patient.id,
        object_type="claim_line",
        object_id=line.id,
        detail={"units": line.units, "minutes": line.minutes, "modifiers": line.modifiers},
    )
    db.session.commit()
    flash(f"Line {line.cpt_code} saved.", "success")
    return redirect(url_for("insurance.claim_view", patient_id=patient.id, claim_id=claim.id))


def _per_unit_charge(claim, line):
    fee = claim.payer.fee_for(line.cpt_code) if claim.payer else None
    if fee is not None:
        return fee
    return services.self_pay_rate() * UNIT_MINUTES / 60


@bp.route("/claims")
@require("insurance.billing")
def claims():
    status = request.args.get("status", "")
    stmt = select(Claim).order_by(Claim.service_date.desc(), Claim.id.desc())
    if status in CLAIM_STATUSES:
        stmt = stmt.where(Claim.status == status)
    rows = db.session.scalars(stmt.limit(500)).all()
    record("insurance.claims.view", object_type="claims", object_id=status or "all")
    db.session.commit()
    return render_template(
        "insurance/claims.html",
        claims=rows,
        statuses=CLAIM_STATUSES,
        status=status,
        today=clinic_today(),
    )
