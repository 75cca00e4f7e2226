"""Contract tests: each core hook, implemented by a test plugin, reaches the core or callers.

Implementations may take a subset of the arguments a spec names; these tests use
that freedom on purpose.
"""

from __future__ import annotations

import datetime as dt

import click
from sqlalchemy import func, select

from clinic.audit.service import declared_event_types, record
from clinic.contributions import (
    AuditEventType,
    AuthorizationStatus,
    BillableService,
    HandoutSection,
    OutcomeMeasure,
    SafetyFlag,
    SummaryFact,
    WorklistItem,
)
from clinic.extensions import db
from clinic.hookspecs import hookimpl
from clinic.patients.models import Patient
from clinic.testing import make_patient


class Contributor:
    history_calls = 0

    @hookimpl
    def patient_summary_facts(self, patient):
        return [
            SummaryFact("Visits this year", "7", "patients.view"),
            SummaryFact("Secret fact", "x", "admin.audit"),
        ]

    @hookimpl
    def patient_safety_flags(self, patient):
        return [SafetyFlag("anticoagulant", "pressure", "Takes warfarin", "No deep pressure.")]

    @hookimpl
    def patient_outcome_measures(self, patient):
        return [OutcomeMeasure("odi", "ODI", dt.date(2026, 11, 2), 42.0, "%", "severe")]

    @hookimpl
    def authorization_status(self, patient, on_date):
        return [AuthorizationStatus(visits_authorized=12, visits_used=on_date.day)]

    @hookimpl
    def handout_sections(self, context):
        if "hot_pack" in context.get("modalities", ()):
            return [HandoutSection("heat", "Heat at home", "x.html")]
        return []

    @hookimpl
    def billable_services(self, patient, start, end):
        return [
            BillableService("test", "1", patient.id, start, "test.massage", "Massage", 23, True)
        ]

    @hookimpl
    def worklist_items(self, user):
        def row(section, title, permission, order, **kw):
            return WorklistItem(
                section=section,
                title=title,
                detail=f"for {user.username}",
                permission=permission,
                link_endpoint="patients.search",
                section_order=order,
                **kw,
            )

        return [
            row("Claims to fix", "Older claim", "patients.view", 5, when=dt.datetime(2026, 1, 1)),
            row("Claims to fix", "Urgent claim", "patients.view", 5, level="danger"),
            row("Claims to fix", "Newer claim", "patients.view", 5, when=dt.datetime(2026, 2, 1)),
            row("Audit oddities", "Secret row", "admin.audit", 1),
        ]

    @hookimpl
    def cli_commands(self):
        @click.command("hello-clinic")
        def hello():
            click.echo("hello from a plugin command")

        return [hello]

    @hookimpl
    def audit_event_types(self):
        return [AuditEventType("test.thing", "Did a test thing")]

    @hookimpl
    def demo_patient_history(self, patient, rng):
        Contributor.history_calls += 1
        patient.notes = f"demo history {rng.randrange(1000)}"


def register(app) -> Contributor:
    contributor = Contributor()
    app.extensions["clinic"].pm.register(contributor, name="contract-test")
    return contributor


def test_patient_summary_facts_are_shown_by_permission(app, signed_in):
    register(app)
    patient = make_patient()
    client, _ = signed_in("front-desk")
    page = client.get(f"/patients/{patient.id}").text
    assert "Visits this year" in page and "Secret fact" not in page


def test_worklist_items_reach_the_start_page_by_permission_and_in_order(app, signed_in):
    register(app)
    client, user = signed_in("front-desk")
    page = client.get("/start").text
    assert "Claims to fix" in page and f"for {user.username}" in page
    assert "Audit oddities" not in page and "Secret row" not in page
    # Most urgent first, then newest first.
    assert page.index("Urgent claim") < page.index("Newer claim") < page.index("Older claim")
    admin_client, _ = signed_in("admin", username="boss")
    admin_page = admin_client.get("/start").text
    # Sections follow section_order: the admin's "Audit oddities" (1) comes first.
    assert admin_page.index("Audit oddities") < admin_page.index("Claims to fix")


def test_plugin_to_plugin_hooks_flatten_every_answer(app):
    register(app)
    registry = app.extensions["clinic"]
    patient = make_patient()
    flags = registry.collect("patient_safety_flags", patient=patient)
    assert flags[0].code == "anticoagulant" and not flags[0].resolved
    measures = registry.collect("patient_outcome_measures", patient=patient)
    assert measures[0].value == 42.0
    auth = registry.collect("authorization_status", patient=patient, on_date=dt.date(2026, 1, 5))
    assert auth == [AuthorizationStatus(visits_authorized=12, visits_used=5)]
    heat = registry.collect(
        "handout_sections", patient=patient, context={"modalities": ["hot_pack"]}
    )
    # The bundled handouts plugin also offers its library ("handouts:<slug>").
    assert [s.id for s in heat if not s.id.startswith("handouts:")] == ["heat"]
    assert registry.collect("handout_sections", patient=patient, context={}) == []
    services = registry.collect(
        "billable_services", patient=patient, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31)
    )
    assert services[0].minutes == 23 and services[0].patient_id == patient.id


def test_a_new_patient_has_no_flags_from_any_plugin(app):
    patient = make_patient()
    assert app.extensions["clinic"].collect("patient_safety_flags", patient=patient) == []


def test_cli_commands_join_the_flask_cli(app):
    from clinic.cli import init_app

    register(app)
    # Commands are collected when the app is built; rebuild the CLI now that ours is in.
    init_app(app, app.extensions["clinic"])
    result = app.test_cli_runner().invoke(args=["hello-clinic"])
    assert result.output.strip() == "hello from a plugin command"


def test_audit_event_types_declare_what_may_be_recorded(app):
    register(app)
    assert declared_event_types()["test.thing"] == "Did a test thing"
    record("test.thing")
    db.session.commit()


def test_demo_asks_plugins_for_patient_history(app, runner):
    register(app)
    Contributor.history_calls = 0
    result = runner.invoke(args=["demo", "--patients", "5", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert Contributor.history_calls == 5
    assert db.session.scalar(select(func.count(Patient.id))) == 5
    assert "Staff accounts (passwords are shown only now)" in result.output
