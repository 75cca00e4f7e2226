"""Speed of personalised handouts (issue #10, point 9).

``measure()`` builds a throw-away clinic (SQLite in a temporary folder), then times:

* ``app_seconds``: a typical two-page personalised handout, end to end through the app
  (POST to the print form: data gathering, templating, the safe fetcher in the
  render worker with its time limit, caching and auditing), against ``bare_seconds``:
  bare WeasyPrint rendering the same final HTML (same tagged PDF/UA output) in this
  process with a pre-parsed stylesheet and a shared font configuration, the two
  interleaved round by round.  Target ``app_vs_bare`` <= 1.25.
* ``reprint_seconds``: the same PDF opened again from the chart (a printer jam),
  served from the cache of rendered bytes.  Target ``reprint_vs_render`` < 0.1.
  ``resubmit_seconds`` is the print form sent again with the same inputs (templating
  again, then the same cache key).
* ``batch_seconds``: "Today's handouts" for 50 patients (the background job, run
  inline, joined into one file) against ``sequential_seconds``: the very documents the
  job rendered (kept as it built them: three preselected handouts each) rendered one
  after the other through the core's guarded renderer, with the same (untagged, for
  paper) options.  Target ``batch_speedup`` >= 1.6.  The CPU figures show the work
  each side did and how much of the machine it got (see ``_cpu``).

Each timing is the median of a few runs.  Run with ``python -m bench.handouts``.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

ROUNDS = 5
BATCH = 50
INSTRUCTIONS = (
    "Walk for ten minutes twice a day, on flat ground.\n"
    "Heat on the lower back for 15 minutes in the evening, wrapped in a towel.\n"
    "Gentle knee-to-chest stretch, five times each side, morning and night."
)


def _cpu() -> float:
    """CPU seconds used so far by this process and its children that have exited."""
    import resource

    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _median(fn, rounds: int = ROUNDS) -> float:
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class _Session:
    """Stands in for the treatment plugin's session summary, so the bench measures the
    handouts plugin and the PDF service, not another plugin's queries."""

    def __init__(self, seen):
        self.seen = seen

    def handout_sections(self, patient, context):
        from clinic.api import HandoutSection

        if context.get("purpose") != "print":
            return []
        return [
            HandoutSection(
                "bench.session",
                "Your session today",
                "handouts/tests_section.html",
                context={"modalities_keys": ["hot_pack"], "therapist": "Bench Therapist"},
                order=5,
            )
        ]

    def patients_seen(self, on_date):
        return list(self.seen)


def measure() -> dict:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from clinic import create_app
    from clinic.api import hookimpl
    from clinic.extensions import db
    from clinic.pdf import (
        ASSET_BASE,
        CORE_CSS,
        AssetFetcher,
        asset_roots,
        render_with_timeout,
        stop_workers,
    )
    from clinic.testing import ClinicClient, base_config, fast_login, make_patient, make_user
    from plugins.handouts import batch as batches
    from plugins.handouts import services
    from plugins.handouts.library import ensure_library
    from plugins.handouts.models import Batch, Handout

    _Session.handout_sections = hookimpl(_Session.handout_sections)
    _Session.patients_seen = hookimpl(_Session.patients_seen)

    with tempfile.TemporaryDirectory(prefix="clinic-bench-") as tmp:
        folder = Path(tmp)
        app = create_app(base_config(f"sqlite:///{folder / 'bench.sqlite3'}", folder / "instance"))
        app.test_client_class = ClinicClient
        from clinic.testing import migrate_to_heads

        migrate_to_heads(app)
        with app.app_context():
            user = make_user("therapist")
            patients = [make_patient() for _ in range(BATCH)]
            seen = _Session([p.id for p in patients])
            app.extensions["clinic"].pm.register(seen, name="bench-session")
            ensure_library()
            chosen = [
                str(h.id)
                for h in db.session.scalars(
                    db.select(Handout).where(
                        Handout.language == "en",
                        Handout.slug.in_(("heat-at-home", "when-to-call")),
                    )
                )
            ]
            client = app.test_client()
            fast_login(client, user)
            patient = patients[0]
            url = f"/handouts/patients/{patient.id}"
            client.get(url)

            def app_print(i: int, note: str = "") -> None:
                data = {
                    "language": "en",
                    "handouts": chosen,
                    "instructions": f"{INSTRUCTIONS}\n{note or f'Round {i}.'}",
                }
                response = client.post_form(url, data)
                assert response.status_code == 302, response.status_code

            app_print(0, "warm-up")

            # The same final HTML the app renders, for bare WeasyPrint.
            with app.test_request_context():
                inputs = services.PrintInputs(
                    patient=db.session.get(type(patient), patient.id),
                    versions=services.versions_for([int(c) for c in chosen]),
                    instructions=f"{INSTRUCTIONS}\nRound 0.",
                    on_date=dt.date.today(),
                    printed_by=user.display_name,
                )
                html = services.build_html(inputs)
            roots = asset_roots(app)
            fonts = FontConfiguration()
            css = CSS(string=CORE_CSS.read_text(), font_config=fonts)

            def bare(_i: int) -> None:
                HTML(
                    string=html, base_url=ASSET_BASE + "core/", url_fetcher=AssetFetcher(roots)
                ).render(stylesheets=[css], font_config=fonts).write_pdf(**services.PDF_OPTIONS)

            bare(0)
            # Interleaved, so both sides see the same load on a shared machine.
            app_times, bare_times = [], []
            for i in range(ROUNDS):
                app_times.append(_median(lambda _r, i=i: app_print(i), 1))
                bare_times.append(_median(bare, 1))
            app_seconds = statistics.median(app_times)
            bare_seconds = statistics.median(bare_times)
            pages = len(
                HTML(string=html, base_url=ASSET_BASE + "core/", url_fetcher=AssetFetcher(roots))
                .render(stylesheets=[css], font_config=fonts)
                .pages
            )

            # A printer jam: the clerk opens the same PDF again from the chart ...
            app_print(0, "reprint")
            from plugins.handouts.models import HandoutPrint

            last = db.session.scalars(
                db.select(HandoutPrint).order_by(HandoutPrint.id.desc()).limit(1)
            ).one()
            pdf_url = f"/handouts/patients/{patient.id}/prints/{last.id}.pdf"

            def reprint(_i: int) -> None:
                response = client.get(pdf_url)
                assert response.status_code == 200 and response.data.startswith(b"%PDF")

            reprint_seconds = _median(reprint)
            # ... or submits the same form again (same inputs, so the same cache key).
            resubmit_seconds = _median(lambda _i: app_print(0, "reprint"))

            # "Today's handouts" for 50 patients (the background job, run inline, joined
            # into one file) ...
            job = Batch(
                created_by_id=user.id,
                service_date=dt.date.today(),
                patient_ids=[p.id for p in patients],
            )
            db.session.add(job)
            db.session.commit()
            job_id = job.id
            # The job runs as if in its own process: this thread holds no connection.
            db.session.remove()
            db.engine.dispose()
            # Keep the exact documents the job renders, for the sequential baseline.
            htmls: list[str] = []
            real_render_many = batches.render_many

            def keeping(documents, *args, **kwargs):
                def tee():
                    for document in documents:
                        htmls.append(document)
                        yield document

                return real_render_many(tee(), *args, **kwargs)

            batches.render_many = keeping
            stop_workers()  # both phases start from a fresh worker forked from this process
            cpu = _cpu()
            start = time.perf_counter()
            try:
                batches.run(app, job_id)
            finally:
                batches.render_many = real_render_many
            batch_seconds = time.perf_counter() - start
            stop_workers()  # reaped, so their CPU time is counted
            batch_cpu = _cpu() - cpu
            job = db.session.get(Batch, job_id)
            assert job.status == "done", job.message
            assert len(htmls) == BATCH
            db.session.remove()
            db.engine.dispose()

            # ... against the same 50 documents rendered one after the other through the
            # guarded renderer, with the same (untagged, for paper) options.
            timeout = app.config["CLINIC_PDF_TIMEOUT_SECONDS"]
            cpu = _cpu()
            start = time.perf_counter()
            for document in htmls:
                render_with_timeout(document, roots, timeout)
            sequential_seconds = time.perf_counter() - start
            stop_workers()
            sequential_cpu = _cpu() - cpu

    return {
        "pages": pages,
        "app_seconds": round(app_seconds, 4),
        "bare_seconds": round(bare_seconds, 4),
        "app_vs_bare": round(app_seconds / bare_seconds, 3),
        "reprint_seconds": round(reprint_seconds, 4),
        "reprint_vs_render": round(reprint_seconds / app_seconds, 4),
        "resubmit_seconds": round(resubmit_seconds, 4),
        "resubmit_vs_render": round(resubmit_seconds / app_seconds, 4),
        "sequential_seconds": round(sequential_seconds, 3),
        "batch_seconds": round(batch_seconds, 3),
        "batch_speedup": round(sequential_seconds / batch_seconds, 3),
        # CPU seconds (this process and its reaped render workers).  On a machine busy
        # with other sessions, Linux's autogroup scheduler gives each session one share
        # however many processes it runs, so two workers cannot finish sooner than one;
        # these show the work done and how much of a core each phase actually got.
        "sequential_cpu_seconds": round(sequential_cpu, 2),
        "batch_cpu_seconds": round(batch_cpu, 2),
        "batch_cpu_vs_sequential": round(batch_cpu / sequential_cpu, 3),
        "sequential_cores_used": round(sequential_cpu / sequential_seconds, 2),
        "batch_cores_used": round(batch_cpu / batch_seconds, 2),
        "targets": {"app_vs_bare": 1.25, "reprint_vs_render": 0.1, "batch_speedup": 1.6},
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
