"""The one place that turns HTML templates into PDFs.

Plugins pass a template name and context; they never call WeasyPrint themselves.
Rendering is locked down:

* the URL fetcher serves only files from our packaged static folders (addressed as
  ``https://assets.clinic.invalid/<owner>/<path>``) and ``data:`` URLs: no file
  paths, no network, no redirects;
* embedded files (``<link rel="attachment">``, ``<a rel="attachment">``) are
  stripped before the PDF is written;
* each render runs in a forked child with a time limit and a memory limit, so a
  pathological document cannot hold a worker forever or push the server into swap;
* every print is written to the audit log, and the response is never cached.

Callers may ask for a few output options (:data:`PDF_OPTIONS`): ``pdf_variant``
(``"pdf/ua-1"`` gives a tagged, accessible PDF) and ``pdf_tags``.  Nothing else reaches
WeasyPrint, so no caller can switch the fetcher, attachments or time limit off.

The shared stylesheet ``pdf/print.css`` (the letterhead and page frame of
``templates/pdf/base.html``) is parsed once per process with one shared font
configuration, so a render spends its time on the document, not on the frame.
"""

from __future__ import annotations

import base64
import mimetypes
import multiprocessing
import re
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

    Made in the parent before any fork, so every render child (and every batch worker)
    inherits them instead of scanning fonts and parsing the frame again.
    """
    if "css" not in _SHARED:
        fonts = FontConfiguration()
        css = CSS(string=CORE_CSS.read_text(), font_config=fonts)
        # One throw-away render loads the fonts and text-shaping caches here, in the
        # parent, so each forked child starts warm instead of loading them again.
        # Writing it as tagged PDF/UA also loads the lazily imported writer modules.
        HTML(string=_WARM_UP, base_url=ASSET_BASE + "core/").render(
            stylesheets=[css], font_config=fonts
        ).write_pdf(pdf_variant="pdf/ua-1")
        _SHARED["fonts"], _SHARED["css"] = fonts, css
    return _SHARED["fonts"], _SHARED["css"]  # type: ignore[return-value]


def html_to_pdf(html: str, roots: dict[str, Path], options: dict | None = None) -> bytes:
    """Render without any time limit (used inside the child process and by tests)."""
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
    """Let this (child) process grow by at most ``extra_mb`` beyond its size now.

    A hostile or runaway document then fails with MemoryError in the child instead of
    pushing the server into swap.  The limit is relative because a forked child starts
    with the parent's whole address space.
    """
    if not extra_mb:
        return
    import resource

    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[0]) * resource.getpagesize()
    limit = current + extra_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(
    conn, html: str, roots: dict[str, Path], options: dict | None = None, memory_mb=None
) -> None:
    try:
        _limit_memory(memory_mb)
        conn.send(("ok", html_to_pdf(html, roots, options)))
    except MemoryError:
        conn.send(("error", "it needed more memory than a PDF may use"))
    except Exception as exc:  # noqa: BLE001 -- report any failure to the parent
        conn.send(("error", repr(exc)))
    finally:
        conn.close()


def render_with_timeout(
    html: str,
    roots: dict[str, Path],
    timeout: float,
    options: dict | None = None,
    memory_mb: int | None = None,
) -> bytes:
    options = checked_options(options)
    shared_resources()
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, html, roots, options, memory_mb), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            process.kill()
            raise PdfTimeout(f"the PDF took longer than {timeout:g} s to render")
        status, payload = parent.recv()
    except EOFError as exc:
        process.join(5)
        # Under the memory limit the native libraries (cairo, pango, harfbuzz) often
        # abort or crash instead of raising MemoryError: the child then dies without
        # a word, and running out of memory is by far the likeliest reason.
        if memory_mb and process.exitcode not in (0, None):
            raise PdfError(
                "the PDF renderer stopped, most likely because the document needed more "
                "memory than a PDF may use"
            ) from exc
        raise PdfError("the PDF renderer stopped unexpectedly") from exc
    finally:
        parent.close()
        process.join(5)
    if status != "ok":
        raise PdfError(f"the PDF could not be rendered: {payload}")
    return payload


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


def _batch_worker(args: tuple[str, dict[str, Path], dict]) -> bytes:
    html, roots, options = args
    return html_to_pdf(html, roots, options)


def render_many(
    htmls,
    roots: dict[str, Path],
    *,
    timeout: float,
    workers: int = 2,
    pdf_options: dict | None = None,
    on_each=None,
) -> list[bytes | PdfError]:
    """Render several documents on ``workers`` processes, each within ``timeout``.

    Meant for background jobs, never a web request.  ``htmls`` may be a generator: each
    document goes to a worker as soon as it is produced.  ``on_each(index, result)`` is
    called in input order as results arrive (for progress); a failed document gives a
    :class:`PdfError` in its place instead of stopping the others.
    """
    import time

    options = checked_options(pdf_options)
    shared_resources()
    ctx = multiprocessing.get_context("fork")
    results: list[bytes | PdfError] = []
    pool = ctx.Pool(max(1, workers))
    try:
        pending = [pool.apply_async(_batch_worker, ((h, roots, options),)) for h in htmls]
        started = time.monotonic()
        for index, job in enumerate(pending):
            # Each document has its own limit, counted from when it could have started.
            remaining = timeout * (1 + index // max(1, workers)) - (time.monotonic() - started)
            try:
                result: bytes | PdfError = job.get(max(remaining, 0.1))
            except multiprocessing.TimeoutError:
                result = PdfTimeout(f"the PDF took longer than {timeout:g} s to render")
            except Exception as exc:  # noqa: BLE001 -- one bad document must not stop the rest
                result = PdfError(f"the PDF could not be rendered: {exc!r}")
            results.append(result)
            if on_each is not None:
                on_each(index, result)
    finally:
        pool.terminate()
        pool.join()
    return results


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
