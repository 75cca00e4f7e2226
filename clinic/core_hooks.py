"""The core's own contributions, registered through the same hooks plugins use."""

from __future__ import annotations

from clinic.contributions import AuditEventType, NavItem
from clinic.hookspecs import hookimpl


@hookimpl
def nav_items():
    return [
        NavItem("Today", "home.start", "patients.view", order=5),
        NavItem("Patients", "patients.search", "patients.view", order=10),
        NavItem("Staff", "admin.users", "admin.users", order=900),
        NavItem("Audit log", "admin.audit_log", "admin.audit", order=910),
        NavItem("Plugins", "admin.plugins", "admin.plugins", order=920),
        NavItem("Clinic details", "admin.clinic_settings", "admin.settings", order=930),
    ]


@hookimpl
def worklist_items(user, today):
    from clinic.home import core_rows

    return core_rows(user, today)


@hookimpl
def audit_event_types():
    return [
        AuditEventType("auth.login", "Signed in"),
        AuditEventType("auth.login_failed", "Sign-in refused"),
        AuditEventType("auth.logout", "Signed out"),
        AuditEventType("auth.timeout", "Session ended after the idle timeout"),
        AuditEventType("auth.password_change", "Changed own password"),
        AuditEventType(
            "auth.reauth_failed", "Password refused when re-entered (password change, signing)"
        ),
        AuditEventType("auth.unlock", "Unlocked a staff member's sign-in after failed attempts"),
        AuditEventType("auth.setup", "Created the first administrator"),
        AuditEventType("access.denied", "Tried to open something without permission"),
        AuditEventType("user.create", "Created a staff account"),
        AuditEventType("user.update", "Changed a staff account"),
        AuditEventType("user.password_reset", "Reset a staff member's password"),
        AuditEventType("patient.create", "Registered a patient"),
        AuditEventType("patient.view", "Opened a patient chart"),
        AuditEventType("patient.update", "Changed patient demographics"),
        AuditEventType("patient.update_conflict", "Save refused: someone else changed the patient"),
        AuditEventType("patient.archive", "Archived a patient"),
        AuditEventType("patient.restore", "Restored an archived patient"),
        AuditEventType("patient.search", "Searched for patients"),
        AuditEventType("worklist.view", "Opened the start page (work lists with patient names)"),
        AuditEventType("pdf.print", "Printed a PDF"),
        AuditEventType("audit.view", "Read the audit log"),
        AuditEventType("audit.export", "Exported the audit log"),
        AuditEventType("settings.update", "Changed clinic details"),
        AuditEventType("form.draft_saved", "Kept a form typed when the session timed out"),
    ]
