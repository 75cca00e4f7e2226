"""The hooks through which plugins contribute to the core and to each other.

Implement a hook in a plugin's ``hooks`` module with ``@hookimpl`` from ``clinic.api``
(``docs/plugins.md`` shows every hook with an example).  An
implementation may accept any subset of the arguments a spec names (pluggy passes
only what it asks for).  Every hook here returns a list of contributions (or None)
and the core flattens the results of all plugins.

A plugin may also declare hooks of its own (``PluginManifest.hookspecs``) for other
plugins to implement, e.g. the treatment plugin's modality registry.
"""

from __future__ import annotations

import pluggy

PROJECT = "clinic"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def nav_items(user):
    """Links for the main navigation.

    :param user: the signed-in staff user (``clinic.api.User``).
    :returns: list of :class:`clinic.api.NavItem`.

    Example::

        @hookimpl
        def nav_items():
            return [NavItem("Intake packets", "intake.packets", "intake.view", order=20)]

    A link can carry a count badge, shown on every staff page while it is above zero
    (the callable runs only for users who may see the link)::

        @hookimpl
        def nav_items():
            return [NavItem(
                "Needs review", "intake.needs_review", "intake.view", order=15,
                count=queries.needs_review_count, count_label="waiting for review",
            )]
    """


@hookspec
def patient_chart_panels(patient, user):
    """Panels drawn on a patient's chart below the demographics.

    Each panel names the permission needed to see it; the core only calls ``render``
    for users who hold it.

    Example::

        @hookimpl
        def patient_chart_panels(patient):
            return [ChartPanel(
                id="intake-scores", title="Scores", permission="intake.scores.view",
                render=lambda: render_template("intake/_scores.html", patient=patient),
            )]
    """


@hookspec
def patient_alerts(patient, user):
    """Banners shown at the top of every page that shows this patient.

    :param user: the signed-in staff user the page is for, so a plugin can say less to
        someone who may know that an alert exists but not its clinical detail (minimum
        necessary); the core still filters every alert by its ``permission``.

    The core's pages ask a plugin that also implements ``patient_alerts_many`` through
    that batch form instead; other plugins may still call this one (``collect``).

    Example::

        @hookimpl
        def patient_alerts(patient):
            return [PatientAlert(
                level="emergency", title="Possible cauda equina signs",
                detail="Saddle numbness reported on intake 2026-11-02.",
                action="Seek same-day medical care.", permission="intake.alerts.view",
                source="intake",
            )]

    Saying less to a user who may not read the clinical detail::

        @hookimpl
        def patient_alerts(patient, user):
            if not user_can(user, "intake.history.view"):
                return [PatientAlert(level="danger", title="Clinical alert",
                                     detail="", action="Therapist to review before treatment.",
                                     permission="intake.view", source="intake")]
            ...
    """


@hookspec
def patient_alerts_many(patients, user):
    """The alerts of several patients at once, for pages that list patients.

    The same alerts ``patient_alerts`` gives for each patient, worked out for a whole
    page (the 25 rows of a search) in a fixed number of queries, however many
    patients are listed.  Return ``(patient_id, PatientAlert)`` pairs.  The core calls
    it for every page that shows alerts (the chart asks for a list of one); a plugin
    that implements only ``patient_alerts`` is still asked once per patient.  Give the
    front desk the same minimum-necessary wording as ``patient_alerts`` does.

    Example::

        @hookimpl
        def patient_alerts_many(patients, user):
            flagged = queries.flagged_patient_ids([p.id for p in patients])
            return [(p.id, PatientAlert(
                level="warning", title="Latex allergy", detail="",
                permission="patients.view", source="allergies",
            )) for p in patients if p.id in flagged]
    """


@hookspec
def worklist_items(user, today):
    """Rows for the signed-in staff member's start page: what is waiting for them.

    Called once per visit of the start page.  ``user`` is the signed-in staff user
    and ``today`` the clinic's date.  Return a list of
    :class:`clinic.contributions.WorklistItem`; the core drops every row whose
    ``permission`` the user lacks, groups the rest by ``section`` and renders them
    below the patient search.  Keep each query small and indexed (a handful of
    rows per section, newest first): the page is the first thing every user sees.
    Rows should link to the page where the work is done.

    Example::

        @hookimpl
        def worklist_items(user, today):
            return [WorklistItem(
                section="Unsigned notes", section_order=20,
                title=note.patient.display_name,
                detail=f"Session on {note.session_date.isoformat()} is not signed",
                permission="treatment.notes.write", level="warning",
                link_endpoint="treatment.note_edit", link_values={"note_id": note.id},
            ) for note in unsigned_notes(user.id)]
    """


@hookspec
def patient_actions(patient, user, context):
    """Links to work a plugin offers on another plugin's page about ``patient``.

    A page that wants them calls the template global
    ``patient_actions(patient, page=..., **facts)``; ``context`` is that dict, e.g.
    ``{"page": "treatment.note", "on_date": date, "signed": True}`` on a session
    note.  Answer only for the pages you know (check ``context["page"]``).  Returns a
    list of :class:`clinic.api.PatientAction`; the core drops those whose
    ``permission`` the user lacks, so the page never links to a refusal.

    Example::

        @hookimpl
        def patient_actions(patient, context):
            if context.get("page") == "treatment.note" and context.get("signed"):
                return [PatientAction("Print handouts", "handouts.prepare",
                                      "handouts.print",
                                      link_values={"patient_id": patient.id})]
    """


@hookspec
def patient_summary_facts(patient):
    """Short labelled facts for the chart header.

    Example::

        @hookimpl
        def patient_summary_facts(patient):
            return [SummaryFact("Intake", "complete 2026-11-02", "intake.view")]
    """


@hookspec
def patient_safety_flags(patient):
    """Clinical safety findings another plugin may need before it acts.

    The intake plugin answers with what the health-history screen found; the
    treatment plugin asks before a plan becomes active.  Returns a list of
    :class:`clinic.api.SafetyFlag`.

    Example::

        @hookimpl
        def patient_safety_flags(patient):
            return [SafetyFlag(code="anticoagulant", kind="pressure",
                               message="Takes an anticoagulant",
                               advice="No deep or forceful pressure.")]
    """


@hookspec
def patient_outcome_measures(patient):
    """Scored measurements over time (pain, disability ...), oldest first.

    Returns a list of :class:`clinic.api.OutcomeMeasure`.

    Example::

        @hookimpl
        def patient_outcome_measures(patient):
            return [OutcomeMeasure("odi", "Oswestry Disability Index",
                                   dt.date(2026, 11, 2), 42.0, "%", "moderate")]
    """


@hookspec
def authorization_status(patient, on_date):
    """What a payer has authorised for the patient on ``on_date``.

    Returns a list of :class:`clinic.api.AuthorizationStatus` (usually one).

    Example::

        @hookimpl
        def authorization_status(patient, on_date):
            return [AuthorizationStatus(visits_authorized=12, visits_used=4, payer="Acme")]
    """


@hookspec
def patient_care_plans(patient, on_date):
    """Plans of care in force for ``patient`` on ``on_date`` (diagnoses, dates, goals).

    The treatment plugin answers with its active plans; a billing plugin asks for the
    diagnosis codes and whether a visit is under a therapy plan of care.  Returns a list
    of :class:`clinic.contributions.CarePlan`.

    Example::

        @hookimpl
        def patient_care_plans(patient, on_date):
            return [CarePlan(source="treatment", plan_id="7", diagnoses=("M54.50",),
                             start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 13))]
    """


@hookspec
def handout_sections(patient, context):
    """Aftercare sections a handout may include for this patient.

    ``context`` is a dict describing why the handout is made.  Two kinds are asked:

    * ``{"modalities": [...]}`` from a session note: which handouts to offer as
      home-care advice (the handouts plugin answers with ids ``"handouts:<slug>"``);
    * ``{"purpose": "print", "on_date": date, "language": "en"|"es",
      "no_diagnosis": bool}`` while printing: a section to put in the patient's PDF
      (today's session, red flags ...).  Its ``template`` is rendered with
      ``section`` (the HandoutSection), ``language`` and ``no_diagnosis``.  Optional
      ``context`` keys the handouts plugin reads: ``modalities_keys`` and
      ``home_care`` (to preselect handouts), ``therapist``, ``next_visit``.

    Returns a list of :class:`clinic.api.HandoutSection`.

    Example::

        @hookimpl
        def handout_sections(patient, context):
            if "hot_pack" in context.get("modalities", ()):
                return [HandoutSection("home-heat", "Using heat at home",
                                       "handouts/sections/heat.html")]
    """


@hookspec
def patients_seen(on_date):
    """Ids of patients who had a visit on ``on_date`` (a :class:`datetime.date`).

    Lets a plugin build a "seen today" list (e.g. handouts to print) without knowing
    which plugin records visits.  Returns a list of patient ids.

    Example::

        @hookimpl
        def patients_seen(on_date):
            return [n.patient_id for n in notes_on(on_date)]
    """


@hookspec
def billable_services(patient, start, end):
    """Services done for ``patient`` between the dates ``start`` and ``end`` inclusive.

    Returns a list of :class:`clinic.api.BillableService`; a billing plugin
    turns them into claim lines.

    Example::

        @hookimpl
        def billable_services(patient, start, end):
            return [BillableService(source="treatment", source_id="note:12",
                                    patient_id=patient.id, service_date=dt.date(2026, 11, 3),
                                    service="treatment.nmt", description="Neuromuscular therapy",
                                    minutes=23, timed=True)]
    """


@hookspec
def cli_commands():
    """Click commands to add under ``flask --app wsgi``.

    Example::

        @hookimpl
        def cli_commands():
            @click.command("intake-stats")
            def stats():
                click.echo("...")
            return [stats]
    """


@hookspec
def audit_event_types():
    """Names and meanings of the audit events a plugin writes.

    Every event a plugin records must be declared here; the admin audit page uses the
    descriptions and the core refuses to record an undeclared type.

    Example::

        @hookimpl
        def audit_event_types():
            return [AuditEventType("intake.response.view", "Viewed an intake response")]
    """


@hookspec
def demo_patient_history(patient, rng):
    """Add synthetic clinical history for a demo patient (``flask --app wsgi demo``).

    ``rng`` is a seeded :class:`random.Random`; use only it, so a seed always gives the
    same clinic.  Add rows to ``db.session``; the command commits.

    Example::

        @hookimpl
        def demo_patient_history(patient, rng):
            db.session.add(IntakeResponse(patient_id=patient.id, ...))
    """
