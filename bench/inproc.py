"""Figures measured inside one process: SQL statements per page, and PDF overhead."""

from __future__ import annotations

import re
import secrets
import statistics
import time
from contextlib import contextmanager

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event


def make_cookies(app, user_id: int, count: int) -> list[tuple[str, str]]:
    """``count`` fresh server-side sessions for ``user_id``: (Cookie header, CSRF token).

    The cookie is signed exactly as the app signs its own; the session row is the
    one a real sign-in creates.
    """
    from clinic.auth.models import StaffSession, token_digest
    from clinic.extensions import db

    made = []
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        for _ in range(count):
            token = StaffSession.new_token()
            db.session.add(StaffSession(token_hash=token_digest(token), user_id=user_id))
            raw = secrets.token_hex(20)
            value = serializer.dumps(
                {"_user_id": token, "_fresh": True, "csrf_token": raw, "_permanent": True}
            )
            made.append((f"{app.config['SESSION_COOKIE_NAME']}={value}", csrf.dumps(raw)))
        db.session.commit()
    return made


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def pages_for(named: dict) -> dict[str, str]:
    p, plan, note = named["patient"], named["plan"], named["note"]
    return {
        "chart": f"/patients/{p}",
        "intake: patient page": f"/intake/patients/{p}/",
        "intake: findings": f"/intake/patients/{p}/findings",
        "treatment: sessions": f"/treatment/patients/{p}/sessions",
        "treatment: plan": f"/treatment/patients/{p}/plans/{plan}",
        "treatment: note": f"/treatment/patients/{p}/notes/{note}",
        "treatment: progress": f"/treatment/patients/{p}/plans/{plan}/progress",
    }


def statement_counts(app, cookie: str, small: dict, large: dict, user_id: int) -> list[dict]:
    """Statements each page and each chart panel runs for a small and a large history."""
    from flask_login import login_user

    from clinic.auth.models import User
    from clinic.extensions import db
    from clinic.patients.models import Patient

    name, _, value = cookie.partition("=")
    rows = []
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    client.set_cookie(name, value)
    # Warm every page first: caches that legitimately persist for the process
    # (templates, settings, the audit log's sealing state) fill on the first requests.
    for named in (small, large):
        for url in pages_for(named).values():
            client.get(url)
    # Pages are counted as drawn: a chart kept from an earlier view
    # (clinic.chartcache) would hide what drawing it costs.  The kept chart is
    # counted on its own row below.
    chart_cache = app.extensions["clinic_chart_cache"]
    entries, chart_cache.entries = chart_cache.entries, 0
    try:
        rows += _page_counts(client, engine, small, large)
    finally:
        chart_cache.entries = entries
    kept = []
    for named in (small, large):
        url = pages_for(named)["chart"]
        client.get(url)  # drawn and kept
        runs = []
        for _ in range(2):
            with counting(engine) as statements:
                assert client.get(url).status_code == 200
            runs.append(len(statements))
        kept.append(min(runs))
    rows.append({"page": "chart, kept from an earlier view", "small": kept[0], "large": kept[1]})
    # Each chart panel on its own, rendered as the chart renders it.
    with app.test_request_context():
        therapist = db.session.get(User, user_id)
        login_user(therapist)
        registry = app.extensions["clinic"]
        per_panel: dict[str, list[int]] = {}
        for named in (small, large):
            patient = db.session.get(Patient, named["patient"])
            for panel in registry.chart_panels(patient, therapist):
                panel.render()  # warm-up
                with counting(engine) as statements:
                    panel.render()
                per_panel.setdefault(panel.id, []).append(len(statements))
        for panel_id, (s, l_) in per_panel.items():
            rows.append({"page": f"panel: {panel_id}", "small": s, "large": l_})
        db.session.rollback()
    return rows


def _page_counts(client, engine, small: dict, large: dict) -> list[dict]:
    """Statements each page runs for the small and the large history."""
    rows = []
    for page in pages_for(small):
        counts = []
        for named in (small, large):
            url = pages_for(named)[page]
            runs = []
            # The fewest of two runs: periodic work (the staff session's last-seen touch
            # every 20 s, a sealing round of the audit log) must not count as the page's.
            for _ in range(2):
                with counting(engine) as statements:
                    response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                runs.append(len(statements))
            counts.append(min(runs))
        rows.append({"page": page, "small": counts[0], "large": counts[1]})
    return rows


_LINK = re.compile(r'<link rel="stylesheet" href="(https://assets\.clinic\.invalid/[^"]+)">')


def pdf_overhead(app, cookie: str, paths: dict[str, str], base_url: str, repeat: int = 11):
    """Median seconds through the running app vs bare WeasyPrint on the same final HTML.

    The final HTML is captured in-process by rendering the same URL with the PDF step
    intercepted; the bare render gets the stylesheet pre-parsed once.
    """
    import urllib.request

    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    import clinic.pdf as pdf

    name, _, value = cookie.partition("=")
    client = app.test_client()
    client.set_cookie(name, value)
    captured: dict[str, str] = {}
    real = pdf.render_with_timeout
    results = {}
    for label, path in paths.items():

        def capture(html, *_args, label=label, **_kwargs):
            captured[label] = html
            return b"%PDF-1.7 captured"

        pdf.render_with_timeout = capture
        try:
            assert client.get(path).status_code == 200
        finally:
            pdf.render_with_timeout = real
        html = captured[label]
        roots = pdf.asset_roots(app)
        fetcher = pdf.AssetFetcher(roots)
        fonts = FontConfiguration()
        # The page frame's stylesheet is given by the PDF service, not linked in the HTML.
        sheets = [CSS(string=pdf.CORE_CSS.read_text(), font_config=fonts)] + [
            CSS(url=href, url_fetcher=fetcher, font_config=fonts) for href in _LINK.findall(html)
        ]
        bare_html = _LINK.sub("", html)

        def bare(bare_html=bare_html, sheets=sheets, fetcher=fetcher, fonts=fonts):
            HTML(string=bare_html, base_url=pdf.ASSET_BASE + "core/", url_fetcher=fetcher).render(
                stylesheets=sheets, font_config=fonts
            ).write_pdf()

        def through_app(path=path):
            request = urllib.request.Request(base_url + path, headers={"Cookie": cookie})  # noqa: S310 -- loopback
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 -- loopback
                body = response.read()
            assert body.startswith(b"%PDF")

        app_times, bare_times = [], []
        # Same warm state on both sides: the app runs two gunicorn workers, each with its
        # own render worker started on its first PDF, so warm both (bare warms once).
        for _ in range(4):
            through_app()
        bare()
        for _ in range(repeat):  # interleaved, so both see the same machine load
            app_times.append(_timed(through_app))
            bare_times.append(_timed(bare))
        app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
        results[label] = {
            "app_ms": round(app_median * 1000, 1),
            "bare_ms": round(bare_median * 1000, 1),
            "ratio": round(app_median / bare_median, 2),
        }
    return results


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
