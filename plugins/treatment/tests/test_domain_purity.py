"""The domain layer is plain Python: no Flask, no database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1]
DOMAIN_MODULES = sorted((PLUGIN / "domain").glob("*.py")) + [PLUGIN / "hookspecs.py"]
FORBIDDEN = ("flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "sqlalchemy", "wtforms")
# The only core module the domain may use: the pure values and vocabularies of the API.
ALLOWED_CORE = ("clinic.api.pure",)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", DOMAIN_MODULES, ids=lambda p: p.name)
def test_domain_module_imports_neither_flask_nor_the_database(path):
    for name in _imports(path):
        top = name.split(".")[0]
        assert top not in FORBIDDEN, f"{path.name} imports {name}"
        if top == "clinic":
            assert name in ALLOWED_CORE, f"{path.name} imports core module {name}"
        if top == "plugins":
            assert name.startswith("plugins.treatment.domain"), f"{path.name} imports {name}"


def test_domain_package_loads_with_flask_and_sqlalchemy_unimportable():
    # Run in a fresh interpreter where importing Flask or SQLAlchemy fails, and where the
    # plugin package's own __init__ (which wires up Flask) is bypassed.
    script = f"""
import importlib, importlib.abc, sys, types
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {FORBIDDEN!r}:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, {str(PLUGIN.parents[1])!r})
for pkg, where in (("plugins", {str(PLUGIN.parent)!r}), ("plugins.treatment", {str(PLUGIN)!r})):
    mod = types.ModuleType(pkg)
    mod.__path__ = [where]
    sys.modules[pkg] = mod
for name in {[p.stem for p in DOMAIN_MODULES if p.parent.name == "domain"]!r}:
    importlib.import_module("plugins.treatment.domain." + name)
importlib.import_module("plugins.treatment.hookspecs")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
assert not loaded, loaded
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
