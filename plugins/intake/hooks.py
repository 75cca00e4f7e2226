"""What the intake plugin contributes to the core and to other plugins."""

from __future__ import annotations

import json

from clinic.api import (
    AuditEventType,
    ChartPanel,
    HandoutSection,
    NavItem,
    OutcomeMeasure,
    PatientAlert,
    SafetyFlag,
    SummaryFact,
    hookimpl,
    to_local,
    user_can,
)

EVENTS = {
    "intake.list_view": "Opened the list of open intake packets",
    "intake.patient_view": "Opened a patient's intake page",
    "intake.run_start": "Started an intake packet",
    "intake.start_refused": "Refused to start an intake packet",
    "intake.run_cancel": "Cancelled an open intake packet",
    "intake.run_rearm": "Gave an open intake packet a new tablet code",
    "intake.cancel_refused": "Refused to cancel an intake packet",
    "intake.handover": "Handed this device to the patient for an intake packet",
    "intake.tablet_open": "A tablet opened an intake packet and was bound to it",
    "intake.tablet_code_used": "A tablet opened an intake packet with its short code",
    "intake.tablet_refused": "Refused a tablet request (bad, used, expired or foreign token)",
    "intake.page_save": "Saved a page of intake answers",
    "intake.entry_view": "Opened saved intake answers during staff entry",
    "intake.answer_refused": "Refused intake answers that did not validate",
    "intake.submit": "Submitted an intake packet: responses scored and stored",
    "intake.submit_refused": "Refused to submit an incomplete intake packet",
    "intake.response_view": "Read an intake response",
    "intake.response_export": "Downloaded an intake response as FHIR",
    "intake.findings_view": "Opened a patient's intake safety alerts",
    "intake.finding_review": "Recorded that an intake safety alert was reviewed",
    "intake.finding_clearance": "Recorded physician clearance for an intake safety alert",
    "intake.finding_review_refused": "Refused an incomplete alert review",
    "intake.needs_review_view": "Opened the clinic-wide list of safety alerts needing review",
    "intake.wording_upload": "Loaded a questionnaire wording pack",
    "intake.wording_refused": "Refused a questionnaire wording pack",
    "intake.wording_activate": "Switched a questionnaire wording pack on or off",
    "intake.packet_save": "Saved an intake packet configuration",
    "intake.packet_refused": "Refused an intake packet configuration",
}

ALERT_LEVEL = {
    "red_flag": "danger",
    "absolute": "danger",
    "precaution": "warning",
    "relative": "warning",
    "local": "warning",
    "heat": "warning",
    "heat_check": "warning",
    "pressure": "warning",
}


@hookimpl
def intake_instruments():
    # The bundled questionnaires join the registry the way another plugin's would.
    from plugins.intake.instruments.registry import BUNDLED

    return list(BUNDLED)


@hookimpl
def audit_event_types():
    return [AuditEventType(name, text) for name, text in EVENTS.items()]


@hookimpl
def nav_items():
    from plugins.intake import queries

    return [
        NavItem(
            "Needs review",
            "intake.needs_review",
            "intake.view",
            order=15,
            count=queries.needs_review_count,
            count_label="safety alerts waiting for review",
        ),
        NavItem("Intake", "intake.index", "intake.view", order=20),
        NavItem("Wording packs", "intake.wording_packs", "intake.manage", order=800),
        NavItem("Intake packets", "intake.packet_admin", "intake.manage", order=810),
    ]


@hookimpl
def patient_chart_panels(patient):
    from plugins.intake import panels

    return [
        ChartPanel(
            "intake",
            "Intake",
            "intake.view",
            lambda: panels.status_panel(patient),
            order=20,
        ),
        ChartPanel(
            "intake-scores",
            "Scores",
            "intake.history.view",
            lambda: panels.scores_panel(patient),
            order=21,
        ),
        ChartPanel(
            "intake-pain",
            "Pain diagram",
            "intake.history.view",
            lambda: panels.pain_panel(patient),
            order=22,
        ),
    ]


def _status_words(finding) -> str:
    parts = []
    for review in finding.reviews:
        who = review.recorded_by.display_name if review.recorded_by else "staff"
        if review.action == "clearance":
            parts.append(
                f"Clearance from {review.cleared_by} on {review.clearance_date.isoformat()}, "
                f"recorded by {who}."
            )
        else:
            parts.append(f"Reviewed by {who} on {to_local(review.recorded_at).date().isoformat()}.")
            if finding.emergency and review.note:
                parts.append(f"Action taken: {review.note}")
    return " ".join(parts)


# What someone who may not read the health history (the front desk) is told: that an
# alert exists and what to do, never its clinical detail (docs/clinical-rules.md,
# "Needs review").
DESK_EMERGENCY_ACTION = "Keep the patient at the front desk and fetch a clinician now."
DESK_REVIEW_ACTION = "Therapist to review before treatment."


def _desk_alerts(patient, findings) -> list[PatientAlert]:
    link = {"link_endpoint": "intake.findings", "link_values": {"patient_id": patient.id}}
    common = {"permission": "intake.view", "source": "intake", **link}
    if any(f.emergency and not f.reviewed for f in findings):
        return [
            PatientAlert(
                level="emergency",
                title="Emergency alert",
                detail="",
                action=DESK_EMERGENCY_ACTION,
                **common,
            )
        ]
    blocking = [
        f
        for f in findings
        if (f.kind == "red_flag" and not f.reviewed) or (f.kind == "absolute" and not f.cleared)
    ]
    if blocking:
        return [
            PatientAlert(
                level="danger",
                title="Clinical alert",
                detail="",
                action=DESK_REVIEW_ACTION,
                **common,
            )
        ]
    if findings:
        return [
            PatientAlert(
                level="info",
                title="Health-history notes for the therapist",
                detail="",
                action="The therapist checks these before treatment.",
                **common,
            )
        ]
    return []


@hookimpl
def patient_alerts(patient, user):
    return [alert for _id, alert in patient_alerts_many([patient], user)]


@hookimpl
def patient_alerts_many(patients, user):
    from plugins.intake import queries

    findings = queries.current_findings_many(p.id for p in patients)
    # Someone who may not read the health history learns only that an alert exists.
    alerts = _clinical_alerts if user_can(user, "intake.history.view") else _desk_alerts
    return [(p.id, alert) for p in patients for alert in alerts(p, findings[p.id])]


LEVEL_ORDER = {"emergency": 0, "danger": 1, "warning": 2, "info": 3}


def _level(finding) -> str:
    return "emergency" if finding.emergency else ALERT_LEVEL.get(finding.kind, "warning")


def _resolved(finding) -> bool:
    # An absolute contraindication is settled by a clearance; everything else by a review.
    return finding.cleared if finding.kind == "absolute" else finding.reviewed


def _clinical_alerts(patient, findings) -> list[PatientAlert]:
    """One alert per cause: findings raised by the same answers (e.g. "fever" = no
    massage today + no heat + an infection red flag) are merged into one line."""
    groups: dict[tuple[str, ...], list] = {}
    for finding in findings:
        key = tuple(json.loads(finding.item_ids or "[]")) or (finding.code,)
        groups.setdefault(key, []).append(finding)
    alerts = []
    for group in groups.values():
        group.sort(key=lambda f: LEVEL_ORDER[_level(f)])
        lead = group[0]
        status = " ".join(filter(None, (_status_words(f) for f in group)))
        detail = lead.message
        if len(group) > 1:
            detail += " Also: " + "; ".join(f.title for f in group[1:]) + "."
        detail += f" {status}" if status else " Not yet reviewed."
        if len(group) == 1:
            link = {"patient_id": patient.id, "finding_id": lead.id}
        else:
            link = {"patient_id": patient.id}
        alerts.append(
            PatientAlert(
                level=_level(lead),
                title=lead.title,
                detail=detail,
                action=" ".join(dict.fromkeys(f.advice for f in group)),
                permission="intake.view",
                source="intake",
                link_endpoint="intake.finding" if len(group) == 1 else "intake.findings",
                link_values=link,
                resolved=all(_resolved(f) for f in group),
            )
        )
    return alerts


@hookimpl
def patient_summary_facts(patient):
    from plugins.intake import queries

    runs = queries.runs(patient.id)
    complete = [r for r in runs if r.status == "complete"]
    open_runs = [r for r in runs if r.status == "open"]
    if open_runs:
        value = f"{open_runs[0].packet_title} in progress"
    elif complete:
        latest = complete[0]
        value = f"{latest.packet_title} complete {to_local(latest.finished_at).date().isoformat()}"
    else:
        value = "no packet yet"
    return [SummaryFact("Intake", value, "intake.view", order=20)]


@hookimpl
def patient_safety_flags(patient):
    from plugins.intake import queries

    return [
        SafetyFlag(
            code=f.code,
            kind=f.kind,
            message=f.message,
            advice=f.advice,
            regions=tuple(f.region_list()),
            emergency=f.emergency,
            reviewed=f.reviewed,
            cleared=f.cleared,
            source="intake",
            finding_id=str(f.id),
            link_endpoint="intake.finding",
            link_values={"patient_id": patient.id, "finding_id": f.id},
            title=f.title,
        )
        for f in queries.current_findings(patient.id)
    ]


@hookimpl
def patient_outcome_measures(patient):
    from plugins.intake import queries
    from plugins.intake.instruments import get

    measures = []
    for response in queries.responses(patient.id):
        if response.total is None:
            continue
        defn = get(response.instrument_id)
        measures.append(
            OutcomeMeasure(
                instrument=response.instrument_id,
                label=defn.title,
                taken_on=to_local(response.entered_at).date(),
                value=float(response.total),
                unit=defn.unit,
                band=response.band,
            )
        )
    return measures


@hookimpl
def demo_patient_history(patient, rng):
    from plugins.intake import demo

    demo.add_history(patient, rng)


@hookimpl
def worklist_items(user, today):
    from clinic.api import user_can
    from plugins.intake import worklist

    rows = worklist.open_packets() + worklist.completed_today(today)
    # The core would drop these rows for the front desk anyway; not asking saves the query.
    if user_can(user, "intake.alerts.review"):
        rows += worklist.unreviewed_alerts()
    return rows


@hookimpl
def handout_sections(patient, context):
    """While handouts are printed: a "see your doctor" section when the patient reported
    a red flag (emergency wording for cauda equina signs).  Patient-facing and generic:
    it names no condition, only what to do."""
    if context.get("purpose") != "print":
        return []
    from plugins.intake import queries

    flags = [f for f in queries.current_findings(patient.id) if f.kind == "red_flag" or f.emergency]
    if not flags:
        return []
    spanish = context.get("language") == "es"
    title = "Hable con su médico" if spanish else "Please talk to your doctor"
    return [
        HandoutSection(
            "intake.red-flags",
            title,
            "intake/handout_red_flags.html",
            context={"emergency": any(f.emergency for f in flags)},
            order=10,
        )
    ]
