"""Patient search at clinic scale (issue #13), through the search page a user types into.

A page of results costs the same SQL statements whether it lists one patient or a full
page (every plugin's alerts are read for the whole page at once), rows come in a stable,
explainable order, and a long list says "more than 100" instead of counting every match.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import pytest
from sqlalchemy import select

from bench.build import add_sessions, intake_history
from bench.inproc import counting
from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.patients.search import COUNT_LIMIT, PAGE_SIZE, search
from clinic.testing import make_patient, make_user


def listed(html: str) -> list[int]:
    """Chart numbers of the result rows, top to bottom."""
    return [int(n) for n in re.findall(r"<td>#(\d+)</td>", html)]


def test_a_full_page_runs_as_many_statements_as_a_page_of_one(app, signed_in):
    client, therapist = signed_in("therapist")
    make_user("front-desk")  # the intake demo records packets as started by the desk

    def with_history(last_name: str) -> None:
        patient = make_patient(last_name=last_name)
        intake_history(patient)  # the same health history (and findings) for everyone
        # Twelve sessions from six weeks ago: the plan is due for re-evaluation.
        add_sessions(patient, therapist.id, 12, random.Random(1))
        db.session.commit()

    with_history("Onlyone")
    for _ in range(PAGE_SIZE + 2):
        with_history("Manyson")

    counts, pages = {}, {}
    for query in ("onlyone", "manyson"):
        client.get(f"/patients/?q={query}")  # the first request of a session reads more
        with counting(db.engine) as statements:
            pages[query] = client.get(f"/patients/?q={query}").text
        counts[query] = len(statements)

    assert len(listed(pages["onlyone"])) == 1 and len(listed(pages["manyson"])) == PAGE_SIZE
    # Every row still shows its alerts (so nothing was skipped to save statements).
    assert pages["manyson"].count("Re-evaluation due") == PAGE_SIZE
    assert pages["onlyone"].count("Re-evaluation due") == 1
    assert counts["onlyone"] == counts["manyson"], counts


def test_last_name_matches_come_first_then_first_names_each_in_a_stable_order(signed_in):
    client, _ = signed_in("front-desk")
    leeds = make_patient(first_name="Bo", last_name="Leeds")
    ann_lee = make_patient(first_name="Ann", last_name="Lee")
    ann_lee_too = make_patient(first_name="Ann", last_name="Lee")  # same name: number decides
    leena = make_patient(first_name="Leena", last_name="Abbott")  # first name only
    twice = make_patient(first_name="Lee", last_name="Leeman")  # matches both ways
    make_patient(first_name="Ellee", last_name="Smith")  # "lee" inside a name: no match

    html = client.get("/patients/?q=lee").text
    assert "5 patients found" in html
    assert listed(html) == [ann_lee.id, ann_lee_too.id, leeds.id, twice.id, leena.id]
    assert listed(client.get("/patients/?q=LEE").text) == listed(html)


def test_two_words_read_as_last_then_first_name_before_the_other_way_round(signed_in):
    client, _ = signed_in("front-desk")
    rosa_garcia = make_patient(first_name="Rosa", last_name="García")
    garcia_rosales = make_patient(first_name="Garcia", last_name="Rosales")
    make_patient(first_name="Rosa", last_name="Martinez")

    assert listed(client.get("/patients/?q=garcia rosa").text) == [
        rosa_garcia.id,
        garcia_rosales.id,
    ]
    assert listed(client.get("/patients/?q=rosa garcia").text) == [
        garcia_rosales.id,
        rosa_garcia.id,
    ]
    assert listed(client.get("/patients/?q=garcia, rosa 1970").text) == []


def test_a_long_list_says_more_than_100_and_pages_through_every_match_once(app, signed_in):
    client, _ = signed_in("front-desk")
    made = [
        make_patient(first_name=f"Kim{n:03d}", last_name="Parkes").id
        for n in range(COUNT_LIMIT + 10)
    ]
    make_patient(first_name="Kim", last_name="Parkesley", archived_at=dt.datetime(2026, 1, 1))

    first = client.get("/patients/?q=parkes").text
    assert f"More than {COUNT_LIMIT} patients found" in first
    assert "Page 1<" in first and "Next" in first and "Previous" not in first
    seen = []
    for page in range(1, 6):
        html = client.get(f"/patients/?q=parkes&page={page}").text
        seen += listed(html)
    assert "Next" not in html and "Previous" in html
    assert seen == made  # last name, then first name: Kim000 ... Kim109, each once
    # A page past the end shows the last one rather than an empty list.
    assert listed(client.get("/patients/?q=parkes&page=99").text) == made[-10:]

    result = search(db.session, "parkes")
    assert (result.more, result.total, result.pages, result.has_next) == (
        True,
        COUNT_LIMIT,
        0,
        True,
    )
    exact = search(db.session, "kim10")
    assert (exact.more, exact.total, exact.pages, exact.has_next) == (False, 10, 1, False)


def test_each_search_is_audited_with_its_result_count(signed_in):
    client, user = signed_in("front-desk")
    for n in range(3):
        make_patient(first_name=f"Ida{n}", last_name="Auditson")
    client.get("/patients/?q=auditson")
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.event_type == "patient.search")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.user_id == user.id
    assert json.loads(event.detail) == {"results": 3}


def test_name_searches_read_an_index_in_order_on_sqlite(app):
    """No full scan and no sort of every match: each way of reading the words is a range
    of one index, read in that index's order and cut after a page."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plan check is SQLite-specific (bench figures cover PostgreSQL)")
    from clinic.patients.search import build_query

    def plan(query: str) -> list[str]:
        sql = build_query(query).compile(db.engine, compile_kwargs={"literal_binds": True})
        return [row[-1] for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {sql}"))]

    for query in ("a", "garcia rosa"):
        steps = plan(query)
        reads = [n for n, step in enumerate(steps) if step.startswith("SEARCH patients")]
        assert reads and not any(step.startswith("SCAN patients") for step in steps), steps
        for n in reads:
            assert "ix_patients_last_first" in steps[n] or "ix_patients_first_last" in steps[n]
            assert steps[n + 1] != "USE TEMP B-TREE FOR ORDER BY", steps  # read in order
    for query in ("0101", "(627) 555-01", "1961-04-12", "#94"):
        steps = plan(query)
        assert not any(step.startswith("SCAN patients") for step in steps), (query, steps)
