"""The one place that turns HTML templates into PDFs.

Plugins pass a template name and context; they never call WeasyPrint themselves.
Rendering is locked down:

* the URL fetcher serves only files from our packaged static folders (addressed as
  ``https://assets.clinic.invalid/<owner>/<path>``) and ``data:`` URLs: no file
  paths, no network, no redirects;
* embedded files (``<link rel="attachment">``, ``<a rel="attachment">``) are
  stripped before the PDF is written;
* each render runs in a separate render worker process with a time limit and a memory
  limit, so a pathological document cannot hold a web worker forever or push the server
  into swap.  The render worker is forked once, pre-warmed, and reused for the next
  documents (forking a large process for every render cost more than our whole budget
  over bare WeasyPrint); it is killed and replaced when a render overruns or fails, it
  belongs to the process that started it (a process forked later starts its own), and
  it exits when that process goes;
* every print is written to the audit log, and the response is never cached.

Callers may ask for a few output options (:data:`PDF_OPTIONS`): ``pdf_variant``
(``"pdf/ua-1"`` gives a tagged, accessible PDF) and ``pdf_tags``.  Nothing else reaches
WeasyPrint, so no caller can switch the fetcher, attachments or time limit off.

The shared stylesheet ``pdf/print.css`` (the letterhead and page frame of
``templates/pdf/base.html``) is parsed once per process with one shared font
configuration, so a render spends its time on the document, not on the frame.
"""

from __future__ import annotations

import atexit
import base64
import gc
import mimetypes
import os
import re
import threading
import weakref
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_BASE = "https://assets.clinic.invalid/"
_DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+/-]*)(?P<params>(;[\w.+-]+=[\w.+-]+)*)"
    r"(?P<b64>;base64)?,(?P<data>.*)$",
    re.S,
)


# The only write options a caller may set; values are checked against these too.
PDF_OPTIONS = {"pdf_variant": {None, "pdf/ua-1", "pdf/ua-2"}, "pdf_tags": {None, True, False}}
CORE_CSS = Path(__file__).parent / "static" / "pdf" / "print.css"
_SHARED: dict[str, object] = {}
_WARM_UP = (
    "<html lang=en><h1>Warm-up</h1><h2>Fonts</h2><p>Regular <b>bold</b> <i>italic</i> "
    "<strong>strong</strong> 0123456789 áéíóúñ ¿¡ · — °</p><table><tr><th>a</th><td>b</td>"
    "</tr></table><ul><li>item</li></ul></html>"
)


class PdfError(RuntimeError):
    pass


class PdfTimeout(PdfError):
    pass


def _timed_out(seconds: float) -> PdfTimeout:
    return PdfTimeout(f"the PDF took longer than {seconds:g} s to render")


class AssetFetcher(URLFetcher):
    """Serves packaged assets and ``data:`` URLs; refuses everything else."""

    def __init__(self, asset_roots: dict[str, Path]):
        super().__init__(allowed_protocols=("data", "https"), allow_redirects=False)
        self.asset_roots = {name: root.resolve() for name, root in asset_roots.items()}

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return self._data(url)
        if not url.startswith(ASSET_BASE):
            raise ValueError(f"refused to fetch {url!r}: only packaged assets may be used")
        parts = urlsplit(url)
        owner, _, rel = unquote(parts.path).lstrip("/").partition("/")
        root = self.asset_roots.get(owner)
        if root is None or not rel:
            raise ValueError(f"refused to fetch {url!r}: unknown asset folder")
        path = (root / rel).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise ValueError(f"refused to fetch {url!r}: not a packaged asset")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        match = _DATA_URL.match(url)
        if match is None:
            raise ValueError("malformed data: URL")
        raw = match["data"]
        body = base64.b64decode(raw) if match["b64"] else unquote(raw).encode()
        return URLFetcherResponse(url, body, {"Content-Type": match["type"] or "text/plain"})


def asset_roots(app: Flask) -> dict[str, Path]:
    roots = {"core": Path(app.static_folder)}
    for name, blueprint in app.blueprints.items():
        if blueprint.static_folder:
            roots[name] = Path(blueprint.static_folder)
    return roots


def checked_options(options: dict | None) -> dict:
    """The caller's write options, refusing any name or value not in :data:`PDF_OPTIONS`."""
    options = dict(options or {})
    for name, value in options.items():
        if name not in PDF_OPTIONS or value not in PDF_OPTIONS[name]:
            raise ValueError(f"unsupported PDF option {name}={value!r}")
    return {k: v for k, v in options.items() if v is not None}


def shared_resources() -> tuple[FontConfiguration, CSS]:
    """One font configuration and the parsed core stylesheet for this process.

    Made in the parent before any fork, so every render worker (also one started to
    replace a failed one) inherits them instead of scanning fonts and parsing the frame
    again.
    """
    if "css" not in _SHARED:
        fonts = FontConfiguration()
        css = CSS(string=CORE_CSS.read_text(), font_config=fonts)
        # One throw-away render loads the fonts and text-shaping caches here, in the
        # parent, so each forked worker starts warm instead of loading them again.
        # Writing it as tagged PDF/UA also loads the lazily imported writer modules.
        HTML(string=_WARM_UP, base_url=ASSET_BASE + "core/").render(
            stylesheets=[css], font_config=fonts
        ).write_pdf(pdf_variant="pdf/ua-1")
        _SHARED["fonts"], _SHARED["css"] = fonts, css
    return _SHARED["fonts"], _SHARED["css"]  # type: ignore[return-value]


def html_to_pdf(html: str, roots: dict[str, Path], options: dict | None = None) -> bytes:
    """Render without any time limit (used inside the render worker and by tests)."""
    options = checked_options(options)
    fonts, core_css = shared_resources()
    document = HTML(
        string=html, base_url=ASSET_BASE + "core/", url_fetcher=AssetFetcher(roots)
    ).render(stylesheets=[core_css], font_config=fonts)
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf(attachments=None, **options)


def _limit_memory(extra_mb: int | None) -> None:
    """Let this (worker) process grow by at most ``extra_mb`` beyond its size now.

    A hostile or runaway document then fails with MemoryError in the worker instead of
    pushing the server into swap.  The limit is relative because a forked worker starts
    with the parent's whole address space; the worker sets it again before each render,
    so every document gets the same allowance whatever earlier ones left behind.
    """
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if not extra_mb:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        return
    limit = _address_space() + extra_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _address_space() -> int:
    import resource

    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


# A render worker is replaced after this many documents, or once its address space has
# grown by this much since it started (fragmented heaps only grow), so a long-lived
# worker never drifts far from its warm size.
WORKER_MAX_RENDERS = 200
WORKER_MAX_GROWTH_MB = 256
# How often a worker checks that the process that started it is still alive.
WATCHDOG_SECONDS = 0.5


class _Worker:
    """One pre-warmed render process, forked from (and owned by) the current process.

    It renders documents one at a time, sent over a pipe, for as long as it is healthy.
    The parent enforces the time limit by killing it; it dies with its parent (pipe
    closed or parent gone, checked by a watchdog thread) and never touches the
    parent's database connections or other inherited resources (it leaves with
    ``os._exit``).
    """

    def __init__(self) -> None:
        from multiprocessing import Pipe

        shared_resources()  # warm here, once, so every worker forked later starts warm
        parent_conn, child_conn = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # pragma: no cover -- runs in the worker; covered by behaviour tests
            code = 1
            try:
                parent_conn.close()
                _drop_inherited(keep=child_conn.fileno())
                _serve(child_conn)
                code = 0
            finally:
                os._exit(code)
        child_conn.close()
        _OWNED.add(self)
        self.pid = pid
        self.owner = os.getpid()
        self.conn = parent_conn
        self.renders = 0

    def alive(self) -> bool:
        if self.pid is None or self.owner != os.getpid():
            return False
        try:
            done, _status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            done = self.pid
        if done:
            self.pid = None
            self.conn.close()
        elif self._dying():
            self.stop()  # kill (already done) and reap once its last thread has gone
        return self.pid is not None

    def _dying(self) -> bool:
        """Killed but not yet reapable: a killed worker's main thread turns zombie while
        its watchdog thread is still being torn down, and until then ``waitpid`` says
        it is running.  An idle worker never writes, so a readable pipe means it closed."""
        try:
            if self.conn.poll(0):
                return True
        except OSError:
            return True
        try:
            with open(f"/proc/{self.pid}/status") as status:
                return "\nState:\tZ" in status.read()
        except OSError:
            return False

    def stop(self) -> None:
        """Kill and reap the worker (it may be mid-render: that is what a timeout needs)."""
        import signal

        if self.pid is None or self.owner != os.getpid():
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.pid = None
        self.conn.close()

    def send(self, html: str, roots: dict[str, Path], options: dict, memory_mb) -> None:
        self.renders += 1
        self.conn.send((html, roots, options, memory_mb))

    def receive(self, memory_mb) -> bytes:
        """The rendered bytes of the document sent last (the caller has polled)."""
        try:
            status, payload, retire = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.stop()
            # Under the memory limit the native libraries (cairo, pango, harfbuzz) often
            # abort or crash instead of raising MemoryError: the worker then dies without
            # a word, and running out of memory is by far the likeliest reason.
            if memory_mb:
                raise PdfError(
                    "the PDF renderer stopped, most likely because the document needed "
                    "more memory than a PDF may use"
                ) from exc
            raise PdfError("the PDF renderer stopped unexpectedly") from exc
        if retire or self.renders >= WORKER_MAX_RENDERS:
            self.stop()
        if status != "ok":
            raise PdfError(f"the PDF could not be rendered: {payload}")
        return payload


def _drop_inherited(keep: int) -> None:
    """Let go of the parent's pipes and sockets (its listening socket, clients'
    connections, database connections, a subprocess's stdin...).

    A worker lives long: holding copies of them would keep connections open after the
    parent closed them and keep a child process from ever seeing end-of-file.  Each is
    pointed at /dev/null rather than closed, so no stale Python object inherited from
    the parent can ever close an unrelated file that reuses the number.  Regular files
    (fonts, for instance) are left alone.
    """
    import stat

    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd <= 2 or fd in (keep, null):
                continue
            try:
                mode = os.fstat(fd).st_mode
            except OSError:
                continue
            if stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode):
                os.dup2(null, fd)
    finally:
        os.close(null)


def _serve(conn) -> None:
    """The worker's loop: render each document received, until the pipe closes."""
    import signal
    import time

    parent = os.getppid()
    # Ctrl-C in a terminal reaches the whole process group; the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watchdog() -> None:
        # The pipe's end-of-file already stops an idle worker when its parent exits;
        # this also stops one that is busy, or whose pipe a sibling process keeps open.
        while True:
            time.sleep(WATCHDOG_SECONDS)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    # Everything inherited from the parent (the whole web app) lives as long as this
    # worker: keep the garbage collector from walking it again at every full
    # collection (and from touching, hence copying, the parent's shared pages).
    gc.freeze()
    baseline = _address_space()
    while True:
        try:
            html, roots, options, memory_mb = conn.recv()
        except (EOFError, OSError):
            return
        retire = False
        try:
            _limit_memory(memory_mb)
            reply = ("ok", html_to_pdf(html, roots, options))
        except MemoryError:
            reply, retire = ("error", "it needed more memory than a PDF may use"), True
        except Exception as exc:  # noqa: BLE001 -- report any failure to the parent
            reply = ("error", repr(exc))
        finally:
            _limit_memory(None)
        del html
        grown = _address_space() - baseline
        retire = retire or grown > WORKER_MAX_GROWTH_MB * 1024 * 1024
        conn.send((*reply, retire))
        if retire:
            return


_IDLE: list[_Worker] = []
_OWNED: weakref.WeakSet[_Worker] = weakref.WeakSet()  # idle or busy, for _forget_workers
_IDLE_LOCK = threading.Lock()
# Workers kept waiting between renders: one is enough for the web (a sync worker renders
# one document at a time); a batch starts more for its run and returns them.
KEEP_IDLE = 1


def _forget_workers() -> None:
    """In a freshly forked process: the workers belong to the parent, not to us.

    Close our copies of their pipes (so they still see end-of-file when their owner
    exits) and start our own when needed; never signal or wait for them.
    """
    global _IDLE_LOCK
    for worker in list(_OWNED):
        try:
            worker.conn.close()
        except OSError:
            pass
        worker.pid = None
    _OWNED.clear()
    _IDLE.clear()
    _IDLE_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_workers)


@atexit.register
def _release_at_exit() -> None:
    """Stop our render workers and drop the font configuration before Python shuts down.

    Left to the interpreter's final teardown, WeasyPrint's font configuration (Pango,
    fontconfig) can be destroyed after what it depends on, and the process crashes on
    its way out (seen as a segmentation fault when a bench or CLI run ends).
    """
    stop_workers()
    _SHARED.clear()
    gc.collect()


def _take_worker() -> _Worker:
    with _IDLE_LOCK:
        while _IDLE:
            worker = _IDLE.pop()
            if worker.alive():
                return worker
    return _Worker()


def _give_back(worker: _Worker) -> None:
    if not worker.alive():
        return
    with _IDLE_LOCK:
        if len(_IDLE) < KEEP_IDLE:
            _IDLE.append(worker)
            return
    worker.stop()


def stop_workers() -> None:
    """Stop this process's idle render workers (tests; a clean shutdown)."""
    with _IDLE_LOCK:
        workers = list(_IDLE)
        _IDLE.clear()
    for worker in workers:
        worker.stop()


def render_with_timeout(
    html: str,
    roots: dict[str, Path],
    timeout: float,
    options: dict | None = None,
    memory_mb: int | None = None,
) -> bytes:
    """Render in a pre-warmed worker process within ``timeout`` seconds and, when
    ``memory_mb`` is given, at most that much memory beyond the worker's size.

    A worker that runs over its time is killed (and replaced for the next document), so
    a failed render raises :class:`PdfError`/:class:`PdfTimeout`, never returns half a file.
    """
    options = checked_options(options)
    worker = _take_worker()
    try:
        try:
            worker.send(html, roots, options, memory_mb)
        except OSError:
            # An idle worker that died since it was last checked (killed from outside):
            # nothing was rendered yet, so the document goes to a fresh one.
            worker.stop()
            worker = _Worker()
            worker.send(html, roots, options, memory_mb)
        if not worker.conn.poll(timeout):
            worker.stop()
            raise _timed_out(timeout)
        return worker.receive(memory_mb)
    except (BrokenPipeError, ConnectionResetError) as exc:
        worker.stop()
        raise PdfError("the PDF renderer stopped unexpectedly") from exc
    finally:
        _give_back(worker)


def render_pdf_html(template: str, **context) -> str:
    """The final HTML of a printed document: the template plus the frame's context.

    ``clinic`` (letterhead details, logo, paper size), ``printed_on`` (today's date)
    and ``printed_by`` (the signed-in user's name) are filled in unless given.  The
    result depends only on its inputs, so callers may hash it as a cache key.
    """
    from flask_login import current_user

    from clinic.clock import clinic_today
    from clinic.settings import clinic_details

    context.setdefault("clinic", clinic_details())
    context.setdefault("printed_on", clinic_today().isoformat())
    if "printed_by" not in context:
        user = current_user if current_user and current_user.is_authenticated else None
        context["printed_by"] = user.display_name if user is not None else ""
    return render_template(template, **context)


def render_html(html: str, *, pdf_options: dict | None = None) -> bytes:
    """Render final HTML (from :func:`render_pdf_html`) safely, with the time limit."""
    from clinic.extensions import db

    # Everything the document needs is now in ``html``.  End the transaction so a slow
    # render never holds a database lock (SQLite serialises writers) while it runs.
    db.session.commit()
    return render_with_timeout(
        html,
        asset_roots(current_app),
        current_app.config["CLINIC_PDF_TIMEOUT_SECONDS"],
        pdf_options,
        current_app.config.get("CLINIC_PDF_MEMORY_MB"),
    )


def render_pdf(template: str, *, pdf_options: dict | None = None, **context) -> bytes:
    return render_html(render_pdf_html(template, **context), pdf_options=pdf_options)


def pdf_bytes_response(pdf: bytes, filename: str, *, download: bool = False) -> Response:
    """An uncached PDF response with a file name safe for the header."""
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:100] or "document.pdf"
    disposition = "attachment" if download else "inline"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
            "Cache-Control": "no-store, private",
            "Pragma": "no-cache",
        },
    )


def pdf_response(
    template: str,
    *,
    filename: str,
    patient_id: int | None,
    object_type: str,
    object_id,
    pdf_options: dict | None = None,
    **context,
) -> Response:
    """Render, audit the print, and return an uncached inline PDF response."""
    from clinic.audit.service import record
    from clinic.extensions import db

    pdf = render_pdf(template, pdf_options=pdf_options, **context)
    record(
        "pdf.print",
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        detail={"template": template, "bytes": len(pdf)},
    )
    db.session.commit()
    return pdf_bytes_response(pdf, filename)


def render_many(
    htmls,
    roots: dict[str, Path],
    *,
    timeout: float,
    workers: int = 2,
    pdf_options: dict | None = None,
    on_each=None,
    memory_mb: int | None = None,
) -> list[bytes | PdfError]:
    """Render several documents on ``workers`` worker processes, each within ``timeout``.

    Meant for background jobs, never a web request.  ``htmls`` may be a generator: it is
    read one document ahead, so the next document is being built here while the
    workers render.  ``on_each(index, result)`` is called in input order as results
    arrive (for progress); a failed document gives a :class:`PdfError` in its place
    instead of stopping the others.  A worker that overruns is killed and replaced.
    """
    import time
    from multiprocessing.connection import wait

    options = checked_options(pdf_options)
    source = enumerate(htmls)
    ahead = next(source, None)
    results: dict[int, bytes | PdfError] = {}
    emitted = 0
    busy: dict[object, tuple[_Worker, int, float]] = {}  # conn -> (worker, index, deadline)
    # A slot is a worker, or None until a document needs one.
    idle: list[_Worker | None] = [None] * max(1, workers)

    def finish(index: int, result: bytes | PdfError) -> None:
        nonlocal emitted
        results[index] = result
        while emitted in results:
            if on_each is not None:
                on_each(emitted, results[emitted])
            emitted += 1

    try:
        while ahead is not None or busy:
            while ahead is not None and idle:
                worker = idle.pop()
                if worker is None or not worker.alive():
                    worker = _take_worker()
                index, html = ahead
                try:
                    worker.send(html, roots, options, memory_mb)
                except OSError:  # a broken or reset pipe: the worker is gone
                    worker.stop()
                    idle.append(None)
                    continue
                busy[worker.conn] = (worker, index, time.monotonic() + timeout)
                # Build the next document while the workers render this one.
                ahead = next(source, None)
            if not busy:
                continue
            soonest = min(deadline for _w, _i, deadline in busy.values())
            ready = wait(list(busy), max(0.0, soonest - time.monotonic()))
            now = time.monotonic()
            for conn in ready:
                worker, index, _deadline = busy.pop(conn)
                try:
                    result: bytes | PdfError = worker.receive(memory_mb)
                except PdfError as exc:
                    result = exc
                idle.append(worker)
                finish(index, result)
            for conn, (worker, index, deadline) in list(busy.items()):
                if deadline <= now and conn not in ready:
                    del busy[conn]
                    worker.stop()
                    idle.append(None)
                    finish(index, _timed_out(timeout))
    finally:
        for worker, _index, _deadline in busy.values():
            worker.stop()
        for worker in idle:
            if worker is not None:
                _give_back(worker)
    return [results[i] for i in range(len(results))]


def join_pdfs(parts: list[bytes]) -> bytes:
    """One PDF holding the pages of ``parts`` in order (for printing a batch at once)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part), import_outline=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
