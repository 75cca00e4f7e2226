"""The core's rows of the route-permission table (plugins keep theirs beside their tests)."""

from clinic.testing import LOGIN, OK, RouteRule, make_user


def route_args(patient, users):
    # A separate account, so probing "deactivate"/"reset password" cannot lock out the
    # users the probe signs in as.
    target = make_user("front-desk", username="policy-target")
    return {"user_id": target.id}


_STAFF_ONLY = dict(anon=LOGIN, front_desk=403, therapist=403, billing=403, admin=OK)
_ADMIN_PAGE = dict(anon=LOGIN, front_desk=403, therapist=403, billing=403, admin=200)
_EVERY_STAFF = dict(anon=LOGIN, front_desk=200, therapist=200, billing=200, admin=200)

RULES = [
    RouteRule("index", "GET", anon=LOGIN, front_desk=302, therapist=302, billing=302, admin=302),
    RouteRule("healthz", "GET", anon=200, front_desk=200, therapist=200, billing=200, admin=200),
    # No logo uploaded in the route walk: 404 for everyone (it is public once there is one).
    RouteRule(
        "clinic_logo", "GET", anon=404, front_desk=404, therapist=404, billing=404, admin=404
    ),
    RouteRule("auth.login", "GET", anon=200, front_desk=302, therapist=302, billing=302, admin=302),
    RouteRule(
        "auth.login", "POST", anon=200, front_desk=302, therapist=302, billing=302, admin=302
    ),
    RouteRule(
        "auth.logout", "POST", anon=LOGIN, front_desk=302, therapist=302, billing=302, admin=302
    ),
    RouteRule("auth.setup", "GET", anon=404, front_desk=404, therapist=404, billing=404, admin=404),
    RouteRule(
        "auth.setup", "POST", anon=404, front_desk=404, therapist=404, billing=404, admin=404
    ),
    RouteRule("auth.change_password", "GET", **_EVERY_STAFF),
    RouteRule("auth.change_password", "POST", **_EVERY_STAFF),
    RouteRule("auth.keepalive", "POST", **_EVERY_STAFF),
    RouteRule("home.start", "GET", **_EVERY_STAFF),
    RouteRule("patients.search", "GET", **_EVERY_STAFF),
    RouteRule(
        "patients.create", "GET", anon=LOGIN, front_desk=200, therapist=200, billing=403, admin=200
    ),
    RouteRule(
        "patients.create", "POST", anon=LOGIN, front_desk=200, therapist=200, billing=403, admin=200
    ),
    RouteRule("patients.chart", "GET", **_EVERY_STAFF),
    RouteRule("patients.face_sheet", "GET", **_EVERY_STAFF),
    RouteRule(
        "patients.edit", "GET", anon=LOGIN, front_desk=200, therapist=200, billing=403, admin=200
    ),
    # A save without the version it was based on is refused as a conflict.
    RouteRule(
        "patients.edit", "POST", anon=LOGIN, front_desk=409, therapist=409, billing=403, admin=409
    ),
    RouteRule(
        "patients.archive",
        "POST",
        anon=LOGIN,
        front_desk=302,
        therapist=403,
        billing=403,
        admin=302,
    ),
    RouteRule(
        "patients.restore",
        "POST",
        anon=LOGIN,
        front_desk=302,
        therapist=403,
        billing=403,
        admin=302,
    ),
    RouteRule("admin.users", "GET", **_ADMIN_PAGE),
    RouteRule("admin.new_user", "GET", **_ADMIN_PAGE),
    RouteRule("admin.new_user", "POST", **_ADMIN_PAGE),
    RouteRule("admin.edit_user", "GET", **_ADMIN_PAGE),
    RouteRule("admin.edit_user", "POST", **_STAFF_ONLY),
    RouteRule("admin.toggle_active", "POST", **_STAFF_ONLY),
    RouteRule("admin.unlock_user", "POST", **_STAFF_ONLY),
    RouteRule(
        "admin.reset_password",
        "POST",
        anon=LOGIN,
        front_desk=403,
        therapist=403,
        billing=403,
        admin=400,
    ),
    RouteRule("admin.plugins", "GET", **_ADMIN_PAGE),
    RouteRule("admin.clinic_settings", "GET", **_ADMIN_PAGE),
    RouteRule("admin.clinic_settings", "POST", **_STAFF_ONLY),
    RouteRule("admin.audit_log", "GET", **_ADMIN_PAGE),
    RouteRule("admin.audit_export", "GET", **_ADMIN_PAGE),
]
