"""Sign in, sign out, first-run setup and changing one's own password."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy import func, select

from clinic.audit.refusals import record_refusal
from clinic.audit.service import record
from clinic.auth.forms import ChangePasswordForm, LoginForm, SetupForm
from clinic.auth.lockout import lock_end, note_attempt, password_matches, verify_staff_password
from clinic.auth.models import User
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
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if lock_end(username, request.remote_addr or "") is not None:
            # Refused without checking or counting: waiting out the lock always works.
            return _login_refused(form, username, user, "rate limited")
        if not password_matches(user, form.password.data):
            note_attempt(username, False, "login")
            reason = "unknown user" if user is None else "wrong password"
            if user is not None and not user.active:
                reason = "inactive"
            return _login_refused(form, username, user, reason)
        note_attempt(username, True, "login")
        start_session(user)
        record("auth.login", user=user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("home.start"))
    return render_template("auth/login.html", form=form)


def _login_refused(form: LoginForm, username: str, user: User | None, reason: str):
    record_refusal(
        "auth.login_failed",
        username=username,
        outcome="failure",
        user=user,
        detail={"reason": reason},
    )
    db.session.commit()
    flash(GENERIC_LOGIN_ERROR, "error")
    return render_template("auth/login.html", form=form), 401


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
        user = current_user._get_current_object()
        check = verify_staff_password(user, form.current.data, "password change")
        if not check:
            form.current.errors.append(check.message)
        else:
            user.set_password(form.password.data)
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
