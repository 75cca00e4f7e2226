"""Across plugins: an emergency raised by the intake screen stops the treatment note's
signature until a clinician records the review on the intake finding's page."""

from __future__ import annotations

from sqlalchemy import select

from clinic.api import db
from clinic.testing import TEST_PASSWORD, make_patient
from plugins.intake.models import IntakeFinding
from plugins.intake.tests.helpers import complete_packet
from plugins.treatment.models import Note
from plugins.treatment.tests.factories import make_note

SADDLE = {"history": {"history.saddle_numbness": "true"}}


def test_intake_emergency_blocks_signing_until_its_review_is_recorded(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(client, patient, answers_by_step=SADDLE)
    finding = db.session.scalars(select(IntakeFinding).where(IntakeFinding.emergency)).first()
    assert finding is not None
    note = make_note(patient, user)
    note_url = f"/treatment/patients/{patient.id}/notes/{note.id}"
    assert "This note cannot be signed yet" in client.get(note_url).text
    refused = client.post_form(f"{note_url}/sign", {"password": TEST_PASSWORD})
    assert refused.status_code == 409
    # Every red flag the packet raised (the emergency, and the age flag the test
    # patient's birth date raises) is reviewed on its own intake page.
    red_flags = db.session.scalars(
        select(IntakeFinding).where(
            IntakeFinding.patient_id == patient.id, IntakeFinding.kind == "red_flag"
        )
    ).all()
    for i, finding in enumerate(sorted(red_flags, key=lambda f: not f.emergency)):
        if i == 1:
            # The emergency alone reviewed is not enough while another red flag waits.
            again = client.post_form(f"{note_url}/sign", {"password": TEST_PASSWORD})
            assert again.status_code == 409
        prefix = f"f{finding.id}-"
        recorded = client.post_form(
            f"/intake/patients/{patient.id}/findings/{finding.id}/review",
            {prefix + "action": "reviewed", prefix + "note": "Sent to the emergency room"},
        )
        assert recorded.status_code == 302, recorded.text[:500]
    signed = client.post_form(f"{note_url}/sign", {"password": TEST_PASSWORD})
    assert signed.status_code == 302, signed.text[:2000]
    db.session.expire_all()
    assert db.session.get(Note, note.id).signed


# -- Every other finding kind, through the real intake hook and the treatment forms ------

NOTE = "/treatment/patients/{p}/notes/{n}"


def _note_url(note, suffix=""):
    return NOTE.format(p=note.patient_id, n=note.id) + suffix


def _findings(patient, kind):
    return db.session.scalars(
        select(IntakeFinding).where(
            IntakeFinding.patient_id == patient.id, IntakeFinding.kind == kind
        )
    ).all()


def _review_all_red_flags(client, patient):
    """The test patient's birth date raises an age red flag: review it so that only the
    finding under test decides."""
    for finding in _findings(patient, "red_flag"):
        prefix = f"f{finding.id}-"
        recorded = client.post_form(
            f"/intake/patients/{patient.id}/findings/{finding.id}/review",
            {prefix + "action": "reviewed", prefix + "note": "Asked; nothing new."},
        )
        assert recorded.status_code == 302, recorded.text[:500]


def test_a_local_finding_on_a_limb_gates_that_limb_in_notes_and_plans(app, signed_in):
    from plugins.treatment.tests.factories import note_form_data

    client, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        client,
        patient,
        answers_by_step={
            "history": {"history.skin_problem": "true", "history.skin_problem_regions": ["calf_r"]}
        },
    )
    assert [f.region_list() for f in _findings(patient, "local")] == [["calf_r"]]
    _review_all_red_flags(client, patient)
    note = make_note(patient, user, keys=("nmt",))
    entry = note.entries[0]
    on_calf = note_form_data(note, subjective="calf", **{f"e{entry.id}-regions": ["calf_r"]})
    refused = client.post_form(_note_url(note), on_calf)
    assert refused.status_code == 400
    assert "Wound, burn, rash or skin infection" in refused.text
    db.session.expire_all()
    assert db.session.get(Note, note.id).subjective != "calf"
    # The same entry on the back (away from the limb) saves and signs.
    assert client.post_form(_note_url(note), note_form_data(note)).status_code == 302
    assert (
        client.post_form(_note_url(note, "/sign"), {"password": TEST_PASSWORD}).status_code == 302
    )
    plan = {
        "diagnoses": "M54.50",
        "times_per_week": "1",
        "weeks": "6",
        "start_date": note.session_date.isoformat(),
        "m_nmt-use": "y",
        "m_nmt-regions": "calf_r",
        "m_nmt-minutes": "20",
    }
    plan_url = f"/treatment/patients/{patient.id}/plans/new"
    assert client.post_form(plan_url, plan).status_code == 400
    plan["m_nmt-regions"] = "calf_l"
    assert client.post_form(plan_url, plan).status_code == 302


def test_fever_refuses_heat_and_blocks_signing_until_cleared(app, signed_in):
    from plugins.treatment.tests.factories import note_form_data

    client, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(client, patient, answers_by_step={"history": {"history.fever": "true"}})
    assert {f.code for f in _findings(patient, "heat")} >= {"fever_heat"}
    (absolute,) = [f for f in _findings(patient, "absolute") if f.code == "fever"]
    _review_all_red_flags(client, patient)
    note = make_note(patient, user, keys=("hot_pack",))
    refused = client.post_form(_note_url(note), note_form_data(note, subjective="hot"))
    assert refused.status_code == 400
    assert "No heat: fever" in refused.text or "No heat anywhere" in refused.text
    # An absolute contraindication: a review alone does not lift it, a clearance does.
    other = make_note(patient, user, keys=("nmt",))
    assert (
        client.post_form(_note_url(other, "/sign"), {"password": TEST_PASSWORD}).status_code == 409
    )
    prefix = f"f{absolute.id}-"
    review_url = f"/intake/patients/{patient.id}/findings/{absolute.id}/review"
    reviewed = client.post_form(
        review_url, {prefix + "action": "reviewed", prefix + "note": "Seen"}
    )
    assert reviewed.status_code == 302
    assert (
        client.post_form(_note_url(other, "/sign"), {"password": TEST_PASSWORD}).status_code == 409
    )
    cleared = client.post_form(
        review_url,
        {
            prefix + "action": "clearance",
            prefix + "clearance_date": note.session_date.isoformat(),
            prefix + "cleared_by": "Dr Example, GP",
            prefix + "note": "Fever gone for three days, GP agrees.",
        },
    )
    assert cleared.status_code == 302, cleared.text[:1000]
    assert (
        client.post_form(_note_url(other, "/sign"), {"password": TEST_PASSWORD}).status_code == 302
    )


def test_diabetes_asks_for_a_sensation_test_before_the_first_hot_pack(app, signed_in):
    from plugins.treatment.tests.factories import note_form_data

    client, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(client, patient, answers_by_step={"history": {"history.diabetes": "true"}})
    assert [f.code for f in _findings(patient, "heat_check")] == ["sensation_test"]
    _review_all_red_flags(client, patient)
    note = make_note(patient, user, keys=("hot_pack",))
    entry = note.entries[0]
    refused = client.post_form(_note_url(note), note_form_data(note))
    assert refused.status_code == 400
    assert "Test sensation before the first hot pack" in refused.text
    tested = {f"e{entry.id}-sensation_test": "Warm and cold felt normally over the low back"}
    assert client.post_form(_note_url(note), note_form_data(note, **tested)).status_code == 302
    assert (
        client.post_form(_note_url(note, "/sign"), {"password": TEST_PASSWORD}).status_code == 302
    )


def _section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin + len(start))]


def test_forms_show_each_caution_beside_the_entry_it_concerns(app, signed_in):
    client, user = signed_in("therapist")
    patient = make_patient()
    complete_packet(
        client,
        patient,
        answers_by_step={
            "history": {
                "history.skin_problem": "true",
                "history.skin_problem_regions": ["calf_r"],
                "history.diabetes": "true",
            }
        },
    )
    note = make_note(patient, user, keys=("nmt", "hot_pack"))
    page = client.get(_note_url(note)).text
    banner = _section(page, 'class="patient-banner"', "</section>")
    nmt = _section(page, "<legend>Neuromuscular therapy (NMT)</legend>", "</fieldset>\n")
    hot = _section(page, "<legend>Hot pack</legend>", "</fieldset>\n")
    skin = "Wound, burn, rash or skin infection: avoid the area"
    sensation = "Sensation test before the first hot pack"
    # Not listed at the top any more (only counted there) ...
    assert skin not in banner and sensation not in banner
    assert "Cautions are shown beside the entries they concern" in banner
    # ... but beside the entries they concern, and only there.
    assert skin in nmt and "(Calf, right)" in nmt
    assert sensation not in nmt
    assert sensation in hot and skin in hot  # a local finding applies to every modality
    plan_page = client.get(f"/treatment/patients/{patient.id}/plans/new").text
    plan_nmt = _section(plan_page, "<legend>Neuromuscular therapy (NMT)</legend>", "</fieldset>\n")
    plan_hot = _section(plan_page, "<legend>Hot pack</legend>", "</fieldset>\n")
    assert skin in plan_nmt and sensation not in plan_nmt
    assert sensation in plan_hot
    # The chart still lists every finding in full.
    chart = client.get(f"/patients/{patient.id}").text
    assert skin in chart and sensation in chart
