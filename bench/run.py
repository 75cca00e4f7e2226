"""``make bench``: every figure of the speed targets, as ratios against a ceiling
measured in the same run (the machine is shared, so absolute numbers drift).

    python -m bench.run [--patients 10000] [--seconds 5] [--json bench/results.json]
    python -m bench.run --only chart [--port 8500]   # the chart figures alone
    python -m bench.run --only search [--port 5171]   # just the search figures
    python -m bench.run --only pdf [--patients 1000] [--port 5171]   # the PDF figures only

PostgreSQL is included when ``CLINIC_BENCH_DATABASE_URL`` names a database the
benchmark may wipe and rebuild.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

from bench import build, inproc, load

PORTS = {"ceiling": 5171, "app": 5172, "app2": 5173}
SEARCHES = ("chen", "a", "garcia rosa", "1961-04-12", "(627) 555-01", "ng", "lo", "sam")
TARGETS = {"chart_ratio": 0.25, "search_p99_ms": 50, "pdf_ratio": 1.25, "worker_mb": 200}


def log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--json", default=str(build.BENCH_DIR / "results.json"))
    parser.add_argument(
        "--only",
        choices=("chart", "search", "pdf"),
        help="measure only these figures (chart: the chart's req/s with 2 and 4 workers "
        "and two app servers, against the ceiling; search: the search figures alone, "
        "printed as a short table; pdf: app vs bare WeasyPrint and bench/handouts.py, "
        "no wrk); the chart JSON goes to results-chart.json",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=PORTS["ceiling"],
        help="first of the three local ports the servers listen on",
    )
    args = parser.parse_args(argv)
    for offset, name in enumerate(PORTS):
        PORTS[name] = args.port + offset
    if args.only and args.json == parser.get_default("json"):
        args.json = str(build.BENCH_DIR / f"results-{args.only}.json")
    if args.only == "pdf":
        return only_pdf(args)
    load.require_wrk()
    os.environ["CLINIC_SECRET_KEY"] = load.SECRET_KEY
    os.environ["CLINIC_INSTANCE_PATH"] = str(build.DATA_DIR / "instance")
    build.DATA_DIR.mkdir(exist_ok=True)
    started = time.monotonic()

    engines = {"sqlite": f"sqlite:///{build.DATA_DIR / f'clinic-{args.patients}.sqlite3'}"}
    pg = os.environ.get("CLINIC_BENCH_DATABASE_URL", "").strip()
    if pg:
        engines["postgresql"] = pg
    else:
        log("CLINIC_BENCH_DATABASE_URL is not set: PostgreSQL figures are skipped")

    results: dict = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "patients": args.patients,
        "seconds_per_load_run": args.seconds,
        "targets": TARGETS,
        "engines": {},
    }
    log("Building the synthetic clinics")
    metas = {name: build.ensure(url, args.patients, log=log) for name, url in engines.items()}
    if args.only == "search":
        return search_only(engines, metas, args)

    # The bare app with 4 workers too: the most that the chart's 4-worker figure could
    # grow on this machine, whatever the app does.
    for workers, key, tag in ((2, "ceiling", "ceil"), (4, "ceiling_4_workers", "ceil4")):
        ceiling = load.start_server(load.ceiling_app_path(), PORTS["ceiling"], workers)
        try:
            log(f"Ceiling: bare Flask, one constant route, {workers} sync workers")
            warm(ceiling, [("GET", "/", "", "")])
            results[key] = load.wrk(
                ceiling.url, [("GET", "/", "", "")], connections=16, seconds=args.seconds, tag=tag
            )
        finally:
            ceiling.stop()

    for name, url in engines.items():
        results["engines"][name] = measure_engine(name, url, metas[name], args, results)

    if args.only == "chart":
        results["total_seconds"] = round(time.monotonic() - started, 1)
        Path(args.json).write_text(json.dumps(results, indent=1))
        print()
        print(render_chart_table(results))
        log(f"\nJSON written to {args.json}; {results['total_seconds']} s in all")
        return 0
    results["statement_counts"] = statement_counts(engines["sqlite"], metas["sqlite"])
    results["extra"] = extra_modules()
    results["total_seconds"] = round(time.monotonic() - started, 1)
    Path(args.json).write_text(json.dumps(results, indent=1))
    print()
    print(render_table(results))
    log(f"\nJSON written to {args.json}; {results['total_seconds']} s in all")
    return 0


def only_pdf(args) -> int:
    """The PDF part of the bench on its own: quicker to repeat on a busy machine."""
    os.environ["CLINIC_SECRET_KEY"] = load.SECRET_KEY
    os.environ["CLINIC_INSTANCE_PATH"] = str(build.DATA_DIR / "instance")
    build.DATA_DIR.mkdir(exist_ok=True)
    engines = {"sqlite": f"sqlite:///{build.DATA_DIR / f'clinic-{args.patients}.sqlite3'}"}
    pg = os.environ.get("CLINIC_BENCH_DATABASE_URL", "").strip()
    if pg:
        engines["postgresql"] = pg
    lines = [f"{'PDF (median)':<30} {'engine':<10} {'app ms':>8} {'bare ms':>8} {'ratio':>8}"]
    for name, url in engines.items():
        meta = build.ensure(url, args.patients, log=log)
        app = build.make_app(url)
        cookie = inproc.make_cookies(app, meta["staff"]["therapist"], 1)[0][0]
        chart20 = meta["named"]["chart20"]
        server = load.start_server("wsgi:app", PORTS["app"], 2, load.app_env(url))
        try:
            figures = inproc.pdf_overhead(app, cookie, pdf_paths(chart20), server.url)
        finally:
            server.stop()
        for label, r in figures.items():
            lines.append(
                f"  {label:<28} {name:<10} {r['app_ms']:>8.0f} {r['bare_ms']:>8.0f} "
                f"{r['ratio']:>8.2f}  target <= 1.25 {_mark(r['ratio'] <= TARGETS['pdf_ratio'])}"
            )
    extra = extra_modules(only=("handouts",))
    print("\n".join(lines))
    for key, value in extra.get("handouts", {}).items():
        print(f"  handouts {key:<36} {value}")
    return 0


def pdf_paths(chart20: dict) -> dict[str, str]:
    return {
        "progress report": f"/treatment/patients/{chart20['patient']}"
        f"/plans/{chart20['plan']}/progress.pdf",
        "face sheet": f"/patients/{chart20['patient']}/face-sheet.pdf",
    }


def measure_engine(name: str, url: str, meta: dict, args, results: dict) -> dict:
    app = build.make_app(url)
    named, staff = meta["named"], meta["staff"]
    therapists = inproc.make_cookies(app, staff["therapist"], 16)
    desks = inproc.make_cookies(app, staff["front-desk"], 16)
    out: dict = {"patients": meta["patients"]}
    env = load.app_env(url)
    chart_path = f"/patients/{named['chart20']['patient']}"
    chart_reqs = [("GET", chart_path, cookie, "") for cookie, _ in therapists]

    log(f"{name}: chart of a patient with 20 signed sessions (2 workers, 16 connections)")
    server = load.start_server("wsgi:app", PORTS["app"], 2, env)
    try:
        warm(server, chart_reqs)
        out["chart"] = load.wrk(
            server.url, chart_reqs, connections=16, seconds=args.seconds, tag=f"{name}-chart"
        )
        out["chart"]["ratio"] = ratio(out["chart"]["rps"], results["ceiling"]["rps"])
        if args.only == "chart":
            out["worker_peak_mb"] = server.peak_rss_mb()
        else:
            _other_figures(name, app, server, meta, therapists, desks, args, out)
    finally:
        server.stop()
    return _chart_scaling(name, url, env, chart_reqs, args, results, out)


def _other_figures(name, app, server, meta, therapists, desks, args, out) -> None:
    """Search, intake submission, memory and PDFs, on the running 2-worker server."""
    named, staff = meta["named"], meta["staff"]

    log(f"{name}: patient search, 8 users ({meta['patients']:,} patients)")
    out["search"] = search_load(name, server, desks, args)

    log(f"{name}: intake submission, 16 concurrent writers")
    out["intake_submit"] = submissions(app, server, staff, desks, args)

    out["worker_peak_mb"] = server.peak_rss_mb()

    log(f"{name}: PDFs through the app vs bare WeasyPrint")
    chart20 = named["chart20"]
    out["pdf"] = inproc.pdf_overhead(app, therapists[0][0], pdf_paths(chart20), server.url)


def _chart_scaling(name, url, env, chart_reqs, args, results, out) -> dict:
    """The chart with 4 workers and, on PostgreSQL, on two app servers."""
    log(f"{name}: chart with 4 workers")
    server = load.start_server("wsgi:app", PORTS["app"], 4, env)
    try:
        warm(server, chart_reqs)
        sampler = AdvisoryLockSampler(url) if name == "postgresql" else None
        if sampler:
            sampler.__enter__()
        try:
            out["chart_4_workers"] = load.wrk(
                server.url, chart_reqs, connections=16, seconds=args.seconds, tag=f"{name}-chart4"
            )
        finally:
            if sampler:
                sampler.__exit__()
                out["audit_lock_4_workers"] = sampler.summary()
        out["chart_4_workers"]["ratio"] = ratio(
            out["chart_4_workers"]["rps"], results["ceiling"]["rps"]
        )
    finally:
        server.stop()

    if name == "postgresql":
        log(f"{name}: chart on two app servers (2 workers each) sharing one database")
        out["chart_two_servers"] = two_servers(env, chart_reqs, args, results)
    return out


def search_load(name: str, server, desks: list, args) -> dict:
    """8 front-desk users searching at once: all queries mixed, then each alone."""
    search_reqs = [
        ("GET", "/patients/?q=" + _quote(q), desks[i % len(desks)][0], "")
        for i, q in enumerate(SEARCHES)
    ]
    warm(server, search_reqs)
    out = load.wrk(
        server.url, search_reqs, connections=8, seconds=args.seconds, tag=f"{name}-search"
    )
    out["per_query_p99_ms"] = {
        q: load.wrk(
            server.url,
            [("GET", "/patients/?q=" + _quote(q), desks[0][0], "")],
            connections=8,
            seconds=min(1.0, args.seconds),
            tag=f"{name}-search1",
        )["p99_ms"]
        for q in SEARCHES
    }
    return out


def search_only(engines: dict, metas: dict, args) -> int:
    """``--only search``: the search figures alone, on every engine, as a short table."""
    lines = [f"{'search, 8 users':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  p99 by query"]
    for name, url in engines.items():
        meta = metas[name]
        desks = inproc.make_cookies(build.make_app(url), meta["staff"]["front-desk"], 16)
        server = load.start_server("wsgi:app", PORTS["app"], 2, load.app_env(url))
        try:
            log(f"{name}: patient search, 8 users ({meta['patients']:,} patients)")
            r = search_load(name, server, desks, args)
        finally:
            server.stop()
        per = " ".join(f"{q}={ms:.0f}" for q, ms in r["per_query_p99_ms"].items())
        lines.append(
            f"{name + ' ' + format(meta['patients'], ','):<28} {r['rps']:>8,.1f} "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}  {per}  errors={r['errors']}"
        )
    print()
    print("\n".join(lines))
    return 0


class AdvisoryLockSampler:
    """While load runs on PostgreSQL, sample how many app connections are queued on
    the audit chain's advisory lock (the cost of chaining every audited view)."""

    def __init__(self, url: str):
        import threading

        self.url = url
        self.samples: list[tuple[int, int]] = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = create_engine(self.url, poolclass=NullPool)
        query = text(
            "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'),"
            " count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with engine.connect() as conn:
            while not self.stop_event.wait(0.05):
                waiting, active = conn.execute(query).one()
                conn.commit()
                self.samples.append((waiting, active))
        engine.dispose()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop_event.set()
        self.thread.join(10)

    def summary(self) -> dict:
        n = len(self.samples) or 1
        return {
            "samples": len(self.samples),
            "avg_waiting_on_audit_lock": round(sum(w for w, _ in self.samples) / n, 2),
            "avg_active_queries": round(sum(a for _, a in self.samples) / n, 2),
            "share_of_time_someone_waits": round(sum(1 for w, _ in self.samples if w) / n, 2),
        }


def warm(server, reqs, rounds: int = 3) -> None:
    """A few of the same requests, one at a time and thrown away, so every worker has
    imported, compiled its templates and filled its connection pool before anything
    is measured (sequential, so no queue is left behind)."""
    import urllib.request

    for n in range(rounds * len(server.worker_pids())):
        _method, path, cookie, _body = reqs[n % len(reqs)]
        request = urllib.request.Request(server.url + path, headers={"Cookie": cookie})  # noqa: S310 -- loopback
        urllib.request.urlopen(request, timeout=120).read()  # noqa: S310 -- loopback


def two_servers(env: dict, chart_reqs: list, args, results: dict) -> dict:
    import concurrent.futures

    first = load.start_server("wsgi:app", PORTS["app"], 2, env)
    second = load.start_server("wsgi:app", PORTS["app2"], 2, env)
    try:
        warm(first, chart_reqs)
        warm(second, chart_reqs)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            runs = list(
                pool.map(
                    lambda server: load.wrk(
                        server.url,
                        chart_reqs,
                        connections=8,
                        seconds=args.seconds,
                        tag=f"two-{server.port}",
                    ),
                    (first, second),
                )
            )
    finally:
        first.stop()
        second.stop()
    rps = round(sum(r["rps"] for r in runs), 1)
    return {
        "rps": rps,
        "p50_ms": max(r["p50_ms"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "ratio": ratio(rps, results["ceiling"]["rps"]),
    }


def submissions(app, server, staff, desks, args) -> dict:
    """16 writers each POST complete follow-up packets; count what was stored."""
    from sqlalchemy import func, select

    from clinic.extensions import db
    from plugins.intake.models import IntakeResponse, IntakeRun

    with app.app_context():
        runs = build.submit_runs(staff["front-desk"], 3000, random.Random(7))
        before = db.session.scalar(select(func.count(IntakeResponse.id)))
        db.session.remove()
    reqs = []
    for i, (patient_id, run_id) in enumerate(runs):
        cookie, csrf = desks[i % len(desks)]
        path = f"/intake/patients/{patient_id}/runs/{run_id}/submit"
        reqs.append(("POST", path, cookie, "csrf_token=" + _quote(csrf)))
    result = load.wrk(server.url, reqs, connections=16, seconds=args.seconds, tag="submit")
    ids = [r for _p, r in runs]

    def counts() -> tuple[int, int]:
        with app.app_context():
            stored = db.session.scalar(select(func.count(IntakeResponse.id))) - before
            closed = db.session.scalar(
                select(func.count(IntakeRun.id)).where(
                    IntakeRun.id.in_(ids), IntakeRun.status == "complete"
                )
            )
            db.session.remove()
        return stored, closed

    # Another worker may still be finishing a request wrk gave up on: count until two
    # readings a second apart agree.
    stored, closed = counts()
    for _ in range(30):
        time.sleep(1)
        again = counts()
        if again == (stored, closed):
            break
        stored, closed = again
    # wrk stops counting at its deadline while the last requests may still complete,
    # so what is checked is that every closed packet stored exactly its three
    # responses (no partial write) and none that wrk saw succeed is missing.
    result["packets_closed"] = closed
    result["rows_written"] = stored
    result["rows_expected"] = 3 * closed
    result["all_acknowledged_stored"] = closed >= result["requests"] - result["errors"]
    result["exhausted"] = result["requests"] > len(runs)
    return result


def statement_counts(url: str, meta: dict) -> list[dict]:
    log("SQL statements per page (5 vs 500 signed sessions), in-process on SQLite")
    app = build.make_app(url)
    cookie = inproc.make_cookies(app, meta["staff"]["therapist"], 1)[0][0]
    return inproc.statement_counts(
        app,
        cookie,
        meta["named"]["sessions5"],
        meta["named"]["sessions500"],
        meta["staff"]["therapist"],
    )


def extra_modules(only: tuple[str, ...] = ("handouts", "insurance")) -> dict:
    """Benchmarks other parts of the product ship as ``bench/<name>.py`` with measure()."""
    found = {}
    for name in only:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            continue
        log(f"{name}: running bench/{name}.py")
        try:
            found[name] = module.measure()
        except Exception as exc:  # noqa: BLE001 -- one module's failure must not hide the rest
            found[name] = {"error": repr(exc)}
    return found


def ratio(value: float, ceiling: float) -> float:
    return round(value / ceiling, 3) if ceiling else 0.0


def _quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISS"


def render_chart_table(results: dict) -> str:
    """The table of ``--only chart``: the chart rows of the full table."""
    return render_table(results, chart_only=True)


def render_table(results: dict, chart_only: bool = False) -> str:
    lines = [
        f"Clinic benchmark, {results['date']}, {results['machine']}, "
        f"{results['patients']:,} patients, {results['seconds_per_load_run']:g} s per load run",
        f"Ceiling (bare Flask, 2 workers, 16 conn): {results['ceiling']['rps']:,.0f} req/s"
        + (
            f"; with 4 workers {results['ceiling_4_workers']['rps']:,.0f} req/s"
            if "ceiling_4_workers" in results
            else ""
        ),
        "",
        f"{'figure':<46} {'engine':<10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'ratio':>7} {'target':>10} {'':>4}",
    ]

    def row(label, engine, r, target_text="", ok=None, ratio_key="ratio"):
        ratio_value = r.get(ratio_key)
        lines.append(
            f"{label:<46} {engine:<10} {r.get('rps', 0):>8,.1f} {r.get('p50_ms', 0):>8.1f} "
            f"{r.get('p99_ms', 0):>8.1f} "
            f"{(f'{ratio_value:.3f}' if ratio_value is not None else ''):>7} {target_text:>10} "
            f"{'' if ok is None else _mark(ok):>4}"
        )

    for engine, data in results["engines"].items():
        target = TARGETS["chart_ratio"]
        row(
            "chart, 20 sessions (2 workers)",
            engine,
            data["chart"],
            f">= {target}",
            data["chart"]["ratio"] >= target,
        )
        row(
            "chart, 20 sessions (4 workers)",
            engine,
            data["chart_4_workers"],
            "grows",
            data["chart_4_workers"]["rps"] > data["chart"]["rps"],
        )
        if "chart_two_servers" in data:
            row(
                "chart, two app servers x 2 workers",
                engine,
                data["chart_two_servers"],
                "grows",
                data["chart_two_servers"]["rps"] > data["chart"]["rps"],
            )
        if chart_only:
            continue
        size = f"{data['patients']:,}"
        row(
            f"search, 8 users, {size} patients",
            engine,
            data["search"],
            "p99 < 50",
            data["search"]["p99_ms"] < TARGETS["search_p99_ms"],
        )
        sub = data["intake_submit"]
        row(
            f"intake submit, 16 writers ({sub['errors']} errors, "
            f"{sub['rows_written']}/{sub['rows_expected']} rows)",
            engine,
            sub,
            "0 err, =",
            sub["errors"] == 0
            and sub["rows_written"] == sub["rows_expected"]
            and sub["all_acknowledged_stored"],
        )
    if chart_only:
        for engine, data in results["engines"].items():
            if "audit_lock_4_workers" in data:
                lock = data["audit_lock_4_workers"]
                waiting = lock["avg_waiting_on_audit_lock"]
                lines.append(f"audit lock waiters (4 workers) {engine}: {waiting:g}")
        return "\n".join(lines)
    lines.append("")
    lines.append(f"{'search p99 by query (ms)':<46} " + " ".join(f"{q!r}" for q in SEARCHES))
    for engine, data in results["engines"].items():
        per = data["search"]["per_query_p99_ms"]
        lines.append(f"  {engine:<44} " + " ".join(f"{per[q]:g}" for q in SEARCHES))
    lines.append("")
    lines.append(
        f"{'PDF (median)':<46} {'engine':<10} {'app ms':>8} {'bare ms':>8} "
        f"{'ratio':>8} {'target':>10}"
    )
    for engine, data in results["engines"].items():
        for label, r in data["pdf"].items():
            lines.append(
                f"  {label:<44} {engine:<10} {r['app_ms']:>8.0f} {r['bare_ms']:>8.0f} "
                f"{r['ratio']:>8.2f} {'<= 1.25':>10} {_mark(r['ratio'] <= TARGETS['pdf_ratio']):>4}"
            )
    lines.append("")
    for engine, data in results["engines"].items():
        peak = max(data["worker_peak_mb"] or [0])
        lines.append(
            f"{'peak memory per worker (MB)':<46} {engine:<10} "
            f"{', '.join(f'{m:g}' for m in data['worker_peak_mb'])}   target < 200 "
            f"{_mark(peak < TARGETS['worker_mb'])}"
        )
    for engine, data in results["engines"].items():
        if "audit_lock_4_workers" in data:
            lock = data["audit_lock_4_workers"]
            lines.append(
                f"{'audit chain advisory lock, chart 4 workers':<46} {engine:<10} "
                f"{lock['avg_waiting_on_audit_lock']:g} of {lock['avg_active_queries']:g} "
                f"active queries waiting on average; someone waits "
                f"{lock['share_of_time_someone_waits']:.0%} of the time"
            )
    lines.append("")
    lines.append(f"{'SQL statements per page':<46} {'5 sess.':>8} {'500 sess.':>10}")
    for r in results["statement_counts"]:
        lines.append(
            f"  {r['page']:<44} {r['small']:>8} {r['large']:>10} {_mark(r['small'] == r['large'])}"
        )
    for name, figures in results["extra"].items():
        lines.append("")
        lines.append(f"{name} (bench/{name}.py)")
        for key, value in figures.items():
            lines.append(f"  {key:<44} {value}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
