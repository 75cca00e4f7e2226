"""Session-level checks and the safety gates."""

from __future__ import annotations

import datetime as dt

import pytest

from clinic.api import SafetyFlag
from plugins.treatment.domain.builtin import HOT_PACK, NMT, PRT
from plugins.treatment.domain.rules import (
    NoteError,
    OverrideNeeded,
    check_session,
    heat_conflicts,
    local_conflicts,
    override_gate,
    pain_score,
    plan_activation_blockers,
    pressure_warnings,
    sensation_test_needed,
    service_minutes,
    treatment_blockers,
    unsigned_overdue,
)

TODAY = dt.date(2026, 3, 2)


def session(**overrides):
    args = {
        "date": TODAY,
        "start": dt.time(9, 0),
        "end": dt.time(10, 0),
        "pain_before": 6,
        "pain_after": 3,
        "entries": [(HOT_PACK, {"minutes": 15}), (NMT, {"minutes": 25}), (PRT, {"minutes": 20})],
        "today": TODAY,
    }
    args.update(overrides)
    return check_session(**args)


def refused(**overrides) -> dict[str, str]:
    with pytest.raises(NoteError) as info:
        session(**overrides)
    return info.value.errors


# -- check_session --------------------------------------------------------------------


def test_a_full_hour_with_three_modalities_totals_and_times_minutes():
    result = session()
    assert result.total_minutes == 60
    assert result.timed_minutes == 45  # the hot pack is untimed
    assert result.session_minutes == 60
    assert result.warnings == ()


def test_end_before_or_at_start_is_refused():
    assert "end" in refused(end=dt.time(8, 59))
    assert "end" in refused(end=dt.time(9, 0))
    session(end=dt.time(9, 1), entries=[(NMT, {"minutes": 1})])


def test_sessions_longer_than_four_hours_are_refused_and_over_two_hours_warn():
    assert "end" in refused(end=dt.time(13, 1))
    long = session(end=dt.time(13, 0))
    assert any("240 minutes" in w for w in long.warnings)
    assert session(end=dt.time(11, 0)).warnings == ()
    assert session(end=dt.time(11, 1)).warnings


def test_future_dates_are_refused_and_old_ones_warn_as_late_entries():
    assert "date" in refused(date=TODAY + dt.timedelta(days=1))
    assert session(date=TODAY - dt.timedelta(days=7)).warnings == ()
    assert any("late entry" in w for w in session(date=TODAY - dt.timedelta(days=8)).warnings)


def test_a_datetime_is_not_a_session_date():
    assert "date" in refused(date=dt.datetime(2026, 3, 2, 9, 0))


def test_missing_times_are_refused():
    assert "end" in refused(start=None)


@pytest.mark.parametrize("value", [-1, 11, 2.5, "7.5", "ten", True])
def test_pain_outside_0_to_10_or_not_whole_is_refused(value):
    errors = refused(pain_before=value, pain_after=value)
    assert set(errors) == {"pain_before", "pain_after"}


@pytest.mark.parametrize("value, expected", [(0, 0), (10, 10), ("4", 4), (5.0, 5), (None, None)])
def test_pain_scores_at_the_edges_and_from_forms(value, expected):
    assert pain_score(value) == expected
    session(pain_before=value)


def test_pain_may_be_left_blank():
    assert session(pain_before=None, pain_after="").total_minutes == 60


def test_modality_minutes_beyond_the_session_are_refused():
    errors = refused(entries=[(NMT, {"minutes": 45}), (PRT, {"minutes": 16})])
    assert errors == {
        "entries": "The modalities add up to 61 minutes but the session lasted 60 minutes."
    }
    assert session(entries=[(NMT, {"minutes": 45}), (PRT, {"minutes": 15})]).total_minutes == 60


def test_an_entry_without_minutes_is_refused():
    assert "entries" in refused(entries=[(NMT, {})])


def test_pain_rising_by_the_minimal_important_change_warns():
    assert session(pain_before=4, pain_after=5).warnings == ()
    assert any("Pain rose" in w for w in session(pain_before=4, pain_after=6).warnings)


def test_a_session_without_modalities_warns():
    result = session(entries=[])
    assert result.total_minutes == 0
    assert any("No modality" in w for w in result.warnings)


def test_several_problems_are_reported_together():
    errors = refused(date=TODAY + dt.timedelta(days=3), end=dt.time(8, 0), pain_after=12)
    assert set(errors) == {"date", "end", "pain_after"}


# -- safety gate ----------------------------------------------------------------------


def flag(kind, **kw) -> SafetyFlag:
    defaults = {"code": f"test_{kind}", "message": f"{kind} finding", "advice": "Ask the doctor."}
    defaults.update(kw)
    return SafetyFlag(kind=kind, **defaults)


def test_no_flags_no_blockers():
    assert plan_activation_blockers([]) == []


def test_an_unreviewed_red_flag_blocks_and_a_reviewed_one_does_not():
    blockers = plan_activation_blockers([flag("red_flag", message="Night pain")])
    assert len(blockers) == 1 and "Night pain" in blockers[0]
    assert plan_activation_blockers([flag("red_flag", reviewed=True)]) == []
    # A red flag is reviewed, not cleared: clearing alone does not lift it.
    assert plan_activation_blockers([flag("red_flag", cleared=True)])


def test_an_absolute_contraindication_needs_clearance_not_just_review():
    assert plan_activation_blockers([flag("absolute", message="Fever")])
    still = plan_activation_blockers([flag("absolute", message="Fever", reviewed=True)])
    assert len(still) == 1 and "cleared" in still[0]
    assert plan_activation_blockers([flag("absolute", cleared=True)]) == []


@pytest.mark.parametrize("kind", ["precaution", "relative", "local", "heat", "pressure"])
def test_other_kinds_including_pregnancy_precaution_do_not_block(kind):
    assert plan_activation_blockers([flag(kind, message="Pregnant, 14 weeks")]) == []


def test_every_blocking_flag_is_listed():
    flags = [flag("red_flag", message="A"), flag("absolute", message="B"), flag("precaution")]
    assert len(plan_activation_blockers(flags)) == 2


def test_an_emergency_blocks_until_reviewed_whatever_its_kind():
    emergency = flag("precaution", message="Saddle numbness", emergency=True)
    assert treatment_blockers([emergency]) == [emergency]
    assert "Emergency" in plan_activation_blockers([emergency])[0]
    assert treatment_blockers([flag("precaution", emergency=True, reviewed=True)]) == []


def test_blockers_accept_any_iterable_of_flags():
    assert plan_activation_blockers(iter([flag("red_flag")]))


# -- heat ---------------------------------------------------------------------------


def test_heat_flag_on_the_left_low_back_conflicts_only_with_the_left_side():
    numb = flag("heat", message="Numbness", regions=("lower_back_l",))
    conflicts = heat_conflicts([numb], ["lower_back_l"])
    assert conflicts == ["No heat over Lower back, left: Numbness"]
    assert heat_conflicts([numb], ["lower_back_r"]) == []
    assert len(heat_conflicts([numb], ["lower_back_r", "lower_back_l"])) == 1


def test_a_heat_flag_without_regions_covers_the_whole_body():
    fever = flag("heat", message="Fever", regions=())
    assert heat_conflicts([fever], ["calf_r"]) == ["No heat anywhere: Fever"]


def test_cleared_heat_flags_and_other_kinds_do_not_conflict():
    assert heat_conflicts([flag("heat", regions=("neck_l",), cleared=True)], ["neck_l"]) == []
    assert heat_conflicts([flag("local", regions=("neck_l",))], ["neck_l"]) == []
    assert heat_conflicts([flag("absolute")], ["neck_l"]) == []


def test_a_reviewed_heat_flag_still_conflicts_until_cleared():
    assert heat_conflicts([flag("heat", regions=("neck_l",), reviewed=True)], ["neck_l"])


def test_unsided_region_codes_cover_both_sides():
    tumour = flag("heat", message="Tumour", regions=("lower_back",))
    assert heat_conflicts([tumour], ["lower_back_r"])
    assert heat_conflicts([tumour], ["lower_back_l"])
    assert heat_conflicts([flag("heat", regions=("lower_back_l",))], ["lower_back"])
    assert heat_conflicts([tumour], ["mid_back_r"]) == []


def test_one_message_per_conflicting_flag():
    flags = [
        flag("heat", message="Numbness", regions=("buttock_l", "lower_back_l")),
        flag("heat", message="Scar", regions=("buttock_l",)),
        flag("heat", message="Ankle", regions=("foot_l",)),
    ]
    conflicts = heat_conflicts(flags, ["buttock_l", "lower_back_l"])
    assert conflicts == [
        "No heat over Buttock, left, Lower back, left: Numbness",
        "No heat over Buttock, left: Scar",
    ]


# -- local and pressure -------------------------------------------------------------


def test_local_contraindications_conflict_over_the_area_only():
    wound = flag("local", message="Healing wound", regions=("lower_back_r",))
    assert local_conflicts([wound], ["lower_back_r"]) == ["Avoid Lower back, right: Healing wound"]
    assert local_conflicts([wound], ["lower_back_l"]) == []
    assert local_conflicts([flag("local", regions=("neck_l",), cleared=True)], ["neck_l"]) == []


def test_a_local_finding_without_regions_covers_the_whole_body():
    lump = flag("local", message="Undiagnosed lump", regions=())
    assert local_conflicts([lump], ["calf_r"]) == [
        "Local contraindication, no area marked: Undiagnosed lump"
    ]
    assert local_conflicts([lump], []) == local_conflicts([lump], ["calf_r"])


def test_a_sensation_test_is_needed_over_a_heat_check_area_until_documented():
    diabetes = flag("heat_check", message="Diabetes", regions=())
    feet = flag("heat_check", message="Neuropathy", regions=("foot_l",))
    assert sensation_test_needed([diabetes], ["lower_back_l"], documented=False)
    assert sensation_test_needed([diabetes], ["lower_back_l"], documented=True) == []
    assert sensation_test_needed([feet], ["lower_back_l"], documented=False) == []
    assert sensation_test_needed([flag("heat_check", cleared=True)], ["x"], documented=False) == []


@pytest.mark.parametrize("pressure, warns", [(None, False), (6, False), (7, True), (10, True)])
def test_deep_pressure_with_an_anticoagulant_flag_warns(pressure, warns):
    thinners = flag("pressure", message="Takes anticoagulants")
    assert bool(pressure_warnings([thinners], pressure)) is warns
    assert pressure_warnings([flag("pressure", cleared=True)], 9) == []


# -- form strings, billing minutes, to-do list, concurrent drafts -------------------


def test_session_times_and_date_may_arrive_as_form_strings():
    result = session(
        date="2026-03-02", start="09:00", end="09:45", entries=[(NMT, {"minutes": 45})]
    )
    assert result.session_minutes == 45
    assert set(refused(date="2026-02-30", start="9am")) == {"date", "end"}


def test_service_minutes_add_up_per_modality_and_keep_timing():
    entries = [
        (NMT, {"minutes": 10}),
        (HOT_PACK, {"minutes": 15}),
        (NMT, {"minutes": 15}),
        (PRT, {"minutes": 8}),
    ]
    assert [(s.service, s.minutes, s.timed) for s in service_minutes(entries)] == [
        ("treatment.nmt", 25, True),
        ("treatment.hot_pack", 15, False),
        ("treatment.prt", 8, True),
    ]
    assert service_minutes([]) == []


@pytest.mark.parametrize("hours_ago, overdue", [(23, False), (24, False), (24.01, True)])
def test_unsigned_notes_older_than_the_setting_are_overdue(hours_ago, overdue):
    now = dt.datetime(2026, 3, 3, 12, 0)
    started = now - dt.timedelta(hours=hours_ago)
    assert unsigned_overdue(started=started, now=now, hours=24) is overdue
    assert unsigned_overdue(started=now - dt.timedelta(hours=5), now=now, hours=4) is True


def test_override_gate_refuses_without_a_written_reason_and_returns_what_was_overridden():
    numb = flag("heat", message="Numbness", regions=("lower_back_l",))
    assert override_gate(heat_conflicts([numb], ["lower_back_r"])) == []
    conflicts = heat_conflicts([numb], ["lower_back_l"])
    with pytest.raises(OverrideNeeded) as info:
        override_gate(conflicts)
    assert info.value.conflicts == ["No heat over Lower back, left: Numbness"]
    with pytest.raises(OverrideNeeded):
        override_gate(conflicts, "  ok       ")
    with pytest.raises(OverrideNeeded):
        override_gate(conflicts, "Retested fine", min_chars=20)
    overridden = override_gate(conflicts, "Sensation retested normal today")
    assert overridden == ["No heat over Lower back, left: Numbness"]
