"""The content hash that seals a signed note."""

from __future__ import annotations

import copy
import datetime as dt
import decimal

import pytest

from plugins.treatment.domain.hashing import canonical_json, content_hash, verify

NOTE = {
    "patient_id": 7,
    "date": dt.date(2026, 3, 2),
    "start": dt.time(9, 0),
    "end": dt.time(10, 0),
    "pain_before": 6,
    "pain_after": 3,
    "subjective": "Ache after gardening; sleeps better.",
    "entries": [
        {"modality": "nmt", "values": {"muscle": "quadratus_lumborum", "minutes": 25}},
        {"modality": "hot_pack", "values": {"tank_temp_c": 72.5, "skin_checks": []}},
    ],
    "signed_at": dt.datetime(2026, 3, 2, 10, 5, tzinfo=dt.UTC),
}


def test_hash_is_sha256_hex():
    digest = content_hash(NOTE)
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_same_content_in_any_key_order_gives_the_same_hash():
    reordered = dict(reversed(list(NOTE.items())))
    reordered["entries"] = [
        {"values": {"minutes": 25, "muscle": "quadratus_lumborum"}, "modality": "nmt"},
        NOTE["entries"][1],
    ]
    assert content_hash(reordered) == content_hash(NOTE)


def test_a_known_value_pins_the_canonical_form():
    # If this changes, every stored hash stops verifying: never change the format.
    note = {"b": [1, 2], "a": dt.date(2026, 1, 2), "c": "é"}
    assert canonical_json(note) == '{"a":"2026-01-02","b":[1,2],"c":"é"}'
    assert content_hash(note) == (
        "0cdccd6062ea7441f211f25b5e41683f2d47037fcd0a12a5a6e65d11e65f1799"
    )


@pytest.mark.parametrize(
    "change",
    [
        lambda n: n.update(pain_after=4),
        lambda n: n.update(subjective=n["subjective"] + " "),
        lambda n: n.update(date=dt.date(2026, 3, 3)),
        lambda n: n.update(start=dt.time(9, 1)),
        lambda n: n["entries"].reverse(),
        lambda n: n["entries"][0]["values"].update(minutes=26),
        lambda n: n.update(extra=None),
        lambda n: n.pop("pain_before"),
        lambda n: n.update(pain_before="6"),
    ],
)
def test_any_change_gives_a_different_hash(change):
    changed = copy.deepcopy(NOTE)
    change(changed)
    assert content_hash(changed) != content_hash(NOTE)


def test_verify_compares_with_the_stored_hash():
    stored = content_hash(NOTE)
    assert verify(NOTE, stored)
    assert not verify({**NOTE, "pain_after": 2}, stored)
    assert not verify(NOTE, "")


def test_tuples_hash_like_lists_and_sets_are_ordered():
    assert content_hash({"r": ("a", "b")}) == content_hash({"r": ["a", "b"]})
    assert content_hash({"r": {"b", "a"}}) == content_hash({"r": ["a", "b"]})
    assert content_hash({"x": decimal.Decimal("1.50")}) == content_hash({"x": "1.50"})


@pytest.mark.parametrize("bad", [{"x": float("nan")}, {"x": object()}, ["not", "a", "mapping"]])
def test_unhashable_content_is_refused_rather_than_guessed(bad):
    with pytest.raises((TypeError, ValueError)):
        content_hash(bad)
