"""The handouts plugin's hook implementations."""

from __future__ import annotations

from flask import render_template

from clinic.api import (
    AuditEventType,
    ChartPanel,
    HandoutSection,
    NavItem,
    PatientAction,
    WorklistItem,
    clinic_today,
    hookimpl,
    user_can,
)

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


# Names shown in the start-page row before "and N more": enough to recognise the day.
NAMES_ON_START_PAGE = 3


@hookimpl
def worklist_items(user, today):
    """One row for whoever prints handouts: patients seen today still without them,
    worked out exactly as the "Today's handouts" page does."""
    if not user_can(user, "handouts.print"):
        return []  # spare the query: the core would drop the row anyway
    from plugins.handouts.batch import seen_today

    waiting = [p for p, printed in seen_today(today) if not printed]
    if not waiting:
        return []
    names = "; ".join(p.display_name for p in waiting[:NAMES_ON_START_PAGE])
    more = len(waiting) - NAMES_ON_START_PAGE
    if more > 0:
        names += f" and {more} more"
    count = len(waiting)
    return [
        WorklistItem(
            section="Handouts to print",
            section_order=45,
            title=f"{count} patient{'s' if count != 1 else ''} seen today",
            detail=f"Handouts not printed yet: {names}",
            permission="handouts.print",
            link_endpoint="handouts.today",
        )
    ]


@hookimpl
def patient_actions(patient, context):
    """A "Print handouts" button on a signed session note of today: the print page ticks
    the handouts that session's modalities and home-care advice point to (it asks the
    ``handout_sections`` hook for today's session)."""
    if context.get("page") != "treatment.note" or not context.get("signed"):
        return []
    # Only today's session: the printout speaks of "your session today" and is
    # recorded against today's date.
    if context.get("on_date") != clinic_today():
        return []
    return [
        PatientAction(
            "Print handouts",
            "handouts.prepare",
            "handouts.print",
            link_values={"patient_id": patient.id},
            hint="Aftercare sheets for this session, ready to hand over.",
        )
    ]
