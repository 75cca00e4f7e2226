"""FHIR R4 Questionnaire and QuestionnaireResponse export shapes."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from plugins.intake.fhir import (
    CANONICAL_BASE,
    ORDINAL_EXTENSION,
    PACK_EXTENSION,
    SCORE_EXTENSION,
    questionnaire,
    questionnaire_response,
)
from plugins.intake.instruments import all_definitions, get, validate
from plugins.intake.scoring import score
from plugins.intake.wording import parse_pack, placeholder_pack

AUTHORED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def items_by_link(resource):
    return {i["linkId"]: i for i in resource["item"]}


@pytest.mark.parametrize("instrument_id", list(all_definitions()))
def test_every_instrument_exports_as_a_questionnaire(instrument_id):
    defn = get(instrument_id)
    q = questionnaire(defn)
    assert q["resourceType"] == "Questionnaire"
    assert q["url"] == CANONICAL_BASE + instrument_id
    assert q["version"] == defn.version
    assert q["status"] == "active"
    assert [i["linkId"] for i in q["item"]] == list(defn.item_ids)
    assert json.loads(json.dumps(q)) == q


@pytest.mark.parametrize("instrument_id", list(all_definitions()))
def test_an_exported_questionnaire_is_a_valid_pack_skeleton(instrument_id):
    q = questionnaire(get(instrument_id))
    q["version"] += "+round-trip"
    pack = parse_pack(instrument_id, json.dumps(q).encode())
    assert pack.item_text(q["item"][0]["linkId"]) == q["item"][0]["text"]


def test_questionnaire_without_pack_uses_our_labels_and_scores():
    q = questionnaire(get("odi"))
    first = items_by_link(q)["odi.1"]
    assert first["text"] == "ODI section 1: pain intensity"
    assert first["type"] == "choice" and first["required"] is False
    option = first["answerOption"][5]
    assert option["valueCoding"]["code"] == "5"
    assert option["extension"] == [{"url": ORDINAL_EXTENSION, "valueDecimal": 5.0}]
    assert "Mapi" in q["copyright"]
    assert "extension" not in q


def test_questionnaire_with_pack_uses_pack_wording_and_records_its_version():
    pack = parse_pack("odi", placeholder_pack("odi", version="licensed-3"))
    q = questionnaire(get("odi"), pack)
    first = items_by_link(q)["odi.1"]
    assert first["text"] == "Made-up wording for odi.1"
    assert first["answerOption"][2]["valueCoding"]["display"] == "Made-up answer 2"
    assert q["extension"] == [{"url": PACK_EXTENSION, "valueString": "2.1a+licensed-3"}]


def test_pack_for_another_instrument_is_refused():
    pack = parse_pack("peg", placeholder_pack("peg"))
    with pytest.raises(ValueError, match="for peg"):
        questionnaire(get("odi"), pack)


def test_skip_logic_limits_and_repeats_are_exported():
    items = items_by_link(questionnaire(get("history")))
    weeks = items["history.pregnancy_weeks"]
    assert weeks["type"] == "integer"
    assert weeks["enableWhen"] == [
        {"question": "history.pregnant", "operator": "=", "answerBoolean": True}
    ]
    assert {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 45} in (
        weeks["extension"]
    )
    assert items["history.numbness_regions"]["repeats"] is True
    steroid = items["history.steroid_duration"]
    assert steroid["enableWhen"][0]["answerCoding"]["code"] == "steroid"
    assert items["history.medication_list"]["maxLength"] == 2000


def test_consent_questionnaire_carries_the_consent_text():
    q = questionnaire(get("consent"))
    assert q["description"].startswith("Consent to treatment")
    assert items_by_link(q)["consent.signature"]["type"] == "string"


def test_scored_response_includes_answers_and_scores():
    defn = get("sbst")
    answers = validate("sbst", {f"sbst.{n}": 1 for n in range(1, 9)} | {"sbst.9": 4})
    result = score("sbst", answers)
    qr = questionnaire_response(
        defn,
        answers,
        result=result,
        authored=AUTHORED,
        subject_ref="Patient/17",
        author="Practitioner/3",
        pack_version="licensed-1",
    )
    assert qr["resourceType"] == "QuestionnaireResponse"
    assert qr["status"] == "completed"
    assert qr["questionnaire"] == CANONICAL_BASE + "sbst|keele-9"
    assert qr["subject"] == {"reference": "Patient/17"}
    assert qr["author"] == {"reference": "Practitioner/3"}
    assert qr["authored"] == "2026-03-02T09:30:00+00:00"
    first = items_by_link(qr)["sbst.1"]
    assert first["answer"] == [
        {
            "valueCoding": {
                "system": first["answer"][0]["valueCoding"]["system"],
                "code": "1",
                "display": "Agree",
            }
        }
    ]
    scores, pack = qr["extension"]
    assert scores["url"] == SCORE_EXTENSION
    assert {"url": "total", "valueDecimal": 9.0} in scores["extension"]
    assert {"url": "band", "valueString": "high"} in scores["extension"]
    assert {"url": "risk", "valueString": "high"} in scores["extension"]
    assert {"url": "subscale-psychosocial", "valueDecimal": 5.0} in scores["extension"]
    assert pack == {"url": PACK_EXTENSION, "valueString": "licensed-1"}
    assert json.loads(json.dumps(qr)) == qr


def test_odi_response_lists_percent_and_missing_sections():
    answers = validate("odi", {f"odi.{n}": 2 for n in range(1, 10)}, partial=True)
    qr = questionnaire_response(
        get("odi"),
        answers,
        result=score("odi", answers),
        authored=AUTHORED,
        subject_ref="Patient/1",
        author="Front desk",
        pack_version=None,
    )
    (scores,) = qr["extension"]
    assert {"url": "percent", "valueDecimal": 40.0} in scores["extension"]
    assert {"url": "missing", "valueString": "odi.10"} in scores["extension"]
    assert qr["author"] == {"display": "Front desk"}
    assert len(qr["item"]) == 9


def test_history_response_types_each_answer():
    answers = validate(
        "history",
        {
            "history.fever": "no",
            "history.recent_surgery": "yes",
            "history.surgery_weeks": "3",
            "history.recent_surgery_regions": ["knee_l", "knee_r"],
            "history.surgery_details": "keyhole",
        },
        partial=True,
    )
    qr = questionnaire_response(
        get("history"),
        answers,
        authored=dt.datetime(2026, 3, 2, 9, 30),  # naive = UTC
        subject_ref="Patient/1",
        author="Patient/1",
        pack_version=None,
    )
    items = items_by_link(qr)
    assert items["history.fever"]["answer"] == [{"valueBoolean": False}]
    assert items["history.surgery_weeks"]["answer"] == [{"valueInteger": 3}]
    assert [
        a["valueCoding"]["code"] for a in items["history.recent_surgery_regions"]["answer"]
    ] == [
        "knee_l",
        "knee_r",
    ]
    assert items["history.surgery_details"]["answer"] == [{"valueString": "keyhole"}]
    assert qr["authored"].endswith("+00:00")
    assert "extension" not in qr


def test_consent_response_has_a_date_answer():
    answers = validate(
        "consent",
        {"consent.agree": True, "consent.signature": "Ana Lima", "consent.date": "2026-03-02"},
    )
    qr = questionnaire_response(
        get("consent"),
        answers,
        authored=AUTHORED,
        subject_ref="Patient/2",
        author="Patient/2",
        pack_version=None,
    )
    assert items_by_link(qr)["consent.date"]["answer"] == [{"valueDate": "2026-03-02"}]
    assert qr["questionnaire"].endswith("consent|1.0")


def test_response_text_follows_the_pack():
    pack = parse_pack("peg", placeholder_pack("peg"))
    answers = {"peg.1": 3, "peg.2": 4, "peg.3": 5}
    qr = questionnaire_response(
        get("peg"),
        answers,
        authored=AUTHORED,
        subject_ref="Patient/2",
        author="x",
        pack_version=pack.version,
        pack=pack,
    )
    assert items_by_link(qr)["peg.1"]["text"] == "Made-up wording for peg.1"
    assert items_by_link(qr)["peg.1"]["answer"][0]["valueCoding"]["display"] == "Made-up answer 3"


def test_authored_must_be_a_datetime():
    with pytest.raises(TypeError):
        questionnaire_response(
            get("peg"),
            {},
            authored="2026-01-01",
            subject_ref="Patient/1",
            author="x",
            pack_version=None,
        )


def sample_answer(item):
    """Some valid answer for any item type."""
    if item.type == "choice":
        return item.options[-1].value
    if item.type == "multichoice":
        return [o.value for o in item.options]
    if item.type == "integer":
        return item.max if item.max is not None else 1
    if item.type == "boolean":
        return True
    if item.type == "date":
        return "2026-03-02"
    return "Ana Lima"


@pytest.mark.parametrize("instrument_id", list(all_definitions()))
def test_every_item_of_every_instrument_round_trips_to_a_response(instrument_id):
    defn = get(instrument_id)
    answers = validate(defn, {i.id: sample_answer(i) for i in defn.items})
    # With every box ticked and every question answered "yes", every follow-up is asked.
    assert set(answers) == set(defn.item_ids)
    qr = questionnaire_response(
        defn, answers, authored=AUTHORED, subject_ref="Patient/1", author="x", pack_version=None
    )
    assert [i["linkId"] for i in qr["item"]] == [i for i in defn.item_ids if i in answers]
    assert all(i["answer"] for i in qr["item"])
