"""The public plugin API: plugins import ``clinic.api`` and nothing else from the core."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import clinic.api as api

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_TREES = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()) + [
    ROOT / "tests" / "thirdparty" / "clinic-sticky-notes" / "clinic_sticky"
]
ALLOWED = {"clinic.api", "clinic.api.pure"}
ALLOWED_IN_TESTS = ALLOWED | {"clinic.testing"}


def core_imports(path: Path) -> list[tuple[int, str]]:
    """Every ``clinic`` module (or ``from clinic import x``) that a file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "clinic":
                found += [(node.lineno, f"clinic.{alias.name}") for alias in node.names]
            elif node.module.startswith("clinic."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name)
                for alias in node.names
                if alias.name == "clinic" or alias.name.startswith("clinic.")
            ]
    return found


def plugin_files():
    for tree in PLUGIN_TREES:
        for path in sorted(tree.rglob("*.py")):
            if "build" not in path.parts:
                yield tree, path


def is_test_file(tree: Path, path: Path) -> bool:
    rel = path.relative_to(tree)
    return "tests" in rel.parts or path.name.startswith("test_") or path.name == "conftest.py"


@pytest.mark.parametrize("tree", PLUGIN_TREES, ids=lambda p: p.name)
def test_plugins_import_only_the_public_api(tree):
    offences = []
    for owner, path in plugin_files():
        if owner != tree:
            continue
        allowed = ALLOWED_IN_TESTS if is_test_file(owner, path) else ALLOWED
        offences += [
            f"{path.relative_to(ROOT)}:{line} imports {module}"
            for line, module in core_imports(path)
            if module not in allowed
        ]
    assert offences == [], "plugins may import only clinic.api:\n" + "\n".join(offences)


def test_the_meta_test_catches_a_private_import(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "from clinic.auth.models import StaffSession\n"
        "from clinic import database\n"
        "import clinic.pdf\n"
    )
    assert [m for _, m in core_imports(sample)] == [
        "clinic.auth.models",
        "clinic.database",
        "clinic.pdf",
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
