"""The plugin system: loading, refusing, filtering by permission, documenting hooks."""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from clinic import hookspecs
from clinic.contributions import ChartPanel, NavItem, PatientAlert
from clinic.extensions import db
from clinic.hookspecs import hookimpl, hookspec
from clinic.plugins import PluginLoadError
from clinic.testing import fast_login, make_patient, make_user

ROOT = Path(__file__).resolve().parent.parent


def fake_entry_points(monkeypatch, **targets):
    eps = {name: EntryPoint(name, value, "clinic.plugins") for name, value in targets.items()}
    monkeypatch.setattr("clinic.plugins.discover", lambda: eps)


@pytest.mark.parametrize(
    "name, target, message",
    [
        ("ghost", None, "no installed distribution provides it"),
        ("broken", "tests.fake_plugins.broken_import:manifest", "failed to import"),
        ("toonew", "tests.fake_plugins.manifests:too_new", "needs clinic core >=5.0"),
        ("misnamed", "tests.fake_plugins.manifests:misnamed", "the names must match"),
        ("dict", "tests.fake_plugins.manifests:not_a_manifest", "not a PluginManifest"),
    ],
)
def test_a_bad_plugin_stops_start_up_naming_it(monkeypatch, app_factory, name, target, message):
    fake_entry_points(monkeypatch, **({name: target} if target else {}))
    with pytest.raises(PluginLoadError) as excinfo:
        app_factory(CLINIC_PLUGINS=[name])
    assert repr(name) in str(excinfo.value) and message in str(excinfo.value)


def test_a_missing_required_setting_stops_start_up_naming_plugin_and_setting(
    monkeypatch, app_factory
):
    fake_entry_points(monkeypatch, needskey="tests.fake_plugins.manifests:needs_key")
    monkeypatch.delenv("CLINIC_NEEDSKEY_API_KEY", raising=False)
    with pytest.raises(PluginLoadError) as excinfo:
        app_factory(CLINIC_PLUGINS=["needskey"])
    message = str(excinfo.value)
    assert "'needskey'" in message and "'api_key'" in message
    assert "CLINIC_NEEDSKEY_API_KEY" in message


def test_a_required_setting_from_the_environment_is_used(monkeypatch, app_factory):
    from clinic.api import setting

    fake_entry_points(monkeypatch, needskey="tests.fake_plugins.manifests:needs_key")
    monkeypatch.setenv("CLINIC_NEEDSKEY_API_KEY", " k-123 ")
    app = app_factory(CLINIC_PLUGINS=["needskey"], CLINIC_NEEDSKEY_RETRIES="5")
    with app.test_request_context():
        assert setting("needskey.api_key") == "k-123"
        assert setting("needskey.retries") == 5


def test_a_table_without_the_plugin_prefix_stops_start_up(monkeypatch, app_factory):
    fake_entry_points(monkeypatch, badtable="tests.fake_plugins.badtable:manifest")
    try:
        with pytest.raises(PluginLoadError) as excinfo:
            app_factory(CLINIC_PLUGINS=["badtable"])
    finally:
        # The fake model joined the shared metadata; keep it out of other tests.
        table = db.metadata.tables.get("reminders")
        if table is not None:
            db.metadata.remove(table)
    assert "'badtable'" in str(excinfo.value)
    assert "reminders must be named badtable_" in str(excinfo.value)


def test_bundled_plugin_tables_carry_their_prefix(app):
    from clinic.plugins import plugin_tables

    intake = app.extensions["clinic"].plugins["intake"]
    assert "intake_runs" in [t.name for t in plugin_tables(intake.manifest, intake.package)]

    for loaded in app.extensions["clinic"].plugins.values():
        if loaded.status != "enabled":
            continue
        tables = plugin_tables(loaded.manifest, loaded.package)
        assert all(t.name.startswith(f"{loaded.name}_") for t in tables)


def test_each_plugin_logs_to_its_own_logger(app_factory, caplog):
    caplog.set_level("INFO", logger="clinic.plugins")
    app_factory()
    names = {r.name for r in caplog.records if r.getMessage().startswith("enabled ")}
    assert {"clinic.plugins.intake", "clinic.plugins.treatment"} <= names


def test_safe_mode_starts_the_core_alone_and_shows_why(monkeypatch, app_factory):
    fake_entry_points(
        monkeypatch,
        toonew="tests.fake_plugins.manifests:too_new",
        fine="tests.fake_plugins.manifests:fine",
    )
    app = app_factory(CLINIC_PLUGINS=["toonew", "fine"], CLINIC_SAFE_MODE=True)
    registry = app.extensions["clinic"]
    assert registry.plugins["toonew"].status == "failed"
    assert "needs clinic core" in registry.plugins["toonew"].error
    assert registry.plugins["fine"].status == "not loaded (safe mode)"
    with app.app_context():
        admin = make_user("admin")
        client = app.test_client()
        fast_login(client, admin)
        page = client.get("/admin/plugins").text
    assert "Safe mode is on" in page and "needs clinic core" in page


def test_plugins_not_on_the_allow_list_are_not_loaded(monkeypatch, app_factory):
    fake_entry_points(monkeypatch, fine="tests.fake_plugins.manifests:fine")
    app = app_factory(CLINIC_PLUGINS=[])
    assert app.extensions["clinic"].plugins["fine"].status == "disabled"


class PrivatePanelPlugin:
    """A hook implementation object, registered the way a plugin module would be."""

    rendered = 0

    @hookimpl
    def nav_items(self):
        return [NavItem("Secret", "admin.audit_log", "admin.audit")]

    @hookimpl
    def patient_chart_panels(self, patient):
        def render():
            PrivatePanelPlugin.rendered += 1
            return "<p>private panel body</p>"

        return [ChartPanel("private", "Private panel", "admin.audit", render)]

    @hookimpl
    def patient_alerts(self, patient):
        return [
            PatientAlert("danger", "Billing-only alert", "detail", "admin.users", "test"),
            PatientAlert("warning", "Everyone alert", "detail", "patients.view", "test"),
        ]


def test_panels_nav_and_alerts_are_filtered_by_permission(app, signed_in):
    app.extensions["clinic"].pm.register(PrivatePanelPlugin(), name="private-test")
    patient = make_patient()
    PrivatePanelPlugin.rendered = 0
    desk, _ = signed_in("front-desk")
    page = desk.get(f"/patients/{patient.id}").text
    assert "Private panel" not in page and "Secret" not in page
    assert "Billing-only alert" not in page and "Everyone alert" in page
    assert PrivatePanelPlugin.rendered == 0, "a hidden panel must not even be rendered"
    admin, _ = signed_in("admin")
    page = admin.get(f"/patients/{patient.id}").text
    assert "private panel body" in page and "Secret" in page and "Billing-only alert" in page


def test_alerts_also_show_in_search_results(app, signed_in):
    app.extensions["clinic"].pm.register(PrivatePanelPlugin(), name="private-test")
    make_patient(last_name="Alertson")
    desk, _ = signed_in("front-desk")
    results = desk.get("/patients/?q=alertson").text
    assert "Everyone alert" in results and "Billing-only alert" not in results


def hookspec_names(module=hookspecs) -> list[str]:
    return [
        name
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if hasattr(fn, "clinic_spec")
    ]


def every_hookspec() -> dict[str, object]:
    """Hook name -> the module declaring it: the core's and each bundled plugin's."""
    from clinic.plugins import bundled_plugin_names, discover

    specs = dict.fromkeys(hookspec_names(), hookspecs)
    for name in bundled_plugin_names():
        declared = discover()[name].load().hookspecs
        if declared is not None:
            specs.update(dict.fromkeys(hookspec_names(declared), declared))
    return specs


HOOKSPECS = every_hookspec()


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_every_hook_is_documented_with_an_example(name):
    doc = inspect.getdoc(getattr(HOOKSPECS[name], name)) or ""
    assert len(doc) > 40 and "Example" in doc and "@hookimpl" in doc, name


@pytest.mark.parametrize("name", sorted(HOOKSPECS))
def test_the_plugin_guide_shows_every_hook_with_an_example(name):
    guide = (ROOT / "docs" / "plugins.md").read_text()
    section = guide.split(f"### `{name}`", 1)
    assert len(section) == 2, f"docs/plugins.md has no section for {name}"
    assert "@hookimpl" in section[1].split("\n### ", 1)[0]


def test_the_plugin_guide_covers_every_manifest_field():
    from dataclasses import fields

    from clinic.plugins import PluginManifest

    guide = (ROOT / "docs" / "plugins.md").read_text()
    assert [f.name for f in fields(PluginManifest) if f.name not in guide] == []


class ProbeSpecs:
    @staticmethod
    @hookspec
    def probe_contributions():
        """A hook only this test declares."""


class ProbeImpl:
    @hookimpl
    def probe_contributions(self):
        return ["answer"]


def test_hook_calls_are_recorded_only_when_an_implementation_answers():
    from clinic.plugincheck import HOOKS_CALLED
    from clinic.plugins import PluginRegistry

    registry = PluginRegistry()
    registry.pm.add_hookspecs(ProbeSpecs)
    assert registry.collect("probe_contributions") == []
    assert "probe_contributions" not in HOOKS_CALLED, "no implementation answered"
    registry.pm.register(ProbeImpl(), name="probe")
    assert registry.collect("probe_contributions") == ["answer"]
    assert "probe_contributions" in HOOKS_CALLED
    HOOKS_CALLED.discard("probe_contributions")


@pytest.mark.whole_session
def test_every_hook_is_called_by_a_test(request):
    """Judged on what the whole session did: each hook (the core's and the bundled plugins')
    was called at least once with an implementation answering."""
    from clinic.plugincheck import HOOKS_CALLED
    from clinic.testing import whole_suite_ran

    if not whole_suite_ran(request.config):
        pytest.skip("judges the whole suite: run pytest with no paths and no -k")
    never = sorted(set(HOOKSPECS) - HOOKS_CALLED)
    assert never == [], f"hooks no test calls: {never}"


class CountingNavPlugin:
    """A nav link with a count badge, one for everyone and one for admins only."""

    calls = 0
    value = 3

    @hookimpl
    def nav_items(self):
        def count():
            CountingNavPlugin.calls += 1
            return CountingNavPlugin.value

        return [
            NavItem("Counted", "patients.search", "patients.view", count=count, count_label="new"),
            NavItem("Audit count", "admin.audit_log", "admin.audit", count=count),
        ]


def test_nav_item_count_is_a_badge_on_every_page_while_non_zero(app, signed_in):
    app.extensions["clinic"].pm.register(CountingNavPlugin(), name="counting-test")
    patient = make_patient()
    desk, _ = signed_in("front-desk")
    CountingNavPlugin.value, CountingNavPlugin.calls = 3, 0
    for url in ("/patients/", f"/patients/{patient.id}"):
        page = desk.get(url).text
        assert 'data-nav-count="patients.search">3<' in page
        assert '<span class="visually-hidden"> new</span>' in page
    # Filtered by permission: the admin-only link and its count never reach the desk.
    assert 'data-nav-count="admin.audit_log"' not in page
    assert CountingNavPlugin.calls == 2, "a hidden link's count must not even be computed"
    CountingNavPlugin.value = 0
    assert "data-nav-count" not in desk.get("/patients/").text
