"""Handouts printed after a real treatment session, with intake's red-flag section:
the treatment and intake plugins answer ``handout_sections`` for the handouts plugin."""

from __future__ import annotations

import io

from pypdf import PdfReader

from clinic.api import db, hookimpl
from clinic.testing import make_patient
from plugins.handouts.models import Handout, HandoutPrint
from plugins.intake.models import IntakeFinding, IntakeResponse
from plugins.intake.tests.route_policy import route_args as intake_records
from plugins.treatment.tests.factories import make_note, make_plan, sign


def _red_flag(patient, user):
    intake_records(patient, {"front-desk": user, "therapist": user, "admin": user})
    history = db.session.scalars(
        db.select(IntakeResponse).where(
            IntakeResponse.patient_id == patient.id, IntakeResponse.instrument_id == "history"
        )
    ).one()
    db.session.add(
        IntakeFinding(
            response_id=history.id,
            patient_id=patient.id,
            code="saddle_numbness",
            kind="red_flag",
            title="Saddle numbness",
            message="Reported numbness in the saddle area.",
            advice="Same-day emergency care.",
            emergency=True,
        )
    )
    db.session.commit()


def _print(client, patient, **extra):
    page = client.get(f"/handouts/patients/{patient.id}")
    heat = db.session.scalars(
        db.select(Handout).where(Handout.slug == "heat-at-home", Handout.language == "en")
    ).one()
    data = {"language": "en", "handouts": [str(heat.id)], **extra}
    assert client.post_form(f"/handouts/patients/{patient.id}", data).status_code == 302
    given = db.session.scalars(
        db.select(HandoutPrint)
        .where(HandoutPrint.patient_id == patient.id)
        .order_by(HandoutPrint.id.desc())
    ).first()
    pdf = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data
    return page.text, "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_handouts_after_a_signed_session_carry_the_session_and_the_red_flags(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient(first_name="Marta", last_name="Lindqvist")
    plan = make_plan(patient, user, diagnoses=["M54.50"])
    make_note(
        patient,
        user,
        plan=plan,
        signed=True,
        keys=("nmt", "hot_pack"),
        pain_before=7,
        pain_after=4,
        home_care=["handouts:staying-active"],
        plan_text="Walk every day; heat in the evening.",
    )
    _red_flag(patient, user)
    page, text = _print(client, patient)
    # Preselected from the session's hot pack and the therapist's home-care advice,
    # and the instructions are prefilled from the note.
    assert "Walk every day; heat in the evening." in page
    assert "Your session today" in page and "Please talk to your doctor" in page
    for expected in (
        "Marta Lindqvist",
        "Neuromuscular therapy",
        "Hot pack",
        "before 7",
        "after 4",
        "Reason for care: M54.50",
        "Please talk to your doctor",
        "go to an emergency department today",
        "Using heat at home safely",
    ):
        assert expected in text, expected
    _page, plain = _print(client, patient, no_diagnosis="y")
    assert "Reason for care" not in plain and "M54.50" not in plain
    assert "Neuromuscular therapy" in plain


def test_seen_today_lists_patients_with_a_session_today(app, signed_in):
    client, user = signed_in("front-desk")
    seen = make_patient(first_name="Seen")
    make_patient(first_name="Unseen")
    make_note(seen, user, signed=True)
    page = client.get("/handouts/today").text
    assert "Seen" in page and "Unseen" not in page and "Print all 1 not yet printed" in page


def _heat_and_call_ids(language="en") -> dict[str, str]:
    from plugins.handouts.library import ensure_library

    ensure_library()
    rows = db.session.scalars(db.select(Handout).where(Handout.language == language)).all()
    return {h.slug: str(h.id) for h in rows}


def _checked(page: str, handout_id: str) -> bool:
    import re

    box = re.search(rf'<input[^>]*value="{handout_id}"[^>]*>', page)
    return box is not None and "checked" in box.group(0)


def _handouts_row(page: str) -> str:
    """The start page's "Handouts to print" section only ("" when it is absent)."""
    if "<h2" not in page or "Handouts to print" not in page:
        return ""
    return page.split("Handouts to print", 1)[1].split("</section>", 1)[0]


def test_start_page_shows_patients_seen_today_without_handouts_to_whoever_prints(app, signed_in):
    desk, _desk_user = signed_in("front-desk")
    therapist, therapist_user = signed_in("therapist")
    billing, _billing_user = signed_in("billing")
    ana = make_patient(first_name="Ana", last_name="Ortega")
    ben = make_patient(first_name="Ben", last_name="Okafor")
    make_patient(first_name="Carla", last_name="Unseen")
    # Nobody seen yet: no row at all.
    assert "Handouts to print" not in desk.get("/start").text
    make_note(ana, therapist_user, signed=True)
    make_note(ben, therapist_user, signed=True)
    row = _handouts_row(desk.get("/start").text)
    assert "2 patients seen today" in row and 'href="/handouts/today"' in row
    assert "Handouts not printed yet: Okafor, Ben; Ortega, Ana" in row and "Carla" not in row
    # The therapist prints too; billing may not print and never sees the row.
    assert "2 patients seen today" in therapist.get("/start").text
    assert "Handouts to print" not in billing.get("/start").text
    # Once Ana's handouts are printed she leaves the count, as on "Today's handouts".
    ids = _heat_and_call_ids()
    desk.get(f"/handouts/patients/{ana.id}")
    printed = desk.post_form(
        f"/handouts/patients/{ana.id}", {"language": "en", "handouts": [ids["heat-at-home"]]}
    )
    assert printed.status_code == 302
    row = _handouts_row(desk.get("/start").text)
    assert "1 patient seen today" in row and "Handouts not printed yet: Okafor, Ben<" in row
    desk.get(f"/handouts/patients/{ben.id}")
    desk.post_form(
        f"/handouts/patients/{ben.id}", {"language": "en", "handouts": [ids["heat-at-home"]]}
    )
    assert "Handouts to print" not in desk.get("/start").text


def test_signed_note_of_today_links_to_printing_with_the_session_handouts_ticked(app, signed_in):
    import datetime as dt

    client, user = signed_in("therapist")
    patient = make_patient(first_name="Iris", last_name="Nakamura")
    draft = make_note(patient, user, keys=("hot_pack",))
    assert (
        "Print handouts"
        not in client.get(f"/treatment/patients/{patient.id}/notes/{draft.id}").text
    )
    older = make_note(patient, user, signed=True, day=dt.date.today() - dt.timedelta(days=3))
    assert (
        "Print handouts"
        not in client.get(f"/treatment/patients/{patient.id}/notes/{older.id}").text
    )
    note = make_note(
        patient,
        user,
        signed=True,
        keys=("hot_pack",),
        home_care=["handouts:when-to-call"],
        plan_text="Heat for 15 minutes in the evening.",
    )
    page = client.get(f"/treatment/patients/{patient.id}/notes/{note.id}").text
    link = f'href="/handouts/patients/{patient.id}"'
    assert "Print handouts" in page and link in page
    # The advice given reads as the therapist ticked it, not as a stored id.
    assert "When to call your doctor" in page and "handouts:when-to-call" not in page
    # The link opens the print page with this session's handouts ticked: the hot pack
    # points to the heat handout, the therapist's advice to "when to call".
    ids = _heat_and_call_ids()
    prepare = client.get(f"/handouts/patients/{patient.id}").text
    assert _checked(prepare, ids["heat-at-home"]) and _checked(prepare, ids["when-to-call"])
    assert not _checked(prepare, ids["finding-a-therapist"])
    assert "Heat for 15 minutes in the evening." in prepare


class _AuditorsOnlyAction:
    """An action only holders of ``admin.audit`` may use (a therapist does not)."""

    @staticmethod
    @hookimpl
    def patient_actions(patient, context):
        from clinic.api import PatientAction

        if context.get("page") != "treatment.note":
            return []
        return [
            PatientAction(
                "Open the audit trail",
                "admin.audit_log",
                "admin.audit",
                link_values={},
            )
        ]


def test_note_actions_are_filtered_by_permission(app, signed_in):
    from clinic.testing import register_hooks

    register_hooks(app, _AuditorsOnlyAction(), "auditors-only-action")
    client, user = signed_in("therapist")
    patient = make_patient()
    note = make_note(patient, user, signed=True)
    page = client.get(f"/treatment/patients/{patient.id}/notes/{note.id}").text
    assert "Print handouts" in page and "Open the audit trail" not in page
    admin, _admin = signed_in("admin")
    page = admin.get(f"/treatment/patients/{patient.id}/notes/{note.id}").text
    assert "Open the audit trail" in page and "Print handouts" in page


def test_spanish_handout_names_the_modalities_and_body_regions_in_spanish(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient(first_name="Lucía", last_name="Paredes", preferred_language="Spanish")
    plan = make_plan(patient, user, diagnoses=["M54.50"])
    note = make_note(patient, user, plan=plan, keys=("nmt", "prt", "hot_pack"))
    nmt = next(e for e in note.entries if e.modality_key == "nmt")
    nmt.values = {**nmt.values, "regions": ["lower_back_l", "lower_back_r", "neck_r"]}
    db.session.commit()
    sign(note, user.id)
    ids = _heat_and_call_ids("es")
    client.get(f"/handouts/patients/{patient.id}")
    response = client.post_form(
        f"/handouts/patients/{patient.id}", {"language": "es", "handouts": [ids["heat-at-home"]]}
    )
    assert response.status_code == 302
    given = db.session.scalars(
        db.select(HandoutPrint).where(HandoutPrint.patient_id == patient.id)
    ).one()
    pdf = client.get(f"/handouts/patients/{patient.id}/prints/{given.id}.pdf").data
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "Su sesión de hoy",
        # Both halves of a region are said once, as "both sides".
        "Terapia neuromuscular: Zona lumbar, ambos lados; Nuca, lado derecho · 15 min",
        "Liberación posicional (tensión-contratensión): Glúteo, lado derecho · 10 min",
        "Compresa caliente húmeda: Zona lumbar, lado izquierdo · 15 min",
        # The bundled diagnosis titles are English: the code is given alone.
        "Motivo de la atención (código del diagnóstico): M54.50",
    ):
        assert expected in text, expected
    for english in ("Lower back", "Buttock", "Neuromuscular", "Hot pack", "left", "Low back pain"):
        assert english not in text, english
