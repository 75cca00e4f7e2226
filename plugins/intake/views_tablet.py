"""The patient's tablet: public routes that do their own token checks.

Every request proves three things before anything is shown: the token's hash names an
open, unexpired run for the patient in the URL, and this browser is the device that
claimed it (a signed cookie holding a nonce whose hash the run keeps).  The claim is
made by pressing "Start" (a POST), never by merely loading the link, so a link
preview or prefetch cannot lock out the real tablet.  Every refusal is audited.
Tablet pages use a layout with no navigation and no links out.
"""

from __future__ import annotations

import secrets

from flask import current_app, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from clinic.api import ClinicForm, Patient, db, logger, public, record_refusal_and_commit
from plugins.intake import runner, services
from plugins.intake.models import IntakeRun, utcnow
from plugins.intake.views import bp

DEVICE_COOKIE = "intake_device"
TABLET_USER = "patient (tablet)"
AUDIT_AS_TABLET = {"username": TABLET_USER}
LAYOUT = "intake/tablet_layout.html"
log = logger("intake")


class NotClaimed(Exception):
    """The token is good but no device has pressed "Start" yet."""

    def __init__(self, run: IntakeRun):
        super().__init__("not claimed yet")
        self.run = run


class TabletRefused(Exception):
    def __init__(self, reason: str, run: IntakeRun | None = None):
        super().__init__(reason)
        self.reason = reason
        self.run = run


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="intake-tablet-device")


def _device_nonce(run: IntakeRun) -> str | None:
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("run") != run.id:
        return None
    nonce = data.get("nonce")
    return nonce if isinstance(nonce, str) else None


def _refuse(reason: str, run: IntakeRun | None, patient_id: int | None = None):
    # Ids only: the log is read by whoever runs the server, not only by clinical staff.
    log.warning("tablet request refused (%s), run %s", reason, run.id if run else "-")
    record_refusal_and_commit(
        "intake.tablet_refused",
        patient_id=run.patient_id if run is not None else patient_id,
        object_type="intake_run" if run is not None else "",
        object_id=run.id if run is not None else "",
        outcome="denied",
        detail={"reason": reason, "path": request.path},
        username=TABLET_USER,
    )
    status = 404 if reason == "unknown token" else 403
    return make_response(
        render_template("intake/tablet_refused.html", layout=LAYOUT, reason=reason), status
    )


def _check(patient_id: int, token: str, *, claim: bool = False) -> tuple[IntakeRun, str | None]:
    """Return the run and, when this device claims it now, the new nonce."""
    if len(token) > 100:
        raise TabletRefused("unknown token")
    run = db.session.scalars(
        select(IntakeRun).where(IntakeRun.token_hash == services.digest(token))
    ).first()
    if run is None:
        raise TabletRefused("unknown token")
    if run.patient_id != patient_id:
        raise TabletRefused("token is for another patient", run)
    if db.session.get(Patient, patient_id).archived_at is not None:
        raise TabletRefused("patient archived", run)
    if run.status != "open":
        raise TabletRefused(f"packet is {run.status}", run)
    if run.expires_at is None or run.expires_at < utcnow():
        raise TabletRefused("token expired", run)
    if run.device_hash is None:
        if not claim:
            raise NotClaimed(run)
        nonce = secrets.token_urlsafe(24)
        run.device_hash = services.digest(nonce)
        run.opened_at = utcnow()
        run.code_hash = None
        return run, nonce
    nonce = _device_nonce(run)
    if nonce is None or services.digest(nonce) != run.device_hash:
        raise TabletRefused("another device already opened this token", run)
    return run, None


def _bind(response, run: IntakeRun, nonce: str | None):
    if nonce is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            _serializer().dumps({"run": run.id, "nonce": nonce}),
            httponly=True,
            secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
            samesite="Strict",
            path=url_for("intake.tablet_code"),
            max_age=12 * 3600,
        )
    return response


def tablet_flow(patient_id: int, token: str) -> runner.Flow:
    ids = {"patient_id": patient_id, "token": token}
    return runner.Flow(
        layout=LAYOUT,
        page_url=lambda n: url_for("intake.tablet_page", n=n, **ids),
        review_url=url_for("intake.tablet_review", **ids),
        submit_url=url_for("intake.tablet_submit", **ids),
        done_url=url_for("intake.tablet_done"),
        emergency_url=url_for("intake.tablet_done", desk="now"),
        entered_by_kind="patient",
        audit_kwargs=AUDIT_AS_TABLET,
    )


def _guarded(patient_id: int, token: str, handler, *, claim: bool = False, unclaimed=None):
    """Run ``handler(run, patient)`` for the device holding the token.

    Before any device has claimed the token, ``unclaimed(run, patient)`` answers
    instead (the welcome page); without it the browser is sent to that page.
    """
    try:
        run, nonce = _check(patient_id, token, claim=claim)
    except NotClaimed as waiting:
        if unclaimed is None:
            return redirect(url_for("intake.tablet_start", patient_id=patient_id, token=token))
        return unclaimed(waiting.run, db.session.get(Patient, waiting.run.patient_id))
    except TabletRefused as refused:
        return _refuse(refused.reason, refused.run, patient_id)
    if nonce is not None:
        services.audit("intake.tablet_open", run, username=TABLET_USER)
        db.session.commit()
    patient = db.session.get(Patient, run.patient_id)
    result = handler(run, patient)
    return _bind(make_response(result), run, nonce)


class CodeForm(ClinicForm):
    pass


@bp.route("/tablet/", methods=["GET", "POST"])
@public
def tablet_code():
    """Type the short code shown at the front desk to open a packet on this tablet."""
    form = CodeForm()
    error = None
    if request.method == "POST":
        code = services.normalise_code(request.form.get("code", ""))
        run = None
        if form.validate_on_submit() and len(code) == services.CODE_LENGTH:
            run = db.session.scalars(
                select(IntakeRun).where(IntakeRun.code_hash == services.digest(code))
            ).first()
        if (
            run is None
            or run.status != "open"
            or run.device_hash is not None
            or run.expires_at is None
            or run.expires_at < utcnow()
        ):
            record_refusal_and_commit(
                "intake.tablet_refused",
                patient_id=run.patient_id if run else None,
                outcome="denied",
                detail={"reason": "bad or used code"},
                username=TABLET_USER,
            )
            error = "That code does not work. Check it with the front desk."
        else:
            # The code works once: it is replaced by a fresh token bound to this tablet.
            token, _ = services.arm_tablet(run, with_code=False)
            run.code_hash = None
            services.audit("intake.tablet_code_used", run, username=TABLET_USER)
            db.session.commit()
            return redirect(url_for("intake.tablet_start", patient_id=run.patient_id, token=token))
    return render_template("intake/tablet_code.html", layout=LAYOUT, form=form, error=error), (
        422 if error else 200
    )


@bp.route("/tablet/p<int:patient_id>/<token>/", methods=["GET", "POST"])
@public
def tablet_start(patient_id: int, token: str):
    first_url = url_for("intake.tablet_page", patient_id=patient_id, token=token, n=0)

    def show(run, patient, *, claimed: bool):
        return render_template(
            "intake/tablet_start.html",
            layout=LAYOUT,
            run=run,
            claimed=claimed,
            form=ClinicForm(),
            first_name=patient.first_name,
            first_url=first_url,
            steps=[services.step_title(s) for s in run.step_ids],
        )

    if request.method == "POST":
        # Pressing "Start" binds this device to the packet (CSRF-checked by the core).
        return _guarded(patient_id, token, lambda run, patient: redirect(first_url), claim=True)
    return _guarded(
        patient_id,
        token,
        lambda run, patient: show(run, patient, claimed=True),
        unclaimed=lambda run, patient: show(run, patient, claimed=False),
    )


@bp.route("/tablet/p<int:patient_id>/<token>/page/<int:n>", methods=["GET", "POST"])
@public
def tablet_page(patient_id: int, token: str, n: int):
    def page(run, patient):
        result = runner.handle_page(run, patient, n, tablet_flow(patient_id, token))
        if result is None:
            return render_template(
                "intake/tablet_refused.html", layout=LAYOUT, reason="no such page"
            ), 404
        return result

    return _guarded(patient_id, token, page)


@bp.route("/tablet/p<int:patient_id>/<token>/review")
@public
def tablet_review(patient_id: int, token: str):
    return _guarded(
        patient_id,
        token,
        lambda run, patient: runner.handle_review(run, patient, tablet_flow(patient_id, token)),
    )


@bp.route("/tablet/p<int:patient_id>/<token>/submit", methods=["POST"])
@public
def tablet_submit(patient_id: int, token: str):
    def submit(run, patient):
        response = runner.handle_submit(run, patient, tablet_flow(patient_id, token))
        return response

    result = _guarded(patient_id, token, submit)
    if result.status_code == 302:
        result.delete_cookie(DEVICE_COOKIE, path=url_for("intake.tablet_code"))
    return result


@bp.route("/tablet/done")
@public
def tablet_done():
    # ``desk=now`` only changes the wording (no patient data is on this page), so a
    # hand-typed URL can do no harm.
    see_desk = request.args.get("desk") == "now"
    return render_template("intake/tablet_done.html", layout=LAYOUT, see_desk=see_desk)
