"""In-process cost of one chart view (the 20-session patient), optionally profiled.

    python -m bench.chart_profile [--patients 10000] [--views 300] [--profile 40]

Uses the same synthetic clinic as ``make bench`` (built or reused through
``bench.build``) and the Flask test client, so what is measured is the app alone:
routing, session, panels, alerts, templates, the audit row and its sealing.
``CLINIC_BENCH_DATABASE_URL`` runs it on PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from bench import build, inproc, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--views", type=int, default=300, help="timed chart views")
    parser.add_argument("--profile", type=int, default=30, help="top entries of the profile")
    parser.add_argument("--dump", help="also write the raw cProfile data to this file")
    args = parser.parse_args(argv)
    os.environ["CLINIC_SECRET_KEY"] = load.SECRET_KEY
    os.environ["CLINIC_INSTANCE_PATH"] = str(build.DATA_DIR / "instance")
    build.DATA_DIR.mkdir(exist_ok=True)
    url = os.environ.get("CLINIC_BENCH_DATABASE_URL", "").strip() or (
        f"sqlite:///{build.DATA_DIR / f'clinic-{args.patients}.sqlite3'}"
    )
    meta = build.ensure(url, args.patients)
    app = build.make_app(url)
    cookie = inproc.make_cookies(app, meta["staff"]["therapist"], 1)[0][0]
    name, _, value = cookie.partition("=")
    client = app.test_client()
    client.set_cookie(name, value)
    path = f"/patients/{meta['named']['chart20']['patient']}"

    def view() -> None:
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    for _ in range(20):
        view()
    from clinic.extensions import db

    with app.app_context():
        engine = db.engine
    with inproc.counting(engine) as statements:
        view()
    times = []
    for _ in range(args.views):
        started = time.perf_counter()
        view()
        times.append(time.perf_counter() - started)
    cpu_started = time.process_time()
    for _ in range(args.views):
        view()
    cpu = (time.process_time() - cpu_started) / args.views
    print(
        f"chart view, {url.split(':')[0]}: median {statistics.median(times) * 1000:.2f} ms, "
        f"mean {statistics.mean(times) * 1000:.2f} ms, CPU {cpu * 1000:.2f} ms, "
        f"{len(statements)} SQL statements"
    )
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.views):
            view()
        profiler.disable()
        if args.dump:
            profiler.dump_stats(args.dump)
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
