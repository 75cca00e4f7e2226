"""gunicorn entry point for the fault tests (``tests/test_faults.py``): the real app, plus
a pause that only these tests switch on.

The production entry point (``wsgi.py``) has no such switch: this module is served
only by the tests, so nothing here can be reached in a clinic.

With ``CLINIC_FAULT_DIR`` set, the first POST whose path matches the regular expression
``CLINIC_FAULT_PAUSE_PATH`` stops right after its first flush that inserted rows: the
rows are in the database, inside a transaction that is not committed.  The worker then
writes its process id to ``<dir>/paused`` and waits until ``<dir>/release`` exists,
so a test can kill the worker or cut its database connection at exactly that point,
then let the request carry on (or not).  Deleting ``paused`` arms the pause again.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event

from clinic import create_app
from clinic.extensions import db

app = create_app()

_FOLDER = os.environ.get("CLINIC_FAULT_DIR", "")
_PATH = os.environ.get("CLINIC_FAULT_PAUSE_PATH", "")
_LONGEST_PAUSE = 120  # seconds; a test that never releases must not hang a worker forever


def _should_pause(session) -> bool:
    return (
        bool(_FOLDER and _PATH and session.new)
        and has_request_context()
        and request.method == "POST"
        and re.fullmatch(_PATH, request.path) is not None
        and not (Path(_FOLDER) / "paused").exists()
    )


def _pause_after_insert(session, _flush_context) -> None:
    if not _should_pause(session):
        return
    folder = Path(_FOLDER)
    # Written whole, then renamed: the test never reads a half-written id.
    (folder / "paused.tmp").write_text(str(os.getpid()))
    os.replace(folder / "paused.tmp", folder / "paused")
    deadline = time.monotonic() + _LONGEST_PAUSE
    while not (folder / "release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)


if _FOLDER:
    event.listen(db.session, "after_flush", _pause_after_insert)
