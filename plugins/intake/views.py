"""Staff pages: the intake overview, a patient's intake page, starting a packet (staff
entry, hand this device over, or another tablet) and staff entry of a paper form."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import select
from wtforms import RadioField, SelectField

from clinic.api import (
    ClinicForm,
    Patient,
    choices,
    collect,
    db,
    end_current_staff_session,
    patient_or_404,
    patient_record_or_404,
    record,
    record_and_commit,
    require,
)
from plugins.intake import queries, runner, services
from plugins.intake.instruments import registry as instrument_registry
from plugins.intake.models import IntakeRun, utcnow

bp = Blueprint("intake", __name__, template_folder="templates", static_folder="static")


@bp.before_app_request
def _instruments_from_every_plugin():
    # Lookups during this request see every instrument an enabled plugin registers.
    instrument_registry.use_provider(
        lambda: collect("intake_instruments", kit=instrument_registry.KIT)
    )


@bp.app_template_global("intake_pain_fill")
def pain_fill(rating):
    from plugins.intake.painmap import intensity_fill

    return intensity_fill(rating)


@bp.app_template_filter("intake_b64")
def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


@bp.app_template_global("intake_shapes")
def region_shapes(view):
    from plugins.intake.painmap import shapes

    return shapes(view)


@bp.app_template_global("intake_silhouette")
def silhouette():
    from plugins.intake.painmap import SILHOUETTE

    return SILHOUETTE


MODES = [
    ("staff", "Enter a paper form myself"),
    ("handover", "Hand this device to the patient (signs me out here)"),
    ("other", "Start on another tablet (shows a code to type there)"),
]


class StartForm(ClinicForm):
    packet = SelectField("Packet")
    mode = RadioField("How will it be filled in?", choices=choices(MODES), default="staff")


def run_or_404(patient: Patient, run_id: int) -> IntakeRun:
    return patient_record_or_404(IntakeRun, run_id, patient)


def start_form() -> StartForm:
    form = StartForm()
    offered = services.packets() + services.paper_packets()
    form.packet.choices = choices((p.code, p.title) for p in offered)
    return form


@bp.route("/")
@require("intake.view")
def index():
    open_runs = db.session.scalars(
        select(IntakeRun)
        .where(IntakeRun.status == "open")
        .order_by(IntakeRun.started_at.desc())
        .limit(100)
    ).all()
    patients = {
        p.id: p
        for p in db.session.scalars(
            select(Patient).where(Patient.id.in_({r.patient_id for r in open_runs}))
        )
    }
    if open_runs:
        record("intake.list_view", detail={"open_runs": len(open_runs)})
        db.session.commit()
    return render_template(
        "intake/index.html", packets=services.packets(), open_runs=open_runs, patients=patients
    )


@bp.route("/patients/<int:patient_id>/")
@require("intake.view")
def patient_page(patient_id: int):
    patient = patient_or_404(patient_id)
    record(
        "intake.patient_view", patient_id=patient.id, object_type="patient", object_id=patient.id
    )
    db.session.commit()
    return render_template(
        "intake/patient.html",
        patient=patient,
        runs=queries.runs(patient.id),
        responses=list(reversed(queries.responses(patient.id))),
        form=start_form(),
        step_title=services.step_title,
        left_out=services.left_out_on_tablet,
    )


@bp.route("/patients/<int:patient_id>/runs", methods=["POST"])
@require("intake.enter")
def start(patient_id: int):
    patient = patient_or_404(patient_id)
    form = start_form()
    if not form.validate_on_submit():
        record_and_commit(
            "intake.start_refused",
            patient_id=patient.id,
            outcome="refused",
            detail={"errors": sorted(form.errors)},
        )
        flash("Choose a packet and how it will be filled in.", "error")
        return render_template(
            "intake/patient.html",
            patient=patient,
            runs=queries.runs(patient.id),
            responses=list(reversed(queries.responses(patient.id))),
            form=form,
            step_title=services.step_title,
            left_out=services.left_out_on_tablet,
        ), 422
    if patient.archived:
        record_and_commit(
            "intake.start_refused",
            patient_id=patient.id,
            outcome="refused",
            detail={"reason": "archived"},
        )
        flash("This patient is archived; restore them before starting a packet.", "error")
        return redirect(url_for("intake.patient_page", patient_id=patient.id))
    chosen = services.packet(form.packet.data)
    mode = form.mode.data
    if chosen.code.startswith(services.PAPER_PREFIX) and mode != "staff":
        record_and_commit(
            "intake.start_refused",
            patient_id=patient.id,
            outcome="refused",
            detail={"packet": chosen.code, "reason": "paper form on a tablet"},
        )
        flash("A paper form is entered by staff: choose “Enter a paper form myself”.", "error")
        return redirect(url_for("intake.patient_page", patient_id=patient.id))
    run = services.start_run(
        patient, chosen, "staff" if mode == "staff" else "tablet", current_user
    )
    detail = {"packet": chosen.code, "mode": mode}
    if mode != "staff":
        detail["left_out"] = services.leave_out_unlicensed(run)
    if mode == "staff":
        services.audit("intake.run_start", run, detail=detail)
        db.session.commit()
        return redirect(url_for("intake.staff_page", patient_id=patient.id, run_id=run.id, n=0))
    token, code = services.arm_tablet(run, with_code=(mode == "other"))
    services.audit("intake.run_start", run, detail=detail)
    if mode == "handover":
        services.audit("intake.handover", run, detail={"device": "this browser"})
        end_this_staff_session()
        db.session.commit()
        logout_user()
        session.clear()
        return redirect(url_for("intake.tablet_start", patient_id=patient.id, token=token))
    db.session.commit()
    # Shown once on the next page, then forgotten: only hashes are stored.
    session["intake_handover"] = {"run": run.id, "token": token, "code": code}
    return redirect(url_for("intake.handover", patient_id=patient.id, run_id=run.id))


def end_this_staff_session() -> None:
    """Revoke only the session of this browser, so the tablet carries no staff login."""
    end_current_staff_session("intake tablet hand-over")


@bp.route("/patients/<int:patient_id>/runs/<int:run_id>/handover")
@require("intake.enter")
def handover(patient_id: int, run_id: int):
    patient = patient_or_404(patient_id)
    run = run_or_404(patient, run_id)
    shown = session.pop("intake_handover", None)
    if not shown or shown.get("run") != run.id:
        shown = None
    tablet_url = (
        url_for("intake.tablet_start", patient_id=patient.id, token=shown["token"], _external=True)
        if shown
        else None
    )
    return render_template(
        "intake/handover.html",
        patient=patient,
        run=run,
        code=shown["code"] if shown else None,
        tablet_url=tablet_url,
        code_url=url_for("intake.tablet_code", _external=True),
        left_out=[services.step_title(s) for s in services.left_out_on_tablet(run)],
    )


@bp.route("/patients/<int:patient_id>/runs/<int:run_id>/cancel", methods=["POST"])
@require("intake.enter")
def cancel(patient_id: int, run_id: int):
    patient = patient_or_404(patient_id)
    run = run_or_404(patient, run_id)
    form = ClinicForm()
    if not form.validate_on_submit() or run.status != "open":
        record_and_commit(
            "intake.cancel_refused",
            patient_id=patient.id,
            object_type="intake_run",
            object_id=run.id,
            outcome="refused",
        )
        flash("Only an open packet can be cancelled.", "error")
        return redirect(url_for("intake.patient_page", patient_id=patient.id))
    run.status = "cancelled"
    run.finished_at = utcnow()
    run.code_hash = None
    services.audit("intake.run_cancel", run)
    db.session.commit()
    flash("The packet was cancelled; its tablet link no longer works.", "success")
    return redirect(url_for("intake.patient_page", patient_id=patient.id))


@bp.route("/patients/<int:patient_id>/runs/<int:run_id>/tablet", methods=["POST"])
@require("intake.enter")
def rearm(patient_id: int, run_id: int):
    """Continue an open packet on a tablet with a fresh code: answers saved so far are
    kept; the old token and any device bound to it stop working."""
    patient = patient_or_404(patient_id)
    run = run_or_404(patient, run_id)
    form = ClinicForm()
    if not form.validate_on_submit() or run.status != "open":
        record_and_commit(
            "intake.start_refused",
            patient_id=patient.id,
            object_type="intake_run",
            object_id=run.id,
            outcome="refused",
            detail={"reason": "continue on tablet", "status": run.status},
        )
        flash("Only an open packet can be continued on a tablet.", "error")
        return redirect(url_for("intake.patient_page", patient_id=patient.id))
    run.mode = "tablet"
    run.device_hash = None
    run.opened_at = None
    left_out = services.leave_out_unlicensed(run)
    token, code = services.arm_tablet(run, with_code=True)
    services.audit("intake.run_rearm", run, detail={"left_out": left_out})
    db.session.commit()
    session["intake_handover"] = {"run": run.id, "token": token, "code": code}
    return redirect(url_for("intake.handover", patient_id=patient.id, run_id=run.id))


# -- staff entry of a paper form --------------------------------------------------


def staff_flow(patient: Patient, run: IntakeRun) -> runner.Flow:
    ids = {"patient_id": patient.id, "run_id": run.id}
    return runner.Flow(
        layout="intake/staff_layout.html",
        page_url=lambda n: url_for("intake.staff_page", n=n, **ids),
        review_url=url_for("intake.staff_review", **ids),
        submit_url=url_for("intake.staff_submit", **ids),
        done_url=url_for("intake.patient_page", patient_id=patient.id),
        entered_by_kind="staff",
        audit_kwargs={},
        audit_reads=True,
    )


def open_staff_run(patient_id: int, run_id: int) -> tuple[Patient, IntakeRun]:
    patient = patient_or_404(patient_id)
    run = run_or_404(patient, run_id)
    if run.mode != "staff" or run.status != "open":
        abort(404)
    return patient, run


@bp.route("/patients/<int:patient_id>/runs/<int:run_id>/page/<int:n>", methods=["GET", "POST"])
@require("intake.enter")
def staff_page(patient_id: int, run_id: int, n: int):
    patient, run = open_staff_run(patient_id, run_id)
    result = runner.handle_page(run, patient, n, staff_flow(patient, run))
    if result is None:
        abort(404)
    return result


@bp.route("/patients/<int:patient_id>/runs/<int:run_id>/review")
@require("intake.enter")
def staff_review(patient_id: int, run_id: int):
    patient, run = open_staff_run(patient_id, run_id)
    return runner.handle_review(run, patient, staff_flow(patient, run))


@bp.route("/patients/<int:patient_id>/runs/<int:run_id>/submit", methods=["POST"])
@require("intake.enter")
def staff_submit(patient_id: int, run_id: int):
    patient, run = open_staff_run(patient_id, run_id)

    def done():
        flash("The packet is complete and has been scored.", "success")

    return runner.handle_submit(
        run, patient, staff_flow(patient, run), user=current_user, on_success=done
    )


# Route modules register on ``bp`` when imported.
from plugins.intake import (  # noqa: E402, F401
    views_admin,
    views_findings,
    views_records,
    views_tablet,
)
