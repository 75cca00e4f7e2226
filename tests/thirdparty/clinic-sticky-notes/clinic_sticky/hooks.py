"""What the plugin contributes to the core's pages, through the core's hooks."""

from flask import render_template
from sqlalchemy import select

from clinic.api import AuditEventType, ChartPanel, NavItem, db, hookimpl, user_can


@hookimpl
def nav_items():
    return [NavItem("Sticky notes", "sticky.index", "sticky.view", order=50)]


@hookimpl
def patient_chart_panels(patient, user):
    from clinic_sticky.models import StickyNote

    def render():
        # Called only for users who hold sticky.view; the chart view is audited by the core.
        notes = db.session.scalars(
            select(StickyNote)
            .where(StickyNote.patient_id == patient.id)
            .order_by(StickyNote.created_at.desc())
        ).all()
        return render_template(
            "sticky/panel.html",
            patient=patient,
            notes=notes,
            can_add=user_can(user, "sticky.add"),
        )

    return [ChartPanel("sticky", "Sticky notes", "sticky.view", render, order=500)]


@hookimpl
def audit_event_types():
    return [
        AuditEventType("sticky.add", "Pinned a sticky note to a patient's chart"),
        AuditEventType("sticky.add_refused", "Refused a sticky note (empty or too long)"),
        AuditEventType("sticky.form_view", "Opened the form to pin a sticky note"),
    ]
