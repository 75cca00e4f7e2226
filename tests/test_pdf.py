"""The PDF service: only packaged assets, no embedded files, escaped text, bounded time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.pdf import ASSET_BASE, AssetFetcher, PdfTimeout, html_to_pdf, render_with_timeout
from clinic.testing import make_patient

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    '<link rel="attachment" href="file:///etc/passwd">',
]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def embedded_files(data: bytes) -> list:
    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    found = []
    if names is not None and "/EmbeddedFiles" in names.get_object():
        found.append("catalog")
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found.append("annotation")
    return found


@pytest.fixture
def roots(app):
    return {"core": Path(app.static_folder)}


def test_fetcher_serves_packaged_assets(roots):
    response = AssetFetcher(roots).fetch(ASSET_BASE + "core/pdf/print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:1/anything",
        "https://example.org/style.css",
        ASSET_BASE + "core/../../../../etc/passwd",
        ASSET_BASE + "core/%2e%2e/%2e%2e/clinic/app.py",
        ASSET_BASE + "nosuchplugin/x.css",
        ASSET_BASE + "core/pdf/missing.css",
    ],
)
def test_fetcher_refuses_everything_else(roots, url):
    with pytest.raises(ValueError):
        AssetFetcher(roots).fetch(url)


def test_fetcher_decodes_data_urls(roots):
    response = AssetFetcher(roots).fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"


def test_file_and_data_attachments_are_stripped(roots):
    html = (
        '<html><head><link rel="attachment" href="file:///etc/passwd">'
        '<link rel="attachment" href="data:text/plain;base64,c2VjcmV0"></head>'
        '<body><p>Body text</p><a rel="attachment" href="data:text/plain,x">file</a></body></html>'
    )
    pdf = html_to_pdf(html, roots)
    assert embedded_files(pdf) == []
    assert b"/EmbeddedFile" not in pdf
    assert "root:" not in pdf_text(pdf)


def test_local_files_cannot_be_pulled_in_as_images(roots):
    pdf = html_to_pdf('<img src="file:///etc/passwd"><p>ok</p>', roots)
    assert "root:" not in pdf_text(pdf)


def test_a_render_that_runs_too_long_is_stopped(roots):
    huge = "<table>" + "<tr><td>cell</td></tr>" * 200_000 + "</table>"
    with pytest.raises(PdfTimeout):
        render_with_timeout(huge, roots, timeout=0.5)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_face_sheet_prints_hostile_names_as_text(signed_in, name):
    client, _user = signed_in("front-desk")
    patient = make_patient(last_name=name, first_name="Eve")
    response = client.get(f"/patients/{patient.id}/face-sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    assert embedded_files(response.data) == []
    text = pdf_text(response.data)
    assert name in text.replace("\n", " ")


def test_every_print_is_audited(signed_in, app):
    client, user = signed_in("therapist")
    patient = make_patient()
    client.get(f"/patients/{patient.id}/face-sheet.pdf")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == "pdf.print")).one()
    assert event.patient_id == patient.id
    assert event.user_id == user.id


# The render worker: one pre-warmed process reused across renders, replaced when it
# fails, never shared with a forked process and never outliving its owner.

SMALL = "<html lang=en><p>Small document</p></html>"
HUGE = "<table>" + "<tr><td>cell</td></tr>" * 200_000 + "</table>"


def idle_worker_pids() -> list[int]:
    from clinic import pdf

    return [w.pid for w in pdf._IDLE]


def gone(pid: int, wait: float = 15.0) -> bool:
    """True once ``pid`` has exited (a zombie nobody reaped counts as exited)."""
    import time

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as status:
                if "\nState:\tZ" in status.read():
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def fresh_workers():
    from clinic.pdf import stop_workers

    stop_workers()
    yield
    stop_workers()


def test_the_render_worker_is_reused_between_renders(roots, fresh_workers):
    first = render_with_timeout(SMALL, roots, timeout=60)
    [pid] = idle_worker_pids()
    second = render_with_timeout(SMALL + "<p>two</p>", roots, timeout=60)
    assert idle_worker_pids() == [pid]
    assert "Small document" in pdf_text(first) and "two" in pdf_text(second)


def test_a_worker_that_runs_too_long_is_killed_and_replaced(roots, fresh_workers):
    render_with_timeout(SMALL, roots, timeout=60)
    [old] = idle_worker_pids()
    with pytest.raises(PdfTimeout):
        render_with_timeout(HUGE, roots, timeout=0.5)
    assert gone(old)
    assert idle_worker_pids() == []
    pdf = render_with_timeout(SMALL, roots, timeout=60)
    assert "Small document" in pdf_text(pdf)
    [new] = idle_worker_pids()
    assert new != old


def test_the_next_render_works_after_the_memory_limit_was_hit(roots, fresh_workers):
    from clinic.pdf import PdfError

    huge = "<table>" + "<tr><td>cell</td><td>another cell</td></tr>" * 50_000 + "</table>"
    with pytest.raises(PdfError, match="more memory"):
        render_with_timeout(huge, roots, timeout=60, memory_mb=8)
    # The worker that ran out is not trusted again (it is gone); a fresh one prints the
    # next page, and the limit is per document: the next one gets the whole allowance.
    assert idle_worker_pids() == []
    pdf = render_with_timeout(SMALL, roots, timeout=60, memory_mb=1024)
    assert "Small document" in pdf_text(pdf)
    assert len(idle_worker_pids()) == 1


def test_a_forked_process_never_uses_its_parents_worker(roots, fresh_workers):
    """A gunicorn worker (or the batch process) forked from a process that already has a
    render worker starts its own, and the parent's keeps serving the parent."""
    import os

    render_with_timeout(SMALL, roots, timeout=60)
    [parent_worker] = idle_worker_pids()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover -- the forked process reports through the pipe
        code = 1
        try:
            inherited = idle_worker_pids()
            pdf = render_with_timeout(SMALL, roots, timeout=60)
            own = idle_worker_pids()
            ok = inherited == [] and own and own[0] != parent_worker and pdf[:4] == b"%PDF"
            os.write(write, b"ok" if ok else repr((inherited, own)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as answer:
        report = answer.read()
    os.waitpid(child, 0)
    assert report == b"ok"
    render_with_timeout(SMALL, roots, timeout=60)
    assert idle_worker_pids() == [parent_worker]


@pytest.mark.parametrize("ending", ["exit", "killed"])
def test_the_render_worker_dies_with_its_owner(app, ending):
    """No orphan: whether the owning process exits or is killed mid-way, its worker goes."""
    import subprocess
    import sys

    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from clinic import pdf\n"
        f"roots = {{'core': Path({app.static_folder!r})}}\n"
        "pdf.render_with_timeout('<p>x</p>', roots, timeout=120)\n"
        "print(pdf._IDLE[0].pid, flush=True)\n"
        "sys.stdin.read()\n"
        "if sys.argv[1] == 'killed':\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, ending],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as owner:
        try:
            worker = int(owner.stdout.readline())
            assert not gone(worker, wait=0.5)
            owner.stdin.close()  # let the owner go on: exit, or be killed
            owner.wait(60)
            assert gone(worker)
        finally:
            owner.kill()


def test_render_many_reports_each_document_in_order(roots, fresh_workers):
    from clinic.pdf import render_many

    seen = []
    results = render_many(
        iter([SMALL, HUGE, SMALL + "<p>third</p>", SMALL]),
        roots,
        timeout=5,
        workers=2,
        on_each=lambda index, result: seen.append((index, type(result).__name__)),
    )
    assert [i for i, _ in seen] == [0, 1, 2, 3]
    assert isinstance(results[1], PdfTimeout)
    assert "third" in pdf_text(results[2])
    assert all(isinstance(results[i], bytes) for i in (0, 2, 3))
    # One warm worker stays for the next print; the one that overran is gone.
    assert len(idle_worker_pids()) == 1


def test_the_worker_does_not_hold_its_parents_pipes_and_sockets(roots, fresh_workers):
    """A long-lived worker must not keep the parent's connections open: e.g. a helper
    process whose stdin the parent closes must still see end-of-file."""
    import os
    import select

    read, write = os.pipe()
    try:
        render_with_timeout(SMALL, roots, timeout=60)  # the worker starts holding both ends
        assert idle_worker_pids()
        os.close(write)
        write = None
        readable, _, _ = select.select([read], [], [], 10)
        assert readable and os.read(read, 1) == b""  # end-of-file: nobody else writes
    finally:
        os.close(read)
        if write is not None:
            os.close(write)


def test_a_worker_killed_from_outside_is_replaced(roots, fresh_workers):
    import os
    import signal

    render_with_timeout(SMALL, roots, timeout=60)
    [old] = idle_worker_pids()
    os.kill(old, signal.SIGKILL)  # e.g. by the kernel's out-of-memory killer
    assert gone(old)
    pdf = render_with_timeout(SMALL, roots, timeout=60)
    assert "Small document" in pdf_text(pdf)
    assert idle_worker_pids() != [old]


def test_a_process_that_rendered_pdfs_exits_cleanly(tmp_path):
    """A CLI run or bench that rendered a PDF ends with exit code 0, not a crash in
    WeasyPrint's font teardown during interpreter shutdown."""
    import subprocess
    import sys

    script = (
        "from pathlib import Path\n"
        "from clinic.pdf import render_with_timeout\n"
        "pdf = render_with_timeout('<p>Exit test</p>', {'core': Path('clinic/static')}, 60)\n"
        "assert pdf.startswith(b'%PDF')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
