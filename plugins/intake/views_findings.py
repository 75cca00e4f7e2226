"""Safety findings: a patient's alerts, one finding's review page, the clinic-wide
"Needs review" list, and the review or clearance a clinician records against one
named finding (docs/clinical-rules.md, "Reviewing and clearing a finding").

Nothing here lifts more than one finding: every review row names its finding, and an
emergency is never cleared, only reviewed with the action taken written down.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import (
    DateField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from clinic.api import (
    ClinicForm,
    Patient,
    choices,
    clinic_today,
    db,
    record,
    record_and_commit,
    require,
    safe_next,
)
from plugins.intake import queries
from plugins.intake.models import IntakeFinding, IntakeFindingReview, utcnow
from plugins.intake.views import bp, patient_or_404

# A reason or an action taken must say something: "ok" is not a record.
REASON_MIN_CHARS = 10


class ReviewForm(ClinicForm):
    action = RadioField(
        "What are you recording?",
        choices=choices(
            [
                ("reviewed", "I have reviewed this alert"),
                ("clearance", "Physician clearance was received"),
            ]
        ),
        validators=[DataRequired(message="Choose what you are recording.")],
    )
    clearance_date = DateField("Date of the clearance", validators=[Optional()])
    cleared_by = StringField(
        "Physician who gave the clearance", validators=[Optional(), Length(max=160)]
    )
    note = TextAreaField("Reason, or the action taken", validators=[Optional(), Length(max=2000)])

    def __init__(self, finding: IntakeFinding, *args, **kwargs):
        super().__init__(*args, prefix=f"f{finding.id}", **kwargs)
        self.finding = finding
        if finding.emergency:
            self.note.label.text = "Action taken (required)"
        elif needs_written_review(finding):
            self.note.label.text = "What you decided, or the reason for a clearance (required)"
        else:
            self.note.label.text = "Note (for a clearance: the reason, required)"

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        finding = self.finding
        note = (self.note.data or "").strip()
        if self.action.data == "clearance":
            if finding.emergency:
                self.action.errors.append(
                    "An emergency is never cleared: record that you reviewed it and the action "
                    "taken."
                )
                return False
            if not self.clearance_date.data:
                self.clearance_date.errors.append("Give the date of the clearance.")
                ok = False
            elif self.clearance_date.data > clinic_today():
                self.clearance_date.errors.append("The clearance date cannot be in the future.")
                ok = False
            if not (self.cleared_by.data or "").strip():
                self.cleared_by.errors.append("Name the physician who gave the clearance.")
                ok = False
            if len(note) < REASON_MIN_CHARS:
                self.note.errors.append(
                    f"Give the reason for the clearance (at least {REASON_MIN_CHARS} characters)."
                )
                ok = False
        elif self.action.data == "reviewed" and needs_written_review(finding):
            if len(note) < REASON_MIN_CHARS:
                what = "the action taken" if finding.emergency else "what you decided"
                self.note.errors.append(
                    f"Write down {what} (at least {REASON_MIN_CHARS} characters)."
                )
                ok = False
        return ok


class BulkReviewForm(ClinicForm):
    """Several named findings reviewed at once, each getting its own review row.

    Emergencies are left out (each needs its own action taken) and a review never
    clears an absolute contraindication, so this cannot lift what needs a clearance.
    """

    finding_ids = SelectMultipleField(
        "Alerts you have reviewed",
        coerce=int,
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        # Checked in validate(): DataRequired would mark every box "required" in HTML,
        # and the browser would then insist on all of them.
        validators=[Optional()],
    )
    note = TextAreaField(
        "What you decided (required, applies to each ticked alert)",
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, findings: list[IntakeFinding], *args, **kwargs):
        super().__init__(*args, prefix="bulk", **kwargs)
        self.finding_ids.choices = [(f.id, f.title) for f in findings]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.finding_ids.data:
            self.finding_ids.errors = [*self.finding_ids.errors, "Tick at least one alert."]
            ok = False
        if len((self.note.data or "").strip()) < REASON_MIN_CHARS:
            self.note.errors.append(
                f"Write down what you decided (at least {REASON_MIN_CHARS} characters)."
            )
            ok = False
        return ok


def bulk_reviewable(findings: list[IntakeFinding]) -> list[IntakeFinding]:
    return [f for f in findings if not f.emergency and not f.reviewed]


def desk_summary(findings: list[IntakeFinding]) -> list[tuple[str, str, str, int]]:
    """What the front desk sees instead of the findings: (label, action, status, how many),
    alike rows counted together, emergencies first (docs/clinical-rules.md, "Needs review")."""
    counted: dict[tuple[str, str, str], int] = {}
    for f in findings:
        if f.emergency:
            label = "Emergency alert"
            action = (
                "keep the patient at the front desk and fetch a clinician now"
                if not f.reviewed
                else "a clinician has reviewed it"
            )
        elif f.kind == "absolute" and not f.cleared:
            label, action = "Clinical alert", "physician clearance needed before treatment"
        elif f.kind == "red_flag" and not f.reviewed:
            label, action = "Clinical alert", "therapist to review before treatment"
        else:
            label, action = "Note for the therapist", "the therapist checks it before treatment"
        status = "reviewed" if f.reviewed else "not yet reviewed"
        key = (label, action, status)
        counted[key] = counted.get(key, 0) + 1
    order = {"Emergency alert": 0, "Clinical alert": 1, "Note for the therapist": 2}
    return sorted(
        ((*key, n) for key, n in counted.items()), key=lambda row: (order[row[0]], row[2])
    )


def needs_written_review(finding: IntakeFinding) -> bool:
    return finding.emergency or finding.kind == "red_flag"


def finding_or_404(patient, finding_id: int) -> IntakeFinding:
    finding = db.session.get(IntakeFinding, finding_id)
    if finding is None or finding.patient_id != patient.id:
        abort(404)
    return finding


def _back() -> str | None:
    """Where the reviewer came from (e.g. the session note whose signature this
    finding stops), so the page can lead back there; only a path on this site."""
    return safe_next(request.args.get("back"))


def _page(patient, findings, *, single=None, bad_form=None, bulk=None, status=200):
    forms = {f.id: ReviewForm(f, formdata=None) for f in findings}
    if bad_form is not None:
        forms[bad_form.finding.id] = bad_form
    reviewable = [] if single else bulk_reviewable(findings)
    if bulk is None and len(reviewable) > 1:
        bulk = BulkReviewForm(reviewable, formdata=None)
    return render_template(
        "intake/findings.html",
        patient=patient,
        findings=findings,
        forms=forms,
        single=single,
        needs_written_review=needs_written_review,
        # The front desk learns that an alert exists and what to do, not its clinical
        # detail (docs/clinical-rules.md, "Needs review").
        clinical=current_user.can("intake.history.view"),
        bulk=bulk,
        desk_rows=desk_summary(findings),
        back=_back() if single else None,
    ), status


@bp.route("/patients/<int:patient_id>/findings")
@require("intake.view")
def findings(patient_id: int):
    patient = patient_or_404(patient_id)
    record(
        "intake.findings_view", patient_id=patient.id, object_type="patient", object_id=patient.id
    )
    db.session.commit()
    return _page(patient, queries.current_findings(patient.id))


@bp.route("/patients/<int:patient_id>/findings/<int:finding_id>")
@require("intake.view")
def finding(patient_id: int, finding_id: int):
    """One finding and its review form: where a safety flag or the review list links."""
    patient = patient_or_404(patient_id)
    found = finding_or_404(patient, finding_id)
    record(
        "intake.findings_view",
        patient_id=patient.id,
        object_type="intake_finding",
        object_id=found.id,
    )
    db.session.commit()
    return _page(patient, [found], single=found)


@bp.route("/patients/<int:patient_id>/findings/<int:finding_id>/review", methods=["POST"])
@require("intake.alerts.review")
def review_finding(patient_id: int, finding_id: int):
    patient = patient_or_404(patient_id)
    found = finding_or_404(patient, finding_id)
    form = ReviewForm(found)
    if not form.validate_on_submit():
        record_and_commit(
            "intake.finding_review_refused",
            patient_id=patient.id,
            object_type="intake_finding",
            object_id=found.id,
            outcome="refused",
            detail={"errors": sorted(form.errors)},
        )
        return _page(patient, [found], single=found, bad_form=form, status=422)
    clearance = form.action.data == "clearance"
    review = IntakeFindingReview(
        finding_id=found.id,
        patient_id=patient.id,
        action=form.action.data,
        clearance_date=form.clearance_date.data if clearance else None,
        cleared_by=(form.cleared_by.data or "").strip() if clearance else "",
        note=(form.note.data or "").strip(),
        recorded_by_id=current_user.id,
        recorded_at=utcnow(),
    )
    db.session.add(review)
    db.session.flush()
    record(
        "intake.finding_clearance" if clearance else "intake.finding_review",
        patient_id=patient.id,
        object_type="intake_finding",
        object_id=found.id,
        detail={
            "code": found.code,
            "emergency": found.emergency,
            "review": review.id,
            "clearance_date": review.clearance_date,
            "cleared_by": review.cleared_by,
            "note": review.note,
        },
    )
    db.session.commit()
    flash(
        f"Clearance recorded for: {found.title}."
        if clearance
        else f"Review recorded for: {found.title}.",
        "success",
    )
    return redirect(
        url_for("intake.finding", patient_id=patient.id, finding_id=found.id, back=_back())
    )


@bp.route("/patients/<int:patient_id>/findings/review", methods=["POST"])
@require("intake.alerts.review")
def review_findings(patient_id: int):
    """Record one review per ticked finding (each named, each audited)."""
    patient = patient_or_404(patient_id)
    current = queries.current_findings(patient.id)
    form = BulkReviewForm(bulk_reviewable(current))
    if not form.validate_on_submit():
        record_and_commit(
            "intake.finding_review_refused",
            patient_id=patient.id,
            object_type="patient",
            object_id=patient.id,
            outcome="refused",
            detail={"errors": sorted(form.errors), "findings": form.finding_ids.data or []},
        )
        return _page(patient, current, bulk=form, status=422)
    chosen = [f for f in current if f.id in set(form.finding_ids.data)]
    note = form.note.data.strip()
    for found in chosen:
        review = IntakeFindingReview(
            finding_id=found.id,
            patient_id=patient.id,
            action="reviewed",
            note=note,
            recorded_by_id=current_user.id,
            recorded_at=utcnow(),
        )
        db.session.add(review)
        db.session.flush()
        record(
            "intake.finding_review",
            patient_id=patient.id,
            object_type="intake_finding",
            object_id=found.id,
            detail={"code": found.code, "review": review.id, "note": note, "together": True},
        )
    db.session.commit()
    flash(f"Review recorded for {len(chosen)} alerts.", "success")
    return redirect(url_for("intake.findings", patient_id=patient.id))


@bp.route("/needs-review")
@require("intake.view")
def needs_review():
    rows = queries.needs_review()
    record("intake.needs_review_view", detail={"findings": [f.id for f in rows]})
    db.session.commit()
    return render_template(
        "intake/needs_review.html",
        rows=rows,
        patients={f.patient_id: db.session.get(Patient, f.patient_id) for f in rows},
        clinical=current_user.can("intake.history.view"),
    )
