"""Every route belongs to a permission, and each role gets exactly what the table says.

The table is the union of tests/route_policy_core.py and each enabled plugin's own table,
found from its manifest (``PluginManifest.route_policy``, by default
``<package>.tests.route_policy``).  A route missing from the table fails the suite.  The
harness is :mod:`clinic.routecheck`; a plugin's own suite calls it through
``clinic.testing.check_route_policy``.
"""

from __future__ import annotations

import pytest

from clinic.extensions import db
from clinic.plugins import bundled_plugin_names
from clinic.routecheck import collect_rules, plugin_policy_modules, table_problems
from clinic.testing import check_route_policy
from tests import route_policy_core

BUNDLED = bundled_plugin_names()
# The full product, then the product with each bundled plugin disabled in turn: every
# remaining route must still behave exactly as its table says.
PLUGIN_SETS = [pytest.param(None, id="all-plugins")] + [
    pytest.param([p for p in BUNDLED if p != off], id=f"without-{off}") for off in BUNDLED
]


def _pdf_attachments(response, where: str) -> str | None:
    if response.mimetype == "application/pdf":
        from tests.test_pdf import embedded_files

        if embedded_files(response.data):
            return f"{where}: the PDF carries an embedded file"
    return None


def test_every_route_is_in_the_permission_table(app):
    rules = collect_rules([route_policy_core, *plugin_policy_modules(app)])
    assert table_problems(app, rules) == []


def test_a_route_missing_from_the_table_is_reported(app):
    rules = collect_rules([route_policy_core, *plugin_policy_modules(app)])
    del rules[("patients.search", "GET")]
    problems = table_problems(app, rules)
    assert len(problems) == 1 and "patients.search" in problems[0]


@pytest.mark.parametrize("enabled", PLUGIN_SETS)
def test_each_role_gets_the_expected_status(app_factory, enabled):
    app = app_factory(CLINIC_PLUGINS=enabled) if enabled is not None else app_factory()
    with app.app_context():
        check_route_policy(app, core_tables=[route_policy_core], extra_check=_pdf_attachments)
        db.session.remove()
