"""Sign in, sign out, first-run setup and changing one's own password."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import func, select

from clinic.audit.service import record
from clinic.auth.forms import ChangePasswordForm, LoginForm, SetupForm
from clinic.auth.models import LoginAttempt, User
from clinic.auth.sessions import revoke_sessions, safe_next, start_session, utcnow
from clinic.extensions import db
from clinic.permissions import public, signed_in

bp = Blueprint("auth", __name__)

GENERIC_LOGIN_ERROR = (
    "Sign-in failed. Check the user name and password; after several "
    "failed tries, wait a few minutes before trying again."
)


def any_user_exists() -> bool:
    return db.session.scalar(select(func.count(User.id))) > 0


def _too_many_failures(username: str, ip: str) -> bool:
    cfg = current_app.config
    since = utcnow() - dt.timedelta(minutes=cfg["CLINIC_LOGIN_WINDOW_MINUTES"])
    base = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.success.is_(False), LoginAttempt.at >= since
    )
    by_account = db.session.scalar(base.where(LoginAttempt.username == username))
    by_address = db.session.scalar(base.where(LoginAttempt.ip == ip))
    return (
        by_account >= cfg["CLINIC_LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or by_address >= cfg["CLINIC_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if not any_user_exists():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("home.start"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        ip = request.remote_addr or ""
        user = db.session.scalars(select(User).where(User.username == username)).first()
        blocked = _too_many_failures(username, ip)
        if (
            blocked
            or user is None
            or not user.active
            or not user.check_password(form.password.data)
        ):
            db.session.add(LoginAttempt(username=username, ip=ip, success=False))
            reason = (
                "rate limited"
                if blocked
                else "unknown user"
                if user is None
                else "inactive"
                if not user.active
                else "wrong password"
            )
            record(
                "auth.login_failed",
                username=username,
                outcome="failure",
                user=user,
                detail={"reason": reason},
            )
            db.session.commit()
            flash(GENERIC_LOGIN_ERROR, "error")
            return render_template("auth/login.html", form=form), 401
        db.session.add(LoginAttempt(username=username, ip=ip, success=True))
        start_session(user)
        record("auth.login", user=user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("home.start"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
def logout():
    revoke_sessions(current_user.id)
    record("auth.logout")
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    if any_user_exists():
        abort(404)
    form = SetupForm()
    if form.validate_on_submit():
        user = User(
            username=form.username.data.strip().lower(),
            display_name=form.display_name.data.strip(),
            role="admin",
        )
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()
        record("auth.setup", user=user, object_type="user", object_id=user.id)
        start_session(user)
        record("auth.login", user=user)
        db.session.commit()
        flash("Welcome. Your administrator account is ready; now add your staff.", "success")
        return redirect(url_for("admin.users"))
    return render_template("auth/setup.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            current_user.set_password(form.password.data)
            user = current_user._get_current_object()
            revoke_sessions(user.id)
            start_session(user)
            record("auth.password_change")
            db.session.commit()
            flash(
                "Password changed. You stay signed in here; other sessions were ended.", "success"
            )
            return redirect(url_for("home.start"))
    return render_template("auth/password.html", form=form)


@bp.route("/keepalive", methods=["POST"])
@signed_in
def keepalive():
    """Called by the idle-timeout warning's "Stay signed in" button."""
    return jsonify(ok=True, now=utcnow().isoformat())
