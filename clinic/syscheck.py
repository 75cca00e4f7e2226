"""``python -m clinic.syscheck``: one line naming any missing system package, exit 1.

The packages are listed once, in ``clinic/data/system_packages.json``; the README table
and ``.ci/run`` follow the same file.  Standard library only, so ``.ci/run`` can run this
file with the system Python before any virtualenv exists::

    python3 clinic/syscheck.py --packages ci     # the Debian packages CI installs
    python3 clinic/syscheck.py --readme-table    # the README's "System packages" table
"""

from __future__ import annotations

import ctypes
import json
import sys
import warnings
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "system_packages.json"


def groups() -> list[dict]:
    return json.loads(DATA.read_text())["groups"]


def packages(needed_by: str | None = None) -> list[str]:
    return [
        package
        for group in groups()
        if needed_by is None or needed_by in group["needed_by"]
        for package in group["packages"]
    ]


def readme_table() -> str:
    rows = ["| needed for | Debian / Ubuntu packages |", "|---|---|"]
    for group in groups():
        cell = "`" + " ".join(group["packages"]) + "`"
        if group.get("note"):
            cell += f" ({group['note']})"
        rows.append(f"| {group['need']} | {cell} |")
    return "\n".join(rows)


def _present(check: str) -> bool:
    kind, _, target = check.partition(":")
    if kind == "lib":
        try:
            ctypes.CDLL(target)
        except OSError:
            return False
        return True
    if kind == "file":
        return Path(target).exists()
    raise ValueError(f"unknown check {check!r} in {DATA.name}")


def missing(needed_by: str = "desk") -> list[str]:
    """Packages whose check fails (packages without a check are not judged here)."""
    return [
        package
        for group in groups()
        if needed_by in group["needed_by"]
        for package, check in group["checks"].items()
        if not _present(check)
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--packages"]:
        print("\n".join(packages(args[1] if len(args) > 1 else None)))
        return 0
    if args[:1] == ["--readme-table"]:
        print(readme_table())
        return 0
    absent = missing()
    if not absent:
        try:
            # Importing loads Pango through ctypes; its own warnings are not ours to judge.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import weasyprint  # noqa: F401
        except OSError as exc:
            print(f"PDF output cannot start ({exc}); reinstall: {' '.join(packages('desk'))}")
            return 1
        return 0
    print(
        f"Missing system packages: {' '.join(absent)}. "
        f"Install them with: sudo apt-get install {' '.join(absent)}"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
