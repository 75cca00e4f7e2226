"""Registering, finding, editing and archiving patients."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from clinic.api import clinic_today
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.patients.search import PAGE_SIZE, search
from clinic.testing import make_patient

NEW_YORK = ZoneInfo("America/New_York")  # the test app's clinic zone (the default)

FORM = {
    "first_name": "Marta",
    "last_name": "Núñez",
    "date_of_birth": "1975-06-30",
    "sex": "female",
    "phone": "(555) 300-1234",
    "email": "marta@example.org",
    "address_line": "12 Elm St",
    "city": "Fairview",
    "state": "OR",
    "postal_code": "97024",
    "preferred_language": "Spanish",
    "emergency_contact_name": "Luis Núñez",
    "emergency_contact_phone": "555 300 9999",
    "referring_physician": "Dr. Sara Cole",
}


def count() -> int:
    return db.session.scalar(select(func.count(Patient.id)))


def test_register_form_has_a_visible_label_for_every_field(signed_in):
    client, _ = signed_in("front-desk")
    html = client.get("/patients/new").text
    for name in FORM:
        assert f'for="{name}"' in html and f'id="{name}"' in html


def test_register_a_patient(signed_in):
    client, _ = signed_in("front-desk")
    response = client.post_form("/patients/new", FORM)
    assert response.status_code == 302
    patient = db.session.scalars(select(Patient)).one()
    assert (patient.last_name, patient.phone_digits, patient.last_name_folded) == (
        "Núñez",
        "5553001234",
        "nunez",
    )
    assert response.headers["Location"].endswith(f"/patients/{patient.id}")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "1850-01-01", "between 1900 and today"),
        (
            "date_of_birth",
            (clinic_today(NEW_YORK) + dt.timedelta(days=1)).isoformat(),
            "between 1900",
        ),
        ("date_of_birth", "30/30/2000", "date of birth"),
        ("phone", "call me maybe", "phone number"),
        ("email", "not-an-email", "email"),
        ("first_name", "", "This field is required"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(signed_in, field, value, message):
    client, _ = signed_in("front-desk")
    response = client.post_form("/patients/new", {**FORM, field: value})
    assert response.status_code == 200
    assert message.lower() in response.text.lower()
    assert count() == 0


def test_likely_duplicates_are_shown_before_saving(signed_in):
    client, _ = signed_in("front-desk")
    existing = make_patient(
        first_name="marta", last_name="NUNEZ", date_of_birth=dt.date(1975, 6, 30)
    )
    response = client.post_form("/patients/new", FORM)
    assert response.status_code == 409
    assert "may be a patient we already have" in response.text
    assert f"/patients/{existing.id}" in response.text
    assert count() == 1
    confirmed = client.post_form("/patients/new", {**FORM, "confirm_not_duplicate": "y"})
    assert confirmed.status_code == 302
    assert count() == 2


def test_same_phone_is_a_likely_duplicate(signed_in):
    client, _ = signed_in("front-desk")
    make_patient(first_name="Other", last_name="Person", phone="555-300-1234")
    assert client.post_form("/patients/new", FORM).status_code == 409


@pytest.mark.parametrize(
    "query",
    [
        "nun",
        "NÚÑ",
        "marta nunez",
        "nunez, marta",
        "1975-06-30",
        "06/30/1975",
        "555300",
        "(555) 300-12",
        "+1 555 300 1234",
    ],
)
def test_search_finds_by_name_prefix_date_of_birth_and_phone(app, query):
    target = make_patient(
        first_name="Marta",
        last_name="Núñez",
        date_of_birth=dt.date(1975, 6, 30),
        phone="(555) 300-1234",
    )
    make_patient(first_name="Mark", last_name="Stone", phone="555-999-0000")
    found = search(db.session, query)
    assert [p.id for p in found.patients] == [target.id]


def test_search_is_paginated_and_hides_archived_by_default(app):
    for n in range(PAGE_SIZE + 3):
        make_patient(first_name=f"Ann{n:02d}", last_name="Lee")
    archived = make_patient(
        first_name="Ann", last_name="Leeward", archived_at=dt.datetime(2026, 1, 1)
    )
    first = search(db.session, "lee")
    assert (first.total, first.pages, len(first.patients)) == (PAGE_SIZE + 3, 2, PAGE_SIZE)
    assert len(search(db.session, "lee", page=2).patients) == 3
    assert archived.id not in [p.id for p in search(db.session, "leew").patients]
    assert [p.id for p in search(db.session, "leew", include_archived=True).patients] == [
        archived.id
    ]


def test_search_treats_like_wildcards_literally(app):
    make_patient(first_name="Anna", last_name="Smith")
    assert search(db.session, "%").total == 0
    assert search(db.session, "_mith").total == 0


def test_search_page_escapes_names(signed_in):
    client, _ = signed_in("front-desk")
    make_patient(first_name="Eve", last_name="<script>alert(1)</script>")
    html = client.get("/patients/?q=eve").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_search_page_finds_a_chart_number_with_or_without_hash(signed_in):
    client, _ = signed_in("front-desk")
    target = make_patient(first_name="Ines", last_name="Chartwell", phone="(212) 555-0101")
    make_patient(first_name="Other", last_name="Person", phone="(646) 555-0199")
    for query in (f"#{target.id}", str(target.id)):
        html = client.get("/patients/", query_string={"q": query}).text
        assert "1 patient found" in html and "Chartwell, Ines" in html, query
        assert "Person, Other" not in html


@pytest.mark.parametrize("query", ["2125550101", "5550101", "0101", "212 555 0101"])
def test_search_finds_phone_digits_typed_without_punctuation(app, query):
    target = make_patient(first_name="Ines", last_name="Chartwell", phone="(212) 555-0101")
    make_patient(first_name="Other", last_name="Person", phone="(646) 555-0199")
    assert [p.id for p in search(db.session, query).patients] == [target.id]


def test_a_phone_typed_with_digits_only_is_looked_up_by_index(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plan check is SQLite-specific")
    from clinic.patients.search import build_query

    sql = build_query("5550101").compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "SCAN patients" not in plan and "ix_patients_phone_digits_reversed" in plan, plan


def test_search_on_sqlite_uses_the_name_index(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("query plan check is SQLite-specific")
    from clinic.patients.search import build_query

    sql = build_query("smi").compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row) for row in db.session.execute(db.text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "INDEX" in plan.upper(), plan


def _edit_form(patient, **changes):
    data = {name: str(getattr(patient, name) or "") for name in FORM}
    data.update(version=str(patient.version), **changes)
    return data


def test_second_of_two_concurrent_edits_is_refused_with_both_versions(app):
    from clinic.testing import login, make_user

    patient = make_patient(first_name="Ada", last_name="Stone", phone="555-100-2000")
    alice, bob = app.test_client(), app.test_client()
    login(alice, make_user("front-desk"))
    login(bob, make_user("front-desk"))
    stale_form = _edit_form(patient)
    assert (
        alice.post_form(
            f"/patients/{patient.id}/edit", {**stale_form, "phone": "555-777-0000"}
        ).status_code
        == 302
    )
    response = bob.post_form(
        f"/patients/{patient.id}/edit", {**stale_form, "last_name": "Stone-Bob"}
    )
    assert response.status_code == 409
    assert "someone else changed this patient" in response.text
    assert "555-777-0000" in response.text and "Stone-Bob" in response.text
    db.session.refresh(patient)
    assert (patient.phone, patient.last_name) == ("555-777-0000", "Stone")


def test_database_refuses_a_stale_update_even_without_the_form_check(app):
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    patient = make_patient()
    patient_id = patient.id
    db.session.commit()  # reading patient.id opened a transaction; on SQLite it holds the lock
    with (
        Session(db.engine, expire_on_commit=False) as first,
        Session(db.engine, expire_on_commit=False) as second,
    ):
        a = first.get(Patient, patient_id)
        first.commit()  # both have read version 1 and hold no lock
        b = second.get(Patient, patient_id)
        second.commit()
        a.city = "A-town"
        first.commit()
        b.city = "B-town"
        with pytest.raises(StaleDataError):
            second.commit()
    db.session.refresh(patient)
    assert patient.city == "A-town"


def test_archive_and_restore_never_delete(signed_in):
    client, _ = signed_in("front-desk")
    patient = make_patient()
    client.post_form(f"/patients/{patient.id}/archive")
    db.session.refresh(patient)
    assert patient.archived_at is not None
    assert client.get(f"/patients/{patient.id}").status_code == 200
    client.post_form(f"/patients/{patient.id}/restore")
    db.session.refresh(patient)
    assert patient.archived_at is None
    assert count() == 1


def test_missing_patient_is_404(signed_in):
    client, _ = signed_in("front-desk")
    assert client.get("/patients/999999").status_code == 404


def test_nul_characters_are_dropped_not_a_server_error(signed_in):
    client, _ = signed_in("front-desk")
    response = client.post_form(
        "/patients/new", {**FORM, "first_name": "Ma\x00rta", "city": "Fair\x00view"}
    )
    assert response.status_code == 302
    patient = db.session.scalars(select(Patient)).one()
    assert (patient.first_name, patient.city) == ("Marta", "Fairview")
    assert client.get("/patients/?q=ma%00r").status_code == 200
