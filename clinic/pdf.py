"""The one place that turns HTML templates into PDFs.

Plugins pass a template name and context; they never call WeasyPrint themselves.
Rendering is locked down:

* the URL fetcher serves only files from our packaged static folders (addressed as
  ``https://assets.clinic.invalid/<owner>/<path>``) and ``data:`` URLs: no file
  paths, no network, no redirects;
* embedded files (``<link rel="attachment">``, ``<a rel="attachment">``) are
  stripped before the PDF is written;
* each render runs in a forked child with a time limit, so a pathological document
  cannot hold a worker forever;
* every print is written to the audit log, and the response is never cached.
"""

from __future__ import annotations

import base64
import mimetypes
import multiprocessing
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, render_template
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_BASE = "https://assets.clinic.invalid/"
_DATA_URL = re.compile(
    r"^data:(?P<type>[\w.+/-]*)(?P<params>(;[\w.+-]+=[\w.+-]+)*)"
    r"(?P<b64>;base64)?,(?P<data>.*)$",
    re.S,
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


_font_config: FontConfiguration | None = None


def font_config() -> FontConfiguration:
    """One font configuration per worker process, made before the first render.

    Setting up fontconfig costs more than laying out a one-page document.  It is
    made in the worker and inherited by each forked render child, which only reads
    it (a child's changes die with the child), so no state passes between renders.
    """
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


_warmed = False


_WARM_UP = (
    '<!doctype html><html><head><link rel="stylesheet" href="pdf/print.css"></head><body>'
    "<h1>Clinic</h1><h2>Patient</h2><p><strong>Name</strong> <em>note</em> <small>1</small></p>"
    "<table><thead><tr><th>Date</th><th>Value</th></tr></thead>"
    "<tbody><tr><td>2026-01-01</td><td>4</td></tr></tbody></table></body></html>"
)


def warm_renderer(roots: dict[str, Path]) -> None:
    """Lay out one constant, data-free page in the worker, once.

    Pango, HarfBuzz and WeasyPrint fill caches (fonts found, shaped glyphs, the
    default style sheets) on first use.  Filled in the worker before it forks, every
    render child starts with them warm instead of paying for them on every print: a
    face sheet went from ~1.8 s to ~0.3 s through the app on a busy machine.
    """
    global _warmed
    if not _warmed:
        HTML(
            string=_WARM_UP, base_url=ASSET_BASE + "core/", url_fetcher=AssetFetcher(roots)
        ).render(font_config=font_config()).write_pdf()
        _warmed = True


def html_to_pdf(html: str, roots: dict[str, Path]) -> bytes:
    """Render without any time limit (used inside the child process and by tests)."""
    document = HTML(
        string=html, base_url=ASSET_BASE + "core/", url_fetcher=AssetFetcher(roots)
    ).render(font_config=font_config())
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    return document.write_pdf(attachments=None)


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


def _child(conn, html: str, roots: dict[str, Path], memory_mb: int | None = None) -> None:
    try:
        _limit_memory(memory_mb)
        conn.send(("ok", html_to_pdf(html, roots)))
    except MemoryError:
        conn.send(("error", "it needed more memory than a PDF may use"))
    except Exception as exc:  # noqa: BLE001 -- report any failure to the parent
        conn.send(("error", repr(exc)))
    finally:
        conn.close()


def render_with_timeout(
    html: str, roots: dict[str, Path], timeout: float, memory_mb: int | None = None
) -> bytes:
    warm_renderer(roots)  # done here, before the fork, so every child inherits it
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, html, roots, memory_mb), daemon=True)
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


def render_pdf(template: str, **context) -> bytes:
    from clinic.extensions import db
    from clinic.settings import clinic_details

    context.setdefault("clinic", clinic_details())
    html = render_template(template, **context)
    # Everything the document needs is now in ``html``.  End the transaction so a slow
    # render never holds a database lock (SQLite serialises writers) while it runs.
    db.session.commit()
    return render_with_timeout(
        html,
        asset_roots(current_app),
        current_app.config["CLINIC_PDF_TIMEOUT_SECONDS"],
        current_app.config.get("CLINIC_PDF_MEMORY_MB"),
    )


def pdf_response(
    template: str, *, filename: str, patient_id: int | None, object_type: str, object_id, **context
) -> Response:
    """Render, audit the print, and return an uncached inline PDF response."""
    from clinic.audit.service import record
    from clinic.extensions import db

    pdf = render_pdf(template, **context)
    record(
        "pdf.print",
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        detail={"template": template, "bytes": len(pdf)},
    )
    db.session.commit()
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:100] or "document.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{safe_name}"',
            "Cache-Control": "no-store, private",
            "Pragma": "no-cache",
        },
    )
