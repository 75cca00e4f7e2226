"""Reproducible installs: one lock file for every install path; psycopg only for PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    found = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"constraints.txt must pin exactly: {line!r}"
            found[canonicalize_name(name)] = version
    return found


def requirements(*groups: str) -> list[Requirement]:
    reqs = [Requirement(r) for r in PYPROJECT["dependencies"]]
    for group in groups:
        reqs += [Requirement(r) for r in PYPROJECT["optional-dependencies"][group]]
    return [r for r in reqs if canonicalize_name(r.name) != "clinic"]


def test_every_dependency_of_every_extra_is_pinned_within_its_range():
    pinned = pins()
    for req in requirements("test", "prod", "postgres"):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in constraints.txt (run make lock)"
        assert req.specifier.contains(pinned[name]), f"{req.name}=={pinned[name]} not in {req}"


def test_ruff_is_pinned_exactly_and_direct_dependencies_have_upper_bounds():
    ruff = next(r for r in requirements("test") if r.name == "ruff")
    assert str(ruff.specifier).startswith("==")
    unbounded = [
        str(r)
        for r in requirements("test", "prod", "postgres")
        if r.name != "packaging" and not any(s.operator in ("<", "==") for s in r.specifier)
    ]
    assert unbounded == []


def test_make_installs_through_the_lock_and_ci_uses_make():
    makefile = (ROOT / "Makefile").read_text()
    # Every install into the project's venv goes through the constrained pip.
    assert re.search(r"^PIP_INSTALL := .*--constraint \$\(CONSTRAINTS\)", makefile, re.M)
    assert "$(PIP_INSTALL) -e .\n" in makefile and '$(PIP_INSTALL) -e ".[test]"' in makefile
    direct = [
        line for line in makefile.splitlines() if re.search(r"\$\(BIN\)/pip install .*-e", line)
    ]
    assert direct == []
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install" not in ci and "make test" in ci


def test_psycopg_is_an_extra_that_the_test_and_prod_extras_bring():
    base = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["dependencies"]}
    assert "psycopg" not in base
    extras = PYPROJECT["optional-dependencies"]
    assert any(Requirement(r).name == "psycopg" for r in extras["postgres"])
    for extra in ("test", "prod"):
        assert "clinic[postgres]" in extras[extra]


def test_a_desk_install_on_sqlite_runs_without_psycopg(tmp_path):
    """Migrate and serve a page with psycopg made unimportable."""
    script = (
        "import sys\n"
        "sys.modules['psycopg'] = None  # importing it now raises ImportError\n"
        "from flask_migrate import upgrade\n"
        "from clinic import create_app\n"
        "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///%s'})\n"
        "with app.app_context():\n"
        "    upgrade()\n"
        "response = app.test_client().get('/auth/setup')\n"
        "assert response.status_code == 200, response.status_code\n"
        "print('desk ok')\n"
    ) % (tmp_path / "desk.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")}
    env["CLINIC_INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "desk ok" in result.stdout
