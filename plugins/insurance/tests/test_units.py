"""The units engine: every worked example of domain brief 6.2, the midpoint rule, and
properties that must hold for any minutes at all."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plugins.insurance.units import UnitsError, allocate, units_for_minutes

# Domain brief 6.2: the CMS table (rows 7 and 8 follow the pattern).
CMS_TABLE = [
    (0, 7, 0),
    (8, 22, 1),
    (23, 37, 2),
    (38, 52, 3),
    (53, 67, 4),
    (68, 82, 5),
    (83, 97, 6),
    (98, 112, 7),
    (113, 127, 8),
]


@pytest.mark.parametrize("low,high,units", CMS_TABLE)
def test_total_minutes_follow_the_cms_table(low, high, units):
    for minutes in (low, high):
        assert allocate({"97140": minutes}).units == {"97140": units}
        assert units_for_minutes(minutes) == units


def test_33_min_97110_and_7_min_97140_give_two_and_one():
    # 97140's 7 leftover minutes beat 97110's 3.
    result = allocate({"97110": 33, "97140": 7})
    assert result.units == {"97110": 2, "97140": 1}
    assert result.ties == []


def test_24_min_97112_and_23_min_97110_give_two_and_one():
    result = allocate({"97112": 24, "97110": 23})
    assert result.units == {"97112": 2, "97110": 1}
    assert result.ties == []


def test_20_and_20_minutes_are_a_tie_for_the_clinician():
    result = allocate({"97110": 20, "97140": 20})
    assert sorted(result.units.values()) == [1, 2]
    assert result.units == {"97110": 2, "97140": 1}  # first tied code in input order
    assert result.ties == ["97110", "97140"]
    flipped = allocate({"97140": 20, "97110": 20})
    assert flipped.units == {"97140": 2, "97110": 1}


def test_two_short_services_adding_to_eight_bill_one_unit_of_the_longer():
    result = allocate({"97110": 3, "97140": 5})
    assert result.units == {"97110": 0, "97140": 1}
    assert result.ties == []


def test_a_single_service_under_eight_minutes_is_not_billed():
    assert allocate({"97140": 7}).units == {"97140": 0}


def test_untimed_codes_are_one_unit_and_do_not_count_toward_the_total():
    result = allocate({"97140": 38, "97010": 15})
    assert result.units == {"97140": 3, "97010": 1}
    assert result.timed_minutes == 38
    assert allocate({"97140": 7, "97010": 15}).units == {"97140": 0, "97010": 1}


def test_midpoint_rule_counts_each_code_on_its_own():
    # CMS gives 1 unit for 14 minutes in total (a tie); per code, neither reaches 8.
    assert allocate({"97110": 7, "97140": 7}).units == {"97110": 1, "97140": 0}
    assert allocate({"97110": 7, "97140": 7}, rule="midpoint").units == {
        "97110": 0,
        "97140": 0,
    }
    assert allocate({"97110": 33, "97140": 7}, rule="midpoint").units == {
        "97110": 2,
        "97140": 0,
    }
    assert allocate({"97110": 23, "97010": 15}, rule="midpoint").units == {
        "97110": 2,
        "97010": 1,
    }


@pytest.mark.parametrize(
    "minutes,message",
    [
        ({"99999": 10}, "unknown CPT code"),
        ({"97140": -1}, "cannot be negative"),
        ({"97140": 10.5}, "whole number"),
        ({"97140": True}, "whole number"),
    ],
)
def test_bad_input_is_refused(minutes, message):
    with pytest.raises(UnitsError, match=message):
        allocate(minutes)


def test_an_unknown_rule_is_refused():
    with pytest.raises(UnitsError, match="unknown unit rule"):
        allocate({"97140": 10}, rule="nearest")


TIMED = ["97124", "97140", "97112", "97110", "97530"]
minutes_maps = st.dictionaries(
    st.sampled_from(TIMED + ["97010", "97161", "97164"]),
    st.integers(min_value=0, max_value=240),
    max_size=8,
)


def _timed_total(minutes):
    return sum(m for c, m in minutes.items() if c in TIMED)


@given(minutes_maps)
def test_cms_total_timed_units_match_the_table(minutes):
    result = allocate(minutes)
    timed_units = sum(u for c, u in result.units.items() if c in TIMED)
    assert timed_units == units_for_minutes(_timed_total(minutes))
    assert all(u == 1 for c, u in result.units.items() if c not in TIMED)


@given(minutes_maps, st.sampled_from(["cms", "midpoint"]))
def test_units_are_never_negative_nor_more_than_the_minutes_allow(minutes, rule):
    result = allocate(minutes, rule=rule)
    assert set(result.units) == set(minutes)
    assert all(u >= 0 for u in result.units.values())
    timed_units = sum(u for c, u in result.units.items() if c in TIMED)
    # Never more timed units than the minutes allow under the rule's own table (CMS:
    # the total; midpoint: each code alone), and no code more than one unit beyond its
    # own full quarter hours.
    if rule == "cms":
        assert timed_units <= units_for_minutes(_timed_total(minutes))
    else:
        assert timed_units <= sum(units_for_minutes(m) for c, m in minutes.items() if c in TIMED)
    for code in TIMED:
        if code in minutes:
            assert result.units[code] <= minutes[code] // 15 + 1


@given(minutes_maps)
def test_midpoint_total_is_the_sum_of_each_codes_own_table(minutes):
    result = allocate(minutes, rule="midpoint")
    for code, m in minutes.items():
        expected = units_for_minutes(m) if code in TIMED else 1
        assert result.units[code] == expected


@given(minutes_maps)
def test_ties_name_codes_with_equal_leftover_and_the_first_gets_the_unit(minutes):
    result = allocate(minutes)
    if result.ties:
        leftovers = {minutes[c] % 15 for c in result.ties}
        assert len(leftovers) == 1 and len(result.ties) >= 2
        order = [c for c in minutes if c in result.ties]
        assert result.ties == order
        first = order[0]
        assert result.units[first] == minutes[first] // 15 + 1
