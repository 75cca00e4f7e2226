"""Plan arithmetic, status transitions, goals and re-evaluation."""

from __future__ import annotations

import datetime as dt

import pytest

from plugins.treatment.domain.plans import (
    Goal,
    GoalError,
    PlanTransitionError,
    check_transition,
    goal_met,
    goal_problems,
    goal_progress,
    parse_goal,
    plan_date_errors,
    plan_end_date,
    plan_end_near,
    planned_visits,
    reeval_due,
)


@pytest.mark.parametrize(
    "per_week, weeks, visits", [(1, 6, 6), (2, 4, 8), (3, 1, 3), (7, 52, 364), (1, 1, 1)]
)
def test_planned_visits_multiply_frequency_by_duration(per_week, weeks, visits):
    assert planned_visits(per_week, weeks) == visits


@pytest.mark.parametrize("per_week, weeks", [(0, 6), (8, 6), (1, 0), (1, 53), (1.5, 6), (True, 6)])
def test_planned_visits_refuse_impossible_frequencies(per_week, weeks):
    with pytest.raises(ValueError):
        planned_visits(per_week, weeks)


@pytest.mark.parametrize(
    "current, target",
    [
        ("draft", "active"),
        ("active", "completed"),
        ("draft", "discontinued"),
        ("active", "discontinued"),
    ],
)
def test_allowed_transitions(current, target):
    check_transition(current, target, reason="Patient moved away")


@pytest.mark.parametrize(
    "current, target",
    [
        ("draft", "completed"),
        ("active", "draft"),
        ("completed", "active"),
        ("completed", "discontinued"),
        ("discontinued", "active"),
        ("discontinued", "draft"),
        ("active", "active"),
        ("draft", "archived"),
        ("deleted", "draft"),
    ],
)
def test_every_other_transition_is_refused(current, target):
    with pytest.raises(PlanTransitionError):
        check_transition(current, target, reason="because")


def test_activation_is_refused_while_blockers_remain_and_names_them():
    with pytest.raises(PlanTransitionError, match="Night pain"):
        check_transition("draft", "active", blockers=["Red flag: Night pain"])
    check_transition("draft", "active", blockers=[])


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_discontinuing_needs_a_reason(reason):
    with pytest.raises(PlanTransitionError, match="reason"):
        check_transition("active", "discontinued", reason=reason)


def test_completing_needs_no_reason():
    check_transition("active", "completed")


ODI_GOAL = Goal("odi", baseline=42.0, target=20.0, target_date=dt.date(2026, 3, 15))
WALK_GOAL = Goal("walk_minutes", 10, 30, dt.date(2026, 3, 15), direction="above")


@pytest.mark.parametrize(
    "value, met", [(None, False), (42.0, False), (20.1, False), (20.0, True), (4.0, True)]
)
def test_a_below_goal_is_met_at_or_below_the_target(value, met):
    assert goal_met(ODI_GOAL, value) is met


@pytest.mark.parametrize("value, met", [(29, False), (30, True), (45, True), (None, False)])
def test_an_above_goal_is_met_at_or_above_the_target(value, met):
    assert goal_met(WALK_GOAL, value) is met


def test_goal_direction_and_measure_are_checked():
    with pytest.raises(ValueError):
        Goal("odi", 42, 20, dt.date(2026, 3, 15), direction="down")
    with pytest.raises(ValueError):
        Goal(" ", 42, 20, dt.date(2026, 3, 15))


def test_a_goal_already_met_at_baseline_is_flagged():
    assert goal_problems(ODI_GOAL) == []
    assert goal_problems(Goal("odi", 18, 20, dt.date(2026, 3, 15)))
    assert goal_problems(Goal("walk", 40, 30, dt.date(2026, 3, 15), direction="above"))
    assert goal_problems(Goal("odi", None, 20, dt.date(2026, 3, 15))) == []


def test_goal_progress_is_the_share_of_the_way_from_baseline_to_target():
    assert goal_progress(ODI_GOAL, 31.0) == 50.0
    assert goal_progress(ODI_GOAL, 20.0) == 100.0
    assert goal_progress(ODI_GOAL, 46.4) == -20.0
    assert goal_progress(WALK_GOAL, 20) == 50.0
    assert goal_progress(ODI_GOAL, None) is None
    assert goal_progress(Goal("odi", None, 20, dt.date(2026, 3, 15)), 30) is None


def test_reeval_is_due_on_and_after_its_date():
    day = dt.date(2026, 3, 10)
    assert reeval_due(today=day - dt.timedelta(days=1), reeval_date=day, visits_done=1) is None
    assert "today" in reeval_due(today=day, reeval_date=day, visits_done=1)
    assert "2026-03-10" in reeval_due(
        today=day + dt.timedelta(days=3), reeval_date=day, visits_done=1
    )


@pytest.mark.parametrize(
    "visits, due",
    [
        (0, False),
        (5, False),
        (8, False),
        (9, True),
        (10, True),
        (11, False),
        (19, True),
        (20, True),
        (21, False),
    ],
)
def test_reeval_by_count_falls_due_around_every_tenth_visit(visits, due):
    reason = reeval_due(today=dt.date(2026, 3, 1), reeval_date=None, visits_done=visits)
    assert (reason is not None) is due


@pytest.mark.parametrize("since, due", [(0, False), (8, False), (9, True), (10, True), (14, True)])
def test_reeval_counted_since_the_last_one_stays_due_until_done(since, due):
    reason = reeval_due(
        today=dt.date(2026, 3, 1), reeval_date=None, visits_done=30, visits_since_reeval=since
    )
    assert (reason is not None) is due
    if since >= 10:
        assert "overdue" in reason


def test_reeval_visit_count_is_a_setting_and_can_be_turned_off():
    today = dt.date(2026, 3, 1)
    assert reeval_due(today=today, reeval_date=None, visits_done=6, every_visits=6)
    assert reeval_due(today=today, reeval_date=None, visits_done=5, every_visits=6)
    assert reeval_due(today=today, reeval_date=None, visits_done=4, every_visits=6) is None
    assert reeval_due(today=today, reeval_date=None, visits_done=30, every_visits=0) is None
    assert reeval_due(today=today, reeval_date=None, visits_done=29, every_visits=None) is None


def test_the_date_rule_applies_whatever_the_count():
    day = dt.date(2026, 3, 10)
    assert reeval_due(today=day, reeval_date=day, visits_done=3, every_visits=0)


def test_plan_end_date_counts_whole_weeks():
    monday = dt.date(2026, 3, 2)
    assert plan_end_date(monday, 6) == dt.date(2026, 4, 12)  # a Sunday


@pytest.mark.parametrize(
    "today, near",
    [
        (dt.date(2026, 4, 4), False),  # 8 days before the end
        (dt.date(2026, 4, 5), True),  # 7 days before
        (dt.date(2026, 4, 12), True),  # the last day
        (dt.date(2026, 4, 20), True),  # already over
        (dt.date(2026, 3, 2), False),
    ],
)
def test_plan_end_is_near_within_the_warning_days(today, near):
    assert plan_end_near(today=today, start=dt.date(2026, 3, 2), weeks=6) is near


def test_plan_end_warning_days_is_a_setting():
    args = {"today": dt.date(2026, 4, 1), "start": dt.date(2026, 3, 2), "weeks": 6}
    assert plan_end_near(**args) is False
    assert plan_end_near(**args, warn_days=14) is True


def test_parse_goal_from_form_strings():
    goal = parse_goal(
        measure=" ODI ",
        baseline="42",
        target="20,0",
        target_date="2026-03-15",
        direction="below",
        plan_start=dt.date(2026, 2, 1),
    )
    assert goal == Goal("ODI", 42.0, 20.0, dt.date(2026, 3, 15), "below")
    assert (
        parse_goal(
            measure="nprs",
            baseline="",
            target="3",
            target_date=dt.date(2026, 3, 1),
            direction="below",
        ).baseline
        is None
    )


def test_parse_goal_names_every_problem():
    with pytest.raises(GoalError) as info:
        parse_goal(measure="", baseline="lots", target="", target_date="15 March", direction="down")
    assert set(info.value.errors) == {"measure", "baseline", "target", "target_date", "direction"}


def test_parse_goal_refuses_dates_before_the_plan_and_targets_met_at_baseline():
    with pytest.raises(GoalError) as info:
        parse_goal(
            measure="odi",
            baseline=42,
            target=20,
            target_date=dt.date(2026, 1, 31),
            plan_start=dt.date(2026, 2, 1),
        )
    assert set(info.value.errors) == {"target_date"}
    with pytest.raises(GoalError) as info:
        parse_goal(measure="odi", baseline=18, target=20, target_date=dt.date(2026, 3, 1))
    assert "already meets" in info.value.errors["target"]
    with pytest.raises(GoalError):
        parse_goal(measure="odi", baseline="nan", target=20, target_date=dt.date(2026, 3, 1))


def test_plan_dates():
    start = dt.date(2026, 3, 2)
    assert plan_date_errors(start=start, weeks=6, reeval_date=None) == {}
    assert plan_date_errors(start=start, weeks=6, reeval_date=dt.date(2026, 4, 12)) == {}
    assert "reeval_date" in plan_date_errors(start=start, weeks=6, reeval_date=start)
    assert "reeval_date" in plan_date_errors(start=start, weeks=6, reeval_date=dt.date(2026, 4, 13))
    assert "start_date" in plan_date_errors(start=None, weeks=6, reeval_date=None)


def test_baseline_suggestions_take_the_latest_score_of_each_measure():
    from clinic.api.pure import OutcomeMeasure
    from plugins.treatment.domain.plans import baseline_suggestions, is_untouched_suggestion

    d = dt.date
    measures = [
        OutcomeMeasure("odi", "Oswestry", d(2026, 9, 1), 48.0, "%"),
        OutcomeMeasure("nprs", "Pain", d(2026, 9, 1), 7.0),
        OutcomeMeasure("odi", "Oswestry", d(2026, 10, 1), 42.0, "%", "moderate"),
    ]
    found = baseline_suggestions(measures)
    assert [(s.measure, s.baseline_text, s.taken_on) for s in found] == [
        ("odi", "42", d(2026, 10, 1)),
        ("nprs", "7", d(2026, 9, 1)),
    ]
    assert [s.measure for s in baseline_suggestions(measures, skip=["ODI"])] == ["nprs"]
    assert is_untouched_suggestion({"measure": "odi", "baseline": "42"}, found)
    assert not is_untouched_suggestion({"measure": "odi", "baseline": "42", "target": "20"}, found)
    assert not is_untouched_suggestion({"measure": "odi", "baseline": "40"}, found)
