"""Another plugin adds a questionnaire through ``intake_instruments``, importing nothing
from the intake plugin: it gets the definition types as the hook's ``kit``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from clinic.api import db, hookimpl
from clinic.testing import make_patient, register_hooks
from plugins.intake.instruments import registry
from plugins.intake.models import IntakeResponse, IntakeRun
from plugins.intake.tests.helpers import fill_run


class SleepPlugin:
    """What a third party writes: only the kit it is handed."""

    @hookimpl
    def intake_instruments(self, kit):
        return [
            kit.InstrumentDefinition(
                id="sleep",
                version="1.0",
                title="Sleep and pain",
                short_title="Sleep",
                kind="screen",
                licence_note="Written by the test clinic.",
                requires_wording_pack=False,
                items=(
                    kit.Item(
                        "sleep.wakes",
                        "How often does pain wake you at night?",
                        "choice",
                        options=(
                            kit.Option("never", "Never"),
                            kit.Option("nightly", "Most nights"),
                        ),
                    ),
                ),
            )
        ]


@pytest.fixture
def sleep_plugin(app):
    plugin = SleepPlugin()
    register_hooks(app, plugin, "sleep-test")
    # This test's own lookups (outside a request) see the same set as the requests.
    registry.use_provider(lambda: [*registry.BUNDLED, *plugin.intake_instruments(registry.KIT)])
    yield plugin
    registry.use_provider(None)


def test_an_instrument_from_another_plugin_is_offered_entered_and_stored(
    app, signed_in, sleep_plugin
):
    admin, _ = signed_in("admin")
    page = admin.get("/intake/admin/packets")
    assert page.status_code == 200 and "Sleep and pain" in page.text
    saved = admin.post_form(
        "/intake/admin/packets",
        {"code": "sleep_check", "title": "Sleep check", "steps": ["sleep"], "active": "y"},
    )
    assert saved.status_code == 302, saved.text[:2000]

    desk, _ = signed_in("front-desk")
    patient = make_patient()
    started = desk.post_form(
        f"/intake/patients/{patient.id}/runs", {"packet": "sleep_check", "mode": "staff"}
    )
    assert started.status_code == 302, started.text[:2000]
    run = db.session.scalars(select(IntakeRun).where(IntakeRun.patient_id == patient.id)).one()
    base = f"/intake/patients/{patient.id}/runs/{run.id}"

    refused = desk.post_form(f"{base}/page/1", {"q-sleep__wakes": "sometimes"})
    assert refused.status_code != 302, "an answer outside the options must be refused"

    fill_run(desk, run.id, lambda n: f"{base}/page/{n}", {"sleep": {"sleep.wakes": "nightly"}})
    done = desk.post_form(f"{base}/submit")
    assert done.status_code == 302, done.text[:2000]
    response = db.session.scalars(
        select(IntakeResponse).where(IntakeResponse.run_id == run.id)
    ).one()
    assert response.instrument_id == "sleep" and response.instrument_version == "1.0"
    assert json.loads(response.answers) == {"sleep.wakes": "nightly"}


def test_without_the_plugin_the_instrument_does_not_exist(app, signed_in):
    admin, _ = signed_in("admin")
    assert "Sleep and pain" not in admin.get("/intake/admin/packets").text


def test_two_instruments_with_one_id_are_refused_naming_both():
    duplicate = registry.BUNDLED[0]
    with pytest.raises(ValueError, match="Two instruments use the id"):
        registry.build([*registry.BUNDLED, duplicate])


def test_the_hookspec_example_builds_a_valid_instrument():
    import inspect
    import textwrap
    import types

    import pluggy

    from clinic.api import PROJECT, hookimpl
    from plugins.intake import hookspecs
    from plugins.intake.instruments import validate

    doc = inspect.getdoc(hookspecs.intake_instruments)
    example = doc.split("Example - a short sleep questionnaire::", 1)[1]
    module = types.ModuleType("sleep_example")
    module.hookimpl = hookimpl
    exec(compile(textwrap.dedent(example), "sleep_example", "exec"), module.__dict__)  # noqa: S102 -- runs our own docstring
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(module, name="sleep")
    found = registry.build(d for part in pm.hook.intake_instruments(kit=registry.KIT) for d in part)
    assert list(found) == ["sleep"]
    registry.use_provider(lambda: [*registry.BUNDLED, *found.values()])
    try:
        assert validate("sleep", {"sleep.wakes": "weekly"}) == {"sleep.wakes": "weekly"}
    finally:
        registry.use_provider(None)
    assert "sleep" not in registry.all_definitions()
