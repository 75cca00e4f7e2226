"""The bundled ICD-10-CM back-pain codes."""

from __future__ import annotations

import json

import pytest

from clinic.api import icd10

REQUIRED = {
    "M54.50": "Low back pain, unspecified",
    "M54.51": "Vertebrogenic low back pain",
    "M54.59": "Other low back pain",
    "M54.16": "Radiculopathy, lumbar region",
    "M54.17": "Radiculopathy, lumbosacral region",
    "M54.40": "Lumbago with sciatica, unspecified side",
    "M54.41": "Lumbago with sciatica, right side",
    "M54.42": "Lumbago with sciatica, left side",
    "M62.830": "Muscle spasm of back",
    "M62.838": "Other muscle spasm",
    "S39.012A": "Strain of muscle, fascia and tendon of lower back, initial encounter",
    "S39.012D": "Strain of muscle, fascia and tendon of lower back, subsequent encounter",
    "S39.012S": "Strain of muscle, fascia and tendon of lower back, sequela",
}


def test_data_file_has_the_domain_brief_codes_with_their_titles():
    for code, title in REQUIRED.items():
        diagnosis = icd10.lookup(code)
        assert diagnosis is not None, code
        assert diagnosis.title == title
        assert diagnosis.billable is True


def test_m54_5_is_listed_but_not_billable():
    assert icd10.lookup("M54.5") == icd10.Diagnosis("M54.5", "Low back pain", False)


def test_data_file_is_well_formed():
    rows = json.loads(icd10.DATA_FILE.read_text(encoding="utf-8"))
    optional = {"hint", "unusual_for_massage"}
    assert all({"code", "title", "billable"} <= set(row) for row in rows)
    assert all(set(row) <= {"code", "title", "billable", *optional} for row in rows)
    assert all(isinstance(row.get(k, ""), str) for row in rows for k in optional)
    assert all(isinstance(row["billable"], bool) for row in rows)
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    assert all(code == code.strip().upper() for code in codes)
    assert len(icd10.load()) == len(rows)


@pytest.mark.parametrize("code", ["M54.50", "m54.50", "M5450", " m5450 "])
def test_lookup_ignores_case_dots_and_spaces(code):
    assert icd10.lookup(code).code == "M54.50"


def test_lookup_of_unknown_code_is_none():
    assert icd10.lookup("Z99.99") is None
    assert icd10.lookup(None) is None


@pytest.mark.parametrize("query", ["M54.5", "m54.5", "m545", "M545"])
def test_search_by_code_prefix_with_or_without_dot(query):
    codes = [d.code for d in icd10.search(query)]
    assert codes == ["M54.5", "M54.50", "M54.51", "M54.59"]


def test_search_puts_the_exact_code_first():
    codes = [d.code for d in icd10.search("m54.50")]
    assert codes == ["M54.50"]
    assert [d.code for d in icd10.search("S39")] == ["S39.012A", "S39.012D", "S39.012S"]


def test_search_by_words_needs_every_word():
    assert [d.code for d in icd10.search("sciatica left")] == ["M54.32", "M54.42"]
    assert [d.code for d in icd10.search("Lumbago Sciatica")] == ["M54.40", "M54.41", "M54.42"]


def test_search_words_match_word_beginnings_not_the_middle():
    assert "M54.40" in [d.code for d in icd10.search("sciat")]
    assert icd10.search("atica") == []


def test_search_mixes_codes_and_words():
    assert [d.code for d in icd10.search("M54 right")] == ["M54.31", "M54.41"]


def test_search_respects_the_limit_and_empty_queries():
    # A lone letter is the first character of a code being typed.
    assert [d.code for d in icd10.search("s", limit=3)] == ["S16.1XXA", "S33.5XXA", "S33.5XXD"]
    assert len(icd10.search("pain", limit=3)) == 3
    assert icd10.search("") == []
    assert icd10.search("   ") == []
    assert icd10.search("pain", limit=0) == []


def test_validate_codes_returns_diagnoses_in_order_without_duplicates():
    found = icd10.validate_codes(["m54.50", "M62.830", "M5450"])
    assert [d.code for d in found] == ["M54.50", "M62.830"]


def test_validate_codes_refuses_the_non_billable_header_m54_5_and_suggests_children():
    with pytest.raises(ValueError) as info:
        icd10.validate_codes(["M54.5"])
    message = str(info.value)
    assert "M54.5" in message and "not a billable" in message
    assert "M54.50" in message and "M54.59" in message


def test_validate_codes_names_every_unknown_code():
    with pytest.raises(ValueError) as info:
        icd10.validate_codes(["M54.50", "X12", "Q99.9"])
    assert "X12" in str(info.value) and "Q99.9" in str(info.value)


def test_validate_codes_skips_blanks():
    assert icd10.validate_codes(["", "  "]) == []


def test_m54_51_carries_the_endplate_hint_and_segmental_codes_the_massage_flag():
    assert "imaging" in icd10.lookup("M54.51").hint
    for code in ("M99.01", "M99.02", "M99.03", "M99.04", "M99.05"):
        assert icd10.lookup(code).unusual_for_massage
    assert icd10.lookup("M54.50").notes == ()
