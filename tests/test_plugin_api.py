"""The public plugin API: plugins import ``clinic.api`` and nothing else from the core."""

from __future__ import annotations

from pathlib import Path

import pytest

import clinic.api as api
from clinic.plugincheck import core_imports, private_core_imports

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_TREES = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("tree", BUNDLED_TREES, ids=lambda p: p.name)
def test_bundled_plugins_import_only_the_public_api(tree):
    offences = private_core_imports(tree)
    assert offences == [], "plugins may import only clinic.api:\n" + "\n".join(offences)


def test_a_third_party_plugin_imports_only_the_public_api(sticky_installed):
    """Found from its entry point and installed location, not from our source tree."""
    from clinic.plugins import discover

    package = discover()["sticky"].value.split(":", 1)[0]
    offences = private_core_imports(package)
    assert offences == [], "plugins may import only clinic.api:\n" + "\n".join(offences)


def test_the_meta_test_catches_a_private_import(tmp_path):
    package = tmp_path / "someplugin"
    (package / "tests").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "views.py").write_text(
        "from clinic.auth.models import StaffSession\n"
        "from clinic import database\n"
        "import clinic.pdf\n"
        "from clinic.api import db\n"
        "from clinic.testing import make_patient\n"
    )
    (package / "tests" / "test_x.py").write_text("from clinic.testing import make_patient\n")
    assert [m for _, m in core_imports(package / "views.py")][:3] == [
        "clinic.auth.models",
        "clinic.database",
        "clinic.pdf",
    ]
    assert private_core_imports(package) == [
        "someplugin/views.py:1 imports clinic.auth.models",
        "someplugin/views.py:2 imports clinic.database",
        "someplugin/views.py:3 imports clinic.pdf",
        "someplugin/views.py:5 imports clinic.testing",
    ]


def test_every_public_name_exists():
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert missing == []


def test_setting_reads_a_plugin_setting_by_dotted_name(app):
    with app.test_request_context():
        assert api.setting("intake.token_minutes") == 30
        with pytest.raises(KeyError, match="intake.nope"):
            api.setting("intake.nope")
        with pytest.raises(KeyError):
            api.setting("token_minutes")


def test_collect_asks_every_enabled_plugin(app):
    from clinic.testing import make_patient

    with app.test_request_context():
        patient = make_patient()
        flags = api.collect("patient_safety_flags", patient=patient)
        assert flags == []


def test_plugin_logger_is_namespaced():
    assert api.logger("intake").name == "clinic.plugins.intake"
