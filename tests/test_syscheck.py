"""One list of system packages (clinic/data/system_packages.json) that the README table,
``clinic.syscheck`` and ``.ci/run`` all follow; third-party import warnings are not fatal."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from clinic import syscheck
from clinic.testing import dependency_modules, import_quietly

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_table_is_the_one_syscheck_prints():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("| needed for | Debian / Ubuntu packages |")
    table = readme[start : readme.index("\n\n", start)]
    assert table == syscheck.readme_table()
    assert "libharfbuzz-subset0" in table


def test_ci_installs_what_the_list_names_and_names_no_package_itself():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 clinic/syscheck.py --packages ci" in ci
    hard_coded = [p for p in syscheck.packages() if p not in ("python3", "postgresql") and p in ci]
    assert hard_coded == []


def test_the_system_python_can_list_the_packages_before_any_venv_exists():
    system_python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    result = subprocess.run(
        [system_python, str(ROOT / "clinic" / "syscheck.py"), "--packages", "ci"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == syscheck.packages("ci")
    assert "libharfbuzz-subset0" in result.stdout.split()


def test_a_missing_library_is_named_with_its_package(tmp_path, monkeypatch, capsys):
    data = json.loads(syscheck.DATA.read_text())
    data["groups"].append(
        {
            "need": "a library no machine has",
            "packages": ["libnothere0"],
            "needed_by": ["desk"],
            "checks": {"libnothere0": "lib:libnothere-clinic-test.so.0"},
        }
    )
    fake = tmp_path / "system_packages.json"
    fake.write_text(json.dumps(data))
    monkeypatch.setattr(syscheck, "DATA", fake)
    assert syscheck.main([]) == 1
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0, "one line"
    assert "sudo apt-get install libnothere0" in out


def test_this_machine_passes_the_check():
    assert syscheck.missing() == []


def test_a_third_party_import_time_warning_is_not_fatal(tmp_path, monkeypatch):
    (tmp_path / "noisy_dependency.py").write_text(
        "import warnings\n"
        "warnings.warn('install libfoo with your package manager', DeprecationWarning)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # Not fatal under "error" (what filterwarnings = error does), but still reported.
    with pytest.warns(DeprecationWarning, match="libfoo"), warnings.catch_warnings():
        warnings.simplefilter("error")
        caught = import_quietly(["noisy_dependency"])
    assert [str(w.message) for w in caught] == ["install libfoo with your package manager"]
    assert "noisy_dependency" in sys.modules


def test_our_own_warnings_still_fail_the_suite():
    with pytest.raises(DeprecationWarning):
        warnings.warn("a deprecated call in our code", DeprecationWarning, stacklevel=1)


def test_every_runtime_dependency_is_imported_quietly_before_the_tests():
    modules = dependency_modules()
    assert {"weasyprint", "flask", "sqlalchemy", "alembic"} <= set(modules)
