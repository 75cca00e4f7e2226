"""Named permissions, the four staff roles, and the decorator that guards routes.

A permission is a dotted string (``patients.view``).  The core and each plugin
declare theirs with the roles that hold them by default; the administrator role
holds every permission.  Minimum-necessary access is the default: front desk gets
demographics, intake and insurance; billing gets coverage and billing lines; only
therapists (and administrators) get clinical note text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

ROLES: dict[str, str] = {
    "admin": "Administrator",
    "front-desk": "Front desk",
    "therapist": "Therapist",
    "billing": "Billing",
}

FRONT_DESK, THERAPIST, BILLING, ADMIN = "front-desk", "therapist", "billing", "admin"


@dataclass(frozen=True)
class Permission:
    name: str
    description: str
    roles: tuple[str, ...] = ()


CORE_PERMISSIONS: tuple[Permission, ...] = (
    Permission(
        "patients.view", "Find patients and see demographics", (FRONT_DESK, THERAPIST, BILLING)
    ),
    Permission("patients.create", "Register new patients", (FRONT_DESK, THERAPIST)),
    Permission("patients.edit", "Change patient demographics", (FRONT_DESK, THERAPIST)),
    Permission("patients.archive", "Archive and restore patients", (FRONT_DESK,)),
    Permission("admin.users", "Create, change and deactivate staff accounts", ()),
    Permission("admin.plugins", "See installed plugins", ()),
    Permission("admin.audit", "Read and export the audit log", ()),
    Permission("admin.settings", "Change clinic details", ()),
)


def role_permissions(role: str, all_permissions: dict[str, Permission]) -> frozenset[str]:
    if role == ADMIN:
        return frozenset(all_permissions)
    return frozenset(name for name, perm in all_permissions.items() if role in perm.roles)


def user_can(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    registry = current_app.extensions["clinic"]
    if permission not in registry.permissions:
        # An unknown permission is a programming error; deny rather than guess.
        current_app.logger.error("unknown permission checked: %s", permission)
        return False
    return permission in _role_permissions(registry, user.role)


def _role_permissions(registry, role: str) -> frozenset[str]:
    """``role_permissions``, kept on the registry: the table is fixed once plugins load
    (keyed by its size too, so a permission added later is never missed)."""
    cache = registry.__dict__.setdefault("_role_permissions", {})
    key = (role, len(registry.permissions))
    found = cache.get(key)
    if found is None:
        found = cache[key] = role_permissions(role, registry.permissions)
    return found


def require(permission: str) -> Callable:
    """Guard a view: anonymous users go to login, others without ``permission`` get 403.

    Every denial is written to the audit log.  The permission is also recorded on the
    view function so the route-policy test can check every route has one.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not user_can(current_user, permission):
                from clinic.audit.service import record_denied

                record_denied(permission, request.path, kwargs)
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator


SIGNED_IN = "signed-in"


def signed_in(view: Callable) -> Callable:
    """Guard a view every signed-in staff member may use (their own account pages)."""
    from flask_login import login_required

    wrapped = login_required(view)
    wrapped.required_permission = SIGNED_IN
    return wrapped


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (login, setup, static, tablet)."""
    view.required_permission = None
    return view
