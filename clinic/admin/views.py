"""Administration: staff accounts, plugins, clinic details and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional

from clinic.audit.models import AuditEvent
from clinic.audit.service import declared_event_types, record
from clinic.auth.forms import NewUserForm, ResetPasswordForm, UserForm
from clinic.auth.lockout import lock_end, unlock
from clinic.auth.models import User
from clinic.auth.service import create_user, username_taken
from clinic.auth.sessions import revoke_sessions
from clinic.extensions import db
from clinic.forms import ClinicForm, choices
from clinic.localtime import clinic_day_start
from clinic.permissions import require, role_permissions
from clinic.security import csv_cell
from clinic.settings import (
    CLINIC_DETAILS,
    LOGO_KEY,
    LOGO_MAX_BYTES,
    PAPER_KEY,
    PAPER_SIZES,
    LogoError,
    checked_logo,
    clinic_details,
    get_setting,
    set_setting,
)

bp = Blueprint("admin", __name__)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@require("admin.users")
def users():
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@require("admin.users")
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        if username_taken(username):
            form.username.errors.append("That user name is taken.")
        else:
            user = create_user(
                username,
                display_name=form.display_name.data.strip(),
                role=form.role.data,
                password=form.password.data,
                credentials=(form.credentials.data or "").strip(),
            )
            db.session.commit()
            flash(f"Created {user.display_name} ({username}).", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require("admin.users")
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        clash = db.session.scalars(
            select(User).where(User.username == username, User.id != user.id)
        ).first()
        if clash:
            form.username.errors.append("That user name is taken.")
        elif user.id == current_user.id and form.role.data != "admin":
            form.role.errors.append("You cannot remove your own administrator role.")
        else:
            before = {"username": user.username, "role": user.role}
            user.username = username
            user.display_name = form.display_name.data.strip()
            user.credentials = (form.credentials.data or "").strip()
            if user.role != form.role.data:
                user.role = form.role.data
                revoke_sessions(user.id)  # new permissions take effect at next sign-in
            record(
                "user.update",
                object_type="user",
                object_id=user.id,
                detail={"before": before, "after": {"username": username, "role": user.role}},
            )
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        reset_form=ResetPasswordForm(formdata=None),
        locked_until=lock_end(user.username, None),
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require("admin.users")
def toggle_active(user_id: int):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.", "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    user.active = not user.active
    if not user.active:
        revoke_sessions(user.id)
    record("user.update", object_type="user", object_id=user.id, detail={"active": user.active})
    db.session.commit()
    flash(f"{user.display_name} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@require("admin.users")
def unlock_user(user_id: int):
    user = _user_or_404(user_id)
    unlock(user)
    record("auth.unlock", object_type="user", object_id=user.id)
    db.session.commit()
    flash(f"{user.display_name} can sign in again now.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require("admin.users")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        revoke_sessions(user.id)
        record("user.password_reset", object_type="user", object_id=user.id)
        db.session.commit()
        flash(f"Password reset for {user.display_name}; their sessions were ended.", "success")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=UserForm(obj=user), user=user, reset_form=form
    ), 400


@bp.route("/plugins")
@require("admin.plugins")
def plugins():
    registry = current_app.extensions["clinic"]
    rows = []
    for name, loaded in sorted(registry.plugins.items()):
        perms = loaded.manifest.permissions if loaded.manifest else ()
        rows.append(
            {
                "name": name,
                "title": loaded.manifest.title if loaded.manifest else name,
                "version": loaded.manifest.version if loaded.manifest else "",
                "status": loaded.status,
                "error": loaded.error,
                "distribution": loaded.distribution,
                "permissions": [(p.name, p.description) for p in perms],
                "hooks": loaded.hooks,
            }
        )
    roles = {
        role: sorted(role_permissions(role, registry.permissions))
        for role in ("front-desk", "therapist", "billing")
    }
    return render_template(
        "admin/plugins.html",
        plugins=rows,
        roles=roles,
        safe_mode=current_app.config.get("CLINIC_SAFE_MODE"),
    )


class ClinicDetailsForm(ClinicForm):
    name = StringField("Clinic name", validators=[Length(max=200)])
    address = StringField("Address", validators=[Length(max=300)])
    phone = StringField("Phone", validators=[Length(max=40)])
    npi = StringField("Group NPI", validators=[Optional(), Length(min=10, max=10)])
    paper = SelectField("Paper size", choices=choices((p, p) for p in PAPER_SIZES))
    logo = FileField("Logo (PNG or JPEG)")
    remove_logo = BooleanField("Remove the logo")

    def validate_logo(self, field):
        from wtforms.validators import ValidationError

        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            field.checked = None
            return
        try:
            field.checked = checked_logo(upload.read(LOGO_MAX_BYTES + 1))
        except LogoError as exc:
            raise ValidationError(str(exc)) from exc

    def validate_npi(self, field):
        from wtforms.validators import ValidationError

        if field.data and not field.data.isdigit():
            raise ValidationError("An NPI is 10 digits.")


@bp.route("/clinic", methods=["GET", "POST"])
@require("admin.settings")
def clinic_settings():
    form = ClinicDetailsForm(data=clinic_details())
    if form.validate_on_submit():
        for key in CLINIC_DETAILS:
            set_setting(key, (getattr(form, key.split(".", 1)[1]).data or "").strip())
        set_setting(PAPER_KEY, form.paper.data)
        logo_change = None
        if getattr(form.logo, "checked", None):
            set_setting(LOGO_KEY, form.logo.checked)
            logo_change = "uploaded"
        elif form.remove_logo.data and get_setting(LOGO_KEY):
            set_setting(LOGO_KEY, None)
            logo_change = "removed"
        record(
            "settings.update",
            object_type="settings",
            object_id="clinic",
            detail={"logo": logo_change} if logo_change else None,
        )
        db.session.commit()
        flash("Clinic details saved; printed documents use them from now on.", "success")
        return redirect(url_for("admin.clinic_settings"))
    return render_template(
        "admin/clinic.html",
        form=form,
        logo=clinic_details()["logo"],
        logo_max_kb=LOGO_MAX_BYTES // 1024,
    )


class AuditFilterForm(ClinicForm):
    class Meta:
        csrf = False

    user = StringField("User name", validators=[Optional(), Length(max=80)])
    patient = IntegerField("Patient number", validators=[Optional()])
    event_type = SelectField("Event", validators=[Optional()])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])


AUDIT_PAGE = 100


def _audit_query(form: AuditFilterForm):
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    if form.user.data:
        stmt = stmt.where(AuditEvent.username == form.user.data.strip().lower())
    if form.patient.data:
        stmt = stmt.where(AuditEvent.patient_id == form.patient.data)
    if form.event_type.data:
        stmt = stmt.where(AuditEvent.event_type == form.event_type.data)
    # The dates are the clinic's days, as the page shows each event's time.
    if form.start.data:
        stmt = stmt.where(AuditEvent.at >= clinic_day_start(form.start.data))
    if form.end.data:
        stmt = stmt.where(AuditEvent.at < clinic_day_start(form.end.data + dt.timedelta(days=1)))
    return stmt


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.event_type.choices = choices([("", "Any event"), *sorted(declared_event_types().items())])
    return form


@bp.route("/audit")
@require("admin.audit")
def audit_log():
    form = _audit_form()
    valid = form.validate()
    page = max(1, request.args.get("page", 1, type=int))
    rows = []
    if valid:
        rows = db.session.scalars(
            _audit_query(form).limit(AUDIT_PAGE + 1).offset((page - 1) * AUDIT_PAGE)
        ).all()
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    record("audit.view", detail=filters)
    db.session.commit()
    return render_template(
        "admin/audit.html",
        form=form,
        rows=rows[:AUDIT_PAGE],
        page=page,
        has_more=len(rows) > AUDIT_PAGE,
        types=declared_event_types(),
        filters=filters,
    )


@bp.route("/audit.csv")
@require("admin.audit")
def audit_export():
    form = _audit_form()
    if not form.validate():
        abort(400)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "seq",
            "at_utc",
            "user",
            "event",
            "patient_id",
            "object_type",
            "object_id",
            "outcome",
            "address",
            "detail",
            "hash",
        ]
    )
    for row in db.session.scalars(_audit_query(form)):
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    row.seq,
                    row.at.isoformat(),
                    row.username,
                    row.event_type,
                    row.patient_id,
                    row.object_type,
                    row.object_id,
                    row.outcome,
                    row.ip,
                    row.detail,
                    row.hash,
                )
            ]
        )
    record("audit.export", detail={k: v for k, v in request.args.items()})
    db.session.commit()
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=audit-log.csv"},
    )
