"""``flask --app wsgi demo``: a synthetic clinic for trying the product.

Everything is invented: names come from small word lists, dates are random.  Staff
passwords are generated and printed once.  Plugins add clinical history for each
patient through the ``demo_patient_history`` hook.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from clinic.extensions import db

FIRST = (
    "Ana Ben Carla Dmitri Elena Farah Gus Hana Ivan Jade Kofi Lena Marco Nia Omar Priya "
    "Quinn Rosa Sam Tariq Uma Vera Wes Ximena Yusuf Zoë José Chloé Björn Renée"
).split()
LAST = (
    "Alvarez Brooks Chen Dubois Evans Fischer García Haddad Ito Jensen Kowalski Lopez "
    "Müller Nguyen O'Brien Patel Quintero Rossi Schmidt Tanaka Umar Vasquez Walsh Xu "
    "Young Zimmerman Núñez Okafor Larsen Moreau"
).split()
STREETS = ("Maple Ave", "Oak St", "Pine Rd", "Cedar Ln", "Elm St", "Birch Way", "Lake Dr")
CITIES = (("Springfield", "IL", "627"), ("Riverton", "WY", "825"), ("Fairview", "OR", "970"))
PHYSICIANS = ("Dr. Amy Lee, MD", "Dr. Raj Mehta, DO", "Dr. Sara Cole, MD", "")


def _staff(rng: random.Random) -> list[tuple[str, str, str]]:
    from clinic.auth.models import User

    made = []
    for username, name, role, cred in (
        ("admin", "Alex Admin", "admin", ""),
        ("desk", "Dana Desk", "front-desk", ""),
        ("therapist", "Terry Lane", "therapist", "LMT"),
        ("billing", "Bea Biller", "billing", "CPC"),
    ):
        if db.session.scalars(select(User).where(User.username == username)).first():
            continue
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        user = User(username=username, display_name=name, role=role, credentials=cred)
        user.set_password(password)
        db.session.add(user)
        made.append((username, role, password))
    db.session.flush()
    return made


def make_patient(rng: random.Random):
    from clinic.patients.models import Patient

    city, state, area = rng.choice(CITIES)
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 62))
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Patient(
        first_name=first,
        last_name=last,
        date_of_birth=born,
        sex=rng.choice(["female", "male", "female", "male", "other"]),
        phone=f"({area}) 555-{rng.randrange(0, 10000):04d}",
        email=f"{first.lower()}.{rng.randrange(100, 999)}@example.org",
        address_line=f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
        city=city,
        state=state,
        postal_code=f"{rng.randrange(10000, 99999)}",
        preferred_language=rng.choice(["English"] * 6 + ["Spanish", "French"]),
        emergency_contact_name=f"{rng.choice(FIRST)} {last}",
        emergency_contact_phone=f"({area}) 555-{rng.randrange(0, 10000):04d}",
        referring_physician=rng.choice(PHYSICIANS),
    )


@click.command("demo")
@click.option("--patients", default=200, show_default=True, help="How many patients to invent.")
@click.option(
    "--seed", default=2026, show_default=True, help="Random seed (same seed, same clinic)."
)
@with_appcontext
def demo_command(patients: int, seed: int):
    """Fill the database with a synthetic demo clinic."""
    from clinic.patients.models import Patient

    if db.session.scalar(select(func.count(Patient.id))):
        raise click.ClickException(
            "the database already has patients; demo data is only added to an empty clinic"
        )
    rng = random.Random(seed)
    staff = _staff(rng)
    registry = current_app.extensions["clinic"]
    with click.progressbar(range(patients), label="Inventing patients") as bar:
        for _ in bar:
            patient = make_patient(rng)
            db.session.add(patient)
            db.session.flush()
            registry.pm.hook.demo_patient_history(patient=patient, rng=rng)
    db.session.commit()
    click.echo(f"Created {patients} synthetic patients.")
    if staff:
        click.echo("Staff accounts (passwords are shown only now):")
        for username, role, password in staff:
            click.echo(f"  {username:<10} {role:<11} {password}")
