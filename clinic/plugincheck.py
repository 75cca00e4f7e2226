"""Checks a plugin's own test suite can run on it (re-exported by :mod:`clinic.testing`).

``private_core_imports("clinic_sticky")`` lists every import of a private ``clinic``
module in an installed plugin package: plugins may import only ``clinic.api`` (and
``clinic.api.pure``); their tests may also import ``clinic.testing``.
"""

from __future__ import annotations

import ast
from importlib.util import find_spec
from pathlib import Path

ALLOWED = frozenset({"clinic.api", "clinic.api.pure"})
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


def is_test_file(root: Path, path: Path) -> bool:
    rel = path.relative_to(root)
    return "tests" in rel.parts or path.name.startswith("test_") or path.name == "conftest.py"


def package_root(package: str) -> Path:
    """The folder an importable package lives in (wherever it is installed)."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"{package!r} is not an importable package")
    return Path(next(iter(spec.submodule_search_locations)))


def private_core_imports(package: str | Path) -> list[str]:
    """``file:line imports module`` for each import the plugin may not make."""
    root = package if isinstance(package, Path) else package_root(package)
    offences = []
    for path in sorted(root.rglob("*.py")):
        if "build" in path.relative_to(root).parts:
            continue
        allowed = ALLOWED_IN_TESTS if is_test_file(root, path) else ALLOWED
        offences += [
            f"{path.relative_to(root.parent)}:{line} imports {module}"
            for line, module in core_imports(path)
            if module not in allowed
        ]
    return offences


# -- which hooks the test session called -------------------------------------------

#: Names of the hooks called, with at least one implementation answering, while the test
#: session ran (any app any test built).  Read by the "every hook is called" meta-test.
HOOKS_CALLED: set[str] = set()


def _note_call(hook_name, hook_impls, kwargs) -> None:
    if hook_impls:
        HOOKS_CALLED.add(hook_name)


def _ignore_result(outcome, hook_name, hook_impls, kwargs) -> None:
    pass


def record_hook_calls():
    """Make every plugin registry built from now on note which hooks it calls.

    Returns the function that stops it.  Registries are patched at construction, so calls
    made while an app is being built (``cli_commands``, ``audit_event_types``) count too.
    """
    from clinic.plugins import PluginRegistry

    original = PluginRegistry.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.pm.add_hookcall_monitoring(_note_call, _ignore_result)

    PluginRegistry.__init__ = init

    def stop():
        PluginRegistry.__init__ = original

    return stop
