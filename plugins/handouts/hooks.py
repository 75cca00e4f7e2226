"""The handouts plugin's hook implementations."""

from __future__ import annotations

from flask import render_template

from clinic.api import AuditEventType, ChartPanel, HandoutSection, NavItem, hookimpl

EVENTS = (
    ("handouts.print", "Printed personalised handouts for a patient"),
    ("handouts.print_failed", "A handout PDF could not be rendered"),
    ("handouts.reprint", "Reprinted a handout PDF"),
    ("handouts.prepare", "Opened the handout printing page for a patient"),
    ("handouts.create", "Added a handout to the library"),
    ("handouts.edit", "Saved a new version of a handout"),
    ("handouts.batch", "Started printing today's handouts"),
    ("handouts.batch_download", "Downloaded today's handouts"),
    ("handouts.today", "Listed the patients seen today for handouts"),
)


@hookimpl
def audit_event_types():
    return [AuditEventType(name, description) for name, description in EVENTS]


@hookimpl
def nav_items():
    return [
        NavItem("Today's handouts", "handouts.today", "handouts.print", order=45),
        NavItem("Handout library", "handouts.index", "handouts.print", order=46),
    ]


@hookimpl
def patient_chart_panels(patient):
    def render_given():
        from plugins.handouts import views

        return render_template("handouts/_chart_panel.html", **views.panel_context(patient))

    return [ChartPanel("handouts-given", "Handouts given", "handouts.print", render_given, 60)]


@hookimpl
def handout_sections(patient, context):
    """Offer the library as home-care advice to a session note (never while printing:
    then the handouts themselves are chosen on our own page)."""
    if context.get("purpose") == "print" or "modalities" not in context:
        return []
    from plugins.handouts.library import bundled

    seen = {}
    for b in bundled():
        if b.language == "en":
            seen.setdefault(b.slug, b.title)
    return [
        HandoutSection(f"handouts:{slug}", title, "handouts/pdf_handout.html", order=i)
        for i, (slug, title) in enumerate(seen.items())
    ]
