"""Signed visits → proposed CPT lines → accepted claims, exports and the superbill."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pypdf
import pytest
from sqlalchemy import func, select

from clinic.api import clinic_today, db
from clinic.testing import make_patient
from plugins.insurance.models import Claim, ClaimLine, FeeScheduleEntry
from plugins.insurance.tests.factories import make_claim, make_payer, make_policy
from plugins.insurance.tests.sources import audited, install

# The test app's clinic zone (the default): its day, not the server's.
TODAY = clinic_today(ZoneInfo("America/New_York"))


def _visit(source, patient, *, split=1):
    source.add(patient, "treatment.nmt", 23, split=split)
    source.add(patient, "treatment.prt", 15, split=split)
    source.add(patient, "treatment.hot_pack", 15, timed=False)


@pytest.mark.parametrize("split", [1, 3], ids=["one-per-modality", "one-per-entry"])
def test_default_mapping_gives_97140_x3_and_97010_x1(app, signed_in, split):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    _visit(source, patient, split=split)
    page = client.get(f"/insurance/patients/{patient.id}/coding").text
    assert "38 timed minutes" in page
    rows = {
        code: page.split(f"<td>{code}</td>", 1)[1].split("</tr>", 1)[0]
        for code in ("97140", "97010")
    }
    assert '<td class="num">38</td><td class="num">3</td>' in rows["97140"]
    assert '<td class="num">1</td>' in rows["97010"]
    # Self-pay: $60 an hour is $15 a unit.
    assert "$45.00" in rows["97140"] and "$15.00" in rows["97010"]
    assert audited("insurance.coding.view")


def test_accepting_a_visit_makes_a_claim_with_modifiers_pointers_and_fees(app, signed_in):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    payer = make_payer(name="Acme Health", pays_97010=False)
    payer.fees = [FeeScheduleEntry(cpt_code="97140", amount=Decimal("31.37"))]
    db.session.commit()
    make_policy(patient, payer, member_id="ACM-1")
    source.plan(patient, "M54.50", "M62.830")
    _visit(source, patient)
    page = client.get(f"/insurance/patients/{patient.id}/coding").text
    assert 'value="M54.50, M62.830"' in page
    assert "Bundled: this payer does not pay 97010 separately" in page
    response = client.post_form(
        f"/insurance/patients/{patient.id}/visits/{TODAY.isoformat()}/accept",
        {"diagnoses": "M54.50, M62.830"},
    )
    assert response.status_code == 302
    claim = db.session.scalars(select(Claim)).one()
    lines = {line.cpt_code: line for line in claim.lines}
    assert (lines["97140"].units, lines["97140"].modifiers, lines["97140"].pointers) == (
        3,
        ["GP"],
        "AB",
    )
    assert lines["97140"].charge == Decimal("94.11")  # 3 × 31.37, exact
    assert lines["97010"].bundled and lines["97010"].charge == Decimal("0.00")
    assert claim.total_charge == Decimal("94.11")
    assert claim.payer_id == payer.id and claim.diagnoses == ["M54.50", "M62.830"]
    # Once accepted, the visit leaves the to-code list and cannot be accepted twice.
    page = client.get(f"/insurance/patients/{patient.id}/coding").text
    assert "Accept visit" not in page
    again = client.post_form(
        f"/insurance/patients/{patient.id}/visits/{TODAY.isoformat()}/accept",
        {"diagnoses": "M54.50"},
        follow_redirects=True,
    )
    assert "already a claim" in again.text
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 1


def test_ncci_pair_gets_the_bypass_modifier_on_column_two(app, signed_in):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    client.post_form("/insurance/mapping", {"service_key": "fake.activities", "cpt_code": "97530"})
    source.add(patient, "fake.activities", 15)
    source.add(patient, "treatment.nmt", 15)
    page = client.get(f"/insurance/patients/{patient.id}/coding").text
    row = page.split("<td>97140</td>", 1)[1].split("</tr>", 1)[0]
    assert "<td>59</td>" in row and "NCCI pair with 97530" in row


def test_unmapped_services_are_listed_and_block_acceptance_until_mapped(app, signed_in):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    source.plan(patient, "M54.50")
    source.add(patient, "treatment.nmt", 30)
    source.add(patient, "other.cupping", 10)
    page = client.get(f"/insurance/patients/{patient.id}/coding").text
    assert "Services with no CPT mapping" in page and "other.cupping" in page
    url = f"/insurance/patients/{patient.id}/visits/{TODAY.isoformat()}/accept"
    refused = client.post_form(url, {"diagnoses": "M54.50"}, follow_redirects=True)
    assert "map these services to a CPT code first: other.cupping" in refused.text
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 0
    client.post_form("/insurance/mapping", {"service_key": "other.cupping", "cpt_code": ""})
    assert client.post_form(url, {"diagnoses": "M54.50"}).status_code == 302
    claim = db.session.scalars(select(Claim)).one()
    assert [(ln.cpt_code, ln.units) for ln in claim.lines] == [("97140", 2)]


def test_a_tie_lets_the_biller_choose_the_code(app, signed_in):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    client.post_form("/insurance/mapping", {"service_key": "fake.exercise", "cpt_code": "97110"})
    source.add(patient, "treatment.nmt", 20)
    source.add(patient, "fake.exercise", 20)
    page = client.get(f"/insurance/patients/{patient.id}/coding").text
    assert "Tie: 97140 and 97110" in page
    url = f"/insurance/patients/{patient.id}/visits/{TODAY.isoformat()}/accept"
    client.post_form(url, {"diagnoses": "M54.50", "choose": "97110"})
    claim = db.session.scalars(select(Claim)).one()
    assert {ln.cpt_code: ln.units for ln in claim.lines} == {"97140": 1, "97110": 2}


def test_unknown_icd_codes_are_refused(app, signed_in):
    client, _ = signed_in("billing")
    source = install(app)
    patient = make_patient()
    source.add(patient, "treatment.nmt", 30)
    url = f"/insurance/patients/{patient.id}/visits/{TODAY.isoformat()}/accept"
    refused = client.post_form(url, {"diagnoses": "Z99.999, M54.5"}, follow_redirects=True)
    assert "Not accepted:" in refused.text and "Z99.999" in refused.text
    empty = client.post_form(url, {"diagnoses": ""}, follow_redirects=True)
    assert "add at least one diagnosis code" in empty.text
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 0


def test_claim_status_moves_draft_submitted_denied_appealed_paid(app, signed_in):
    client, user = signed_in("billing")
    patient = make_patient()
    claim = make_claim(patient, user, payer=make_payer())
    url = f"/insurance/patients/{patient.id}/claims/{claim.id}/status"
    wrong = client.post_form(url, {"status": "paid"})
    assert wrong.status_code == 400 and "Not a valid choice" in wrong.text
    assert client.post_form(url, {"status": "submitted"}).status_code == 302
    no_reason = client.post_form(url, {"status": "denied"})
    assert no_reason.status_code == 400 and "Say why the claim was denied." in no_reason.text
    follow = (TODAY + dt.timedelta(days=14)).isoformat()
    client.post_form(
        url, {"status": "denied", "denial_reason": "CO-97 bundled", "follow_up_on": follow}
    )
    client.post_form(url, {"status": "appealed", "follow_up_on": follow})
    client.post_form(url, {"status": "paid", "amount_paid": "40.10"})
    db.session.expire_all()
    assert claim.status == "paid" and claim.amount_paid == Decimal("40.10")
    assert claim.denial_reason == "CO-97 bundled" and claim.submitted_on == TODAY
    assert len(audited("insurance.claim.status")) == 4


def test_claim_lines_refuse_negative_values_and_other_patients_lines(app, signed_in):
    client, user = signed_in("billing")
    patient, other = make_patient(), make_patient()
    claim = make_claim(patient, user)
    foreign = make_claim(other, user)
    line = claim.lines[0]
    url = f"/insurance/patients/{patient.id}/claims/{claim.id}/lines"
    bad = client.post_form(
        f"{url}/{line.id}",
        {f"l{line.id}-units": "-1", f"l{line.id}-minutes": "-5", f"l{line.id}-modifiers": "GP"},
    )
    assert bad.status_code == 400 and "0 to 32 units." in bad.text and "0 to 480" in bad.text
    stolen = client.post_form(
        f"{url}/{foreign.lines[0].id}",
        {"units": "9", "minutes": "120", "modifiers": ""},
    )
    assert stolen.status_code == 404
    db.session.expire_all()
    assert (line.units, foreign.lines[0].units) == (3, 3)
    ok = client.post_form(
        f"{url}/{line.id}",
        {f"l{line.id}-units": "2", f"l{line.id}-minutes": "30", f"l{line.id}-modifiers": "gp, 59"},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert (line.units, line.modifiers, line.charge) == (2, ["GP", "59"], Decimal("30.00"))


def test_csv_export_neutralises_formulas_and_json_has_item_numbers(app, signed_in):
    client, user = signed_in("billing")
    patient = make_patient(first_name="=HYPERLINK(1)", last_name="@Sum")
    payer = make_payer()
    policy = make_policy(patient, payer, member_id="MEM-42", group_number="G1")
    claim = make_claim(patient, user, payer=payer, policy=policy)
    base = f"/insurance/patients/{patient.id}/claims/{claim.id}"
    response = client.get(f"{base}.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    header, first = rows[0], rows[1]
    record = dict(zip(header, first, strict=True))
    assert record["item_2"] == "'@Sum, =HYPERLINK(1)"
    assert record["item_1a"] == "MEM-42" and record["item_24D"] == "97140"
    assert record["item_24G"] == "3" and record["item_21A"] == "M54.50"
    data = json.loads(client.get(f"{base}.json").text)
    assert data["items"]["1a"] == "MEM-42" and data["items"]["21_indicator"] == "0"
    assert data["lines"][0]["24D_modifiers"] == "GP" and data["lines"][0]["24F"] == "45.00"
    assert len(audited("insurance.claim.export")) == 2


def test_superbill_pdf_lists_the_lines(app, signed_in):
    client, user = signed_in("billing")
    patient = make_patient(first_name="Sue", last_name="Perbill")
    payer = make_payer(name="Acme Health")
    claim = make_claim(patient, user, payer=payer, policy=make_policy(patient, payer))
    claim.lines.append(
        ClaimLine(
            position=2, cpt_code="97010", units=1, charge=Decimal("0"), bundled=True, pointers="A"
        )
    )
    db.session.commit()
    response = client.get(f"/insurance/patients/{patient.id}/claims/{claim.id}/superbill.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Perbill, Sue" in text and "Acme Health" in text
    assert "97140" in text and "97010" in text and "M54.50" in text and "$45.00" in text


def test_front_desk_and_therapists_cannot_reach_coding(app, signed_in):
    patient = make_patient()
    for role in ("front-desk", "therapist"):
        client, _ = signed_in(role)
        assert client.get(f"/insurance/patients/{patient.id}/coding").status_code == 403


def test_provider_npi_is_checked_and_printed_on_the_superbill(app, signed_in):
    from clinic.testing import make_user
    from plugins.insurance.models import ProviderProfile

    client, user = signed_in("billing")
    therapist = make_user("therapist", display_name="Tina Therapist")
    url = f"/insurance/providers/{therapist.id}"
    bad = client.post_form(url, {"credentials": "LMT", "npi": "1234567890"})
    assert bad.status_code == 200 and "valid check digit" in bad.text
    assert db.session.get(ProviderProfile, therapist.id) is None
    ok = client.post_form(
        url, {"credentials": "LMT", "npi": "1234567893", "license_number": "MA-77"}
    )
    assert ok.status_code == 302
    assert "1234567893" in client.get("/insurance/providers").text
    patient = make_patient()
    claim = make_claim(patient, user, provider_id=therapist.id)
    response = client.get(f"/insurance/patients/{patient.id}/claims/{claim.id}/superbill.pdf")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Tina Therapist, LMT" in text and "1234567893" in text and "MA-77" in text
    data = json.loads(client.get(f"/insurance/patients/{patient.id}/claims/{claim.id}.json").text)
    assert data["lines"][0]["24J"] == "1234567893" and data["items"]["31"] == "Tina Therapist, LMT"
