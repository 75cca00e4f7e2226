"""The treatment safety gates through the web forms (docs/clinical-rules.md, "Treatment
gates and checks"): unresolved findings stop signing, local contraindications and heat
findings gate every entry, the sensation test, skin reactions, the counterstrain target,
and the rules the forms share with the domain tests."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from clinic.api import AuditEvent, SafetyFlag, clinic_today, db, hookimpl
from clinic.testing import TEST_PASSWORD, make_patient
from plugins.treatment.models import Note, Plan
from plugins.treatment.tests.factories import make_note, make_plan, note_form_data


class Flags:
    """Stands in for the intake plugin's answer to patient_safety_flags."""

    def __init__(self):
        self.flags: list[SafetyFlag] = []

    @hookimpl
    def patient_safety_flags(self, patient):
        return list(self.flags)


@pytest.fixture
def flags(app):
    holder = Flags()
    app.extensions["clinic"].pm.register(holder, name="flags-test")
    return holder


@pytest.fixture
def therapist(signed_in):
    return signed_in("therapist")


def url(note, suffix=""):
    return f"/treatment/patients/{note.patient_id}/notes/{note.id}{suffix}"


def events(kind):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.event_type == kind)).all()


def fresh(note) -> Note:
    db.session.expire_all()
    return db.session.get(Note, note.id)


def emergency(patient, **kw) -> SafetyFlag:
    return SafetyFlag(
        "cauda_equina",
        "red_flag",
        "Saddle numbness reported",
        "Same-day emergency care",
        emergency=True,
        link_endpoint="patients.chart",
        link_values={"patient_id": patient.id},
        **kw,
    )


# -- 1: findings that stop signing ------------------------------------------------


def test_a_no_plan_note_cannot_be_signed_until_the_emergency_is_reviewed(app, therapist, flags):
    client, user = therapist
    patient = make_patient()
    flags.flags.append(emergency(patient))
    started = client.post_form(
        f"/treatment/patients/{patient.id}/notes/new",
        {"plan_id": "", "session_date": clinic_today().isoformat(), "nonce": "no-plan"},
    )
    assert started.status_code == 302  # starting a draft stays possible
    note = make_note(patient, user)  # a complete draft without a plan
    assert note.plan_id is None
    page = client.get(url(note))
    assert "This note cannot be signed yet" in page.text
    assert "Emergency not yet reviewed by a clinician: Saddle numbness reported" in page.text
    linked = page.text.replace("%2F", "/")  # "/" in the way back may be escaped or not
    assert f'<a href="/patients/{patient.id}?back={url(note)}">review this finding</a>' in linked
    # Saving the draft still works.
    assert client.post_form(url(note), note_form_data(note, subjective="later")).status_code == 302
    refused = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert refused.status_code == 409
    assert "Saddle numbness reported" in refused.text
    assert not fresh(note).signed
    assert events("treatment.note.sign_refused")
    flags.flags[0] = emergency(patient, reviewed=True)
    assert "This note cannot be signed yet" not in client.get(url(note)).text
    signed = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert signed.status_code == 302, signed.text
    assert fresh(note).signed


def test_an_absolute_contraindication_blocks_signing_until_cleared_not_just_reviewed(
    app, therapist, flags
):
    client, user = therapist
    patient = make_patient()
    note = make_note(patient, user, plan=make_plan(patient, user))
    fever = dict(code="fever", kind="absolute", message="Fever today", advice="Reschedule")
    flags.flags.append(SafetyFlag(**fever, reviewed=True))
    refused = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert refused.status_code == 409
    assert "Contraindication not yet cleared by a clinician: Fever today" in refused.text
    flags.flags[0] = SafetyFlag(**fever, cleared=True)
    assert client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD}).status_code == 302


# -- 3: local contraindications, every modality, notes and plans ---------------------


def test_nmt_over_a_local_contraindication_is_refused_unless_a_real_reason_is_written(
    app, therapist, flags
):
    client, user = therapist
    patient = make_patient()
    flags.flags.append(
        SafetyFlag("scar", "local", "Surgery scar, 3 weeks", "Avoid", regions=("lower_back_l",))
    )
    note = make_note(patient, user, keys=("nmt",))
    entry = note.entries[0]
    page = client.get(url(note))
    assert "Reason to treat here despite a local contraindication" in page.text
    refused = client.post_form(url(note), note_form_data(note, subjective="x"))
    assert refused.status_code == 400
    assert "Avoid Lower back, left: Surgery scar, 3 weeks" in refused.text
    assert fresh(note).subjective != "x"
    short = note_form_data(note, subjective="x", **{f"e{entry.id}-local_override": "ok"})
    assert client.post_form(url(note), short).status_code == 400
    elsewhere = note_form_data(note, **{f"e{entry.id}-regions": ["lower_back_r"]})
    assert client.post_form(url(note), elsewhere).status_code == 302
    reason = "Worked 10 cm above the scar, light pressure only"
    data = note_form_data(note, **{f"e{entry.id}-local_override": reason})
    data["version"] = str(fresh(note).version)
    assert client.post_form(url(note), data).status_code == 302
    assert fresh(note).entries[0].local_override_reason == reason
    audit = events("treatment.local_override")
    assert len(audit) == 1 and reason in audit[0].detail


def test_a_local_finding_without_regions_covers_prt_and_the_plan_everywhere(app, therapist, flags):
    client, user = therapist
    patient = make_patient()
    flags.flags.append(SafetyFlag("lump", "local", "Undiagnosed lump", "Refer"))
    note = make_note(patient, user, keys=("prt",))
    refused = client.post_form(url(note), note_form_data(note))
    assert refused.status_code == 400
    assert "Local contraindication, no area marked: Undiagnosed lump" in refused.text
    plan_url = f"/treatment/patients/{patient.id}/plans/new"
    plan = {
        "diagnoses": "M54.50",
        "times_per_week": "1",
        "weeks": "6",
        "start_date": clinic_today().isoformat(),
        "m_nmt-use": "y",
        "m_nmt-regions": "calf_r",
        "m_nmt-minutes": "20",
    }
    assert client.post_form(plan_url, plan).status_code == 400
    assert db.session.scalars(select(Plan)).all() == []
    plan["m_nmt-local_override"] = "GP letter: lump is a known lipoma"
    assert client.post_form(plan_url, plan).status_code == 302
    saved = db.session.scalars(select(Plan)).one()
    assert saved.modalities[0].local_override_reason.startswith("GP letter")


# -- 4 and 5: one rule each -------------------------------------------------------------


def test_a_heat_override_reason_of_ok_is_refused(app, therapist, flags):
    client, user = therapist
    flags.flags.append(SafetyFlag("dvt", "heat", "Clot in the left leg", "No heat"))
    note = make_note(make_patient(), user, keys=("hot_pack",))
    entry = note.entries[0]
    data = note_form_data(note, subjective="x", **{f"e{entry.id}-heat_override": "ok"})
    refused = client.post_form(url(note), data)
    assert refused.status_code == 400
    assert "No heat anywhere: Clot in the left leg" in refused.text
    assert "at least 10 characters" in refused.text
    assert fresh(note).subjective != "x"


def test_a_new_note_copies_technique_but_never_last_sessions_observations(app, therapist):
    client, user = therapist
    patient = make_patient()
    plan = make_plan(patient, user)
    make_note(patient, user, plan=plan, signed=True, day=clinic_today() - dt.timedelta(days=7))
    response = client.post_form(
        f"/treatment/patients/{patient.id}/notes/new",
        {"plan_id": str(plan.id), "session_date": clinic_today().isoformat(), "nonce": "n1"},
    )
    assert response.status_code == 302
    note = db.session.scalars(select(Note).where(Note.nonce == "n1")).one()
    nmt, prt, hot = (e.values for e in note.entries)
    assert nmt["muscle"] == "quadratus_lumborum" and nmt["pressure"] == 7
    for values, observed in (
        (nmt, ("tenderness_before", "tenderness_after", "trigger_point")),
        (prt, ("tenderness_before", "tenderness_after", "percent_reduction")),
        (hot, ("skin_response", "skin_checks", "screen_confirmed")),
    ):
        assert not set(observed) & set(values), observed


def test_billable_minutes_are_totalled_per_modality(app, therapist):
    client, user = therapist
    patient = make_patient()
    note = make_note(patient, user, keys=("nmt", "nmt"))
    note.entries[1].minutes = 10
    note.entries[1].values = {**note.entries[1].values, "minutes": 10}
    db.session.commit()
    assert client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD}).status_code == 302
    services = app.extensions["clinic"].collect(
        "billable_services", patient=patient, start=note.session_date, end=note.session_date
    )
    assert [(s.service, s.minutes) for s in services] == [("treatment.nmt", 25)]
    page = client.get(f"/treatment/patients/{patient.id}/sessions")
    assert "Neuromuscular therapy (NMT) (25)" in page.text


def test_a_heat_check_finding_needs_a_sensation_test_before_the_first_hot_pack(
    app, therapist, flags
):
    client, user = therapist
    patient = make_patient()
    flags.flags.append(SafetyFlag("diabetes", "heat_check", "Diabetes", "Test sensation"))
    note = make_note(patient, user, keys=("hot_pack",))
    entry = note.entries[0]
    refused = client.post_form(url(note), note_form_data(note))
    assert refused.status_code == 400
    assert "Test sensation before the first hot pack: Diabetes" in refused.text
    tested = {f"e{entry.id}-sensation_test": "Sharp/blunt and warm/cold normal over low back"}
    assert client.post_form(url(note), note_form_data(note, **tested)).status_code == 302
    assert client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD}).status_code == 302
    # The test is on record now: the next hot pack does not ask again.
    later = make_note(patient, user, keys=("hot_pack",))
    assert client.post_form(url(later), note_form_data(later)).status_code == 302


# -- 12: skin reactions and the counterstrain target --------------------------------------


def test_a_hot_pack_skin_reaction_needs_the_follow_up_before_signing(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, keys=("hot_pack",))
    entry = note.entries[0]
    blister = {f"e{entry.id}-skin_response": "persistent_redness"}
    assert client.post_form(url(note), note_form_data(note, **blister)).status_code == 302
    refused = client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD})
    assert refused.status_code == 400
    assert "write the follow-up for the skin reaction before signing" in refused.text
    assert not fresh(note).signed
    follow_up = {**blister, f"e{entry.id}-follow_up": "Cool compress; redness gone at 20 min"}
    data = note_form_data(note, **follow_up)
    data["version"] = str(fresh(note).version)
    assert client.post_form(url(note), data).status_code == 302
    assert client.post_form(url(note, "/sign"), {"password": TEST_PASSWORD}).status_code == 302


def test_prt_below_the_clinic_target_asks_whether_the_position_was_held_long_enough(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user, keys=("prt",))
    entry = note.entries[0]
    data = note_form_data(note, **{f"e{entry.id}-percent_reduction": "50"})
    saved = client.post_form(url(note), data, follow_redirects=True)
    assert saved.status_code == 200
    assert "Tenderness fell only 50 % in the position (target 70 %)" in saved.text
    assert "held long enough" in saved.text


# -- 13: ICD-10 coding notes on the plan form -------------------------------------------


def test_plan_form_shows_the_m54_51_hint_and_flags_segmental_codes(app, therapist):
    client, _user = therapist
    patient = make_patient()
    data = {"diagnoses": "M54.51, M99.03", "times_per_week": "1", "weeks": "6"}
    page = client.post_form(f"/treatment/patients/{patient.id}/plans/new", data)
    assert page.status_code == 400  # no start date or modality yet: the form comes back
    assert "imaging has confirmed endplate changes" in page.text
    assert "M99.03: A segmental dysfunction code" in page.text
    found = client.get("/treatment/icd10?q=M54.51", headers={"Accept": "application/json"})
    assert "imaging" in found.json["results"][0]["notes"][0]


# -- issue 11: autosave and error banners --------------------------------------------------


def test_an_autosaved_end_time_survives_a_reload(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user)
    data = note_form_data(note, end_time="10:45", subjective="typed")
    assert client.post_form(url(note, "/autosave"), data).status_code == 200
    page = client.get(url(note)).text
    assert 'value="10:45"' in page
    assert "typed" in page


def test_a_refused_save_shows_one_error_banner(app, therapist):
    client, user = therapist
    note = make_note(make_patient(), user)
    refused = client.post_form(url(note), note_form_data(note, pain_before="11"))
    assert refused.status_code == 400
    assert refused.text.count('role="alert"') == 1
