"""An outside developer's plugin (tests/thirdparty/clinic-sticky-notes), installed into a
temporary environment (see tests/thirdparty_env.py) exactly as a clinic would install it.

Nothing here reads the plugin's files from our source tree: the harness finds its route
table, migrations and source from the installed distribution and its manifest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest
from sqlalchemy import inspect as sa_inspect

from clinic.extensions import db
from clinic.testing import check_route_policy, fast_login, make_patient, make_user
from tests import route_policy_core
from tests.thirdparty_env import STICKY


def _empty_sticky_notes():
    # A downgrade refuses to drop stored rows (issue 12, point 10): the test's own rows
    # go first, on purpose.
    from sqlalchemy import text

    db.session.execute(text("DELETE FROM sticky_notes"))
    db.session.commit()


@pytest.fixture
def sticky_app(sticky_installed, app_factory):
    """An app with only the sticky plugin enabled, its branch migrated (and undone after)."""
    from flask_migrate import downgrade, upgrade

    app = app_factory(CLINIC_PLUGINS=["sticky"])
    with app.app_context():
        upgrade()  # what `flask --app wsgi db upgrade` does: core + enabled plugins
        try:
            yield app
        finally:
            db.session.rollback()
            _empty_sticky_notes()
            downgrade(revision="sticky@base")
            db.session.remove()


def test_the_install_lives_in_a_temporary_environment_and_leaves_the_tree_clean(
    sticky_installed,
):
    dist = distribution("clinic-sticky-notes")
    location = Path(dist.locate_file("")).resolve()
    assert location == Path(sticky_installed).resolve()
    assert not location.is_relative_to(Path(sys.prefix).resolve()), "installed into the venv"
    leftovers = [p.name for p in STICKY.iterdir() if p.name == "build" or p.suffix == ".egg-info"]
    assert leftovers == []


def test_a_third_party_plugin_adds_its_table_nav_and_panel(sticky_app):
    loaded = sticky_app.extensions["clinic"].plugins["sticky"]
    assert (loaded.status, loaded.distribution) == ("enabled", "clinic-sticky-notes")
    assert "sticky_notes" in sa_inspect(db.engine).get_table_names()
    from clinic_sticky.models import StickyNote

    patient = make_patient()
    desk = make_user("front-desk")
    db.session.add(StickyNote(patient_id=patient.id, author_id=desk.id, text="Prefers mornings"))
    db.session.commit()
    client = sticky_app.test_client()
    fast_login(client, desk)
    chart = client.get(f"/patients/{patient.id}").text
    assert "Sticky notes" in chart and "Prefers mornings" in chart
    assert 'href="/sticky/"' in chart  # its nav item
    admin = sticky_app.test_client()
    fast_login(admin, make_user("admin"))
    listing = admin.get("/admin/plugins").text
    assert "sticky.add" in listing and "patient_chart_panels" in listing


def test_the_route_policy_harness_finds_the_plugins_own_table(sticky_app):
    check_route_policy(sticky_app, core_tables=[route_policy_core])


def test_db_upgrade_still_works_after_a_migrated_plugin_is_disabled(sticky_installed, app_factory):
    from flask_migrate import downgrade, upgrade

    with_sticky = app_factory(CLINIC_PLUGINS=["sticky"])
    with with_sticky.app_context():
        upgrade()
        db.session.remove()
    try:
        without = app_factory(CLINIC_PLUGINS=[])
        result = without.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        with without.app_context():
            # The disabled plugin's table and rows are left alone, not dropped.
            assert "sticky_notes" in sa_inspect(db.engine).get_table_names()
    finally:
        with with_sticky.app_context():
            _empty_sticky_notes()
            downgrade(revision="sticky@base")


def test_the_example_plugins_own_test_suite_passes_in_its_environment(sticky_installed, tmp_path):
    """What the plugin's developer runs: its tests, with the clinic's fixtures."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")}
    # Its own SQLite database: never the PostgreSQL database this session is using.
    env.update(
        PYTHONPATH=str(sticky_installed),
        CLINIC_PLUGINS="sticky",
        CLINIC_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    tests = Path(sticky_installed) / "clinic_sticky" / "tests"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "clinic.testing",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::DeprecationWarning",
            "--rootdir",
            str(tmp_path),
            str(tests),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "5 passed" in result.stdout
