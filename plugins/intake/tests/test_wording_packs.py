"""Wording packs are checked strictly; every problem is listed.  All wording here is made up."""

from __future__ import annotations

import json

import pytest

from plugins.intake.instruments import get
from plugins.intake.wording import (
    MAX_PACK_BYTES,
    NO_PACK_NOTICE,
    WordingPack,
    WordingPackError,
    item_text,
    option_text,
    parse_pack,
    placeholder_pack,
)


def pack_dict(instrument_id="peg", **overrides):
    data = json.loads(placeholder_pack(instrument_id, version="clinic-2026"))
    data.update(overrides)
    return data


def raw(data) -> bytes:
    return json.dumps(data).encode()


def problems(instrument_id, data_or_bytes) -> list[str]:
    body = data_or_bytes if isinstance(data_or_bytes, bytes) else raw(data_or_bytes)
    with pytest.raises(WordingPackError) as info:
        parse_pack(instrument_id, body)
    assert str(info.value).startswith("The wording pack was refused")
    return info.value.problems


@pytest.mark.parametrize("instrument_id", ["nprs", "odi", "rmdq", "sbst", "peg", "history"])
def test_a_complete_pack_is_accepted(instrument_id):
    pack = parse_pack(instrument_id, placeholder_pack(instrument_id, version="v7"))
    assert isinstance(pack, WordingPack)
    defn = get(instrument_id)
    assert pack.instrument_id == instrument_id and pack.version == f"{defn.version}+v7"
    assert all(pack.item_text(i) for i in defn.item_ids)


def test_pack_texts_include_option_wording_by_item_and_value():
    pack = parse_pack("odi", placeholder_pack("odi"))
    assert pack.texts["odi.1"] == "Made-up wording for odi.1"
    assert pack.texts["odi.1:3"] == "Made-up answer 3"
    item = get("odi").item("odi.1")
    assert item_text(item, pack) == "Made-up wording for odi.1"
    assert option_text(item, 3, pack) == "Made-up answer 3"


def test_without_a_pack_our_labels_are_shown_with_a_notice():
    item = get("odi").item("odi.1")
    assert item_text(item, None) == "ODI section 1: pain intensity"
    assert option_text(item, 5, None) == "Level 5 (most disability)"
    assert "not loaded" in NO_PACK_NOTICE


def test_every_mismatched_link_id_is_listed_even_when_nested():
    data = pack_dict()
    data["item"][0]["linkId"] = "peg.one"
    data["item"].append(
        {"linkId": "section", "text": "A group", "item": [{"linkId": "peg.9", "text": "x"}]}
    )
    found = problems("peg", data)
    assert any("'peg.one'" in p for p in found)
    assert any("'section'" in p for p in found)
    assert any("'peg.9'" in p for p in found)
    assert any("no wording for: peg.1" in p for p in found)


def test_nested_items_with_matching_link_ids_are_read():
    data = pack_dict()
    first, *rest = data["item"]
    first["item"] = rest
    data["item"] = [first]
    pack = parse_pack("peg", raw(data))
    assert set(pack.texts) >= {"peg.1", "peg.2", "peg.3"}


def test_items_missing_from_the_pack_are_refused():
    data = pack_dict("odi")
    data["item"] = data["item"][:8]
    assert problems("odi", data) == ["The pack has no wording for: odi.9, odi.10."]


def test_link_ids_of_another_instrument_are_refused():
    found = problems("peg", raw(pack_dict("nprs")))
    assert any("'nprs.now'" in p for p in found)


def test_duplicate_link_ids_are_refused():
    data = pack_dict()
    data["item"].append(dict(data["item"][0]))
    assert any("more than once" in p for p in problems("peg", data))


def test_oversized_pack_is_refused_before_parsing():
    body = b" " * (MAX_PACK_BYTES + 1)
    found = problems("peg", body)
    assert found == [
        f"The file is {MAX_PACK_BYTES + 1} bytes; the largest allowed is 524288 bytes."
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[1, 2]", "not a FHIR Questionnaire"),
        (b'{"resourceType": "Patient"}', "not a FHIR Questionnaire"),
        (b"[" * 100000 + b"]" * 100000, "not valid JSON"),
    ],
)
def test_malformed_files_are_refused(body, expected):
    assert any(expected in p for p in problems("peg", body))


def test_missing_version_is_refused():
    data = pack_dict()
    del data["version"]
    assert any("no version" in p for p in problems("peg", data))
    assert any("no version" in p for p in problems("peg", pack_dict(version="  ")))
    assert any("no version" in p for p in problems("peg", pack_dict(version=3)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (42, "must be a string"),
        ("", "empty"),
        ("x" * 2001, "limit is 2000"),
        (None, "string"),
        ("nul\u0000byte", "control characters"),
    ],
)
def test_bad_item_text_is_refused(text, expected):
    data = pack_dict()
    data["item"][1]["text"] = text
    assert any(expected in p and "'peg.2'" in p for p in problems("peg", data))


def test_text_of_2000_characters_is_accepted():
    data = pack_dict()
    data["item"][1]["text"] = "y" * 2000
    assert parse_pack("peg", raw(data)).texts["peg.2"] == "y" * 2000


def test_answer_codes_must_be_option_values():
    data = pack_dict("odi")
    data["item"][0]["answerOption"].append({"valueCoding": {"code": "6", "display": "extra"}})
    data["item"][1]["answerOption"][0] = {"valueString": "no coding"}
    found = problems("odi", data)
    assert any("'odi.1': answer code '6'" in p for p in found)
    assert any("'odi.2': each answerOption needs a valueCoding" in p for p in found)


def test_bad_option_display_is_refused():
    data = pack_dict("odi")
    data["item"][0]["answerOption"][0]["valueCoding"]["display"] = ["list"]
    assert any("odi.1' answer 0" in p for p in problems("odi", data))


def test_item_list_must_be_a_list_of_objects():
    assert any("must be a list" in p for p in problems("peg", pack_dict(item={"linkId": "x"})))
    found = problems("peg", pack_dict(item=["peg.1", {"text": "no link"}]))
    assert any("not an object" in p for p in found)
    assert any("has no linkId" in p for p in found)


def test_too_deep_nesting_is_refused():
    data = pack_dict()
    node = data["item"][0]
    for _ in range(10):
        child = {"linkId": "peg.2", "text": "deep"}
        node["item"] = [child]
        node = child
    assert any("nested more than" in p for p in problems("peg", data))


def test_unknown_instrument_is_refused():
    assert any("Unknown instrument" in p for p in problems("phq9", pack_dict()))


def test_not_bytes_is_refused():
    with pytest.raises(WordingPackError, match="uploaded as a file"):
        parse_pack("peg", "a string")  # type: ignore[arg-type]


def test_byte_order_mark_is_tolerated():
    pack = parse_pack("peg", b"\xef\xbb\xbf" + placeholder_pack("peg"))
    assert pack.version == "1.0+test-1"


def test_title_defaults_to_the_instrument_title_and_must_be_a_string():
    data = pack_dict()
    del data["title"]
    assert parse_pack("peg", raw(data)).title == get("peg").title
    assert any("title" in p for p in problems("peg", pack_dict(title=["x"])))


def test_placeholder_wording_is_obviously_made_up():
    data = json.loads(placeholder_pack("sbst"))
    assert all(item["text"].startswith("Made-up wording") for item in data["item"])
