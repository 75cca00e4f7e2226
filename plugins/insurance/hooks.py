"""The insurance plugin's hook implementations."""

from __future__ import annotations

from flask import render_template

from clinic.api import (
    AuditEventType,
    AuthorizationStatus,
    ChartPanel,
    NavItem,
    PatientAlert,
    clinic_today,
    hookimpl,
)

EVENTS = (
    ("insurance.payer.view", "Listed payers or opened a payer"),
    ("insurance.payer.create", "Added a payer"),
    ("insurance.payer.update", "Changed a payer or its fee schedule"),
    ("insurance.payer.delete", "Deleted a payer"),
    ("insurance.payer.refused", "Payer change refused"),
    ("insurance.provider.update", "Changed a provider's billing details (NPI, credentials)"),
    ("insurance.mapping.view", "Opened the service-to-CPT mapping"),
    ("insurance.mapping.update", "Changed the service-to-CPT mapping"),
    ("insurance.coverage.view", "Opened a patient's coverage"),
    ("insurance.policy.create", "Added an insurance policy"),
    ("insurance.verification.create", "Recorded a benefits-verification call"),
    ("insurance.authorization.create", "Added an authorization"),
    ("insurance.coding.view", "Opened a patient's coding and claims"),
    ("insurance.claim.accept", "Accepted a visit's coded lines as a claim"),
    ("insurance.claim.view", "Opened a claim"),
    ("insurance.claim.export", "Exported a claim (CSV or JSON)"),
    ("insurance.claim.status", "Changed a claim's status"),
    ("insurance.claim.line", "Changed a claim line"),
    ("insurance.claim.refused", "Claim change refused"),
    ("insurance.claims.view", "Opened the claims work list"),
    ("insurance.necessity.create", "Started a medical-necessity note"),
    ("insurance.necessity.view", "Opened a medical-necessity note"),
    ("insurance.necessity.update", "Saved a draft medical-necessity note"),
    ("insurance.necessity.sign", "Signed a medical-necessity note"),
    ("insurance.necessity.sign_refused", "Signing a medical-necessity note refused"),
)


@hookimpl
def audit_event_types():
    return [AuditEventType(name, description) for name, description in EVENTS]


@hookimpl
def nav_items():
    return [
        NavItem("Claims", "insurance.claims", "insurance.billing", order=50),
        NavItem("Payers", "insurance.payers", "insurance.coverage.view", order=51),
    ]


@hookimpl
def patient_chart_panels(patient):
    from plugins.insurance import services

    def render_coverage():
        from sqlalchemy import select

        from clinic.api import db
        from plugins.insurance.models import Policy

        policies = db.session.scalars(
            select(Policy).where(Policy.patient_id == patient.id).order_by(Policy.id.desc())
        ).all()
        return render_template(
            "insurance/_panel_coverage.html",
            patient=patient,
            policies=policies,
            today=clinic_today(),
        )

    def render_auths():
        return render_template(
            "insurance/_panel_auths.html",
            patient=patient,
            usages=services.usage(patient, services.authorizations(patient.id)),
        )

    return [
        ChartPanel(
            "insurance-coverage", "Insurance", "insurance.coverage.view", render_coverage, 40
        ),
        # Therapists see authorization status only (no policies, no money).
        ChartPanel(
            "insurance-auth-status",
            "Authorizations",
            "insurance.authorizations.status",
            render_auths,
            41,
        ),
    ]


@hookimpl
def patient_alerts(patient):
    return [alert for _id, alert in patient_alerts_many([patient])]


@hookimpl
def patient_alerts_many(patients):
    """Authorizations and timely filing.  Authorizations and draft claims are read for
    every patient at once; only a patient who has an authorization costs the queries
    that count its visits."""
    from plugins.insurance import services

    ids = [p.id for p in patients]
    auths = services.authorizations_many(ids)
    drafts = services.draft_claims_many(ids)
    found = []
    for patient in patients:
        if not (auths[patient.id] or drafts[patient.id]):
            continue  # most patients: nothing to work out
        usages = services.usage(patient, auths[patient.id]) if auths[patient.id] else []
        for level, title, detail in services.auth_alerts(usages):
            found.append(
                (
                    patient.id,
                    PatientAlert(
                        level=level,
                        title=title,
                        detail=detail,
                        permission="insurance.authorizations.status",
                        source="insurance",
                    ),
                )
            )
        for level, title, detail in services.filing_alerts(patient.id, drafts=drafts[patient.id]):
            found.append(
                (
                    patient.id,
                    PatientAlert(
                        level=level,
                        title=title,
                        detail=detail,
                        permission="insurance.billing",
                        source="insurance",
                        link_endpoint="insurance.coding",
                        link_values={"patient_id": patient.id},
                    ),
                )
            )
    return found


@hookimpl
def authorization_status(patient, on_date):
    from plugins.insurance import services

    auths = [
        a for a in services.authorizations(patient.id) if a.start_date <= on_date <= a.end_date
    ]
    return [
        AuthorizationStatus(
            visits_authorized=u.quantity if u.authorization.kind == "visits" else None,
            visits_used=u.used if u.authorization.kind == "visits" else None,
            valid_until=u.authorization.end_date,
            payer=u.authorization.payer.name,
        )
        for u in services.usage(patient, auths, on=on_date)
    ]


@hookimpl
def demo_patient_history(patient, rng):
    from plugins.insurance.demo import add_coverage

    add_coverage(patient, rng)
