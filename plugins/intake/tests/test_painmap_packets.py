"""Pure rules of the web side: pain-diagram ratings and packet definitions."""

from __future__ import annotations

import pytest

from clinic.api import BODY_REGIONS
from plugins.intake import painmap
from plugins.intake.packets import BUNDLED_PACKETS, PacketError, check_packet

KNOWN = ["nprs", "odi", "pain_diagram"]


def test_ratings_are_coerced_and_blanks_dropped():
    assert painmap.clean_ratings({"neck_l": "0", "lower_back_r": " 10 ", "calf_l": ""}) == {
        "neck_l": 0,
        "lower_back_r": 10,
    }


@pytest.mark.parametrize("value", ["11", "-1", "seven", "5.5", True])
def test_out_of_range_or_non_numeric_ratings_are_refused(value):
    with pytest.raises(painmap.PainDiagramError) as caught:
        painmap.clean_ratings({"neck_l": value})
    assert set(caught.value.errors) == {"neck_l"}


def test_unknown_region_is_refused():
    with pytest.raises(painmap.PainDiagramError) as caught:
        painmap.clean_ratings({"tail": "3"})
    assert "tail" in caught.value.errors


def test_every_region_has_a_shape_inside_the_outline_and_sides_mirror():
    assert {s.code for s in painmap.SHAPES} == {r.code for r in BODY_REGIONS}
    for shape in painmap.SHAPES:
        assert 0 <= shape.x and shape.x + shape.w <= painmap.WIDTH
        assert shape.y + shape.h <= painmap.HEIGHT
    by_code = {s.code: s for s in painmap.SHAPES}
    # Back view: the patient's left is on the viewer's left.
    assert by_code["lower_back_l"].x < by_code["lower_back_r"].x
    # Front view: mirrored.
    assert by_code["knee_l"].x > by_code["knee_r"].x


def test_every_region_is_a_fingertip_target_and_none_overlap():
    # 44 x 44 CSS px at the tablet's drawing scale.
    for shape in painmap.SHAPES:
        assert min(shape.w, shape.h) * painmap.TABLET_PX_PER_UNIT >= 44, shape
    for view in ("front", "back"):
        drawn = painmap.shapes(view)
        for i, a in enumerate(drawn):
            for b in drawn[i + 1 :]:
                apart = a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y
                assert apart, (a.code, b.code)


def test_intensity_classes_follow_the_nprs_bands():
    assert [painmap.intensity_class(v) for v in (None, 0, 3, 4, 6, 7, 10)] == [
        "pain-none",
        "pain-0",
        "pain-mild",
        "pain-moderate",
        "pain-moderate",
        "pain-severe",
        "pain-severe",
    ]


def test_typed_values_draw_safely_even_when_invalid():
    assert painmap.intensity_class("7") == "pain-severe"
    assert [painmap.intensity_class(v) for v in ("12", "x", "", "-1", 11, True)] == [
        "pain-none"
    ] * 6


def test_bundled_packets_match_the_issue():
    by_code = {p.code: p for p in BUNDLED_PACKETS}
    assert by_code["new_back_pain"].title == "New back-pain patient"
    assert by_code["new_back_pain"].steps == (
        "history",
        "consent",
        "pain_diagram",
        "nprs",
        "odi",
        "sbst",
        "peg",
    )
    assert by_code["followup"].steps == ("nprs", "odi", "peg")
    assert by_code["followup_rmdq"].steps == ("nprs", "rmdq", "peg")


def test_a_valid_packet_is_accepted_in_the_given_order():
    packet = check_packet("pain_check", " Pain check ", ["pain_diagram", "nprs"], KNOWN)
    assert packet.steps == ("pain_diagram", "nprs") and packet.title == "Pain check"


@pytest.mark.parametrize(
    ("code", "title", "steps", "words"),
    [
        ("Bad Code", "T", ["nprs"], "code"),
        ("ok_code", "", ["nprs"], "title"),
        ("ok_code", "T", [], "at least one"),
        ("ok_code", "T", ["nprs", "xyz"], "Unknown steps: xyz"),
        ("ok_code", "T", ["nprs", "nprs"], "only once"),
    ],
)
def test_bad_packets_are_refused_with_the_reason(code, title, steps, words):
    with pytest.raises(PacketError, match=words):
        check_packet(code, title, steps, KNOWN)
