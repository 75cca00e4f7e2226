"""Payers and fee schedules, the service mapping, and a patient's coverage:
policies, benefits-verification calls and authorizations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from clinic.api import clinic_today, db, patient_or_404, record, require
from plugins.insurance import services
from plugins.insurance.catalog import cpt_codes
from plugins.insurance.coding import DEFAULT_MAPPING
from plugins.insurance.forms import (
    AuthorizationForm,
    MappingForm,
    PayerForm,
    PolicyForm,
    ProviderForm,
    VerificationForm,
    fee_form_class,
)
from plugins.insurance.models import (
    UNIT_RULES,
    Authorization,
    Claim,
    FeeScheduleEntry,
    Payer,
    Policy,
    ProviderProfile,
    ServiceMapping,
    VerificationNote,
)
from plugins.insurance.views import bp


def _added_to_coverage(patient, row, event: str, object_type: str, message: str):
    """Store a new coverage record of ``patient``, audit it, and go back to the coverage
    page (policies, verification calls and authorizations are all added this way)."""
    db.session.add(row)
    db.session.flush()
    record(event, patient_id=patient.id, object_type=object_type, object_id=row.id)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("insurance.coverage", patient_id=patient.id))


def _payer_or_404(payer_id: int) -> Payer:
    payer = db.session.get(Payer, payer_id)
    if payer is None:
        abort(404)
    return payer


def _payer_choices():
    payers = db.session.scalars(select(Payer).order_by(Payer.name)).all()
    return [(p.id, p.name) for p in payers]


# -- payers -----------------------------------------------------------------------


@bp.route("/payers")
@require("insurance.coverage.view")
def payers():
    rows = db.session.scalars(select(Payer).order_by(Payer.name)).all()
    record("insurance.payer.view", object_type="payer", object_id="list")
    db.session.commit()
    return render_template("insurance/payers.html", payers=rows, rules=UNIT_RULES)


def _name_taken(name: str, payer_id: int | None = None) -> bool:
    stmt = select(Payer.id).where(func.lower(Payer.name) == name.strip().lower())
    return any(pid != payer_id for pid in db.session.scalars(stmt))


@bp.route("/payers/new", methods=["GET", "POST"])
@require("insurance.coverage.edit")
def payer_new():
    form = PayerForm()
    if form.validate_on_submit():
        if _name_taken(form.name.data):
            form.name.errors.append("A payer with this name already exists.")
        else:
            payer = Payer()
            _fill_payer(payer, form)
            db.session.add(payer)
            db.session.flush()
            record("insurance.payer.create", object_type="payer", object_id=payer.id)
            db.session.commit()
            flash(f"Payer {payer.name} added.", "success")
            return redirect(url_for("insurance.payers"))
    return render_template("insurance/payer_form.html", form=form, payer=None)


def _fill_payer(payer: Payer, form: PayerForm) -> None:
    payer.name = form.name.data.strip()
    payer.payer_code = (form.payer_code.data or "").strip().upper()
    payer.address = (form.address.data or "").strip()
    payer.phone = (form.phone.data or "").strip()
    payer.timely_filing_days = form.timely_filing_days.data
    payer.unit_rule = form.unit_rule.data
    payer.pays_97010 = form.pays_97010.data


@bp.route("/payers/<int:payer_id>", methods=["GET", "POST"])
@require("insurance.coverage.edit")
def payer_edit(payer_id: int):
    payer = _payer_or_404(payer_id)
    form = PayerForm(obj=payer)
    if form.validate_on_submit():
        if _name_taken(form.name.data, payer.id):
            form.name.errors.append("A payer with this name already exists.")
        else:
            _fill_payer(payer, form)
            record("insurance.payer.update", object_type="payer", object_id=payer.id)
            db.session.commit()
            flash("Payer saved.", "success")
            return redirect(url_for("insurance.payers"))
    return render_template("insurance/payer_form.html", form=form, payer=payer)


@bp.route("/payers/<int:payer_id>/delete", methods=["POST"])
@require("insurance.coverage.edit")
def payer_delete(payer_id: int):
    from clinic.api import ClinicForm

    payer = _payer_or_404(payer_id)
    if not ClinicForm().validate_on_submit():
        flash("This form expired; please try again.", "error")
        return redirect(url_for("insurance.payer_edit", payer_id=payer.id))
    users = {
        "claims": db.session.scalar(select(func.count()).where(Claim.payer_id == payer.id)),
        "policies": db.session.scalar(select(func.count()).where(Policy.payer_id == payer.id)),
        "authorizations": db.session.scalar(
            select(func.count()).where(Authorization.payer_id == payer.id)
        ),
    }
    if any(users.values()):
        what = ", ".join(f"{n} {k}" for k, n in users.items() if n)
        record(
            "insurance.payer.refused",
            object_type="payer",
            object_id=payer.id,
            detail={"reason": "in use", **users},
        )
        db.session.commit()
        flash(f"{payer.name} cannot be deleted: {what} refer to it.", "error")
        return redirect(url_for("insurance.payer_edit", payer_id=payer.id))
    record("insurance.payer.delete", object_type="payer", object_id=payer.id)
    db.session.delete(payer)
    db.session.commit()
    flash("Payer deleted.", "success")
    return redirect(url_for("insurance.payers"))


@bp.route("/payers/<int:payer_id>/fees", methods=["GET", "POST"])
@require("insurance.billing")
def payer_fees(payer_id: int):
    payer = _payer_or_404(payer_id)
    form_class = fee_form_class()
    current = {f"fee_{fee.cpt_code}": fee.amount for fee in payer.fees}
    form = form_class(data=current)
    if form.validate_on_submit():
        existing = {fee.cpt_code: fee for fee in payer.fees}
        for code in cpt_codes():
            amount = getattr(form, f"fee_{code}").data
            if amount is None:
                if code in existing:
                    payer.fees.remove(existing[code])
            elif code in existing:
                existing[code].amount = amount
            else:
                payer.fees.append(FeeScheduleEntry(cpt_code=code, amount=amount))
        record(
            "insurance.payer.update",
            object_type="payer",
            object_id=payer.id,
            detail={"fees": {f.cpt_code: str(f.amount) for f in payer.fees}},
        )
        db.session.commit()
        flash("Fee schedule saved.", "success")
        return redirect(url_for("insurance.payer_fees", payer_id=payer.id))
    rate = services.self_pay_rate()
    return render_template(
        "insurance/fees.html", form=form, payer=payer, codes=cpt_codes(), rate=rate
    )


# -- mapping ------------------------------------------------------------------------


@bp.route("/mapping", methods=["GET", "POST"])
@require("insurance.billing")
def mapping():
    form = MappingForm()
    if form.validate_on_submit():
        key = form.service_key.data.strip()
        row = db.session.get(ServiceMapping, key)
        if row is None:
            row = ServiceMapping(service_key=key)
            db.session.add(row)
        row.cpt_code = form.cpt_code.data or ""
        record(
            "insurance.mapping.update",
            object_type="mapping",
            object_id=key,
            detail={"cpt_code": row.cpt_code},
        )
        db.session.commit()
        flash(f"{key} now maps to {row.cpt_code or 'nothing (not billed)'}.", "success")
        return redirect(url_for("insurance.mapping"))
    record("insurance.mapping.view", object_type="mapping", object_id="table")
    db.session.commit()
    return render_template(
        "insurance/mapping.html",
        form=form,
        table=services.mapping(),
        defaults=DEFAULT_MAPPING,
        codes=cpt_codes(),
    )


# -- a patient's coverage -----------------------------------------------------------


@bp.route("/patients/<int:patient_id>")
@require("insurance.coverage.view")
def coverage(patient_id: int):
    patient = patient_or_404(patient_id)
    policies = db.session.scalars(
        select(Policy).where(Policy.patient_id == patient.id).order_by(Policy.id.desc())
    ).all()
    calls = db.session.scalars(
        select(VerificationNote)
        .where(VerificationNote.patient_id == patient.id)
        .order_by(VerificationNote.called_on.desc(), VerificationNote.id.desc())
    ).all()
    usages = services.usage(patient, services.authorizations(patient.id))
    record("insurance.coverage.view", patient_id=patient.id, object_type="patient")
    db.session.commit()
    return render_template(
        "insurance/coverage.html",
        patient=patient,
        policies=policies,
        calls=calls,
        usages=usages,
        today=clinic_today(),
    )


@bp.route("/patients/<int:patient_id>/policies/new", methods=["GET", "POST"])
@require("insurance.coverage.edit")
def policy_new(patient_id: int):
    patient = patient_or_404(patient_id)
    form = PolicyForm()
    form.payer_id.choices = _payer_choices()
    if not form.payer_id.choices:
        flash("Add the payer first.", "info")
        return redirect(url_for("insurance.payer_new"))
    if form.validate_on_submit():
        policy = Policy(
            patient_id=patient.id,
            payer_id=form.payer_id.data,
            rank=form.rank.data,
            member_id=form.member_id.data.strip().upper(),
            group_number=(form.group_number.data or "").strip().upper(),
            subscriber_name=(form.subscriber_name.data or "").strip(),
            relationship_to_subscriber=form.relationship.data,
            effective_date=form.effective_date.data,
            end_date=form.end_date.data,
            copay=form.copay.data,
            coinsurance_percent=form.coinsurance_percent.data,
            deductible=form.deductible.data,
            referral_required=form.referral_required.data,
        )
        return _added_to_coverage(
            patient, policy, "insurance.policy.create", "policy", "Policy added."
        )
    return render_template("insurance/policy_form.html", form=form, patient=patient)


@bp.route("/patients/<int:patient_id>/verifications/new", methods=["GET", "POST"])
@require("insurance.coverage.edit")
def verification_new(patient_id: int):
    patient = patient_or_404(patient_id)
    form = VerificationForm()
    policies = db.session.scalars(
        select(Policy).where(Policy.patient_id == patient.id).order_by(Policy.id.desc())
    ).all()
    form.policy_id.choices = [(0, "No particular policy")] + [
        (p.id, f"{p.payer.name} · {p.member_id}") for p in policies
    ]
    if form.validate_on_submit():
        if form.called_on.data > clinic_today():
            form.called_on.errors.append("The call cannot be in the future.")
        else:
            note = VerificationNote(
                patient_id=patient.id,
                policy_id=form.policy_id.data or None,
                called_on=form.called_on.data,
                caller_id=current_user.id,
                representative=(form.representative.data or "").strip(),
                reference_number=(form.reference_number.data or "").strip(),
                covers_massage=form.covers_massage.data,
                covers_manual_therapy=form.covers_manual_therapy.data,
                visits_per_year=form.visits_per_year.data,
                prior_auth_needed=form.prior_auth_needed.data,
                referral_needed=form.referral_needed.data,
                notes=(form.notes.data or "").strip(),
            )
            return _added_to_coverage(
                patient,
                note,
                "insurance.verification.create",
                "verification",
                "Verification call recorded.",
            )
    if not form.called_on.data and not form.is_submitted():
        form.called_on.data = clinic_today()
    return render_template("insurance/verification_form.html", form=form, patient=patient)


@bp.route("/patients/<int:patient_id>/authorizations/new", methods=["GET", "POST"])
@require("insurance.coverage.edit")
def authorization_new(patient_id: int):
    patient = patient_or_404(patient_id)
    form = AuthorizationForm()
    form.payer_id.choices = _payer_choices()
    if not form.payer_id.choices:
        flash("Add the payer first.", "info")
        return redirect(url_for("insurance.payer_new"))
    if form.validate_on_submit():
        auth = Authorization(
            patient_id=patient.id,
            payer_id=form.payer_id.data,
            number=form.number.data.strip().upper(),
            cpt_codes=form.codes,
            kind=form.kind.data,
            quantity=form.quantity.data,
            start_date=form.start_date.data,
            end_date=form.end_date.data,
        )
        return _added_to_coverage(
            patient, auth, "insurance.authorization.create", "authorization", "Authorization added."
        )
    return render_template("insurance/authorization_form.html", form=form, patient=patient)


# -- rendering providers ------------------------------------------------------------


@bp.route("/providers")
@require("insurance.billing")
def providers():
    from clinic.api import THERAPIST, User

    staff = db.session.scalars(
        select(User).where(User.role == THERAPIST).order_by(User.display_name)
    ).all()
    profiles = {p.user_id: p for p in db.session.scalars(select(ProviderProfile))}
    return render_template("insurance/providers.html", staff=staff, profiles=profiles)


@bp.route("/providers/<int:provider_id>", methods=["GET", "POST"])
@require("insurance.billing")
def provider_edit(provider_id: int):
    from clinic.api import User

    user = db.session.get(User, provider_id)
    if user is None:
        abort(404)
    profile = db.session.get(ProviderProfile, user.id) or ProviderProfile(user_id=user.id)
    form = ProviderForm(obj=profile)
    if form.validate_on_submit():
        profile.credentials = (form.credentials.data or "").strip()
        profile.npi = (form.npi.data or "").strip()
        profile.license_number = (form.license_number.data or "").strip()
        db.session.add(profile)
        record("insurance.provider.update", object_type="user", object_id=user.id)
        db.session.commit()
        flash(f"Billing details of {user.display_name} saved.", "success")
        return redirect(url_for("insurance.providers"))
    return render_template("insurance/provider_form.html", form=form, provider=user)
