"""Installing the example third-party plugin into a throw-away environment.

The distribution is built from a copy of its source (so no ``build/`` or ``egg-info``
appears in our tree) and installed with ``pip --target`` into a temporary directory that
joins ``sys.path`` for the test session only; the developer's virtualenv is never
touched, and everything is deleted at the end.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from importlib import invalidate_caches
from pathlib import Path

STICKY = Path(__file__).resolve().parent / "thirdparty" / "clinic-sticky-notes"


@contextmanager
def installed(source: Path = STICKY):
    with tempfile.TemporaryDirectory(prefix="clinic-thirdparty-") as tmp:
        root = Path(tmp)
        copy = root / "src"
        shutil.copytree(
            source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
        )
        site = root / "site"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-cache-dir",
                "--target",
                str(site),
                str(copy),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        sys.path.insert(0, str(site))
        invalidate_caches()
        try:
            yield site
        finally:
            sys.path.remove(str(site))
            for name in [m for m in sys.modules if m.split(".")[0] == "clinic_sticky"]:
                del sys.modules[name]
            invalidate_caches()
