from flask import render_template
from sqlalchemy import select

from clinic.api import AuditEventType, ChartPanel, NavItem, db, hookimpl


@hookimpl
def nav_items():
    return [NavItem("Sticky notes", "sticky.index", "sticky.view", order=50)]


@hookimpl
def patient_chart_panels(patient):
    from clinic_sticky.models import StickyNote

    def render():
        notes = db.session.scalars(
            select(StickyNote).where(StickyNote.patient_id == patient.id)
        ).all()
        return render_template("sticky/panel.html", patient=patient, notes=notes)

    return [ChartPanel("sticky", "Sticky notes", "sticky.view", render, order=500)]


@hookimpl
def audit_event_types():
    return [AuditEventType("sticky.add", "Added a sticky note")]
