"""A clinic can load its licensed wording as a pasted table or CSV file, checked exactly
like a FHIR pack.  All text here is invented."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from clinic.api import db
from plugins.intake.instruments import get
from plugins.intake.instruments import get as get_definition
from plugins.intake.models import IntakeWordingPack
from plugins.intake.wording import WordingPackError, parse_pack, questionnaire_from_table


def invented_table(instrument_id: str, sep: str = ",") -> str:
    lines = [f"id{sep}text"]
    for item in get(instrument_id).items:
        lines.append(f"{item.id}{sep}Invented question {item.id}, with a comma")
        for value in item.option_values:
            lines.append(f"{item.id}:{value}{sep}Invented answer {value}")
    return "\n".join(lines)


@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_complete_table_becomes_a_pack(sep):
    raw = questionnaire_from_table("peg", invented_table("peg", sep), "clinic-2026")
    pack = parse_pack("peg", raw)
    # The clinic's label follows the definition version the table's item ids belong to.
    assert pack.version == f"{get_definition('peg').version}+clinic-2026"
    assert pack.texts["peg.1"] == "Invented question peg.1, with a comma"
    assert pack.texts["peg.1:0"] == "Invented answer 0"


def test_a_table_is_checked_like_a_fhir_pack():
    table = invented_table("peg").replace("peg.2", "peg.x")
    with pytest.raises(WordingPackError) as caught:
        questionnaire_from_table("peg", table, "v1")
    text = " ".join(caught.value.problems)
    assert "'peg.x' does not match" in text and "no wording for: peg.2" in text


def test_rows_without_text_are_named():
    with pytest.raises(WordingPackError) as caught:
        questionnaire_from_table("peg", "id,text\npeg.1\n", "v1")
    assert caught.value.problems == ["Row 1: give the item id, then the text."]


def test_admin_pastes_a_table_and_the_pack_is_used(signed_in):
    admin, _ = signed_in("admin", username="boss")
    page = admin.get("/intake/admin/wording").text
    assert "Where to get the text" in page and "peg.1:0," in page
    response = admin.post_form(
        "/intake/admin/wording",
        {
            "instrument": "peg",
            "table": invented_table("peg"),
            "version": "2026-01",
            "activate": "y",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    row = db.session.scalars(select(IntakeWordingPack)).one()
    assert row.active and row.pack_version == f"{get_definition('peg').version}+2026-01"
    assert parse_pack("peg", row.json_text.encode()).texts["peg.3"].startswith("Invented question")


def test_admin_uploads_a_csv_file(signed_in):
    admin, _ = signed_in("admin", username="boss")
    response = admin.post(
        "/intake/admin/wording",
        data={
            "csrf_token": admin.csrf_token(),
            "instrument": "peg",
            "version": "paper-2024",
            "activate": "y",
            "pack": (io.BytesIO(invented_table("peg").encode("utf-8-sig")), "peg.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text[:3000]
    stored = db.session.scalars(select(IntakeWordingPack)).one().pack_version
    assert stored == f"{get_definition('peg').version}+paper-2024"


def test_a_bad_table_loads_nothing_and_says_why(signed_in):
    admin, _ = signed_in("admin", username="boss")
    refused = admin.post_form(
        "/intake/admin/wording",
        {"instrument": "peg", "table": "id,text\npeg.1,Only one question", "version": "v"},
    )
    assert refused.status_code == 422
    assert "The pack has no wording for: peg.2, peg.3." in refused.text.replace("&#39;", "'")
    no_version = admin.post_form(
        "/intake/admin/wording", {"instrument": "peg", "table": invented_table("peg")}
    )
    assert no_version.status_code == 422 and "version or date" in no_version.text
    assert db.session.scalars(select(IntakeWordingPack)).first() is None
